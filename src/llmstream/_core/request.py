"""What a caller asks of one model call, whatever the wire: `ChatRequest`, and its body.

`ChatRequest` holds the options of a call, checked, in no wire's terms; `_core/body.py` hands it
to the wire the provider speaks (`_core/wire/`), which writes the JSON body (history included)
and says what it had to change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from .._public import publish
from ..errors import ConfigurationError
from ..messages import AssistantMessage, SystemMessage, ToolMessage, UserMessage
from .checks import check_type, type_name
from .output import ResolvedOutput

__all__ = [
    "ChatRequest",
    "MessageLike",
    "ReasoningSummary",
    "ToolChoice",
    "ToolLike",
    "ToolSpec",
    "tool_spec",
]


class ToolSpec(BaseModel):
    """A tool as the model sees it: a name, a description and a JSON schema for its arguments.

    `strict` asks the provider to hold the arguments to the schema exactly (OpenAI's structured
    outputs); it is sent as given, `false` by default.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool = False


class _HasToolSpec(Protocol):
    @property
    def spec(self) -> ToolSpec: ...


MessageLike = SystemMessage | UserMessage | AssistantMessage | ToolMessage | Mapping[str, Any]
"""A message: one of llmstream's message classes, or a raw chat-completions message dict."""

ToolLike = ToolSpec | _HasToolSpec | Mapping[str, Any]
"""A tool: a `ToolSpec`, a `Tool` made with `@ls.tool`, or a raw chat-completions tool dict."""

ToolChoice = Literal["auto", "none", "required"] | str | ToolSpec | _HasToolSpec | Mapping[str, Any]
"""`"auto"`, `"none"`, `"required"`, a tool (or its name) the model must call, or a raw dict."""


ReasoningSummary = Literal["auto", "concise", "detailed"]
"""How much of its reasoning a model summarises (the Responses API's `reasoning.summary`)."""

REASONING_SUMMARIES: tuple[str, ...] = ("auto", "concise", "detailed")


@dataclass(frozen=True)
class ChatRequest:
    """Everything a caller can ask of one model call, in no wire's terms. Its fields (but
    `model` and `messages`) are options of a call, `CallOptions` keys; the other keys say how
    the call is made, not what it asks.

    `reasoning_summary`, `store` and `previous_response_id` are the Responses API's: the chat
    wire drops the first two with a `RequestWarning` and refuses the third (a conversation
    stored by the Responses API cannot be continued over chat completions).
    """

    model: str
    messages: Sequence[MessageLike]
    tools: Sequence[ToolLike] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: str | Sequence[str] | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    reasoning_summary: ReasoningSummary | None = None
    store: bool | None = None
    previous_response_id: str | None = None
    response_format: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    output: ResolvedOutput | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model:
            raise ConfigurationError("model must be a non-empty string, e.g. model='gpt-4o-mini'")
        _check_messages(self.messages)
        if self.tools is not None and (
            isinstance(self.tools, (str, bytes, Mapping)) or not isinstance(self.tools, Sequence)
        ):
            raise ConfigurationError(
                f"tools must be a list of tools, got {type_name(self.tools)}; for example "
                "tools=[weather] with weather an @ls.tool function"
            )
        for name in ("max_tokens", "max_completion_tokens", "seed"):
            value = getattr(self, name)
            if value is not None:
                check_type(name, value, int, "a whole number", f"{name}=1000")
        for name in ("temperature", "top_p"):
            value = getattr(self, name)
            if value is not None:
                check_type(name, value, (int, float), "a number", f"{name}=0.2")
        if self.parallel_tool_calls is not None:
            check_type("parallel_tool_calls", self.parallel_tool_calls, bool, "True or False",
                       "parallel_tool_calls=False")  # fmt: skip
        if self.reasoning_effort is not None:
            check_type("reasoning_effort", self.reasoning_effort, str, "a string",
                       "reasoning_effort='low'")  # fmt: skip
        if self.reasoning_summary is not None and self.reasoning_summary not in REASONING_SUMMARIES:
            raise ConfigurationError(
                f"reasoning_summary must be one of {', '.join(map(repr, REASONING_SUMMARIES))}, "
                f"got {self.reasoning_summary!r}; for example reasoning_summary='auto'"
            )
        if self.store is not None:
            check_type("store", self.store, bool, "True or False", "store=True")
        if self.previous_response_id is not None and not (
            isinstance(self.previous_response_id, str) and self.previous_response_id
        ):
            raise ConfigurationError(
                "previous_response_id must be the id of an earlier response (a non-empty "
                f"string), got {self.previous_response_id!r}; for example "
                "previous_response_id=reply.id"
            )
        if self.stop is not None and not (
            isinstance(self.stop, str)
            or (isinstance(self.stop, Sequence) and all(isinstance(s, str) for s in self.stop))
        ):
            raise ConfigurationError(
                f"stop must be a string or a list of strings, got {type_name(self.stop)}; for "
                "example stop=['\\n\\n']"
            )
        if self.response_format is not None and not isinstance(self.response_format, Mapping):
            hint = (
                "; for structured output from a pydantic model, pass output=YourModel instead"
                if isinstance(self.response_format, type)
                else ""
            )
            raise ConfigurationError(
                "response_format takes the chat-completions object, e.g. response_format="
                f"{{'type': 'json_object'}}; got {type_name(self.response_format)}{hint}"
            )
        if self.extra_body is not None and not isinstance(self.extra_body, Mapping):
            raise ConfigurationError(
                f"extra_body must be a dict of fields to add to the request body, got "
                f"{type_name(self.extra_body)}; for example extra_body={{'top_k': 40}}"
            )


def _check_messages(messages: object) -> None:
    example = "messages=[ls.system('You are terse'), ls.user('Hello')]"
    if isinstance(messages, (BaseModel, Mapping)):
        raise ConfigurationError(
            f"messages must be a list of messages, got one {type_name(messages)}: put it in a "
            f"list, e.g. {example}"
        )
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise ConfigurationError(
            f"messages must be a list of messages, got {type_name(messages)}; for example {example}"
        )
    if not messages:
        raise ConfigurationError(f"messages must not be empty; for example {example}")


def tool_spec(tool: ToolLike) -> ToolSpec | Mapping[str, Any]:
    """A tool as given: its `ToolSpec`, or the raw dict it is."""
    if isinstance(tool, (ToolSpec, Mapping)):
        return tool
    # What `isinstance(tool, _HasToolSpec)` asks, without a runtime protocol check (which
    # lists the protocol's members again on every call: a good part of an agent step's cost).
    spec = getattr(tool, "spec", None)
    if isinstance(spec, ToolSpec):
        return spec
    raise ConfigurationError(
        f"cannot use {tool!r} as a tool: pass an @ls.tool function, an ls.ToolSpec, or a "
        "chat-completions tool dict"
    )


publish(globals(), "llmstream")
