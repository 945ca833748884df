"""OpenTelemetry spans for calls, agent runs and tool executions (optional: `opentelemetry-api`).

The spans follow the OpenTelemetry GenAI semantic conventions as released in
semantic-conventions v1.41 (schema https://opentelemetry.io/schemas/1.41.0), the last release
that carries them before they moved to their own repository: `gen_ai.provider.name` (not the
older `gen_ai.system`), `gen_ai.request.stream`, `gen_ai.response.time_to_first_chunk`,
`gen_ai.input.messages` / `gen_ai.output.messages` as JSON strings. docs/telemetry.md lists
every span, attribute and event.

Nothing here costs anything per chunk. The I/O layer and the agent call in at a few points per
call: `chat_trace()` when a call is prepared (None when nothing would be recorded, which is all
an untraced call ever pays), then `ChatSpan` at the start, at the first events, on a retry and at
the end. opentelemetry is never imported by this module: a program that has not imported it
has no tracer provider to trace with, so an untraced call looks at `sys.modules` and stops.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from typing_extensions import Self

from .errors import (
    APIError,
    ConfigurationError,
    MalformedChunkError,
    OutputValidationError,
    RefusalError,
)
from .messages import AssistantMessage

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from ._core.request import MessageLike
    from ._io.call import Target
    from .agent._types import AgentResult, ToolResult
    from .messages import ToolCall
    from .providers._base import Provider
    from .tools import Tool

__all__ = [
    "CONTENT_ENV",
    "AgentSpan",
    "ChatSpan",
    "ChatTrace",
    "ToolSpan",
    "Tracing",
    "agent_span",
    "chat_trace",
    "checked_tracing",
    "current_context",
    "span_in_context",
    "tool_span",
]

SCHEMA_URL = "https://opentelemetry.io/schemas/1.41.0"
CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# The values of CONTENT_ENV that record content on spans: `true` (the conventions' own), and
# the span modes of the newer instrumentations (`SPAN_ONLY`, `SPAN_AND_EVENT`).
_CONTENT_ON = frozenset({"true", "1", "span_only", "span_and_event"})

# Request options and the attribute each is recorded as. `max_completion_tokens` is the same
# limit as `max_tokens` under OpenAI's newer name.
_REQUEST_OPTIONS = (
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("max_completion_tokens", "gen_ai.request.max_tokens"),
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("seed", "gen_ai.request.seed"),
)
# The same, when only `extra_body` carries them (llmstream has no option of its own for these).
_EXTRA_BODY_OPTIONS = (
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("top_k", "gen_ai.request.top_k"),
    ("n", "gen_ai.request.choice.count"),
)
# Errors whose message quotes the model's reply: their text is content, recorded only on opt-in.
_QUOTES_THE_REPLY = (RefusalError, OutputValidationError, MalformedChunkError)
# `AssistantMessage.finish_reason` as the conventions' output-message finish reasons.
_FINISH_REASONS = {"tool_calls": "tool_call"}


# -- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracing:
    """How a client traces its calls with OpenTelemetry: `ls.AsyncClient(..., tracing=...)`.

    - `enabled` (True): False traces nothing, whatever is configured (`tracing=False` says
      the same).
    - `tracer_provider`: the `TracerProvider` to trace with. None (the default): the global one,
      looked up at every call, so a provider set after the client was made is used; while it is
      the API's no-op default (or opentelemetry was never imported), nothing is traced.
    - `record_content`: put the messages (prompts, replies, reasoning, tool arguments and
      results) on the spans. None (the default): as the environment variable
      `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` says, read at each call: on for
      `true` (or `SPAN_ONLY`, `SPAN_AND_EVENT`), off otherwise. They may hold personal data.

    See docs/telemetry.md for the spans and their attributes.
    """

    enabled: bool = True
    tracer_provider: TracerProvider | None = None
    record_content: bool | None = None

    def tracer(self) -> Tracer | None:
        """The tracer for one call, or None when this call records nothing."""
        if not self.enabled:
            return None
        provider = self.tracer_provider
        if provider is None:
            # A tracer provider can only have been set by code that imported this module.
            api = sys.modules.get("opentelemetry.trace")
            if api is None:
                return None
            provider = api.get_tracer_provider()
            if isinstance(provider, (api.ProxyTracerProvider, api.NoOpTracerProvider)):
                return None
        return _tracer_of(provider)

    def content(self) -> bool:
        """Whether messages go on the spans (the option, else the environment variable)."""
        if self.record_content is not None:
            return self.record_content
        return os.environ.get(CONTENT_ENV, "").strip().lower() in _CONTENT_ON


def checked_tracing(tracing: object) -> Tracing:
    """A client's `tracing=` argument: a `Tracing`, or True / None (the default) / False."""
    if tracing is None or tracing is True:
        return Tracing()
    if tracing is False:
        return Tracing(enabled=False)
    if isinstance(tracing, Tracing):
        return tracing
    raise ConfigurationError(
        f"tracing must be ls.Tracing(...), True or False, got {type(tracing).__name__}; for "
        "example tracing=ls.Tracing(record_content=True)"
    )


_last_tracer: tuple[object, Tracer | None] | None = None


def _tracer_of(provider: TracerProvider) -> Tracer | None:
    """The provider's tracer for llmstream, kept for the next call with the same provider."""
    global _last_tracer
    last = _last_tracer
    if last is not None and last[0] is provider:
        return last[1]
    from opentelemetry import trace

    from . import __version__

    tracer: Tracer | None = provider.get_tracer("llmstream", __version__, schema_url=SCHEMA_URL)
    if isinstance(tracer, trace.NoOpTracer):  # e.g. the SDK with OTEL_SDK_DISABLED=true
        tracer = None
    _last_tracer = (provider, tracer)
    return tracer


def current_context() -> Context | None:
    """The caller's OpenTelemetry context, to parent spans made in another thread (a sync
    agent run's event loop); None when opentelemetry was never imported."""
    if "opentelemetry.context" not in sys.modules:
        return None
    from opentelemetry import context

    return context.get_current()


# -- one chat call -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatTrace:
    """What a traced call knows before it starts: its tracer and the options asked for."""

    tracer: Tracer
    options: Mapping[str, Any]
    stream: bool
    structured: bool
    record_content: bool

    def start(self, targets: Sequence[Target]) -> ChatSpan:
        """Start the call's span: `chat {model}`, CLIENT, a child of the current span."""
        from opentelemetry.trace import SpanKind

        target = targets[0]
        attributes = {
            "gen_ai.operation.name": "chat",
            **_target_attributes(target),
            **_request_attributes(self.options, dropped={w.parameter for w in target.warnings}),
            "gen_ai.request.stream": self.stream,
        }
        if self.structured:
            attributes["gen_ai.output.type"] = "json"
        span = self.tracer.start_span(
            f"chat {target.model}", kind=SpanKind.CLIENT, attributes=attributes
        )
        content = self.record_content and span.is_recording()
        chat = ChatSpan(span, target, [t.provider for t in targets], self.stream, content)
        if content:
            chat.set_content("gen_ai.input.messages", _input_messages(target.body))
        return chat


def chat_trace(
    tracing: Tracing, options: Mapping[str, Any], *, stream: bool, structured: bool
) -> ChatTrace | None:
    """The trace of one call about to be made, or None when nothing would be recorded."""
    tracer = tracing.tracer()
    if tracer is None:
        return None
    return ChatTrace(tracer, options, stream, structured, tracing.content())


class ChatSpan:
    """The span of one call, from the request to its last event, its error, or the moment its
    reader stopped reading. Retries and fallbacks are events on it: one call, one span."""

    def __init__(
        self,
        span: Span,
        target: Target,
        providers: list[Provider],
        stream: bool,
        content: bool,
    ) -> None:
        self.span = span
        self._target = target
        self._providers = providers  # every key that might need scrubbing out of a text
        self._stream = stream
        self._content = content
        self._start = time.monotonic()
        self._failed_attempts = 0

    def retrying(
        self, error: APIError, target: Target, delay: float, following: Target | None
    ) -> None:
        """An attempt failed and another follows: after `delay` seconds on the same target, or
        at once on the `following` one (a fallback)."""
        self._failed_attempts += 1
        attributes: dict[str, Any] = {
            "llmstream.attempt": self._failed_attempts,
            "error.type": _error_type(error),
            "llmstream.retry.delay": delay,
            "llmstream.retry.fallback": following is not None,
            "gen_ai.provider.name": provider_name(target.provider),
            "gen_ai.request.model": target.model,
        }
        status = getattr(error, "status_code", None)
        if isinstance(status, int):
            attributes["http.response.status_code"] = status
        if following is not None:
            attributes["llmstream.retry.next_provider"] = provider_name(following.provider)
            attributes["llmstream.retry.next_model"] = following.model
        message = _error_text(error, self._providers, self._content)
        if message is not None:
            attributes["exception.message"] = message
        self.span.add_event("llmstream.retry", attributes)

    def first_events(self, target: Target) -> None:
        """The first events reached the caller (from `target`, a fallback perhaps)."""
        if target is not self._target:  # a fallback answered: the span describes its call
            self._target = target
            self.span.update_name(f"chat {target.model}")
            self.span.set_attributes(_target_attributes(target))
        if self._stream:
            elapsed = time.monotonic() - self._start
            self.span.set_attribute("gen_ai.response.time_to_first_chunk", elapsed)
            self.span.add_event(
                "llmstream.first_chunk", {"gen_ai.response.time_to_first_chunk": elapsed}
            )

    def finished(self, message: AssistantMessage, attempts: int) -> None:
        """The call ended with its last event: the reply's attributes, then the end."""
        self._end(message, attempts, finish=None)

    def failed(self, error: BaseException, attempts: int) -> None:
        """The call failed with `error`: `error.type` and an ERROR status."""
        partial = error.partial if isinstance(error, APIError) else None
        _set_error(self.span, error, _error_text(error, self._providers, self._content))
        self._end(partial, attempts, finish="error")

    def stopped(
        self, partial: AssistantMessage, attempts: int, cause: BaseException | None
    ) -> None:
        """The reader stopped before the end: `break`, `aclose()`, a cancellation (not an
        error: the status stays unset), or an exception of its own (an error)."""
        self.span.set_attribute("llmstream.cancelled", True)
        if isinstance(cause, Exception):
            _set_error(self.span, cause, _error_text(cause, self._providers, self._content))
            self._end(partial, attempts, finish="error")
        else:
            self._end(partial, attempts, finish="cancelled")

    def set_content(self, key: str, value: object) -> None:
        """An opt-in content attribute, as JSON, every key of the call scrubbed out."""
        self.span.set_attribute(key, _content_text(value, self._providers))

    # -- inside ---------------------------------------------------------------------------------
    def _end(self, message: AssistantMessage | None, attempts: int, *, finish: str | None) -> None:
        span = self.span
        span.set_attribute("llmstream.attempts", attempts)
        if message is not None:
            span.set_attributes(_response_attributes(message))
            if self._content and _has_output(message):
                self.set_content("gen_ai.output.messages", [_output_message(message, finish)])
        span.end()


_NOTHING: AbstractContextManager[None] = nullcontext()


def span_in_context(span: ChatSpan | None) -> AbstractContextManager[object]:
    """`span` made the current span for the length of a `with` (the request being sent, so an
    instrumented HTTP client's own span is its child); nothing when the call is not traced."""
    if span is None:
        return _NOTHING
    from opentelemetry import trace

    return trace.use_span(span.span, record_exception=False, set_status_on_exception=False)


# -- an agent run and its tools ------------------------------------------------------------------


class _CurrentSpan:
    """A span that is the current span for the length of a `with` block, which ends it: what
    starts inside the block, in this task or in the tasks it starts, is its child."""

    def __init__(self, span: Span, providers: list[Provider], content: bool) -> None:
        self.span = span
        self.content = content
        """Whether messages go on this span (the user opted in, and the span is sampled)."""
        self._providers = providers  # every key that might need scrubbing out of a text
        self._activation: AbstractContextManager[Any] | None = None

    def __enter__(self) -> Self:
        from opentelemetry import trace

        self._activation = trace.use_span(self.span, record_exception=False,
                                          set_status_on_exception=False)  # fmt: skip
        self._activation.__enter__()
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        assert self._activation is not None
        self._activation.__exit__(None, None, None)
        self._ended_by(error)

    def set_content(self, key: str, value: object) -> None:
        """An opt-in content attribute (text as it is, anything else as JSON), every key of
        the call scrubbed out."""
        self.span.set_attribute(key, _content_text(value, self._providers))

    def _ended_by(self, error: BaseException | None) -> None:
        """End the span as the block ended: an exception is an error, a cancellation is not."""
        if isinstance(error, Exception):
            _set_error(self.span, error, _error_text(error, self._providers, self.content))
        elif error is not None:
            self.span.set_attribute("llmstream.cancelled", True)
        self.span.end()


class AgentSpan(_CurrentSpan):
    """The span of an agent run, `invoke_agent`: each step's chat span and each tool's span is
    its child. `finished()` ends it with the run's result; leaving the block first ends it as
    an error or a cancellation."""

    def __init__(
        self, span: Span, tracer: Tracer, providers: list[Provider], content: bool
    ) -> None:
        super().__init__(span, providers, content)
        self._tracer = tracer
        self._ended = False

    def finished(self, result: AgentResult) -> None:
        """The run is over: its total usage, how it stopped, and its answer (on opt-in)."""
        self._ended = True
        last = result.steps[-1].message if result.steps else None
        attributes: dict[str, Any] = {
            "gen_ai.usage.input_tokens": result.usage.input_tokens,
            "gen_ai.usage.output_tokens": result.usage.output_tokens,
            "llmstream.agent.steps": len(result.steps),
            "llmstream.agent.stop_reason": result.stop_reason,
        }
        if last is not None and last.finish_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = [_finish_word(last)]
        self.span.set_attributes(attributes)
        if self.content and last is not None and _has_output(last):
            self.set_content("gen_ai.output.messages", [_output_message(last, None)])
        self.span.end()

    def tool(self, call: ToolCall, tool: Tool[Any] | None) -> ToolSpan:
        """The span of one tool call of this run, `execute_tool {name}` (enter it with
        `with`)."""
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.call.id": call.id,
            "gen_ai.tool.type": "function",
        }
        if tool is not None and tool.description:
            attributes["gen_ai.tool.description"] = tool.description
        span = self._tracer.start_span(f"execute_tool {call.name}", attributes=attributes)
        tool_span = ToolSpan(span, self._providers, self.content and span.is_recording())
        if tool_span.content:
            tool_span.set_content("gen_ai.tool.call.arguments", _arguments(call.arguments))
        return tool_span

    def _ended_by(self, error: BaseException | None) -> None:
        if not self._ended:
            self._ended = True
            super()._ended_by(error)


class ToolSpan(_CurrentSpan):
    """The span of one tool call: what the tool itself traces (an llmstream call too) is its
    child."""

    def result(self, result: ToolResult) -> None:
        """What the tool gave back: an error (`error.type` is its `failure`) or its output."""
        if result.is_error:
            from opentelemetry.trace import Status, StatusCode

            self.span.set_attribute("error.type", result.failure or "error")
            self.span.set_status(Status(StatusCode.ERROR, result.failure or "error"))
        if self.content:
            self.set_content("gen_ai.tool.call.result", result.output)


def agent_span(
    tracing: Tracing,
    *,
    provider: Provider,
    model: str,
    name: str | None,
    options: Mapping[str, Any],
    system: str | None,
    conversation: Sequence[MessageLike],
    parent: Context | None,
) -> AbstractContextManager[AgentSpan | None]:
    """The `invoke_agent` span of a run (INTERNAL: the agent runs in this process), a child of
    `parent` (or of the current span); a context manager giving None when nothing is traced."""
    tracer = tracing.tracer()
    if tracer is None:
        return nullcontext(None)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": provider_name(provider),
        "gen_ai.request.model": model,
        **_request_attributes(options, dropped=set()),
    }
    if name:
        attributes["gen_ai.agent.name"] = name
    span = tracer.start_span(
        f"invoke_agent {name}" if name else "invoke_agent", context=parent, attributes=attributes
    )
    run = AgentSpan(span, tracer, [provider], tracing.content() and span.is_recording())
    if run.content:
        if system is not None:
            run.set_content("gen_ai.system_instructions", [{"type": "text", "content": system}])
        run.set_content("gen_ai.input.messages", _messages(conversation, provider))
    return run


def tool_span(
    run: AgentSpan | None, call: ToolCall, tool: Tool[Any] | None
) -> AbstractContextManager[ToolSpan | None]:
    """The span of one tool call of `run` (to enter with `with`); None when the run is not
    traced."""
    return nullcontext(None) if run is None else run.tool(call, tool)


# -- attributes ----------------------------------------------------------------------------------


def provider_name(provider: Provider) -> str:
    """`gen_ai.provider.name`: the provider's well-known OpenTelemetry name, else its own."""
    return provider.telemetry_name or provider.name


def _target_attributes(target: Target) -> dict[str, Any]:
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


def _request_attributes(options: Mapping[str, Any], *, dropped: set[str | None]) -> dict[str, Any]:
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
    if stop is not None and "stop" not in dropped:
        attributes["gen_ai.request.stop_sequences"] = (
            [stop] if isinstance(stop, str) else list(stop)
        )
    return attributes


def _response_attributes(message: AssistantMessage) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if message.model:
        attributes["gen_ai.response.model"] = message.model
    if message.id:
        attributes["gen_ai.response.id"] = message.id
    if message.finish_reason is not None:
        attributes["gen_ai.response.finish_reasons"] = [_finish_word(message)]
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


def _finish_word(message: AssistantMessage) -> str:
    """The provider's own finish reason (`gen_ai.response.finish_reasons` is the provider's
    word), else llmstream's normalised one."""
    return message.raw_finish_reason or message.finish_reason or "other"


def _error_type(error: BaseException) -> str:
    """`error.type`: the class name of an llmstream error (`RateLimitError`,
    `StreamTimeoutError`...), or of whatever else stopped the call."""
    return type(error).__name__


def _error_text(error: BaseException, providers: Sequence[Provider], content: bool) -> str | None:
    """An error's text for a span, keys scrubbed out; None for an error that quotes the
    model's reply when content is not recorded."""
    if isinstance(error, _QUOTES_THE_REPLY) and not content:
        return None
    return _scrub(f"{type(error).__name__}: {error}", providers)


def _set_error(span: Span, error: BaseException, description: str | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", _error_type(error))
    span.set_status(Status(StatusCode.ERROR, description))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _content_text(value: object, providers: Sequence[Provider]) -> str:
    """Content as a span attribute: text as it is, anything else as JSON; keys scrubbed out."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _scrub(text, providers)


def _scrub(text: str, providers: Sequence[Provider]) -> str:
    """Every API key of the call replaced, as the errors' redaction does (a key shorter than a
    real one is a placeholder, and left alone)."""
    from ._io.call import redact_secret

    for provider in providers:
        key = provider.api_key
        if key is not None:
            text = redact_secret(text, key.get_secret_value())
    return text


# -- content (opt-in) ----------------------------------------------------------------------------


def _input_messages(body: bytes) -> list[dict[str, Any]]:
    """The messages as sent (the body's), in the conventions' input-messages shape."""
    try:
        messages = json.loads(body).get("messages") or []
    except (ValueError, AttributeError):
        return []
    return [_wire_message(message) for message in messages if isinstance(message, Mapping)]


def _messages(conversation: Sequence[MessageLike], provider: Provider) -> list[dict[str, Any]]:
    from ._core.request import message_to_wire

    return [_wire_message(message_to_wire(message, provider)) for message in conversation]


def _wire_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One chat-completions message in the conventions' shape: a role and typed parts."""
    role = message.get("role")
    content = message.get("content")
    parts: list[dict[str, Any]] = []
    if role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message.get("tool_call_id"), "response": content}
        )
        return {"role": role, "parts": parts}
    for field in ("reasoning_content", "reasoning"):
        reasoning = message.get(field)
        if isinstance(reasoning, str) and reasoning:
            parts.append({"type": "reasoning", "content": reasoning})
            break
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        parts.extend(_wire_part(part) for part in content if isinstance(part, Mapping))
    for call in message.get("tool_calls") or ():
        if not isinstance(call, Mapping):
            continue
        function = call.get("function")
        if not isinstance(function, Mapping):
            function = {}
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": function.get("name"),
                "arguments": _arguments(function.get("arguments")),
            }
        )
    return {"role": role, "parts": parts}


def _wire_part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "content": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url", "") if isinstance(image, Mapping) else str(image)
        if url.startswith("data:") and ";base64," in url:
            head, data = url[5:].split(";base64,", 1)
            return {"type": "blob", "modality": "image", "mime_type": head, "content": data}
        return {"type": "uri", "modality": "image", "uri": url}
    return dict(part)


def _output_message(message: AssistantMessage, finish: str | None) -> dict[str, Any]:
    """The reply in the conventions' output-message shape; `finish` stands in for a finish
    reason the reply never got (`error`, `cancelled`)."""
    parts: list[dict[str, Any]] = []
    if message.reasoning:
        parts.append({"type": "reasoning", "content": message.reasoning})
    if message.text:
        parts.append({"type": "text", "content": message.text})
    if message.refusal:
        parts.append({"type": "refusal", "content": message.refusal})
    parts.extend(
        {
            "type": "tool_call",
            "id": call.id,
            "name": call.name,
            "arguments": _arguments(call.arguments),
        }
        for call in message.tool_calls
    )
    reason = message.finish_reason
    finish_reason = _FINISH_REASONS.get(reason, reason) if reason is not None else finish
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason or "error"}


def _has_output(message: AssistantMessage) -> bool:
    return bool(message.text or message.reasoning or message.refusal or message.tool_calls)


def _arguments(text: object) -> object:
    """Tool-call arguments as an object when they are JSON, as the text they are otherwise."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return text
