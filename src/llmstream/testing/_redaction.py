"""Keeping secrets out of cassettes.

A recorder learns the credentials of each request it forwards: the value of every header whose
name says it is one (`Authorization`, `api-key`, `X-Auth-Token`, anything named like a key, a
token, a secret or auth; the token after `Bearer`, the password inside `Basic`), the password
in the URL's user info, and the values of credential query parameters (`?key=...`). It also
takes the values of `*_API_KEY` environment variables and any secrets it is given. From then
on every form of each secret a file could hold (as sent, JSON-escaped, percent-encoded) is
replaced with `[redacted]` wherever it appears: headers, URLs and bodies. Credential headers are
masked whatever their value, and cookies a server sets are dropped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from .._public import publish
from .._redact import (
    REDACTED,
    SHORTEST_SECRET,
    header_secrets,
    is_credential_name,
    secret_forms,
    url_secrets,
)

__all__ = ["REDACTED", "Redactor", "is_credential_header"]

# Request headers that carry credentials whatever their name says (the rest are known by name).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# Response headers that hand out credentials: dropped, so a replay never sets them.
DROPPED_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# Shorter strings are still masked in credential headers, but not searched for in bodies: a key
# like "test" would otherwise rewrite every "test" in a prompt and break replay matching.
MIN_SECRET_LENGTH = SHORTEST_SECRET


def is_credential_header(name: str) -> bool:
    """Whether a request header of this name carries a credential (its value is masked)."""
    return name.lower() in CREDENTIAL_HEADERS or is_credential_name(name)


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
        forms = secret_forms(secret.strip())
        if not forms:
            return
        with self._lock:
            known = set(self._forms) | forms
            # Longest first: a secret that contains another is replaced whole.
            self._forms = sorted(known, key=len, reverse=True)

    def learn_from_headers(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Learn the credentials a request's headers carry."""
        for name, value in pairs:
            if is_credential_header(name):
                self.learn(value)
                for secret in header_secrets("authorization", value):
                    self.learn(secret)

    def learn_from_url(self, url: str) -> None:
        """Learn the credentials a URL carries: its user info's password, the values of its
        credential query parameters."""
        for secret in url_secrets(url):
            self.learn(secret)

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
            if is_credential_header(name):
                value = REDACTED
            grouped.setdefault(lowered, (name, []))[1].append(self.text(value))
        return {name: values for _, (name, values) in sorted(grouped.items())}

    def url(self, url: str) -> str:
        """`url` with its user info and credential query parameters masked, and known secrets
        replaced."""
        parts = urlsplit(url)
        if "@" in parts.netloc:
            host = parts.netloc.rpartition("@")[2]
            # Percent-encoded: brackets in the user info would read as an IPv6 host, and the
            # URL would no longer parse where a replay matches it.
            parts = parts._replace(netloc=f"{quote(REDACTED, safe='')}@{host}")
            url = urlunsplit(parts)
        query = parse_qsl(parts.query, keep_blank_values=True)
        # Rebuilt only when it holds a credential: re-encoding could change an innocent URL.
        if any(is_credential_name(name) for name, _ in query):
            masked = [
                (name, REDACTED if is_credential_name(name) else value) for name, value in query
            ]
            url = urlunsplit(parts._replace(query=urlencode(masked, safe="[]")))
        return self.text(url)


publish(globals(), "llmstream.testing")
