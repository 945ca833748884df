"""The chat-completions request body: a `ChatRequest` in, the JSON body and its warnings out.

One builder serves every provider; the provider answers the few questions that differ: which
field carries the output limit, which parameters a model refuses, and in which field (if any)
reasoning goes back in the history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ....errors import ConfigurationError
from ....events import RequestWarning
from ....messages import (
    AssistantMessage,
    ImagePart,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from ...checks import type_name
from ...provider import ProviderSpec
from ...provider_state import OUTPUT_ITEMS
from ...request import (
    ChatRequest,
    MessageLike,
    ToolChoice,
    ToolLike,
    offered_tools,
    tool_spec,
)

__all__ = [
    "build_body",
    "message_to_wire",
    "prediction_to_wire",
    "tool_choice_to_wire",
    "tool_to_wire",
]


def prediction_to_wire(prediction: str | Mapping[str, Any]) -> dict[str, Any]:
    """A predicted output: text as the `content` prediction object, an object as given."""
    if isinstance(prediction, str):
        return {"type": "content", "content": prediction}
    return dict(prediction)


def tool_to_wire(tool: ToolLike) -> dict[str, Any]:
    spec = tool_spec(tool)
    if isinstance(spec, Mapping):
        return dict(spec)
    function: dict[str, Any] = {"name": spec.name, "strict": spec.strict}
    if spec.description is not None:
        function["description"] = spec.description
    function["parameters"] = spec.parameters
    return {"type": "function", "function": function}


def _tool_name(tool: ToolLike) -> str:
    spec = tool_spec(tool)
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


def message_to_wire(
    message: MessageLike, provider: ProviderSpec, warnings: list[RequestWarning] | None = None
) -> dict[str, Any]:
    """One message as the provider expects it in `messages`; what it cannot carry is dropped,
    with a warning added to `warnings`."""
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
        items = state.pop(OUTPUT_ITEMS, None)
        if items and warnings is not None:
            warnings.extend(_uncarried(items))
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


def _uncarried(items: Any) -> list[RequestWarning]:
    """What a Responses API reply carried that chat completions cannot: its encrypted reasoning
    and its built-in tool calls (their results are in the text)."""
    if not isinstance(items, list):
        return []
    encrypted = sum(1 for item in items if isinstance(item, dict) and item.get("encrypted_content"))
    builtin = sorted(
        {
            str(item.get("type"))
            for item in items
            if isinstance(item, dict) and item.get("type") not in _CARRIED_ITEMS
        }
    )
    warnings = []
    if encrypted:
        warnings.append(
            RequestWarning(
                message=f"dropped {encrypted} encrypted reasoning item(s) of an earlier "
                "Responses API reply: chat completions has no field for them (the reasoning "
                "summary goes back as reasoning text where the provider takes it)",
                parameter="messages",
            )
        )
    if builtin:
        warnings.append(
            RequestWarning(
                message=f"dropped the {', '.join(builtin)} item(s) of an earlier Responses API "
                "reply: chat completions has no field for built-in tool calls",
                parameter="messages",
            )
        )
    return warnings


# Options of the Responses API that chat completions does not take, and why they are dropped.
_RESPONSES_ONLY = {
    "reasoning_summary": "reasoning summaries exist only in the Responses API (api='responses')",
}

# Options sent as given, under their own names, when set.
_AS_GIVEN = (
    "temperature",
    "top_p",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logprobs",
    "top_logprobs",
    "n",
    "reasoning_effort",
    "verbosity",
    "parallel_tool_calls",
    "service_tier",
    "store",
    "user",
    "safety_identifier",
    "prompt_cache_key",
)

# The output items chat completions carries in its own fields: text and refusals, tool calls,
# reasoning (as text).
_CARRIED_ITEMS = frozenset({"message", "function_call", "reasoning"})


def _messages_to_wire(
    request: ChatRequest, provider: ProviderSpec, warnings: list[RequestWarning]
) -> list[dict[str, Any]]:
    wire = []
    for position, message in enumerate(request.messages):
        try:
            wire.append(message_to_wire(message, provider, warnings))
        except ConfigurationError as error:
            raise ConfigurationError(f"messages[{position}]: {error}") from None
    instruction = request.output.instruction() if request.output is not None else None
    if instruction is not None:  # prompted output: after the caller's own system messages
        at = next((i for i, m in enumerate(wire) if m.get("role") != "system"), len(wire))
        wire.insert(at, {"role": "system", "content": instruction})
    return wire


def build_body(
    request: ChatRequest, provider: ProviderSpec, *, stream: bool
) -> tuple[dict[str, Any], list[RequestWarning]]:
    """The JSON body for `request`, and a warning for each parameter that had to be dropped."""
    if request.previous_response_id is not None:
        raise ConfigurationError(
            "previous_response_id continues a conversation stored by the Responses API; "
            f"{type(provider).__name__} speaks chat completions, which has no stored "
            "conversations: send the whole history in messages=, or use the Responses API "
            "(api='responses')"
        )
    warnings: list[RequestWarning] = []
    body: dict[str, Any] = {
        "model": request.model,
        "messages": _messages_to_wire(request, provider, warnings),
    }
    if request.max_tokens is not None:
        body[provider.output_limit_field(request.model)] = request.max_tokens
    if request.max_completion_tokens is not None:
        body["max_completion_tokens"] = request.max_completion_tokens
    for name in _AS_GIVEN:
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if request.stop is not None:
        body["stop"] = request.stop if isinstance(request.stop, str) else list(request.stop)
    if request.logit_bias is not None:
        body["logit_bias"] = {str(token): bias for token, bias in request.logit_bias.items()}
    if request.metadata is not None:
        body["metadata"] = dict(request.metadata)
    if request.prediction is not None:
        body["prediction"] = prediction_to_wire(request.prediction)
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
    tools, tool_choice = offered_tools(request)
    if tools:
        body["tools"] = [tool_to_wire(tool) for tool in tools]
        # Explicit, because a few compatible servers default to "none" when it is missing.
        body["tool_choice"] = tool_choice_to_wire(tool_choice or "auto")
    elif tool_choice is not None:
        body["tool_choice"] = tool_choice_to_wire(tool_choice)
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}

    for name, reason in _RESPONSES_ONLY.items():
        value = getattr(request, name)
        if value is not None:
            warnings.append(
                RequestWarning(
                    message=f"dropped {name}={json.dumps(value)}: {reason}", parameter=name
                )
            )
    provider.adapt_body(request.model, body)
    rejected = {
        name: reason for name, reason in provider.unsupported_parameters.items() if name in body
    }
    rejected.update(provider.rejected_parameters(request.model, body))
    for name, reason in rejected.items():
        value = body.pop(name)
        warnings.append(
            RequestWarning(message=f"dropped {name}={json.dumps(value)}: {reason}", parameter=name)
        )
    if request.extra_body:
        body.update(request.extra_body)  # the escape hatch is sent as given, after every rule
    return body, warnings
