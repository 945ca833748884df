"""Checking what a caller passed, before anything is sent.

Each check raises `ConfigurationError` naming the parameter, what was wrong with it and a call
that works: a mistake is caught where it was made, not deep inside httpx or a provider's 400.
No check ever repeats a value that could be a secret (an API key, a header's value).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

from ..errors import ConfigurationError

__all__ = [
    "check_api_key",
    "check_base_url",
    "check_headers",
    "check_json_numbers",
    "check_type",
    "type_name",
]


def type_name(value: object) -> str:
    return type(value).__name__


def check_type(
    name: str, value: object, expected: type | tuple[type, ...], what: str, example: str
) -> None:
    """`value` (the parameter `name`) is an instance of `expected`, described as `what`."""
    if isinstance(value, bool) and bool not in _as_tuple(expected):
        ok = False  # True is an int to Python, never a token count to a provider
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ConfigurationError(
            f"{name} must be {what}, got {type_name(value)}; for example {example}"
        )


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def check_api_key(key: object, owner: str) -> str:
    """The key as it will be sent: whitespace at its ends removed (a key read from a file or
    pasted from a terminal often ends in a newline), and refused if what remains cannot go in
    an HTTP header. The error says where the bad character is and what kind it is; it never
    shows the key, or the character."""
    if not isinstance(key, str):
        raise ConfigurationError(
            f"{owner}(api_key=...) must be a string, got {type_name(key)}; for example "
            f"{owner}(api_key=os.environ['...'])"
        )
    stripped = key.strip()
    if not stripped:
        raise ConfigurationError(f"{owner}(api_key=...) is empty or only whitespace")
    for position, character in enumerate(stripped):
        if "!" <= character <= "~":  # visible ASCII: all an Authorization header can carry
            continue
        if character.isspace():
            kind = "whitespace"
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            kind = "a control character"
        else:
            kind = "a non-ASCII character"
        raise ConfigurationError(
            f"{owner}(api_key=...) has {kind} at position {position} (counting from 0 after "
            "the whitespace at its ends is removed): an API key is visible ASCII only. Check "
            "how it was read or pasted; the key itself is not shown here"
        )
    return stripped


def check_base_url(base_url: object, owner: str) -> SplitResult:
    """A base URL that httpx can send to: http(s), a host, a valid port, and nothing that is no
    part of the API's address: no credentials (`user:password@`), no query string (`?key=...`),
    no fragment. Credentials there would show in every repr, log line and error that names the
    URL, and llmstream appends `/chat/completions` to the path, so a query string would break
    it. The error shows the right call, and never the URL's credentials or query."""
    example = f"{owner}(base_url='https://api.example.com/v1')"
    if not isinstance(base_url, str):
        raise ConfigurationError(
            f"base_url must be a string, got {type_name(base_url)}; for example {example}"
        )
    shown = _shown_url(base_url)
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError as exc:
        reason = str(exc)
        if any(hidden and hidden in reason for hidden in _hidden_parts(base_url)):
            reason = "its host or port cannot be read"
        raise ConfigurationError(f"base_url {shown!r} is not a valid URL ({reason})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an http(s) URL with a host, such as "
            f"'https://api.example.com/v1'; got {shown!r}"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"base_url {shown!r} carries credentials (user:password@): they would show in "
            f"reprs, logs and errors. Pass a key as {owner}(api_key=...) (sent as "
            "`Authorization: Bearer ...`), or other credentials as headers=, e.g. "
            "headers={'Authorization': 'Basic <base64 of user:password>'}"
        )
    if parts.query or parts.fragment or base_url.rstrip().endswith(("?", "#")):
        raise ConfigurationError(
            f"base_url {shown!r} has a query string or fragment: it ends where "
            "/chat/completions would begin, e.g. 'https://api.example.com/v1'. Pass a key as "
            f"{owner}(api_key=...), or headers={{'X-Api-Key': ...}} for one the server reads "
            "from a header; a server that needs a query parameter takes a Provider subclass "
            "whose url adds it"
        )
    return parts


def _hidden_parts(url: str) -> list[str]:
    """What `_shown_url` leaves out: the user info, the query string and the fragment."""
    userinfo = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)@", url)
    rest = re.search(r"[?#](.*)$", url, flags=re.DOTALL)
    return [*(userinfo.group(1).split(":") if userinfo else []), rest.group(1) if rest else ""]


def _shown_url(url: str) -> str:
    """A URL as an error may show it: no user info, no query string, no fragment."""
    shown = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1***@", url)
    return re.sub(r"[?#].*$", lambda match: match.group(0)[0] + "***", shown, flags=re.DOTALL)


def check_headers(headers: object, name: str) -> dict[str, str]:
    """HTTP headers as a dict of text names to text values, each value one line of ASCII.
    A value is never shown in the error: it may be a credential."""
    if not isinstance(headers, Mapping):
        raise ConfigurationError(
            f"{name} must be a dict of header names to values, got {type_name(headers)}; for "
            f"example {name}={{'X-Title': 'my app'}}"
        )
    checked: dict[str, str] = {}
    for key, value in headers.items():
        if not isinstance(key, str) or not key or not all("!" <= c <= "~" for c in key):
            raise ConfigurationError(f"{name} has a header name that is not a token: {key!r}")
        if not isinstance(value, str):
            raise ConfigurationError(
                f"{name}[{key!r}] must be a string, got {type_name(value)}; for example "
                f"{name}={{{key!r}: '...'}}"
            )
        if any(not (" " <= c <= "~") for c in value):
            raise ConfigurationError(
                f"{name}[{key!r}] has a control or non-ASCII character: a header value is one "
                "line of ASCII text (the value is not shown here)"
            )
        checked[key] = value
    return checked


def check_json_numbers(value: Any, path: str = "$") -> None:
    """JSON has no NaN or Infinity; Python's json would write them anyway, as invalid JSON."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigurationError(
                f"the request has {value!r} at {path}: JSON has no NaN or Infinity, and a "
                "provider would refuse the body. Use a finite number"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_json_numbers(item, f"{path}.{key}")
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for index, item in enumerate(value):
            check_json_numbers(item, f"{path}[{index}]")
