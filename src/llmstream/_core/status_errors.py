"""Turning an HTTP error response into the right `APIStatusError`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .._vocabulary.ratelimits import RateLimits, retry_after_seconds
from ..errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from .error_bodies import ErrorFields, read_error
from .json_payload import json_value
from .provider import ProviderSpec
from .wire import API_NAMES, WIRES, wire_for, wire_named

__all__ = ["status_error"]

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    498: OverloadedError,
    503: OverloadedError,
}
_CONTEXT_LENGTH = re.compile(
    r"context.length|context window|maximum context|too many tokens in|prompt is too long|"
    r"reduce the length",
    re.IGNORECASE,
)
# A message that sends the caller to another API's path: "use /v1/responses", "only supported
# in v1/responses" (and not one that says where the call went: "not supported in ...").
_SENDS_TO = (
    r"\b(?:use|using|(?<!not )supported (?:in|on|by|with)|switch to|try)"
    r"\s+(?:the\s+)?[`'\"]?/?v1{path}\b"
)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def _summarise_text(text: str) -> str:
    """A readable line from a non-JSON body (an HTML error page, a proxy's plain text)."""
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    return _SPACES.sub(" ", _TAGS.sub(" ", text)).strip()[:300]


def _error_class(
    status: int, fields: ErrorFields | None, provider: ProviderSpec
) -> type[APIStatusError]:
    cls = provider.status_error_class(status, fields) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIStatusError
    if issubclass(cls, BadRequestError) and fields is not None:
        said = f"{fields.code or ''} {fields.message or ''}"
        if "context_length_exceeded" in said or _CONTEXT_LENGTH.search(said):
            cls = ContextLengthError
    return cls


def _about_a_model(fields: ErrorFields | None, text: str) -> bool:
    """A 404 that names a model the provider does not know (the URL itself was right)."""
    said = f"{fields.code or ''} {fields.type or ''} {fields.message or ''}" if fields else text
    return "model" in said.lower()


def _other_api_named(message: str, provider: ProviderSpec) -> str | None:
    """The API an error message sends the caller to, when it is not the one the provider
    speaks: OpenAI answers a chat-completions call that only the Responses API can serve with
    "... use /v1/responses ..." (GPT-5.4 and later with function tools and reasoning, models
    "only supported in v1/responses")."""
    for name in WIRES:
        if name != provider.api:
            path = re.escape(wire_named(name).path)
            if re.search(_SENDS_TO.format(path=path), message, re.IGNORECASE):
                return name
    return None


def status_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    provider: ProviderSpec,
    request_id: str | None,
    explain_refusal: Callable[[str], str | None] | None = None,
) -> APIStatusError:
    """The error for an HTTP error response, with everything the provider said.

    `explain_refusal(message)` says what to change when a request the server refused (400,
    422) failed for something the caller chose (an output mode the server cannot serve);
    its sentence is added to the message."""
    text = body.decode("utf-8", "replace")
    parsed: Any = None
    try:
        parsed = json_value(text.encode()) if text.strip() else None
    except ValueError:  # not JSON, or nested deeper than anything after this may walk
        parsed = None
    fields = read_error(parsed) if parsed is not None else None
    if fields is not None and fields.message:
        message = fields.message
    elif text.strip():
        message = f"HTTP {status}: {_summarise_text(text)}"
    else:
        message = f"HTTP {status} with an empty body"
    other = _other_api_named(message, provider)
    if status == 404 and not _about_a_model(fields, text):
        message += (
            f" (POST {provider.display_url} was not found: check base_url, which ends "
            f"where {wire_for(provider).path} would begin, e.g. https://api.example.com/v1)"
        )
    if other is not None:
        owner = type(provider).__name__
        message += (
            f" (llmstream: this call spoke the {API_NAMES[provider.api]}; to use the "
            f"{API_NAMES[other]}, make the provider with {owner}(..., api={other!r}))"
        )
    if explain_refusal is not None and status in (400, 422):
        advice = explain_refusal(message)
        if advice is not None:
            message += f" (llmstream: {advice})"
    cls = _error_class(status, fields, provider)
    return cls(
        message,
        status_code=status,
        type=fields.type if fields else None,
        code=fields.code if fields else None,
        param=fields.param if fields else None,
        body=parsed if parsed is not None else text,
        headers=dict(headers),
        limits=RateLimits.from_headers(headers),
        retry_after=retry_after_seconds(headers, use_resets=status == 429),
        provider=provider.name,
        request_id=request_id,
    )
