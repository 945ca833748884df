"""The span of one call, `chat {model}`: started before the first attempt, touched at the first
events, on a retry and at the end; never per chunk."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import APIError
from ..messages import AssistantMessage
from .attributes import (
    CallTarget,
    content_text,
    error_text,
    error_type,
    provider_name,
    request_attributes,
    response_attributes,
    set_error,
    target_attributes,
)
from .config import Tracing
from .content import has_output, input_messages, output_message

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from ..providers._base import Provider

__all__ = ["ChatSpan", "ChatTrace", "chat_trace", "span_in_context"]


@dataclass(frozen=True)
class ChatTrace:
    """What a traced call knows before it starts: its tracer and the options asked for."""

    tracer: Tracer
    options: Mapping[str, Any]
    stream: bool
    structured: bool
    record_content: bool

    def start(self, targets: Sequence[CallTarget]) -> ChatSpan:
        """Start the call's span: `chat {model}`, CLIENT, a child of the current span."""
        from opentelemetry.trace import SpanKind

        target = targets[0]
        attributes = {
            "gen_ai.operation.name": "chat",
            **target_attributes(target),
            **request_attributes(self.options, dropped={w.parameter for w in target.warnings}),
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
            chat.set_content("gen_ai.input.messages", input_messages(target.body))
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
        target: CallTarget,
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
        self, error: APIError, target: CallTarget, delay: float, following: CallTarget | None
    ) -> None:
        """An attempt failed and another follows: after `delay` seconds on the same target, or
        at once on the `following` one (a fallback)."""
        self._failed_attempts += 1
        attributes: dict[str, Any] = {
            "llmstream.attempt": self._failed_attempts,
            "error.type": error_type(error),
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
        message = error_text(error, self._providers, self._content)
        if message is not None:
            attributes["exception.message"] = message
        self.span.add_event("llmstream.retry", attributes)

    def first_events(self, target: CallTarget) -> None:
        """The first events reached the caller (from `target`, a fallback perhaps)."""
        if target is not self._target:  # a fallback answered: the span describes its call
            self._target = target
            self.span.update_name(f"chat {target.model}")
            self.span.set_attributes(target_attributes(target))
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
        set_error(self.span, error, error_text(error, self._providers, self._content))
        self._end(partial, attempts, finish="error")

    def stopped(
        self, partial: AssistantMessage, attempts: int, cause: BaseException | None
    ) -> None:
        """The reader stopped before the end: `break`, `aclose()`, a cancellation (not an
        error: the status stays unset), or an exception of its own (an error)."""
        self.span.set_attribute("llmstream.cancelled", True)
        if isinstance(cause, Exception):
            set_error(self.span, cause, error_text(cause, self._providers, self._content))
            self._end(partial, attempts, finish="error")
        else:
            self._end(partial, attempts, finish="cancelled")

    def set_content(self, key: str, value: object) -> None:
        """An opt-in content attribute, as JSON, every key of the call scrubbed out."""
        self.span.set_attribute(key, content_text(value, self._providers))

    # -- inside ---------------------------------------------------------------------------------
    def _end(self, message: AssistantMessage | None, attempts: int, *, finish: str | None) -> None:
        span = self.span
        span.set_attribute("llmstream.attempts", attempts)
        if message is not None:
            span.set_attributes(response_attributes(message))
            if self._content and has_output(message):
                self.set_content("gen_ai.output.messages", [output_message(message, finish)])
        span.end()


_NOTHING: AbstractContextManager[None] = nullcontext()


def span_in_context(span: ChatSpan | None) -> AbstractContextManager[object]:
    """`span` made the current span for the length of a `with` (the request being sent, so an
    instrumented HTTP client's own span is its child); nothing when the call is not traced."""
    if span is None:
        return _NOTHING
    from opentelemetry import trace

    return trace.use_span(span.span, record_exception=False, set_status_on_exception=False)
