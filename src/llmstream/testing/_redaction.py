"""Keeping secrets out of cassettes.

A recorder learns the key from each request it forwards (the `Authorization`, `api-key` and
`x-api-key` headers), and also takes the values of `*_API_KEY` environment variables and any
secrets it is given. Every form of each secret a file could hold (as sent, JSON-escaped,
percent-encoded) is replaced with `[redacted]` in headers, URLs and bodies; credential headers
are masked whatever their value, and cookies a server sets are dropped.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from .._public import publish

__all__ = ["REDACTED", "Redactor"]

REDACTED = "[redacted]"
"""What a secret is replaced with."""

# Request headers that carry credentials: masked whatever their value.
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "x-goog-api-key",
        "cookie",
    }
)
# Response headers that hand out credentials: dropped, so a replay never sets them.
DROPPED_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# Query parameters that carry credentials (`?key=...` for Gemini-style APIs).
CREDENTIAL_PARAMS = frozenset({"key", "api_key", "api-key", "apikey", "access_token", "token"})
# Shorter strings are still masked in credential headers, but not searched for in bodies: a key
# like "test" would otherwise rewrite every "test" in a prompt and break replay matching.
MIN_SECRET_LENGTH = 8
_AUTH_SCHEMES = ("bearer ", "basic ", "token ")


def _forms(secret: str) -> set[str]:
    """Every way a secret can be written into a cassette."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }


class Redactor:
    """Removes secrets from what a recorder writes. Thread-safe; its repr shows no secret."""

    def __init__(self, secrets: Iterable[str] = (), *, from_environment: bool = True) -> None:
        self._lock = threading.Lock()
        self._forms: list[str] = []
        for secret in secrets:
            self.learn(secret)
        if from_environment:
            for name, value in os.environ.items():
                if name.upper().endswith("_API_KEY"):
                    self.learn(value)

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} secret forms)"

    def learn(self, secret: str) -> None:
        """Treat `secret` as a secret from now on."""
        secret = secret.strip()
        if len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            known = set(self._forms)
            known.update(form for form in _forms(secret) if len(form) >= MIN_SECRET_LENGTH)
            # Longest first: a secret that contains another is replaced whole.
            self._forms = sorted(known, key=len, reverse=True)

    def learn_from_headers(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Learn the credentials a request carries."""
        for name, value in pairs:
            if name.lower() in CREDENTIAL_HEADERS:
                self.learn(value)
                lowered = value.lower()
                for scheme in _AUTH_SCHEMES:
                    if lowered.startswith(scheme):
                        self.learn(value[len(scheme) :])

    def text(self, value: str) -> str:
        """`value` with every known secret replaced."""
        for form in self._forms:
            if form in value:
                value = value.replace(form, REDACTED)
        return value

    def headers(
        self, pairs: Iterable[tuple[str, str]], *, response: bool = False
    ) -> dict[str, list[str]]:
        """Headers as a cassette holds them (name -> values, sorted by name), secrets masked."""
        grouped: dict[str, tuple[str, list[str]]] = {}
        for name, value in pairs:
            lowered = name.lower()
            if response and lowered in DROPPED_RESPONSE_HEADERS:
                continue
            if lowered in CREDENTIAL_HEADERS:
                value = REDACTED
            grouped.setdefault(lowered, (name, []))[1].append(self.text(value))
        return {name: values for _, (name, values) in sorted(grouped.items())}

    def url(self, url: str) -> str:
        """`url` with credential query parameters masked and known secrets replaced."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        # Rebuilt only when it holds a credential: re-encoding could change an innocent URL.
        if any(name.lower() in CREDENTIAL_PARAMS for name, _ in query):
            masked = [
                (name, REDACTED if name.lower() in CREDENTIAL_PARAMS else value)
                for name, value in query
            ]
            url = urlunsplit(parts._replace(query=urlencode(masked, safe="[]")))
        return self.text(url)


publish(globals(), "llmstream.testing")
