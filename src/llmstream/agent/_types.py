"""What a run yields and returns: the steps', the tools' and the run's events, and results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_serializer

from .._core.request import ToolChoice
from .._public import publish
from .._vocabulary.cost import Cost
from .._vocabulary.deferred import deferrable, settle_fields
from .._vocabulary.reprs import ShortRepr
from .._vocabulary.usage import Usage
from ..events import StreamEvent
from ..messages import AssistantMessage, FinishReason, ToolCall

__all__ = [
    "AgentEvent",
    "AgentResult",
    "PrepareStep",
    "RunFinish",
    "Step",
    "StepFinish",
    "StepSettings",
    "StepStart",
    "StopCondition",
    "StopReason",
    "ToolFailure",
    "ToolResult",
    "has_tool_call",
    "step_count_is",
]

ToolFailure = Literal[
    "unknown_tool", "invalid_json", "invalid_arguments", "denied", "timeout", "busy", "error"
]


class _AgentEvent(ShortRepr):
    """A frozen event whose repr is short (long text shortened; see `_vocabulary.reprs`)."""


class StepStart(_AgentEvent):
    """A step (one model call) begins. Steps are numbered from 1."""

    __match_args__ = ("step",)
    type: Literal["step_start"] = "step_start"
    step: int


class ToolResult(_AgentEvent):
    """A tool call's outcome: `output` is exactly what the model is told.

    `is_error` is true when the tool could not run or failed; `failure` says why
    (`unknown_tool`, `invalid_json`, `invalid_arguments`, `denied`, `timeout`, `busy`: too
    many sync tool calls that outlasted their limits still run, or `error`).
    """

    __match_args__ = ("call", "output", "is_error")
    type: Literal["tool_result"] = "tool_result"
    call: ToolCall
    output: str
    is_error: bool = False
    failure: ToolFailure | None = None


class Step(ShortRepr):
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
    def cost(self) -> Cost | None:
        """What the step's model call cost (`message.cost`)."""
        return self.message.cost

    @property
    def finish_reason(self) -> FinishReason | None:
        return self.message.finish_reason


class StepFinish(_AgentEvent):
    """A step ended, its tools included. `cost` is what its model call cost, if known (its
    message's `cost`: priced when first read)."""

    __match_args__ = ("step", "usage", "finish_reason")
    type: Literal["step_finish"] = "step_finish"
    step: int
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    cost: Cost | None = None

    _settle_cost = model_serializer(mode="wrap")(settle_fields)


deferrable(StepFinish, "cost")  # the step's message's cost, priced when first read


StopReason = Literal["done", "max_steps", "stop_condition"]


class AgentResult(ShortRepr):
    """A whole run.

    `messages` continues the conversation: pass it as `history=` to the next run (the agent adds
    its system message itself). `usage` is summed over the steps, and so is `cost`; `stop_reason`
    is `done` (the model answered without calling tools, or called the output tool),
    `max_steps` or `stop_condition`. With `output=` on the agent, `output` is the answer as a
    model instance.
    """

    model_config = ConfigDict(frozen=True)

    steps: list[Step]
    messages: list[Any]
    stop_reason: StopReason
    usage: Usage
    output: Any = None
    """The structured output validated into its model, when the agent has `output=`."""

    @property
    def text(self) -> str:
        """The last step's text: the answer."""
        return self.steps[-1].text if self.steps else ""

    @property
    def message(self) -> AssistantMessage:
        """The last step's reply."""
        return self.steps[-1].message

    @property
    def cost(self) -> Cost | None:
        """What the run's model calls cost, summed over the steps (`Cost.sum`): None when no
        step's cost is known; when only some are, the sum of those with `complete=False`."""
        return Cost.sum(step.cost for step in self.steps)


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

publish(globals(), "llmstream")
