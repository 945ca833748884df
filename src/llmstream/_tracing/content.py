"""Messages in the shapes of the conventions' `gen_ai.input.messages` and
`gen_ai.output.messages`: recorded only when the user opts in. A request body is read in either
wire's shape (chat completions' `messages`, the Responses API's `input` items), and the same
conversation reads the same in both."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..messages import AssistantMessage

if TYPE_CHECKING:
    from .._core.request import MessageLike
    from ..providers._base import Provider

__all__ = [
    "arguments",
    "conversation_messages",
    "has_output",
    "input_messages",
    "item_messages",
    "output_message",
]

# `AssistantMessage.finish_reason` as the conventions' output-message finish reasons.
_FINISH_REASONS = {"tool_calls": "tool_call"}


def input_messages(body: bytes) -> list[dict[str, Any]]:
    """The messages as sent, in the conventions' input-messages shape: the body's `messages`
    (chat completions) or its `input` items (the Responses API)."""
    try:
        sent = json.loads(body)
    except ValueError:
        return []
    if not isinstance(sent, Mapping):
        return []
    messages = sent.get("messages")
    if isinstance(messages, list):
        return [_wire_message(message) for message in messages if isinstance(message, Mapping)]
    items = sent.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    return item_messages(items) if isinstance(items, list) else []


def conversation_messages(
    conversation: Sequence[MessageLike], provider: Provider
) -> list[dict[str, Any]]:
    """An agent's conversation in the conventions' shape. A message that cannot be sent is left
    out: the run's first call raises the error that says why."""
    from .._core.wire.chat.encoder import message_to_wire
    from ..errors import ConfigurationError

    messages = []
    for message in conversation:
        if isinstance(message, Mapping) and "role" not in message:  # a Responses input item
            messages += item_messages([message])
            continue
        try:
            messages.append(_wire_message(message_to_wire(message, provider)))
        except ConfigurationError:
            continue
    return messages


def item_messages(items: Sequence[Any]) -> list[dict[str, Any]]:
    """Responses API input items in the conventions' shape, as the same conversation sent to
    chat completions reads: the output items of one reply (its reasoning, message, function
    calls, built-in tool calls) are one assistant message, a `function_call_output` a tool
    message, and `developer` text is `system` text."""
    messages: list[dict[str, Any]] = []
    turn: dict[str, Any] | None = None  # the assistant message a reply's items make up
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind, role = item.get("type"), item.get("role")
        if kind == "function_call_output":
            response = {
                "type": "tool_call_response",
                "id": item.get("call_id"),
                "response": item.get("output"),
            }
            messages.append({"role": "tool", "parts": [response]})
            turn = None
        elif role == "assistant" or (role is None and kind not in (None, "message")):
            if turn is None:
                turn = {"role": "assistant", "parts": []}
                messages.append(turn)
            turn["parts"] += _item_parts(item)
        else:
            role = "system" if role == "developer" else role
            messages.append({"role": role, "parts": _content_parts(item.get("content"))})
            turn = None
    return messages


def _item_parts(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One output item of a reply as the parts of its assistant message."""
    kind = item.get("type")
    if kind == "reasoning":
        for field in ("summary", "content"):
            texts = [
                part["text"]
                for part in item.get(field) or ()
                if isinstance(part, Mapping) and isinstance(part.get("text"), str) and part["text"]
            ]
            if texts:
                return [{"type": "reasoning", "content": "\n\n".join(texts)}]
        return []  # encrypted, and nothing readable
    if kind == "function_call":
        return [
            {
                "type": "tool_call",
                "id": item.get("call_id"),
                "name": item.get("name"),
                "arguments": arguments(item.get("arguments")),
            }
        ]
    if kind == "message" or item.get("role") == "assistant":
        return _content_parts(item.get("content"))
    return [dict(item)]  # a built-in tool's call, an item type yet to come: as it was sent


def _content_parts(content: Any) -> list[dict[str, Any]]:
    """A Responses message's content (a string, or input and output parts) as parts."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts = []
    for part in content or ():
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "content": part.get("text", "")})
        elif kind == "refusal":
            parts.append({"type": "refusal", "content": part.get("refusal", "")})
        elif kind == "input_image" and isinstance(part.get("image_url"), str):
            parts.append(_image_part(part["image_url"]))
        else:
            parts.append(dict(part))
    return parts


def _wire_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One chat-completions message in the conventions' shape: a role and typed parts."""
    role = message.get("role")
    content = message.get("content")
    parts: list[dict[str, Any]] = []
    if role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message.get("tool_call_id"), "response": content}
        )
        return {"role": role, "parts": parts}
    for field in ("reasoning_content", "reasoning"):
        reasoning = message.get(field)
        if isinstance(reasoning, str) and reasoning:
            parts.append({"type": "reasoning", "content": reasoning})
            break
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        parts.extend(_wire_part(part) for part in content if isinstance(part, Mapping))
    for call in message.get("tool_calls") or ():
        if not isinstance(call, Mapping):
            continue
        function = call.get("function")
        if not isinstance(function, Mapping):
            function = {}
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": function.get("name"),
                "arguments": arguments(function.get("arguments")),
            }
        )
    return {"role": role, "parts": parts}


def _wire_part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "content": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        return _image_part(image.get("url", "") if isinstance(image, Mapping) else str(image))
    return dict(part)


def _image_part(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        head, data = url[5:].split(";base64,", 1)
        return {"type": "blob", "modality": "image", "mime_type": head, "content": data}
    return {"type": "uri", "modality": "image", "uri": url}


def output_message(message: AssistantMessage, finish: str | None) -> dict[str, Any]:
    """The reply in the conventions' output-message shape; `finish` stands in for a finish
    reason the reply never got (`error`, `cancelled`)."""
    parts: list[dict[str, Any]] = []
    if message.reasoning:
        parts.append({"type": "reasoning", "content": message.reasoning})
    if message.text:
        parts.append({"type": "text", "content": message.text})
    if message.refusal:
        parts.append({"type": "refusal", "content": message.refusal})
    parts.extend(
        {
            "type": "tool_call",
            "id": call.id,
            "name": call.name,
            "arguments": arguments(call.arguments),
        }
        for call in message.tool_calls
    )
    reason = message.finish_reason
    finish_reason = _FINISH_REASONS.get(reason, reason) if reason is not None else finish
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason or "error"}


def has_output(message: AssistantMessage) -> bool:
    return bool(message.text or message.reasoning or message.refusal or message.tool_calls)


def arguments(text: object) -> object:
    """Tool-call arguments as an object when they are JSON, as the text they are otherwise."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return text
