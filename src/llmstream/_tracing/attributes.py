"""The spans' attributes, from what llmstream knows of a call: its target, its options, its
reply, its error; and the scrubbing that keeps API keys out of every text put on a span."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from .._redact import redact_secret
from ..errors import MalformedChunkError, OutputValidationError, RefusalError
from ..messages import AssistantMessage

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from ..events import RequestWarning
    from ..providers._base import Provider

__all__ = [
    "CallTarget",
    "content_text",
    "error_text",
    "error_type",
    "finish_word",
    "provider_name",
    "request_attributes",
    "response_attributes",
    "scrub",
    "set_error",
    "target_attributes",
]

# Request options and the attribute each is recorded as. `max_completion_tokens` is the same
# limit as `max_tokens` under OpenAI's newer name.
_REQUEST_OPTIONS = (
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("max_completion_tokens", "gen_ai.request.max_tokens"),
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("seed", "gen_ai.request.seed"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("n", "gen_ai.request.choice.count"),
)
# The same, when `extra_body` carries them (`top_k` has no option of its own; the others are
# recorded from there too when a caller sends them that way).
_EXTRA_BODY_OPTIONS = (
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("top_k", "gen_ai.request.top_k"),
    ("n", "gen_ai.request.choice.count"),
)
# Errors whose message quotes the model's reply: their text is content, recorded only on opt-in.
_QUOTES_THE_REPLY = (RefusalError, OutputValidationError, MalformedChunkError)


class CallTarget(Protocol):
    """Where a call goes, as the spans read it: what they need of the I/O layer's `Target` (one
    provider and model, with the request made for it). The I/O layer calls in here, so this
    package names what it reads rather than importing it."""

    @property
    def provider(self) -> Provider: ...

    @property
    def model(self) -> str: ...

    @property
    def body(self) -> bytes: ...

    @property
    def warnings(self) -> Sequence[RequestWarning]: ...


def provider_name(provider: Provider) -> str:
    """`gen_ai.provider.name`: the provider's well-known OpenTelemetry name, else its own."""
    return provider.telemetry_name or provider.name


def target_attributes(target: CallTarget) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.provider.name": provider_name(target.provider),
        "gen_ai.request.model": target.model,
    }
    parts = urlsplit(target.provider.base_url)
    if parts.hostname:  # the host alone: never the user-info part of a URL
        attributes["server.address"] = parts.hostname
        try:
            port = parts.port
        except ValueError:
            port = None
        attributes["server.port"] = port or (443 if parts.scheme == "https" else 80)
    return attributes


def request_attributes(options: Mapping[str, Any], *, dropped: set[str | None]) -> dict[str, Any]:
    """The request options as attributes, leaving out any the provider adapter dropped."""
    attributes: dict[str, Any] = {}
    for name, key in _REQUEST_OPTIONS:
        value = options.get(name)
        if _is_number(value) and name not in dropped:
            attributes[key] = value
    extra = options.get("extra_body")
    if isinstance(extra, Mapping):
        for name, key in _EXTRA_BODY_OPTIONS:
            if _is_number(extra.get(name)):
                attributes[key] = extra[name]
    stop = options.get("stop")
    stops = [stop] if isinstance(stop, str) else stop
    # An agent's options are checked at its first call, not here: anything odd is left out.
    if (
        isinstance(stops, (list, tuple))
        and all(isinstance(item, str) for item in stops)
        and "stop" not in dropped
    ):
        attributes["gen_ai.request.stop_sequences"] = list(stops)
    return attributes


def response_attributes(message: AssistantMessage) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if message.model:
        attributes["gen_ai.response.model"] = message.model
    if message.id:
        attributes["gen_ai.response.id"] = message.id
    if message.finish_reason is not None:
        attributes["gen_ai.response.finish_reasons"] = [finish_word(message)]
    if message.request_id:
        attributes["llmstream.request_id"] = message.request_id
    usage = message.usage
    if usage is not None:
        attributes["gen_ai.usage.input_tokens"] = usage.input_tokens
        attributes["gen_ai.usage.output_tokens"] = usage.output_tokens
        if usage.cached_input_tokens is not None:
            attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cached_input_tokens
        if usage.reasoning_tokens is not None:
            attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
    return attributes


def finish_word(message: AssistantMessage) -> str:
    """The provider's own finish reason (`gen_ai.response.finish_reasons` is the provider's
    word), else llmstream's normalised one."""
    return message.raw_finish_reason or message.finish_reason or "other"


def error_type(error: BaseException) -> str:
    """`error.type`: the class name of an llmstream error (`RateLimitError`,
    `StreamTimeoutError`...), or of whatever else stopped the call."""
    return type(error).__name__


def error_text(error: BaseException, providers: Sequence[Provider], content: bool) -> str | None:
    """An error's text for a span, keys scrubbed out; None for an error that quotes the
    model's reply when content is not recorded."""
    if isinstance(error, _QUOTES_THE_REPLY) and not content:
        return None
    return scrub(f"{type(error).__name__}: {error}", providers)


def set_error(span: Span, error: BaseException, description: str | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type(error))
    span.set_status(Status(StatusCode.ERROR, description))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def content_text(value: object, providers: Sequence[Provider]) -> str:
    """Content as a span attribute: text as it is, anything else as JSON; keys scrubbed out."""
    # `default=str`: a raw message dict may hold what JSON cannot; the span is no place to fail
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return scrub(text, providers)


def scrub(text: str, providers: Sequence[Provider]) -> str:
    """Every API key of the call replaced, as the errors' redaction does (a key shorter than a
    real one is a placeholder, and left alone)."""
    for provider in providers:
        key = provider.api_key
        if key is not None:
            text = redact_secret(text, key.get_secret_value())
    return text
