"""Building the chat-completions request body.

One builder serves every provider; the provider answers the few questions that differ: which
field carries the output limit, which parameters a model refuses, and in which field (if any)
reasoning goes back in the history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigurationError
from ..events import RequestWarning
from ..messages import (
    AssistantMessage,
    ImagePart,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from .checks import check_json_numbers, check_type, type_name
from .output import ResolvedOutput
from .provider import ProviderSpec as Provider

__all__ = [
    "ChatRequest",
    "MessageLike",
    "ToolChoice",
    "ToolLike",
    "ToolSpec",
    "build_body",
    "encode_body",
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


@runtime_checkable
class _HasToolSpec(Protocol):
    @property
    def spec(self) -> ToolSpec: ...


MessageLike = SystemMessage | UserMessage | AssistantMessage | ToolMessage | Mapping[str, Any]
"""A message: one of llmstream's message classes, or a raw chat-completions message dict."""

ToolLike = ToolSpec | _HasToolSpec | Mapping[str, Any]
"""A tool: a `ToolSpec`, a `Tool` made with `@ls.tool`, or a raw chat-completions tool dict."""

ToolChoice = Literal["auto", "none", "required"] | str | ToolSpec | _HasToolSpec | Mapping[str, Any]
"""`"auto"`, `"none"`, `"required"`, a tool (or its name) the model must call, or a raw dict."""


@dataclass(frozen=True)
class ChatRequest:
    """Everything a caller can ask of one chat completion. Its fields (but `model` and
    `messages`) are options of a call, `CallOptions` keys; the other keys say how the call is
    made, not what it asks."""

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


def _tool_spec(tool: ToolLike) -> ToolSpec | Mapping[str, Any]:
    if isinstance(tool, (ToolSpec, Mapping)):
        return tool
    if isinstance(tool, _HasToolSpec):
        return tool.spec
    raise ConfigurationError(
        f"cannot use {tool!r} as a tool: pass an @ls.tool function, an ls.ToolSpec, or a "
        "chat-completions tool dict"
    )


def tool_to_wire(tool: ToolLike) -> dict[str, Any]:
    spec = _tool_spec(tool)
    if isinstance(spec, Mapping):
        return dict(spec)
    function: dict[str, Any] = {"name": spec.name, "strict": spec.strict}
    if spec.description is not None:
        function["description"] = spec.description
    function["parameters"] = spec.parameters
    return {"type": "function", "function": function}


def _tool_name(tool: ToolLike) -> str:
    spec = _tool_spec(tool)
    if not isinstance(spec, Mapping):
        return spec.name
    function = spec.get("function")
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str):
        raise ConfigurationError(
            "tool_choice names a tool dict without a function name; pass the tool itself, its "
            "name, or {'type': 'function', 'function': {'name': '...'}}"
        )
    return name


def tool_choice_to_wire(choice: ToolChoice) -> Any:
    if isinstance(choice, Mapping):
        return dict(choice)
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        name = choice  # any other string names the tool the model must call
    else:
        name = _tool_name(choice)
    return {"type": "function", "function": {"name": name}}


def _tool_call_to_wire(call: ToolCall) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    wire.update(call.provider_state)  # e.g. Gemini's extra_content thought signature
    return wire


def _content_to_wire(content: str | list[TextPart | ImagePart]) -> Any:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, TextPart):
            parts.append({"type": "text", "text": part.text})
        else:
            image: dict[str, Any] = {"url": part.url}
            if part.detail is not None:
                image["detail"] = part.detail
            parts.append({"type": "image_url", "image_url": image})
    return parts


def message_to_wire(message: MessageLike, provider: Provider) -> dict[str, Any]:
    """One message as the provider expects it in `messages`."""
    if isinstance(message, AssistantMessage):
        wire: dict[str, Any] = {"role": "assistant"}
        if message.text:
            wire["content"] = message.text
        if message.tool_calls:
            wire["tool_calls"] = [_tool_call_to_wire(call) for call in message.tool_calls]
        elif not message.text:
            wire["content"] = ""  # an assistant message needs content or tool calls
        # Provider state goes back as it came. Reasoning blocks, when the provider wants them,
        # replace the plain reasoning field: they are what it verifies.
        state = dict(message.provider_state)
        details = state.pop("reasoning_details", None)
        wire.update(state)
        if details and provider.replays_reasoning_details(details):
            wire["reasoning_details"] = details
        elif message.reasoning and provider.reasoning_history_field:
            wire[provider.reasoning_history_field] = message.reasoning
        return wire
    if isinstance(message, UserMessage):
        return {"role": "user", "content": _content_to_wire(message.content)}
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.content}
    if isinstance(message, ToolMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if isinstance(message, Mapping):
        return dict(message)
    raise ConfigurationError(
        f"cannot send a {type_name(message)} as a message: use ls.system(), ls.user(), "
        "ls.tool_result(), an AssistantMessage from an earlier call, or a chat-completions "
        "message dict"
    )


def _messages_to_wire(request: ChatRequest, provider: Provider) -> list[dict[str, Any]]:
    wire = []
    for position, message in enumerate(request.messages):
        try:
            wire.append(message_to_wire(message, provider))
        except ConfigurationError as error:
            raise ConfigurationError(f"messages[{position}]: {error}") from None
    instruction = request.output.instruction() if request.output is not None else None
    if instruction is not None:  # prompted output: after the caller's own system messages
        at = next((i for i, m in enumerate(wire) if m.get("role") != "system"), len(wire))
        wire.insert(at, {"role": "system", "content": instruction})
    return wire


def build_body(
    request: ChatRequest, provider: Provider, *, stream: bool
) -> tuple[dict[str, Any], list[RequestWarning]]:
    """The JSON body for `request`, and a warning for each parameter that had to be dropped."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": _messages_to_wire(request, provider),
    }
    if request.max_tokens is not None:
        body[provider.output_limit_field(request.model)] = request.max_tokens
    if request.max_completion_tokens is not None:
        body["max_completion_tokens"] = request.max_completion_tokens
    for name in ("temperature", "top_p", "seed", "reasoning_effort", "parallel_tool_calls"):
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if request.stop is not None:
        body["stop"] = request.stop if isinstance(request.stop, str) else list(request.stop)
    output = request.output
    response_format = request.response_format
    if output is not None and output.response_format() is not None:
        if response_format is not None:
            raise ConfigurationError(
                "pass either output= or response_format=, not both: output= writes the "
                "response_format itself"
            )
        response_format = output.response_format()
    if response_format is not None:
        body["response_format"] = dict(response_format)
    tools = [tool_to_wire(tool) for tool in request.tools or ()]
    tool_choice = request.tool_choice
    output_tool = output.tool() if output is not None else None
    if output_tool is not None:
        tools.append(output_tool)
        if tool_choice is None:  # a call for the object alone: the output tool is forced
            tool_choice = output_tool["function"]["name"]
    if tools:
        body["tools"] = tools
        # Explicit, because a few compatible servers default to "none" when it is missing.
        body["tool_choice"] = tool_choice_to_wire(tool_choice or "auto")
    elif tool_choice is not None:
        body["tool_choice"] = tool_choice_to_wire(tool_choice)
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}

    provider.adapt_body(request.model, body)
    warnings = []
    for name, reason in provider.rejected_parameters(request.model, body).items():
        value = body.pop(name)
        warnings.append(
            RequestWarning(message=f"dropped {name}={json.dumps(value)}: {reason}", parameter=name)
        )
    if request.extra_body:
        body.update(request.extra_body)  # the escape hatch is sent as given, after every rule
    return body, warnings


def encode_body(
    request: ChatRequest, provider: Provider, *, stream: bool
) -> tuple[bytes, list[RequestWarning]]:
    """`build_body`, encoded as the bytes that are sent."""
    body, warnings = build_body(request, provider, stream=stream)
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        check_json_numbers(body)  # says where the NaN or Infinity is
        raise
    except (TypeError, RecursionError) as exc:
        raise ConfigurationError(f"the request body is not JSON-serialisable: {exc}") from None
    return text.encode(), warnings
