"""Messages in the shapes of the conventions' `gen_ai.input.messages` and
`gen_ai.output.messages`: recorded only when the user opts in."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..messages import AssistantMessage

if TYPE_CHECKING:
    from .._core.request import MessageLike
    from ..providers._base import Provider

__all__ = ["arguments", "conversation_messages", "has_output", "input_messages", "output_message"]

# `AssistantMessage.finish_reason` as the conventions' output-message finish reasons.
_FINISH_REASONS = {"tool_calls": "tool_call"}


def input_messages(body: bytes) -> list[dict[str, Any]]:
    """The messages as sent (the body's), in the conventions' input-messages shape."""
    try:
        messages = json.loads(body).get("messages") or []
    except (ValueError, AttributeError):
        return []
    return [_wire_message(message) for message in messages if isinstance(message, Mapping)]


def conversation_messages(
    conversation: Sequence[MessageLike], provider: Provider
) -> list[dict[str, Any]]:
    """An agent's conversation in the conventions' shape. A message that cannot be sent is left
    out: the run's first call raises the error that says why."""
    from .._core.wire.chat.encoder import message_to_wire
    from ..errors import ConfigurationError

    messages = []
    for message in conversation:
        try:
            messages.append(_wire_message(message_to_wire(message, provider)))
        except ConfigurationError:
            continue
    return messages


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
        url = image.get("url", "") if isinstance(image, Mapping) else str(image)
        if url.startswith("data:") and ";base64," in url:
            head, data = url[5:].split(";base64,", 1)
            return {"type": "blob", "modality": "image", "mime_type": head, "content": data}
        return {"type": "uri", "modality": "image", "uri": url}
    return dict(part)


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
