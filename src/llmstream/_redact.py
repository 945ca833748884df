"""Taking secrets out of text and data before anyone can see them.

The bottom layer: it imports nothing from llmstream, so every layer (the core, the I/O layer,
tracing, the testing tools) can reach it.

`Redactor` knows every secret value of one call (the API keys, the values of credential
headers, credentials in a URL) and is the one place everything shown from that call passes
through: the response headers as they arrive (so request ids, `error.headers` and the
message's `request_id` are clean from the start), every error the call raises (each attribute,
whatever its name, the errors of earlier attempts and the exceptions chained to it), and every
record of the `llmstream` logger (`redact_logs`). A value is redacted by what it is, not by the
field it was echoed in.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import logging
import re
import weakref
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

__all__ = [
    "REDACTED",
    "SHORTEST_SECRET",
    "Redactor",
    "header_secrets",
    "is_credential_name",
    "redact_logs",
    "redact_secret",
    "redact_value",
    "secret_forms",
    "url_secrets",
]

REDACTED = "[redacted]"

# A key shorter than this is a placeholder ("test", "k"), not a secret: replacing it would only
# garble the provider's message ("Incorrect API [redacted]ey provided"). A real key is replaced
# wherever it appears, even inside a longer word: any trace of it is a leak.
SHORTEST_SECRET = 8

# A header or query parameter whose name says it carries a credential: `Authorization`,
# `X-Auth-Token`, `api-key`, `X-Goog-Api-Key`, `Cookie`, `X-Amz-Security-Token`, `?key=`,
# `?sig=`... Rate-limit headers count tokens (`x-ratelimit-remaining-tokens`): "tokens" is not
# "token", and nothing named `ratelimit` is a credential.
_CREDENTIAL_NAME = re.compile(
    r"key|token(?!s)|secret|auth|passw|pwd|cookie|credential|session|signature|^sig$",
    re.IGNORECASE,
)
_AUTH_SCHEMES = ("bearer ", "basic ", "token ", "digest ")


@functools.lru_cache(maxsize=1024)  # a response's header names repeat from call to call
def is_credential_name(name: str) -> bool:
    """Whether a header or query parameter of this name carries a credential."""
    return "ratelimit" not in name.lower() and _CREDENTIAL_NAME.search(name) is not None


def redact_secret(text: str, secret: str) -> str:
    """`text` with `secret` (an API key) replaced wherever it appears; a placeholder shorter
    than a real key is left alone."""
    if len(secret) < SHORTEST_SECRET:
        return text
    return text.replace(secret, REDACTED)


def redact_value(value: Any, secret: str) -> Any:
    """`value` (text, or JSON-like data: dicts and lists at any depth) with `secret` replaced
    in every string in it; a placeholder shorter than a real key is left alone."""
    if len(secret) < SHORTEST_SECRET:
        return value
    return Redactor([secret]).value(value)


def secret_forms(secret: str) -> set[str]:
    """Every way a secret can be written down: as it is, JSON-escaped, percent-encoded; each
    form shorter than a real key left out."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    return {form for form in forms if len(form) >= SHORTEST_SECRET}


def header_secrets(name: str, value: str) -> list[str]:
    """The secrets a request header carries: the value of a credential header, without its
    scheme (`Bearer ...`), and the password inside `Basic` credentials."""
    if not is_credential_name(name):
        return []
    value = value.strip()
    secrets = [value]
    lowered = value.lower()
    for scheme in _AUTH_SCHEMES:
        if lowered.startswith(scheme):
            token = value[len(scheme) :].strip()
            secrets.append(token)
            if scheme == "basic ":
                secrets.extend(_basic_password(token))
    return secrets


def _basic_password(token: str) -> list[str]:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return []
    _user, colon, password = decoded.partition(":")
    return [password] if colon and password else []


def url_secrets(url: str) -> list[str]:
    """The secrets a URL carries: the password of its user info, and the values of query
    parameters whose names say they are credentials (`?key=...`, `?api_key=...`)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    secrets = [unquote(password), password] if password else []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if value and is_credential_name(name):
            secrets.append(value)
    return secrets


class Redactor:
    """Every secret value of one call, and the one way anything from the call is shown.

    Made from the secrets themselves (`Redactor(["sk-..."])`) or from a request
    (`Redactor.of_request(keys, headers, urls)`). With `logs=True` (a call's redactor) it also
    takes its secrets out of every `llmstream` log record while it lives (see `redact_logs`).
    Values shorter than `SHORTEST_SECRET` are placeholders and left alone. Its repr shows no
    secret.
    """

    __slots__ = ("__weakref__", "_forms")

    def __init__(self, secrets: Iterable[str] = (), *, logs: bool = False) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms |= secret_forms(secret.strip())
        # Longest first: a secret that holds another is replaced whole.
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        if logs and self._forms:
            _LIVE.add(self)

    @classmethod
    def of_request(
        cls,
        keys: Iterable[str | None],
        headers: Iterable[tuple[str, str]] = (),
        urls: Iterable[str] = (),
    ) -> Redactor:
        """The secrets of a request: its API keys, its credential headers, the credentials in
        its URLs."""
        secrets = [key for key in keys if key]
        for name, value in headers:
            secrets.extend(header_secrets(name, value))
        for url in urls:
            secrets.extend(url_secrets(url))
        return cls(secrets, logs=True)

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} secret forms)"

    def log_extra(self) -> dict[str, Any]:
        """The `extra=` of a log record written for this redactor's call: the logger's filter
        (`redact_logs`) applies this redactor to it."""
        return {_RECORD_ATTRIBUTE: self}

    # -- text and data --------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """`text` with every secret replaced (the same object when it holds none)."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def value(self, value: Any) -> Any:
        """`value` with every secret replaced in every string in it, at any depth: text, dict
        keys and values, lists and tuples, pydantic models (copied, never changed in place).
        Anything else is returned as it is; so is a value that holds no secret."""
        if not self._forms:
            return value
        return self._value(value, set())

    def _value(self, value: Any, inside: set[int]) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if not (isinstance(value, (list, tuple, dict)) or _is_model(value)):
            return value
        if id(value) in inside:  # a cycle: leave the inner reference as it is
            return value
        inside.add(id(value))
        try:
            return self._container(value, inside)
        finally:
            inside.discard(id(value))

    def _container(self, value: Any, inside: set[int]) -> Any:
        if isinstance(value, dict):
            pairs = [(self._value(k, inside), self._value(v, inside)) for k, v in value.items()]
            changed = any(
                new_key is not key or new is not old
                for (new_key, new), (key, old) in zip(pairs, value.items(), strict=True)
            )
            return dict(pairs) if changed else value
        if isinstance(value, (list, tuple)):
            items = [self._value(item, inside) for item in value]
            if not any(new is not old for new, old in zip(items, value, strict=True)):
                return value
            return tuple(items) if isinstance(value, tuple) else items
        update = {}
        for name in type(value).model_fields:  # a pydantic model
            old = getattr(value, name, None)
            new = self._value(old, inside)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value

    def headers(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Header name-value pairs as they may be shown: the value of a header whose name says
        it is a credential masked whatever it is, every known secret replaced in the rest.
        `pairs` itself when nothing in it had to change."""
        shown = [
            (name, REDACTED if is_credential_name(name) else self.text(value))
            for name, value in pairs
        ]
        changed = any(new is not old for (_, new), (_, old) in zip(shown, pairs, strict=True))
        return shown if changed else pairs

    # -- errors ---------------------------------------------------------------------------------
    def error(self, error: BaseException) -> BaseException:
        """Take every secret out of an error, in place, and return it: each of its attributes
        whatever its name (`message`, `type`, `code`, `param`, `body`, `headers`,
        `request_id`, `partial`...), its `args`, the errors of its earlier attempts and the
        exceptions chained to it (what a traceback prints)."""
        if self._forms:
            self._error(error, set())
        return error

    def _error(self, error: BaseException, seen: set[int]) -> None:
        if id(error) in seen:
            return
        seen.add(id(error))
        try:
            attributes = vars(error)
        except TypeError:  # an exception without a __dict__
            attributes = {}
        for name, old in list(attributes.items()):
            if isinstance(old, list) and all(isinstance(e, BaseException) for e in old) and old:
                for inner in old:  # `attempt_errors`: each is an error of this call
                    self._error(inner, seen)
                continue
            new = self._value(old, set())
            if new is not old:
                with contextlib.suppress(AttributeError, TypeError):  # a read-only attribute
                    setattr(error, name, new)
        args = self._value(error.args, set())
        if args is not error.args:
            with contextlib.suppress(AttributeError, TypeError):
                error.args = args
        for chained in (error.__cause__, error.__context__):
            if chained is not None:
                self._error(chained, seen)


def _is_model(value: Any) -> bool:
    """A pydantic model, known by its methods (this module imports no pydantic)."""
    return hasattr(value, "model_copy") and hasattr(type(value), "model_fields")


# -- log records --------------------------------------------------------------------------------

_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()
"""Every redactor in use (each call's): the log filter takes every secret they know out of a
record that does not say which call wrote it."""


_RECORD_ATTRIBUTE = "llmstream_redactor"


class _RedactingFilter(logging.Filter):
    """Takes secrets out of a record before any handler sees it: those of the call that wrote
    it (a record made with `Redactor.log_extra()`), else those of every call in progress."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = getattr(record, _RECORD_ATTRIBUTE, None)
        redactors = [own] if isinstance(own, Redactor) else list(_LIVE)
        if not redactors:
            return True
        message = record.getMessage()
        shown = message
        for redactor in redactors:
            shown = redactor.text(shown)
        if shown is not message:
            record.msg, record.args = shown, None
        return True


_FILTER = _RedactingFilter()


def redact_logs(logger: logging.Logger) -> None:
    """Every record `logger` makes has the secrets of every live call taken out (once added,
    adding again does nothing)."""
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
