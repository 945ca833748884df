"""The spans of an agent run, `invoke_agent`, and of its tool calls, `execute_tool {name}`: each
current for the length of a `with` block, so that what starts inside is its child.

The agent's own spans live with the agent; what every span shares (the `Tracing` option,
attributes, scrubbing, message contents) is `llmstream._tracing`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from .._tracing.attributes import (
    content_text,
    error_text,
    finish_word,
    provider_name,
    request_attributes,
    set_error,
)
from .._tracing.config import Tracing
from .._tracing.content import arguments, conversation_messages, has_output, output_message

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer

    from .._core.request import MessageLike
    from ..messages import ToolCall
    from ..providers._base import Provider
    from ..tools import Tool
    from ._types import AgentResult, ToolResult

__all__ = ["AgentSpan", "ToolSpan", "agent_span", "tool_span"]


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
        self.span.set_attribute(key, content_text(value, self._providers))

    def _ended_by(self, error: BaseException | None) -> None:
        """End the span as the block ended: an exception is an error, a cancellation is not."""
        if isinstance(error, Exception):
            set_error(self.span, error, error_text(error, self._providers, self.content))
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
            attributes["gen_ai.response.finish_reasons"] = [finish_word(last)]
        self.span.set_attributes(attributes)
        if self.content and last is not None and has_output(last):
            self.set_content("gen_ai.output.messages", [output_message(last, None)])
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
            tool_span.set_content("gen_ai.tool.call.arguments", arguments(call.arguments))
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
    providers: Sequence[Provider],
    model: str,
    name: str | None,
    options: Mapping[str, Any],
    system: str | None,
    conversation: Sequence[MessageLike],
    parent: Context | None,
) -> AbstractContextManager[AgentSpan | None]:
    """The `invoke_agent` span of a run (INTERNAL: the agent runs in this process), a child of
    `parent` (or of the current span); a context manager giving None when nothing is traced.
    `providers`: the client's, then its fallbacks' (every key to keep out of the span)."""
    tracer = tracing.tracer()
    if tracer is None:
        return nullcontext(None)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": provider_name(providers[0]),
        "gen_ai.request.model": model,
        **request_attributes(options, dropped=set()),
    }
    if name:
        attributes["gen_ai.agent.name"] = name
    span = tracer.start_span(
        f"invoke_agent {name}" if name else "invoke_agent", context=parent, attributes=attributes
    )
    run = AgentSpan(span, tracer, list(providers), tracing.content() and span.is_recording())
    if run.content:
        if system is not None:
            run.set_content("gen_ai.system_instructions", [{"type": "text", "content": system}])
        messages = conversation_messages(conversation, providers[0])
        run.set_content("gen_ai.input.messages", messages)
    return run


def tool_span(
    run: AgentSpan | None, call: ToolCall, tool: Tool[Any] | None
) -> AbstractContextManager[ToolSpan | None]:
    """The span of one tool call of `run` (to enter with `with`); None when the run is not
    traced."""
    return nullcontext(None) if run is None else run.tool(call, tool)
