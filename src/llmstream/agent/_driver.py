"""The run driver: one model call per step, its tools run concurrently, every event streamed.

Each step's reply goes into the history exactly as received (tool-call ids and raw argument
strings unchanged, reasoning replayed only where the provider accepts it), and the tools'
results follow in the order of the calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._client import AsyncClient, Client
from .._core.output import ResolvedOutput
from .._core.request import MessageLike
from .._tracing import current_context
from .._vocabulary.usage import Usage
from ..errors import OutputValidationError
from ..messages import AssistantMessage, SystemMessage, ToolCall, tool_result, user
from ..tools import Tool
from ._spans import AgentSpan, agent_span, tool_span
from ._tool_execution import run_tool_call
from ._types import (
    AgentEvent,
    AgentResult,
    RunFinish,
    Step,
    StepFinish,
    StepSettings,
    StepStart,
    StopReason,
    ToolResult,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context

    from ._agent import Agent

__all__ = ["AgentRun", "SyncAgentRun", "async_copy"]


@contextlib.asynccontextmanager
async def async_copy(client: AsyncClient | Client) -> AsyncIterator[AsyncClient]:
    """An AsyncClient like `client`, made (and closed) in the current event loop.

    httpx connections belong to the event loop that opened them, so a sync run, in a loop of its
    own, cannot borrow the caller's pool; a transport that speaks both sync and async (such as
    the replay transport) is shared.
    """
    transport = client.transport
    copy = AsyncClient(
        client.provider,
        timeouts=client.timeouts,
        retry_policy=client.retry_policy,
        transport=transport if isinstance(transport, httpx.AsyncBaseTransport) else None,
        max_line_bytes=client.max_line_bytes,
        fallbacks=client.fallbacks,
        tracing=client.tracing,
        pacer=client.pacer,
    )
    async with copy:
        yield copy


class _Failed:
    """Carries the driver's exception to the consumer's task."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class AgentRun:
    """A run in progress: `async with agent.stream(...) as run: async for event in run`.

    The loop runs in a task of its own inside the block, handing each event over as you ask for
    it. Leaving the block early (or cancelling it) cancels the run: the model's stream is closed
    and running tools are cancelled. `run.result` is the `AgentResult` once the run is over.
    Traced, the run is an `invoke_agent` span, a child of `trace_parent` (an OpenTelemetry
    context) or else of the span current when the block is entered.
    """

    def __init__(
        self,
        agent: Agent,
        conversation: list[MessageLike],
        *,
        client: AsyncClient | None = None,
        trace_parent: Context | None = None,
    ) -> None:
        self._agent = agent
        self._conversation = conversation
        self._client = client
        self._trace_parent = trace_parent
        self._span: AgentSpan | None = None
        self._result: AgentResult | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[Any] | None = None

    @property
    def result(self) -> AgentResult:
        if self._result is None:
            raise RuntimeError("the run has not finished: read its events to the end first")
        return self._result

    async def __aenter__(self) -> AgentRun:
        send, self._receive = anyio.create_memory_object_stream[Any](0)
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(self._drive, send)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._group is not None
        assert self._receive is not None
        self._group.cancel_scope.cancel()
        self._receive.close()
        # The loop's task never raises (its errors travel to the reader as items), so closing the
        # group only waits for its cancellation. Whatever is propagating through this block (the
        # loop's error, re-raised by __anext__, or an outer cancellation) is not handed to the
        # group: it leaves as it came, not wrapped in an exception group.
        await self._group.__aexit__(None, None, None)
        return None

    def __aiter__(self) -> AgentRun:
        return self

    async def __anext__(self) -> AgentEvent:
        if self._receive is None:
            raise RuntimeError("use `async with agent.stream(...) as run:` to iterate a run")
        try:
            item = await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None
        if isinstance(item, _Failed):
            raise item.error
        return item  # type: ignore[no-any-return]

    async def _drive(self, send: MemoryObjectSendStream[Any]) -> None:
        async with send:
            try:
                await self._loop(send)
            except anyio.get_cancelled_exc_class():
                raise
            except Exception as error:
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    await send.send(_Failed(error))

    async def _loop(self, send: MemoryObjectSendStream[Any]) -> None:
        agent = self._agent
        async with contextlib.AsyncExitStack() as stack:
            if self._client is not None:
                client = self._client
            elif isinstance(agent.client, AsyncClient):
                client = agent.client
            else:
                client = await stack.enter_async_context(async_copy(agent.client))
            # The run's span is current from here on: each step's chat span and each tool's
            # span (in the tasks started below, which copy the context) are its children.
            self._span = stack.enter_context(
                agent_span(
                    client.tracing,
                    providers=[client.provider, *(p for p, _model in client.fallbacks)],
                    model=agent.model,
                    name=agent.name,
                    options=agent.options,
                    system=agent.system,
                    conversation=self._conversation,
                    parent=self._trace_parent,
                )
            )
            system = [SystemMessage(content=agent.system)] if agent.system is not None else []
            messages: list[MessageLike] = list(self._conversation)
            steps: list[Step] = []
            stop_reason: StopReason = "max_steps"
            output: Any = None
            retries_left = agent.output_retries
            for number in range(1, agent.max_steps + 1):
                await send.send(StepStart(step=number))
                settings = agent.prepare_step(number, steps) if agent.prepare_step else None
                try:
                    message = await self._model_call(client, [*system, *messages], settings, send)
                    rejected = None
                except OutputValidationError as error:
                    if retries_left == 0 or error.partial is None:
                        raise
                    retries_left -= 1
                    message, rejected = error.partial, error
                output_call = self._output_call(message)
                # The output tool ends the run: calls made beside it are not run.
                calls = [] if output_call and not rejected else message.tool_calls
                calls = [call for call in calls if call is not output_call]
                results = await self._run_tools(calls, settings, send)
                if rejected is not None and output_call is not None:
                    results.append(_rejection(rejected, output_call))
                    await send.send(results[-1])
                step = Step(number=number, message=message, tool_results=results)
                steps.append(step)
                messages.append(message)  # exactly as received
                messages.extend(tool_result(r.call, r.output) for r in results)
                if rejected is not None and output_call is None:
                    messages.append(user(_ask_again(rejected, agent.output)))
                await send.send(
                    StepFinish(
                        step=number,
                        usage=message.usage,
                        finish_reason=message.finish_reason,
                        cost=message.cost,
                    )
                )
                if rejected is not None:
                    continue
                if message.output is not None:
                    output, stop_reason = message.output, "done"
                    break
                if not message.tool_calls:
                    stop_reason = "done"
                    break
                if any(condition(steps) for condition in agent.stop_when):
                    stop_reason = "stop_condition"
                    break
            usage = Usage()
            for step in steps:
                if step.usage is not None:
                    usage = usage + step.usage
            self._result = AgentResult(
                steps=steps, messages=messages, stop_reason=stop_reason, usage=usage, output=output
            )
            if self._span is not None:
                self._span.finished(self._result)
            await send.send(RunFinish(result=self._result))

    def _active_tools(self, settings: StepSettings | None) -> dict[str, Tool[Any]]:
        tools = self._agent.tools
        if settings is None or settings.active_tools is None:
            return tools
        return {name: tools[name] for name in settings.active_tools if name in tools}

    async def _model_call(
        self,
        client: AsyncClient,
        messages: list[MessageLike],
        settings: StepSettings | None,
        send: MemoryObjectSendStream[Any],
    ) -> AssistantMessage:
        agent = self._agent
        tools = list(self._active_tools(settings).values())
        tool_choice = (
            settings.tool_choice if settings and settings.tool_choice else agent.tool_choice
        )
        options: dict[str, Any] = {**agent.options, "tools": tools or None}
        if tool_choice is not None and tools:
            options["tool_choice"] = tool_choice
        if agent.output is not None:
            options["output"] = agent.output
            if agent.output.mode == "tool" and tools and "tool_choice" not in options:
                options["tool_choice"] = "required"  # a real tool, or the output tool: no prose
        # Streamed or whole, the step is the same call through the same driver: a whole
        # reply's events are read from its JSON by the parser, not rebuilt here.
        call = client._call(agent.model, messages, options, stream=agent.streaming)
        async with call:
            async for event in call:
                await send.send(event)
        return call.message

    def _output_call(self, message: AssistantMessage) -> ToolCall | None:
        """In tool mode, the call to the output tool, if the model made one."""
        spec = self._agent.output
        if spec is None or spec.mode != "tool":
            return None
        return next((call for call in message.tool_calls if call.name == spec.name), None)

    async def _run_tools(
        self,
        calls: list[ToolCall],
        settings: StepSettings | None,
        send: MemoryObjectSendStream[Any],
    ) -> list[ToolResult]:
        """Run the calls concurrently; results are reported as they finish, kept in call order."""
        tools = self._active_tools(settings)
        results: list[ToolResult | None] = [None] * len(calls)
        crashed: list[Exception] = []

        async def run_one(position: int, call: ToolCall) -> None:
            try:
                with tool_span(self._span, call, tools.get(call.name)) as span:
                    result = await run_tool_call(
                        call, tools, default_timeout=self._agent.tool_timeout
                    )
                    if span is not None:
                        span.result(result)
            except Exception as error:  # an approval hook's own bug: the app must hear of it
                crashed.append(error)
                group.cancel_scope.cancel()
                return
            results[position] = result
            await send.send(result)

        async with anyio.create_task_group() as group:
            for position, call in enumerate(calls):
                group.start_soon(run_one, position, call)
        if crashed:
            raise crashed[0]  # as it was raised, not wrapped in an exception group
        return [result for result in results if result is not None]


def _problems(error: OutputValidationError) -> str:
    lines = [
        f"- {'.'.join(str(part) for part in problem['loc']) or '(the object)'}: {problem['msg']}"
        for problem in error.errors
    ]
    return "\n".join(lines) or f"- {error.message}"


def _rejection(error: OutputValidationError, call: ToolCall) -> ToolResult:
    """The output tool's arguments did not validate: the model is told why, as a tool result."""
    return ToolResult(
        call=call,
        output=f"Error: the arguments for {call.name} do not fit it:\n{_problems(error)}\n"
        f"Call {call.name} again with corrected arguments.",
        is_error=True,
        failure="invalid_arguments",
    )


def _ask_again(error: OutputValidationError, spec: ResolvedOutput | None) -> str:
    """The answer did not validate: what the model is asked next."""
    name = spec.name if spec is not None else "object"
    if spec is not None and spec.mode == "tool":  # it answered in prose instead of the tool
        return f"Give your answer by calling the {name} tool."
    return (
        f"Your answer is not a valid {name}:\n{_problems(error)}\nAnswer again with only a "
        "JSON object that fits the schema."
    )


class SyncAgentRun:
    """The sync twin of `AgentRun`: `with agent.stream_sync(...) as run: for event in run`.

    The run happens on an event loop in a helper thread, with an async client of its own.
    """

    def __init__(self, agent: Agent, conversation: list[MessageLike]) -> None:
        self._agent = agent
        self._conversation = conversation
        self._stack = contextlib.ExitStack()
        self._run: AgentRun | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None

    @property
    def result(self) -> AgentResult:
        if self._run is None:
            raise RuntimeError("the run has not started")
        return self._run.result

    def __enter__(self) -> SyncAgentRun:
        try:
            self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            client = self._stack.enter_context(
                self._portal.wrap_async_context_manager(async_copy(self._agent.client))
            )
            # The loop runs in the portal's thread: the caller's span is handed over by hand.
            run = AgentRun(
                self._agent, self._conversation, client=client, trace_parent=current_context()
            )
            self._run = self._stack.enter_context(self._portal.wrap_async_context_manager(run))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.__exit__(exc_type, exc, tb)

    def __iter__(self) -> Iterator[AgentEvent]:
        return self

    def __next__(self) -> AgentEvent:
        if self._portal is None or self._run is None:
            raise RuntimeError("use `with agent.stream_sync(...) as run:` to iterate a run")
        try:
            return self._portal.call(self._run.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None
