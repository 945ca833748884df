"""`Agent`: a model, a system prompt, tools, and the loop that runs them."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._client import AsyncClient, Client
from .._core.output import resolve_output
from .._core.request import MessageLike, ToolChoice
from .._options import MODEL_OPTION_NAMES, ModelOptions, check_option_names, with_options_doc
from .._public import publish
from .._vocabulary.output import OutputLike
from ..errors import ConfigurationError
from ..messages import user
from ..tools import Tool
from ..toolsets import Toolset
from ._driver import AgentRun, SyncAgentRun
from ._settings import AgentSettings
from ._toolsets import split_tools
from ._types import AgentResult, PrepareStep, StopCondition

__all__ = ["Agent"]

_SETTINGS = frozenset(field.name for field in dataclasses.fields(AgentSettings))


@with_options_doc(ModelOptions)
class Agent:
    """A model, a system prompt, tools, and the loop that runs them.

    ```python
    agent = ls.Agent(ls.AsyncClient(ls.Cerebras()), model="qwen-3-coder-480b", tools=[weather])
    result = await agent.run("What's the weather in Florence?")
    ```

    A tool that must not run unasked (it deletes, pays, sends) takes an approval hook:
    `@ls.tool(approval=ask)`, where `ask(call, arguments)`, sync or async, is called before
    each call runs and returns `ls.Approval.allow()` (or True), `ls.Approval.deny("why")` (or
    False: the call is not run, the model is told, and the result has `failure="denied"`) or
    `ls.Approval.replace({...})` (run it with other arguments): see
    docs/agents.md#human-in-the-loop.

    Args:
        client: An `AsyncClient` (or a `Client`: async runs then use an async copy of it).
        model: The model's name at the client's provider.
        system: The system prompt, sent first in every call (none by default).
        tools: `@ls.tool` functions or other `Tool`s the model may call, and toolsets
            (`ls.MCPToolset`) whose tools it may call, opened for each run.
        max_steps: The most model calls in one run (10); a run that reaches it ends with
            `stop_reason == "max_steps"`.
        stop_when: Conditions checked after each step with tool calls (`ls.step_count_is`,
            `ls.has_tool_call`, or any function of the steps so far returning True).
        tool_choice: For every step: `"auto"`, `"required"`, `"none"` or a tool.
        prepare_step: `fn(step_number, steps)`, called before each step, may return
            `ls.StepSettings` to change the tool choice, or the active tools, for that step.
        tool_timeout: The longest one tool call may run, in seconds (60), unless the tool
            sets its own; None: no limit.
        streaming: Stream each step (True), or make whole calls (False: events are still
            yielded, read from each whole reply).
        output: A pydantic model (or `ls.NativeOutput` / `ls.ToolOutput` /
            `ls.PromptedOutput` around one) the answer must be; `result.output` is the
            validated object. In tool mode the output tool ends the run.
        output_retries: How many times an answer that does not validate is sent back to the
            model with the errors (1) before `OutputValidationError` is raised.
        name: What the agent is called in OpenTelemetry traces (`invoke_agent {name}`,
            `gen_ai.agent.name`); see docs/telemetry.md.
        **options: Any of `ls.ModelOptions` (`max_tokens`, `temperature`,
            `reasoning_effort`, `extra_body`, `timeouts`...), passed to every model call
            (each one is described in `ls.ModelOptions`, and listed at the end of
            `help(ls.Agent)`).
    """

    def __init__(
        self,
        client: AsyncClient | Client,
        model: str,
        *,
        system: str | None = None,
        tools: Sequence[Tool[Any] | Toolset] = (),
        max_steps: int = 10,
        stop_when: StopCondition | Sequence[StopCondition] | None = None,
        tool_choice: ToolChoice | None = None,
        prepare_step: PrepareStep | None = None,
        tool_timeout: float | None = 60.0,
        streaming: bool = True,
        output: OutputLike | None = None,
        output_retries: int = 1,
        name: str | None = None,
        **options: Unpack[ModelOptions],
    ) -> None:
        if not isinstance(client, (AsyncClient, Client)):
            raise ConfigurationError(
                f"an Agent needs an ls.AsyncClient or ls.Client, got {client!r}"
            )
        if max_steps < 1:
            raise ConfigurationError("max_steps must be at least 1")
        if name is not None and not isinstance(name, str):
            raise ConfigurationError(f"name must be a string, got {type(name).__name__}")
        own, toolsets = split_tools(tools)
        names = [item.name for item in own]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ConfigurationError(f"two tools share the name(s) {', '.join(duplicates)}")
        if output_retries < 0:
            raise ConfigurationError("output_retries must be 0 or more")
        check_option_names(options, MODEL_OPTION_NAMES, "ls.Agent", also=_AGENT_ARGUMENTS)
        self.client = client
        """The client every model call goes through (a sync `Client`'s async copy in runs)."""
        if stop_when is None:
            conditions: tuple[StopCondition, ...] = ()
        elif callable(stop_when):
            conditions = (stop_when,)
        else:
            conditions = tuple(stop_when)
        self.settings = AgentSettings(
            model=model,
            name=name,
            system=system,
            tools=MappingProxyType({item.name: item for item in own}),
            toolsets=tuple(toolsets),
            max_steps=max_steps,
            stop_when=conditions,
            tool_choice=tool_choice,
            prepare_step=prepare_step,
            tool_timeout=tool_timeout,
            streaming=streaming,
            output=None if output is None else resolve_output(output, client.provider.output_mode),
            output_retries=output_retries,
            options=MappingProxyType(dict(options)),
        )
        """Everything else the agent was made with, checked and frozen: what its runs read."""

    def __repr__(self) -> str:
        settings = self.settings
        return (
            f"Agent(model={settings.model!r}, tools={list(settings.tools)}, client={self.client!r})"
        )

    if not TYPE_CHECKING:  # to a type checker, `agent.model` does not exist: as it is

        def __getattr__(self, name: str) -> Any:
            # Reached only for names the agent does not have: its settings were once attributes.
            if name in _SETTINGS:
                raise AttributeError(
                    f"an Agent keeps what it was made with in agent.settings: read "
                    f"agent.settings.{name}",
                    name=name,
                    obj=self,
                )
            raise AttributeError(f"'Agent' object has no attribute {name!r}", name=name, obj=self)

        def __setattr__(self, name: str, value: Any) -> None:
            if name in _SETTINGS:
                raise AttributeError(
                    f"agent.{name} cannot be changed: an agent's settings are fixed when it is "
                    f"made (agent.settings.{name}); make another ls.Agent(..., {name}=...)",
                    name=name,
                    obj=self,
                )
            super().__setattr__(name, value)

    def _conversation(
        self, prompt: str | Sequence[MessageLike], history: Sequence[MessageLike]
    ) -> list[MessageLike]:
        new = [user(prompt)] if isinstance(prompt, str) else list(prompt)
        return [*history, *new]

    def stream(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentRun:
        """Run the agent, streaming: `async with agent.stream("...") as run:`.

        Args:
            prompt: The user's message, or a list of messages to add to the conversation.
            history: The conversation so far, e.g. `result.messages` of an earlier run (the
                agent adds its system message itself).

        Returns:
            An `AgentRun`, not yet started: `async with` starts it; iterate it for every
            event, then `run.result` is the `AgentResult`.
        """
        return AgentRun(self.settings, self.client, self._conversation(prompt, history))

    async def run(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentResult:
        """Run the agent to the end and return the result.

        Args:
            prompt: The user's message, or a list of messages to add to the conversation.
            history: The conversation so far, e.g. `result.messages` of an earlier run.

        Returns:
            The `AgentResult`: `text`, `steps`, `usage`, `stop_reason`, `messages`, `output`.
        """
        async with self.stream(prompt, history=history) as run:
            async for _ in run:
                pass
        return run.result

    def run_sync(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> AgentResult:
        """`run`, from sync code: the run gets its own event loop and its own async client
        (it is `stream_sync` read to its end).

        Args:
            prompt: The user's message, or a list of messages to add to the conversation.
            history: The conversation so far, e.g. `result.messages` of an earlier run.

        Returns:
            The `AgentResult`.
        """
        with self.stream_sync(prompt, history=history) as run:
            for _ in run:
                pass
        return run.result

    def stream_sync(
        self, prompt: str | Sequence[MessageLike], *, history: Sequence[MessageLike] = ()
    ) -> SyncAgentRun:
        """`stream`, from sync code: `with agent.stream_sync("...") as run: for event in run`.

        Args:
            prompt: The user's message, or a list of messages to add to the conversation.
            history: The conversation so far, e.g. `result.messages` of an earlier run.

        Returns:
            A `SyncAgentRun`, not yet started: `with` starts it (on a helper thread).
        """
        return SyncAgentRun(self.settings, self.client, self._conversation(prompt, history))


# The arguments an unknown option may be a typo of, beside the options themselves.
_AGENT_ARGUMENTS = tuple(inspect.signature(Agent).parameters)

publish(globals(), "llmstream")
