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
    "Verbosity",
    "offered_tools",
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

Verbosity = Literal["low", "medium", "high"]
"""How long an answer a model writes (OpenAI's `verbosity`)."""

VERBOSITIES: tuple[str, ...] = ("low", "medium", "high")


@dataclass(frozen=True)
class ChatRequest:
    """Everything a caller can ask of one model call, in no wire's terms. Its fields (but
    `model` and `messages`) are options of a call, `CallOptions` keys; the other keys say how
    the call is made, not what it asks.

    `reasoning_summary` and `previous_response_id` are the Responses API's: the chat wire drops
    the first with a `RequestWarning` and refuses the second (a conversation stored by the
    Responses API cannot be continued over chat completions). Each wire writes the others in its
    own fields, or drops what its API lacks with a `RequestWarning`; a provider drops what it
    refuses (`ProviderSpec.unsupported_parameters`, `rejected_parameters`).

    `n` is one answer per call: a value above 1 is refused here, before any wire or provider
    sees it (a message holds one answer; several answers are several calls).
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
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: Mapping[int, float] | Mapping[str, float] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    n: int | None = None
    verbosity: Verbosity | None = None
    prediction: str | Mapping[str, Any] | None = None
    service_tier: str | None = None
    metadata: Mapping[str, str] | None = None
    user: str | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
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
        for name in ("max_tokens", "max_completion_tokens", "seed", "top_logprobs", "n"):
            value = getattr(self, name)
            if value is not None:
                check_type(name, value, int, "a whole number", f"{name}=1000")
        for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            if value is not None:
                check_type(name, value, (int, float), "a number", f"{name}=0.2")
        for name in ("service_tier", "user", "safety_identifier", "prompt_cache_key"):
            value = getattr(self, name)
            if value is not None:
                check_type(name, value, str, "a string", f"{name}='...'")
        self._check_sampling_extras()
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

    def _check_sampling_extras(self) -> None:
        """The options beyond the classic sampling ones: logprobs, n, logit_bias, prediction,
        verbosity, metadata."""
        if self.logprobs is not None:
            check_type("logprobs", self.logprobs, bool, "True or False", "logprobs=True")
        if self.top_logprobs is not None:
            if self.top_logprobs < 0:
                raise ConfigurationError(
                    f"top_logprobs must be 0 or more, got {self.top_logprobs}; for example "
                    "logprobs=True, top_logprobs=3"
                )
            if self.logprobs is not True:
                raise ConfigurationError(
                    f"top_logprobs={self.top_logprobs} asks for the most likely tokens at each "
                    "position of the log probabilities that logprobs=True asks for: pass both, "
                    "e.g. logprobs=True, top_logprobs=3"
                )
        if self.n is not None and self.n != 1:
            raise ConfigurationError(
                f"n={self.n}: llmstream makes one answer per call (a message, its events, its "
                "tool calls and structured output are one answer). For several answers, make "
                "several calls at once, e.g. with asyncio.gather(*(client.generate(...) for _ in "
                "range(3))) or an anyio task group"
            )
        if self.verbosity is not None and self.verbosity not in VERBOSITIES:
            raise ConfigurationError(
                f"verbosity must be one of {', '.join(map(repr, VERBOSITIES))}, got "
                f"{self.verbosity!r}; for example verbosity='low'"
            )
        if self.logit_bias is not None and not (
            isinstance(self.logit_bias, Mapping)
            and all(
                isinstance(token, (str, int))
                and not isinstance(token, bool)
                and str(token).isdigit()
                and isinstance(bias, (int, float))
                and not isinstance(bias, bool)
                for token, bias in self.logit_bias.items()
            )
        ):
            raise ConfigurationError(
                "logit_bias maps token ids (of the model's tokenizer) to a bias from -100 to "
                f"100, got {self.logit_bias!r}; for example logit_bias={{50256: -100}}"
            )
        if self.metadata is not None and not (
            isinstance(self.metadata, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in self.metadata.items())
        ):
            raise ConfigurationError(
                f"metadata must be a dict of strings to strings, got {type_name(self.metadata)}; "
                "for example metadata={'user_tier': 'free'}"
            )
        if self.prediction is not None and not isinstance(self.prediction, (str, Mapping)):
            raise ConfigurationError(
                "prediction is the text the reply will largely repeat (a string, sent as "
                "{'type': 'content', 'content': ...}) or the chat-completions prediction object; "
                f"got {type_name(self.prediction)}"
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


def offered_tools(request: ChatRequest) -> tuple[list[ToolLike], ToolChoice | None]:
    """The tools `request` offers (tool-mode structured output's tool last) and the tool choice
    to send: a call that asks for the object alone, with no choice of its own, is forced to
    call the output tool. Each wire writes both in its own form."""
    tools: list[ToolLike] = list(request.tools or ())
    tool_choice = request.tool_choice
    output_tool = request.output.tool() if request.output is not None else None
    if output_tool is not None:
        tools.append(output_tool)
        if tool_choice is None:
            tool_choice = output_tool["function"]["name"]
    return tools, tool_choice


publish(globals(), "llmstream")
