"""The agent loop: the model asks for tools, llmstream runs them, feeds the results back, and
streams every step as it happens.

```python
agent = ls.Agent(ls.AsyncClient(ls.Cerebras()), model="qwen-3-coder-480b",
                 system="You are a helpful assistant", tools=[weather], max_tokens=4000)
result = await agent.run("What's the weather in Florence,Italy?")

async with agent.stream("What's the weather in Florence,Italy?") as run:
    async for event in run:
        ...
```

Each step is one model call. Its reply goes into the history exactly as received (tool-call ids
and raw argument strings unchanged, reasoning replayed only where the provider accepts it), its
tool calls run concurrently, and their results follow in the order of the calls. A tool that
cannot run (unknown name, invalid JSON, arguments that fail validation, an exception, a timeout,
a denial) becomes a result that tells the model what went wrong; the run goes on.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Annotated, Any, Literal

import anyio
import anyio.from_thread
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import Unpack

from ._client import AsyncClient, Client
from ._options import ModelOptions
from ._request import MessageLike, ToolChoice
from ._usage import Usage
from .errors import ConfigurationError
from .events import (
    Finish,
    ReasoningDelta,
    ReasoningEnd,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
)
from .messages import AssistantMessage, FinishReason, SystemMessage, ToolCall, tool_result, user
from .tools import Approval, Tool, ToolInputError, output_text

__all__ = [
    "Agent",
    "AgentEvent",
    "AgentResult",
    "AgentRun",
    "RunFinish",
    "Step",
    "StepFinish",
    "StepSettings",
    "StepStart",
    "StopCondition",
    "SyncAgentRun",
    "ToolResult",
    "has_tool_call",
    "step_count_is",
]

ToolFailure = Literal[
    "unknown_tool", "invalid_json", "invalid_arguments", "denied", "timeout", "error"
]


class _AgentEvent(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepStart(_AgentEvent):
    """A step (one model call) begins. Steps are numbered from 1."""

    __match_args__ = ("step",)
    type: Literal["step_start"] = "step_start"
    step: int


class ToolResult(_AgentEvent):
    """A tool call's outcome: `output` is exactly what the model is told.

    `is_error` is true when the tool could not run or failed; `failure` says why
    (`unknown_tool`, `invalid_json`, `invalid_arguments`, `denied`, `timeout` or `error`).
    """

    __match_args__ = ("call", "output", "is_error")
    type: Literal["tool_result"] = "tool_result"
    call: ToolCall
    output: str
    is_error: bool = False
    failure: ToolFailure | None = None


class Step(BaseModel):
    """One model call and the tool calls it made."""

    model_config = ConfigDict(frozen=True)

    number: int
    message: AssistantMessage
    tool_results: list[ToolResult] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.message.tool_calls

    @property
    def usage(self) -> Usage | None:
        return self.message.usage

    @property
    def finish_reason(self) -> FinishReason | None:
        return self.message.finish_reason


class StepFinish(_AgentEvent):
    """A step ended, its tools included."""

    __match_args__ = ("step", "usage", "finish_reason")
    type: Literal["step_finish"] = "step_finish"
    step: int
    usage: Usage | None = None
    finish_reason: FinishReason | None = None


StopReason = Literal["done", "max_steps", "stop_condition"]


class AgentResult(BaseModel):
    """A whole run.

    `messages` continues the conversation: pass it as `history=` to the next run (the agent adds
    its system message itself). `usage` is summed over the steps; `stop_reason` is `done` (the
    model answered without calling tools), `max_steps` or `stop_condition`.
    """

    model_config = ConfigDict(frozen=True)

    steps: list[Step]
    messages: list[Any]
    stop_reason: StopReason
    usage: Usage

    @property
    def text(self) -> str:
        """The last step's text: the answer."""
        return self.steps[-1].text if self.steps else ""

    @property
    def message(self) -> AssistantMessage:
        """The last step's reply."""
        return self.steps[-1].message


class RunFinish(_AgentEvent):
    """The run is over; the last event of every run."""

    __match_args__ = ("result",)
    type: Literal["run_finish"] = "run_finish"
    result: AgentResult


AgentEvent = Annotated[
    StreamEvent | StepStart | ToolResult | StepFinish | RunFinish, Field(discriminator="type")
]
"""Anything a run yields: the model's events, plus the steps', the tools' and the run's."""

StopCondition = Callable[[Sequence[Step]], bool]
"""Called after every step with tool calls; True ends the run."""


def step_count_is(count: int) -> StopCondition:
    """Stop once `count` steps have run."""
    return lambda steps: len(steps) >= count


def has_tool_call(name: str) -> StopCondition:
    """Stop after a step in which the model called `name` (the tool still runs)."""
    return lambda steps: any(call.name == name for call in steps[-1].tool_calls)


@dataclass(frozen=True)
class StepSettings:
    """What `prepare_step` may change for one step: `tool_choice`, and which tools are offered
    (`active_tools`, by name; all of them when None)."""

    tool_choice: ToolChoice | None = None
    active_tools: Sequence[str] | None = None


PrepareStep = Callable[[int, Sequence[Step]], "StepSettings | None"]


# -- running tools ------------------------------------------------------------------------------


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def run_tool_call(
    call: ToolCall, tools: dict[str, Tool[Any]], *, default_timeout: float | None
) -> ToolResult:
    """Run one tool call, turning every way it can fail into a result the model can act on."""

    def failed(failure: ToolFailure, output: str) -> ToolResult:
        return ToolResult(call=call, output=f"Error: {output}", is_error=True, failure=failure)

    tool = tools.get(call.name)
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        return failed(
            "unknown_tool",
            f"there is no tool named {call.name!r}. The tools you can call are: {available}.",
        )
    try:
        raw = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError as exc:
        return failed(
            "invalid_json",
            f"the arguments for {call.name} are not valid JSON ({exc}). Call {call.name} "
            "again with a JSON object as its arguments.",
        )
    try:
        arguments = tool.validate(raw)
    except ToolInputError as exc:
        return failed(
            "invalid_arguments",
            f"the arguments for {call.name} do not fit its parameters:\n{exc}\nCall "
            f"{call.name} again with corrected arguments.",
        )

    if tool.approval is not None:
        decision = await _maybe_await(tool.approval(call, raw))
        if isinstance(decision, bool):
            decision = Approval(decision)
        if not decision.allowed:
            why = f": {decision.reason}" if decision.reason else "."
            return failed("denied", f"the user did not allow this call to {call.name}{why}")
        if decision.arguments is not None:
            try:
                arguments = tool.validate(decision.arguments)
            except ToolInputError as exc:
                return failed(
                    "invalid_arguments",
                    f"the arguments the user gave {call.name} instead do not fit:\n{exc}",
                )

    timeout = tool.timeout if tool.timeout is not None else default_timeout
    try:
        with anyio.fail_after(timeout):
            value = await tool.run(arguments)
    except TimeoutError:
        return failed("timeout", f"{call.name} did not finish within {timeout:g}s and was stopped.")
    except Exception as exc:  # a tool's own failure is the model's to hear about, not a crash
        return failed("error", f"{call.name} failed: {type(exc).__name__}: {exc}")
    return ToolResult(call=call, output=output_text(value))


def message_events(message: AssistantMessage) -> list[StreamEvent]:
    """The events a whole (non-streamed) reply would have streamed."""
    events: list[StreamEvent] = []
    if message.reasoning:
        events += [ReasoningDelta(text=message.reasoning), ReasoningEnd(text=message.reasoning)]
    if message.text:
        events.append(TextDelta(text=message.text))
    if message.refusal:
        events.append(RefusalDelta(text=message.refusal))
    for index, call in enumerate(message.tool_calls):
        events.append(ToolCallStart(index=index, id=call.id, name=call.name))
        if call.arguments:
            events.append(ToolCallDelta(index=index, arguments=call.arguments))
        events.append(ToolCallEnd(index=index, tool_call=call))
    if message.usage is not None:
        events.append(message.usage)
    if message.finish_reason is not None:
        events.append(Finish(reason=message.finish_reason, raw_reason=message.raw_finish_reason))
    return events


# -- the agent --------------------------------------------------------------------------------


class Agent:
    """A model, a system prompt, tools, and the loop that runs them.

    - `client`: an `AsyncClient` (or a `Client`: async runs then use an async copy of it).
    - `tools`: `@ls.tool` functions or other `Tool`s.
    - `max_steps` (10): the most model calls in one run.
    - `stop_when`: conditions checked after each step with tool calls (`ls.step_count_is`,
      `ls.has_tool_call`, or any function of the steps so far).
    - `tool_choice`: for every step; `prepare_step(number, steps)` may return `StepSettings` to
      change it, or the active tools, for one step.
    - `tool_timeout` (60s): the longest one tool call may run, unless the tool sets its own.
    - `streaming` (True): stream each step; False makes whole calls (events are still yielded).
    - Any other keyword (`max_tokens`, `temperature`, `reasoning_effort`, `extra_body`...) is
      passed to every model call.
    """

    def __init__(
        self,
        client: AsyncClient | Client,
        model: str,
        *,
        system: str | None = None,
        tools: Sequence[Tool[Any]] = (),
        max_steps: int = 10,
        stop_when: StopCondition | Sequence[StopCondition] | None = None,
        tool_choice: ToolChoice | None = None,
        prepare_step: PrepareStep | None = None,
        tool_timeout: float | None = 60.0,
        streaming: bool = True,
        **options: Unpack[ModelOptions],
    ) -> None:
        if not isinstance(client, (AsyncClient, Client)):
            raise ConfigurationError(
                f"an Agent needs an ls.AsyncClient or ls.Client, got {client!r}"
            )
        if max_steps < 1:
            raise ConfigurationError("max_steps must be at least 1")
        for item in tools:
            if not isinstance(item, Tool):
                raise ConfigurationError(
                    f"{item!r} is not a runnable tool: decorate a function with @ls.tool, or use "
                    "ls.Tool.from_model / ls.Tool.from_schema"
                )
        names = [item.name for item in tools]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ConfigurationError(f"two tools share the name(s) {', '.join(duplicates)}")
        self.client = client
        self.model = model
        self.system = system
        self.tools = {item.name: item for item in tools}
        self.max_steps = max_steps
        if stop_when is None:
            self.stop_when: list[StopCondition] = []
        elif callable(stop_when):
            self.stop_when = [stop_when]
        else:
            self.stop_when = list(stop_when)
        self.tool_choice = tool_choice
        self.prepare_step = prepare_step
        self.tool_timeout = tool_timeout
        self.streaming = streaming
        self.options: dict[str, Any] = dict(options)

    def __repr__(self) -> str:
        return f"Agent(model={self.model!r}, tools={list(self.tools)}, client={self.client!r})"

    def _conversation(
        self, prompt: str | Sequence[MessageLike], history: Sequence[MessageLike]
    ) -> list[MessageLike]:
        new = [user(prompt)] if isinstance(prompt, str) else list(prompt)
        return [*history, *new]

    def stream(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentRun:
        """Run the agent, streaming: `async with agent.stream("...") as run:`."""
        return AgentRun(self, self._conversation(prompt, history))

    async def run(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentResult:
        """Run the agent to the end and return the result."""
        async with self.stream(prompt, history=history) as run:
            async for _ in run:
                pass
        return run.result

    def run_sync(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentResult:
        """`run`, from sync code: the run gets its own event loop and its own async client."""

        async def isolated() -> AgentResult:
            async with _async_copy(self.client) as client:
                run = AgentRun(self, self._conversation(prompt, history), client=client)
                async with run:
                    async for _ in run:
                        pass
                return run.result

        return anyio.run(isolated)

    def stream_sync(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> SyncAgentRun:
        """`stream`, from sync code: `with agent.stream_sync("...") as run: for event in run`."""
        return SyncAgentRun(self, self._conversation(prompt, history))


@contextlib.asynccontextmanager
async def _async_copy(client: AsyncClient | Client) -> AsyncIterator[AsyncClient]:
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
    """

    def __init__(
        self,
        agent: Agent,
        conversation: list[MessageLike],
        *,
        client: AsyncClient | None = None,
    ) -> None:
        self._agent = agent
        self._conversation = conversation
        self._client = client
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
                client = await stack.enter_async_context(_async_copy(agent.client))
            system = [SystemMessage(content=agent.system)] if agent.system is not None else []
            messages: list[MessageLike] = list(self._conversation)
            steps: list[Step] = []
            stop_reason: StopReason = "max_steps"
            for number in range(1, agent.max_steps + 1):
                await send.send(StepStart(step=number))
                settings = agent.prepare_step(number, steps) if agent.prepare_step else None
                message = await self._model_call(client, [*system, *messages], settings, send)
                results = await self._run_tools(message.tool_calls, settings, send)
                step = Step(number=number, message=message, tool_results=results)
                steps.append(step)
                messages.append(message)  # exactly as received
                messages.extend(tool_result(r.call, r.output) for r in results)
                await send.send(
                    StepFinish(
                        step=number, usage=message.usage, finish_reason=message.finish_reason
                    )
                )
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
                steps=steps, messages=messages, stop_reason=stop_reason, usage=usage
            )
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
        if agent.streaming:
            async with client.stream(model=agent.model, messages=messages, **options) as stream:
                async for event in stream:
                    await send.send(event)
            return stream.message
        message = await client.generate(model=agent.model, messages=messages, **options)
        for event in message_events(message):
            await send.send(event)
        return message

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
                result = await run_tool_call(call, tools, default_timeout=self._agent.tool_timeout)
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
                self._portal.wrap_async_context_manager(_async_copy(self._agent.client))
            )
            run = AgentRun(self._agent, self._conversation, client=client)
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
