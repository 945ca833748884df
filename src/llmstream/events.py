"""The typed events a stream yields.

Every event is a frozen pydantic model with a `type` discriminator, so both `match` and
`event.type == ...` work, and `StreamEvent` validates any of them from JSON.

In one stream, in order:

- `RequestWarning`: first, when llmstream changed your request (e.g. dropped `temperature`
  for an OpenAI reasoning model);
- `ReasoningDelta`s, closed by one `ReasoningEnd` when the model moves on to its answer or a tool
  call (a model may think more than once, each block is closed);
- `TextDelta`s and `RefusalDelta`s;
- `CitationAdded`, once per source the answer cites (web search), as it becomes known: beside
  the text it supports, or at the end of the message;
- per tool call: `ToolCallStart`, `ToolCallDelta`s (argument fragments), then `ToolCallEnd`
  with the whole `ToolCall` once the model has finished;
- `OutputDelta`s, when the call asked for structured output (`output=`), as the object grows;
- `LogprobsDelta`s, when the call asked for log probabilities (`logprobs=True`): after the
  `TextDelta` (or `RefusalDelta`) of the same tokens;
- `Usage` (when the provider reported it), and last `Finish`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._vocabulary.logprobs import TokenLogprob
from ._vocabulary.reprs import ShortRepr
from ._vocabulary.usage import Usage
from .messages import Citation, FinishReason, ToolCall

__all__ = [
    "CitationAdded",
    "Finish",
    "LogprobsDelta",
    "OutputDelta",
    "ReasoningDelta",
    "ReasoningEnd",
    "RefusalDelta",
    "RequestWarning",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallEnd",
    "ToolCallStart",
    "Usage",
]


class _Event(ShortRepr):
    """A frozen event whose repr is short (long text shortened; see `_vocabulary.reprs`)."""


class TextDelta(_Event):
    """A piece of the answer's text."""

    __match_args__ = ("text",)
    type: Literal["text_delta"] = "text_delta"
    text: str


class ReasoningDelta(_Event):
    """A piece of the model's visible reasoning.

    Groq and Cerebras send it as `reasoning`, xAI and most compatible servers as
    `reasoning_content`.
    """

    __match_args__ = ("text",)
    type: Literal["reasoning_delta"] = "reasoning_delta"
    text: str


class ReasoningEnd(_Event):
    """The model stopped reasoning; `text` is the whole reasoning block that just ended."""

    __match_args__ = ("text",)
    type: Literal["reasoning_end"] = "reasoning_end"
    text: str


class RefusalDelta(_Event):
    """A piece of a refusal (OpenAI sends refusals apart from the text)."""

    __match_args__ = ("text",)
    type: Literal["refusal_delta"] = "refusal_delta"
    text: str


class CitationAdded(_Event):
    """A source the answer cites (a web page, a file), as soon as it is known; the same
    `Citation`s, in the same order, are `message.citations`."""

    __match_args__ = ("citation",)
    type: Literal["citation_added"] = "citation_added"
    citation: Citation


class LogprobsDelta(_Event):
    """The log probabilities of the tokens just streamed (`logprobs=True` on the call), in
    order: those of the answer, or of a refusal when `refusal` is true. They follow the
    `TextDelta` (or `RefusalDelta`) of the same chunk; `message.logprobs` (and
    `message.refusal_logprobs`) hold them all."""

    __match_args__ = ("logprobs",)
    type: Literal["logprobs_delta"] = "logprobs_delta"
    logprobs: list[TokenLogprob]
    refusal: bool = False


class ToolCallStart(_Event):
    """The model began a tool call. `index` identifies it in the following deltas."""

    __match_args__ = ("index", "id", "name")
    type: Literal["tool_call_start"] = "tool_call_start"
    index: int
    id: str
    name: str


class ToolCallDelta(_Event):
    """A fragment of a tool call's JSON arguments.

    With `partial_tool_arguments=True` on the call, `partial` is the arguments parsed so far
    (a consistent prefix of the final object, paced like `OutputDelta`'s: for large arguments
    it may lag the fragments a little, and it is the whole object once the JSON is complete);
    otherwise it is None and nothing is parsed until the call ends.
    """

    __match_args__ = ("index", "arguments")
    type: Literal["tool_call_delta"] = "tool_call_delta"
    index: int
    arguments: str
    partial: Any = None


class OutputDelta(_Event):
    """The structured output parsed so far (`output=` on the call), after each delta that
    changed it: `{"title": "The Lo"}`, then `{"title": "The Lord"}`...

    Each partial is a consistent prefix of the final object: strings only grow, lists only
    gain items, a key appears once its name is complete and its value has begun (a number or
    `true` once it is whole), and nothing shown is ever taken back. The last one equals the
    final JSON value; `message.output` is that value validated into the model.

    The one exception to "after each delta": each partial is a copy of the open lists, objects
    and string, so once that copy is large (past about 1,000 items or 32,000 characters) a new
    partial comes only when the text has grown by an eighth of the copy's cost since the last
    one (a string of a million characters every 4,000 or so). The changes in between show in
    the next partial; the cost of all partials stays linear in the object's size.
    """

    __match_args__ = ("partial",)
    type: Literal["output_delta"] = "output_delta"
    partial: Any


class ToolCallEnd(_Event):
    """A tool call is complete: `tool_call` has its id, name and whole arguments."""

    __match_args__ = ("tool_call",)
    type: Literal["tool_call_end"] = "tool_call_end"
    index: int
    tool_call: ToolCall


class Finish(_Event):
    """The stream ended normally. `reason` is normalised; `raw_reason` is the provider's word."""

    __match_args__ = ("reason",)
    type: Literal["finish"] = "finish"
    reason: FinishReason
    raw_reason: str | None = None


class RequestWarning(_Event):
    """llmstream changed the request before sending it, and says what and why."""

    __match_args__ = ("message",)
    type: Literal["warning"] = "warning"
    message: str
    parameter: str | None = None


StreamEvent = Annotated[
    TextDelta
    | ReasoningDelta
    | ReasoningEnd
    | RefusalDelta
    | CitationAdded
    | LogprobsDelta
    | ToolCallStart
    | ToolCallDelta
    | ToolCallEnd
    | OutputDelta
    | Usage
    | Finish
    | RequestWarning,
    Field(discriminator="type"),
]
"""Any event a stream yields."""
