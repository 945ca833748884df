"""A scripted reply as the Responses API sends it (`POST /responses`): named events
(`event: response.output_text.delta` ...), each with its `sequence_number`, from
`response.created` to `response.completed` (or `.incomplete`), or a whole response object.

The reply's reasoning is a reasoning item streamed as summary text, with an `encrypted_content`
when the request asked for it (`include: ["reasoning.encrypted_content"]`), its text a message
item, its tool calls `function_call` items, in that order, each with an id of its own
(`rs_`, `msg_`, `fc_`). Sans-IO; `_render` picks it by the request's path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._render_parts import CREATED, Format, annotations_of, calls, pieces, to_json
from ._script import ErrorEvent, FakeRequest, Reply

__all__ = ["FORMAT", "response_object"]

ENCRYPTED_REASONING = "reasoning.encrypted_content"

# A scripted finish reason as the response's status, and the reason it is incomplete.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def _usage(reply: Reply) -> dict[str, Any] | None:
    if reply.usage is None:
        return None
    prompt, completion = reply.usage
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def _asks_for_encrypted_reasoning(request: FakeRequest) -> bool:
    body = request.body
    include = body.get("include") if isinstance(body, dict) else None
    return isinstance(include, list) and ENCRYPTED_REASONING in include


def _output(
    reply: Reply, request: FakeRequest, number: int, next_call_id: Callable[[], str]
) -> list[dict[str, Any]]:
    """The reply's output items, final."""
    items: list[dict[str, Any]] = []
    reasoning = "".join(pieces(reply.reasoning))
    if reasoning:
        item: dict[str, Any] = {
            "id": f"rs_fake_{number}",
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": reasoning}],
        }
        if _asks_for_encrypted_reasoning(request):
            item["encrypted_content"] = f"fake-encrypted-reasoning-{number}"
        items.append(item)
    text = "".join(pieces(reply.text))
    if text:
        items.append(
            {
                "id": f"msg_fake_{number}",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [
                    {"type": "output_text", "text": text, "annotations": annotations_of(reply)}
                ],
            }
        )
    for position, (call, call_id) in enumerate(calls(reply, next_call_id)):
        items.append(
            {
                "id": f"fc_fake_{number}_{position}",
                "type": "function_call",
                "status": "completed",
                "call_id": call_id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
    return items


def response_object(
    reply: Reply,
    request: FakeRequest,
    *,
    number: int,
    output: list[dict[str, Any]],
    status: str | None = None,
) -> dict[str, Any]:
    """The response object: in progress (`status="in_progress"`, no output yet) or final."""
    final = status is None
    incomplete = _INCOMPLETE.get(reply.finish_reason)
    if final:
        status = "incomplete" if incomplete else "completed"
    body = request.body if isinstance(request.body, dict) else {}
    return {
        "id": f"resp_fake_{number}",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "error": None,
        "incomplete_details": {"reason": incomplete} if final and incomplete else None,
        "model": request.model or "fake-model",
        "output": output if final else [],
        "usage": _usage(reply) if final else None,
        # What the request asked for, echoed as the API does.
        "instructions": body.get("instructions"),
        "metadata": body.get("metadata") or {},
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
    }


def stream_events(
    reply: Reply,
    request: FakeRequest,
    *,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> list[bytes]:
    """The named SSE events of a streamed response (`reply.chunks`: those events instead, each
    dict sent under its own `type`)."""
    if reply.chunks is not None:
        return [_event(chunk) for chunk in reply.chunks]
    output = _output(reply, request, number, next_call_id)
    events: list[dict[str, Any]] = []
    started = response_object(reply, request, number=number, output=[], status="in_progress")
    events.append({"type": "response.created", "response": started})
    events.append({"type": "response.in_progress", "response": started})
    for index, item in enumerate(output):
        events += _item_events(reply, item, index)
    if reply.done:
        final = response_object(reply, request, number=number, output=output)
        kind = "response.completed" if final["status"] == "completed" else "response.incomplete"
        events.append({"type": kind, "response": final})
    return [_event({**event, "sequence_number": sequence}) for sequence, event in enumerate(events)]


def _item_events(reply: Reply, item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """One output item's events: added, its deltas as scripted, its `.done` events."""
    kind = item["type"]
    if kind == "reasoning":
        added = {**item, "summary": [], "encrypted_content": None}
        middle = _reasoning_events(reply, item, index)
    elif kind == "message":
        added = {**item, "status": "in_progress", "content": []}
        middle = _message_events(reply, item, index)
    else:
        added = {**item, "status": "in_progress", "arguments": ""}
        middle = _call_events(item, index)
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *middle,
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def _reasoning_events(reply: Reply, item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    at = {"output_index": index, "item_id": item["id"], "summary_index": 0}
    text = item["summary"][0]["text"]
    part = {"type": "summary_text", "text": ""}
    return [
        {"type": "response.reasoning_summary_part.added", **at, "part": part},
        *(
            {"type": "response.reasoning_summary_text.delta", **at, "delta": piece}
            for piece in pieces(reply.reasoning)
        ),
        {"type": "response.reasoning_summary_text.done", **at, "text": text},
        {"type": "response.reasoning_summary_part.done", **at, "part": {**part, "text": text}},
    ]


def _message_events(reply: Reply, item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    at = {"output_index": index, "item_id": item["id"], "content_index": 0}
    part = item["content"][0]
    added = {**part, "text": "", "annotations": []}
    return [
        {"type": "response.content_part.added", **at, "part": added},
        *(
            {"type": "response.output_text.delta", **at, "delta": piece, "logprobs": []}
            for piece in pieces(reply.text)
        ),
        *(
            {
                "type": "response.output_text.annotation.added",
                **at,
                "annotation_index": position,
                "annotation": annotation,
            }
            for position, annotation in enumerate(part["annotations"])
        ),
        {"type": "response.output_text.done", **at, "text": part["text"], "logprobs": []},
        {"type": "response.content_part.done", **at, "part": part},
    ]


def _call_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    at = {"output_index": index, "item_id": item["id"]}
    arguments = item["arguments"]
    half = len(arguments) // 2
    return [
        *(
            {"type": "response.function_call_arguments.delta", **at, "delta": fragment}
            for fragment in (arguments[:half], arguments[half:])
            if fragment
        ),
        {"type": "response.function_call_arguments.done", **at, "arguments": arguments},
    ]


def _event(event: Mapping[str, Any] | bytes) -> bytes:
    if isinstance(event, bytes):
        return event
    return b"event: " + str(event.get("type", "")).encode() + b"\ndata: " + to_json(event) + b"\n\n"


def error_event(fault: ErrorEvent, sequence: int) -> bytes:
    """The API's `error` event (`code`, `message`, `param`), which ends the stream."""
    return _event(
        {
            "type": "error",
            "code": fault.code or fault.type,
            "message": fault.message,
            "param": None,
            "sequence_number": sequence,
        }
    )


def whole_reply(
    reply: Reply,
    request: FakeRequest,
    *,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> bytes:
    """A whole (non-streamed) response object."""
    output = _output(reply, request, number, next_call_id)
    return to_json(response_object(reply, request, number=number, output=output))


def whole_error(fault: ErrorEvent) -> bytes:
    """A failed response, sent in place of a whole reply, in a 200."""
    error = {"code": fault.code or fault.type, "message": fault.message}
    return to_json({"object": "response", "status": "failed", "error": error, "output": []})


FORMAT = Format(stream_events, whole_reply, error_event, whole_error)
