"""The run driver: one model call per step, its tools run concurrently, every event streamed.

Each step's reply goes into the history exactly as received (tool-call ids and raw argument
strings unchanged, reasoning replayed only where the provider accepts it), and the tools'
results follow in the order of the calls.

A run reads the agent's frozen `AgentSettings` and calls through a client, never the `Agent`
itself. It runs on an event loop: the async runs on the caller's, the sync runs (`SyncAgentRun`,
and `Agent.run_sync` through it) on one of their own in a helper thread, with an async copy of
the client made there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._client import AsyncClient, Client, async_copy, open_call
from .._core.output import ResolvedOutput
from .._core.request import MessageLike
from .._public import publish
from .._tracing import current_context
from .._vocabulary.deferred import Deferred, defer, unread
from .._vocabulary.usage import Usage
from ..errors import OutputValidationError, StreamNotFinishedError
from ..messages import AssistantMessage, SystemMessage, ToolCall, tool_result, user
from ..tools import Tool
from ._settings import AgentSettings
from ._spans import AgentSpan, agent_span, tool_span
from ._tool_execution import run_tool_call
from ._toolsets import RunTools
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

__all__ = ["AgentRun", "SyncAgentRun"]


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
        settings: AgentSettings,
        client: AsyncClient | Client,
        conversation: list[MessageLike],
        *,
        trace_parent: Context | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._conversation = conversation
        self._trace_parent = trace_parent
        self._span: AgentSpan | None = None
        self._output_retries_left = settings.output_retries
        self._result: AgentResult | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[Any] | None = None
        # The agent's own tools, and its toolsets' once they are open (before each step).
        self._tools: Mapping[str, Tool[Any]] = settings.tools

    @property
    def result(self) -> AgentResult:
        if self._result is None:
            raise StreamNotFinishedError(
                "the run has not finished (it was left with `break`, failed, or is still "
                "running): read its events to the end first; `run.result` exists only then"
            )
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

    # -- the run, step by step ----------------------------------------------------------------
    async def _loop(self, send: MemoryObjectSendStream[Any]) -> None:
        async with contextlib.AsyncExitStack() as stack:
            client = await self._client_for_the_run(stack)
            # The run's span is current from here on: each step's chat span and each tool's
            # span (in the tasks started below, which copy the context) are its children.
            self._span = stack.enter_context(self._run_span(client))
            # The toolsets are open for the whole run, closed with it in this task.
            tools = await RunTools(self._settings.tools, self._settings.toolsets).open(stack)
            messages: list[MessageLike] = list(self._conversation)
            steps: list[Step] = []
            stop_reason: StopReason = "max_steps"
            for number in range(1, self._settings.max_steps + 1):
                self._tools = await tools.current()  # a toolset's list may have changed
                step, rejected = await self._step(client, number, messages, steps, send)
                steps.append(step)
                if rejected is None:
                    stop = self._stop_reason(steps)
                    if stop is not None:
                        stop_reason = stop
                        break
            self._result = AgentResult(
                steps=steps,
                messages=messages,
                stop_reason=stop_reason,
                usage=sum((step.usage for step in steps if step.usage is not None), Usage()),
                output=steps[-1].message.output if stop_reason == "done" else None,
            )
            if self._span is not None:
                self._span.finished(self._result)
            await _hand_over(send, RunFinish(result=self._result))

    async def _client_for_the_run(self, stack: contextlib.AsyncExitStack) -> AsyncClient:
        """The agent's `AsyncClient`; for a sync `Client`, an async copy of it, made in this
        event loop and closed with the run."""
        if isinstance(self._client, AsyncClient):
            return self._client
        return await stack.enter_async_context(async_copy(self._client))

    def _run_span(self, client: AsyncClient) -> AbstractContextManager[AgentSpan | None]:
        settings = self._settings
        return agent_span(
            client.tracing,
            providers=[client.provider, *(provider for provider, _model in client.fallbacks)],
            model=settings.model,
            name=settings.name,
            options=settings.options,
            system=settings.system,
            conversation=self._conversation,
            parent=self._trace_parent,
        )

    async def _step(
        self,
        client: AsyncClient,
        number: int,
        messages: list[MessageLike],
        steps: list[Step],
        send: MemoryObjectSendStream[Any],
    ) -> tuple[Step, OutputValidationError | None]:
        """One step: the model's reply, the tools it asked for, and the history grown by both
        (`messages`, in place). Also returned: why the reply's structured output was rejected,
        when it was and it goes back to the model."""
        settings = self._settings
        await _hand_over(send, StepStart(step=number))
        step_settings = settings.prepare_step(number, steps) if settings.prepare_step else None
        system = [SystemMessage(content=settings.system)] if settings.system is not None else []
        message, rejected = await self._reply(client, [*system, *messages], step_settings, send)
        output_call = self._output_call(message)
        # The output tool ends the run: calls made beside it are not run.
        calls = [] if output_call and not rejected else message.tool_calls
        calls = [call for call in calls if call is not output_call]
        results = await self._run_tools(calls, step_settings, send)
        if rejected is not None and output_call is not None:
            results.append(_rejection(rejected, output_call))
            await _hand_over(send, results[-1])
        messages.append(message)  # exactly as received
        messages.extend(tool_result(r.call, r.output) for r in results)
        if rejected is not None and output_call is None:
            messages.append(user(_ask_again(rejected, settings.output)))
        await _hand_over(send, _step_finish(number, message))
        return Step(number=number, message=message, tool_results=results), rejected

    async def _reply(
        self,
        client: AsyncClient,
        messages: list[MessageLike],
        step_settings: StepSettings | None,
        send: MemoryObjectSendStream[Any],
    ) -> tuple[AssistantMessage, OutputValidationError | None]:
        """The model's reply to `messages`. One whose structured output does not validate is
        kept, with the error, while the run has output retries left; then the error is raised."""
        try:
            return await self._model_call(client, messages, step_settings, send), None
        except OutputValidationError as error:
            if self._output_retries_left == 0 or error.partial is None:
                raise
            self._output_retries_left -= 1
            return error.partial, error

    def _stop_reason(self, steps: list[Step]) -> StopReason | None:
        """Why the run ends after its last step (a reply that was not rejected), or None."""
        message = steps[-1].message
        if message.output is not None or not message.tool_calls:
            return "done"
        if any(condition(steps) for condition in self._settings.stop_when):
            return "stop_condition"
        return None

    # -- one step's parts ----------------------------------------------------------------------
    def _active_tools(self, step_settings: StepSettings | None) -> dict[str, Tool[Any]]:
        tools = self._tools
        if step_settings is None or step_settings.active_tools is None:
            return dict(tools)
        return {name: tools[name] for name in step_settings.active_tools if name in tools}

    async def _model_call(
        self,
        client: AsyncClient,
        messages: list[MessageLike],
        step_settings: StepSettings | None,
        send: MemoryObjectSendStream[Any],
    ) -> AssistantMessage:
        settings = self._settings
        tools = list(self._active_tools(step_settings).values())
        tool_choice = (
            step_settings.tool_choice
            if step_settings and step_settings.tool_choice
            else settings.tool_choice
        )
        options: dict[str, Any] = {**settings.options, "tools": tools or None}
        if tool_choice is not None and tools:
            options["tool_choice"] = tool_choice
        if settings.output is not None:
            options["output"] = settings.output
            if settings.output.mode == "tool" and tools and "tool_choice" not in options:
                options["tool_choice"] = "required"  # a real tool, or the output tool: no prose
        # Streamed or whole, the step is the same call through the same driver: a whole
        # reply's events are read from its JSON by the parser, not rebuilt here.
        call = open_call(client, settings.model, messages, options, stream=settings.streaming)
        async with call:
            async for event in call:
                await _hand_over(send, event)
        return call.message

    def _output_call(self, message: AssistantMessage) -> ToolCall | None:
        """In tool mode, the call to the output tool, if the model made one."""
        spec = self._settings.output
        if spec is None or spec.mode != "tool":
            return None
        return next((call for call in message.tool_calls if call.name == spec.name), None)

    async def _run_tools(
        self,
        calls: list[ToolCall],
        step_settings: StepSettings | None,
        send: MemoryObjectSendStream[Any],
    ) -> list[ToolResult]:
        """Run the calls concurrently; results are reported as they finish, kept in call order."""
        tools = self._active_tools(step_settings)
        results: list[ToolResult | None] = [None] * len(calls)
        crashed: list[Exception] = []

        async def run_one(position: int, call: ToolCall) -> None:
            try:
                with tool_span(self._span, call, tools.get(call.name)) as span:
                    result = await run_tool_call(
                        call, tools, default_timeout=self._settings.tool_timeout
                    )
                    if span is not None:
                        span.result(result)
            except Exception as error:  # an approval hook's own bug: the app must hear of it
                crashed.append(error)
                group.cancel_scope.cancel()
                return
            results[position] = result
            await _hand_over(send, result)

        async with anyio.create_task_group() as group:
            for position, call in enumerate(calls):
                group.start_soon(run_one, position, call)
        if crashed:
            raise crashed[0]  # as it was raised, not wrapped in an exception group
        return [result for result in results if result is not None]


async def _hand_over(send: MemoryObjectSendStream[Any], item: object) -> None:
    """Give `item` to the run's reader. A reader already waiting for it takes it at once
    (`send()` would first give the event loop a turn: one per event); else this waits until
    the reader asks, as `send()` does, so a run never gets ahead of its reader.

    A reader that left the run's block cancelled the run, then closed the stream. This task may
    run on from its last hand-over without meeting a checkpoint (it was woken before the
    cancellation), so `send_nowait` can find the stream closed first: the run was cancelled,
    not failed, and it takes that cancellation here rather than ending as an error."""
    try:
        send.send_nowait(item)
    except anyio.WouldBlock:
        await send.send(item)
    except anyio.BrokenResourceError:
        await anyio.lowlevel.checkpoint()  # raises the run's cancellation
        raise


def _step_finish(number: int, message: AssistantMessage) -> StepFinish:
    """The event that ends a step. Its `cost` is the message's, priced when either is first
    read (a run whose caller never reads a cost prices nothing)."""
    cost = unread(message, "cost")
    deferred = type(cost) is Deferred
    finish = StepFinish(
        step=number,
        usage=message.usage,
        finish_reason=message.finish_reason,
        cost=None if deferred else cost,
    )
    if deferred:
        defer(finish, "cost", cost)  # the message's own pricing: done once for both
    return finish


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

    The run happens on an event loop in a helper thread (a blocking portal), with an async
    client of its own: httpx connections belong to the event loop that opened them.
    """

    def __init__(
        self, settings: AgentSettings, client: AsyncClient | Client, conversation: list[MessageLike]
    ) -> None:
        self._settings = settings
        self._client = client
        self._conversation = conversation
        self._stack = contextlib.ExitStack()
        self._run: AgentRun | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None

    @property
    def result(self) -> AgentResult:
        if self._run is None:
            raise StreamNotFinishedError(
                "the run has not started: use `with agent.stream_sync(...) as run:` and read "
                "its events to the end first"
            )
        return self._run.result

    def __enter__(self) -> SyncAgentRun:
        try:
            self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            # The copy is made, used and closed in the portal's event loop.
            copy = self._portal.call(async_copy, self._client)
            client = self._stack.enter_context(self._portal.wrap_async_context_manager(copy))
            # The loop runs in the portal's thread: the caller's span is handed over by hand.
            run = AgentRun(
                self._settings, client, self._conversation, trace_parent=current_context()
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


publish(globals(), "llmstream")
