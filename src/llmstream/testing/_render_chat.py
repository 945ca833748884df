"""A scripted reply as chat completions sends it (`POST /chat/completions`): `data:` chunks
ending with `[DONE]`, or a whole completion. Sans-IO; `_render` picks it by the request's path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._render_parts import CREATED, Format, annotations_of, calls, pieces, to_json
from ._script import ErrorEvent, FakeRequest, Reply

__all__ = ["FORMAT"]


def _usage(reply: Reply) -> dict[str, int] | None:
    if reply.usage is None:
        return None
    prompt, completion = reply.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _sse(chunk: Mapping[str, Any] | bytes) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    return b"data: " + to_json(chunk) + b"\n\n"


def stream_events(
    reply: Reply,
    request: FakeRequest,
    *,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> list[bytes]:
    """The SSE events of a streamed reply, one `data:` event each, `[DONE]` last."""
    top = {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": request.model or "fake-model",
    }
    if reply.chunks is not None:
        chunks: list[Mapping[str, Any] | bytes] = list(reply.chunks)
    else:
        deltas: list[dict[str, Any]] = [{reasoning_field: p} for p in pieces(reply.reasoning)]
        deltas += [{"content": piece} for piece in pieces(reply.text)]
        if reply.citations:  # after the text they cite, as OpenAI's search models send them
            deltas.append({"annotations": annotations_of(reply, nested=True)})
        for index, (call, call_id) in enumerate(calls(reply, next_call_id)):
            function = {"name": call.name, "arguments": ""}
            start = {"index": index, "id": call_id, "type": "function", "function": function}
            deltas.append({"tool_calls": [start]})
            half = len(call.arguments) // 2
            for fragment in (call.arguments[:half], call.arguments[half:]):
                if fragment:
                    piece = {"index": index, "function": {"arguments": fragment}}
                    deltas.append({"tool_calls": [piece]})
        chunks = [
            {**top, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            for delta in deltas
        ]
        finish = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
        chunks.append({**top, "choices": [finish]})
        # The role rides on the first chunk, so every event before the finish carries content.
        first = chunks[0]
        assert isinstance(first, dict)
        first["choices"][0]["delta"] = {"role": "assistant", **first["choices"][0]["delta"]}
        usage = _usage(reply)
        if usage is not None:
            chunks.append({**top, "choices": [], "usage": usage})
    events = [_sse(chunk) for chunk in chunks]
    if reply.done:
        events.append(b"data: [DONE]\n\n")
    return events


def error_event(fault: ErrorEvent, sequence: int) -> bytes:
    """The provider's error object inside the stream (`event: error` first, as Groq sends it,
    when the fault asks)."""
    error = {"message": fault.message, "type": fault.type, "param": None, "code": fault.code}
    prefix = b"event: error\n" if fault.sse_event else b""
    return prefix + b"data: " + to_json({"error": error}) + b"\n\n"


def whole_reply(
    reply: Reply,
    request: FakeRequest,
    *,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> bytes:
    """A whole (non-streamed) completion."""
    text = "".join(pieces(reply.text))
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    reasoning = "".join(pieces(reply.reasoning))
    if reasoning:
        message[reasoning_field] = reasoning
    if reply.citations:
        message["annotations"] = annotations_of(reply, nested=True)
    found = calls(reply, next_call_id)
    if found:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call, call_id in found
        ]
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": request.model or "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
    }
    usage = _usage(reply)
    if usage is not None:
        body["usage"] = usage
    return to_json(body)


def whole_error(fault: ErrorEvent) -> bytes:
    """An error object sent instead of a whole reply, in a 200."""
    error = {"message": fault.message, "type": fault.type, "param": None, "code": fault.code}
    return to_json({"error": error})


FORMAT = Format(stream_events, whole_reply, error_event, whole_error)
