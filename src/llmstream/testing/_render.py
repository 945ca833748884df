"""Turning a scripted entry into a response plan: a status, headers and a list of steps (bytes
to send, pauses, a dropped connection). Sans-IO: the fake transport and the fake server each
carry out the same plan, so both paths send the same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._script import (
    Disconnect,
    ErrorEvent,
    FakeRequest,
    FakeToolCall,
    Fault,
    Reply,
    Stall,
    Status,
)

__all__ = ["Cut", "Pause", "Plan", "Send", "Step", "render"]

# Fixed, so two runs of the same script send the same bytes.
_CREATED = 1_700_000_000


@dataclass(frozen=True)
class Send:
    data: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Cut:
    """Drop the connection without ending the HTTP body."""


Step: TypeAlias = Send | Pause | Cut


@dataclass(frozen=True)
class Plan:
    status: int
    headers: list[tuple[str, str]]
    steps: list[Step]
    chunked: bool
    """False for a whole body sent with Content-Length (nothing can go wrong part way)."""


def render(
    entry: Reply | Status,
    request: FakeRequest,
    *,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> Plan:
    """The plan answering `request` (the fake's `number`-th) with `entry`."""
    request_id = [("x-request-id", f"req_fake_{number}")]
    if isinstance(entry, Status):
        return _status_plan(entry, request_id)
    model = request.model or "fake-model"
    headers = [*request_id, *entry.headers.items()]
    if request.stream or entry.chunks is not None:
        events = _stream_events(entry, model, number, reasoning_field, next_call_id)
        steps = _with_faults(events, entry.faults)
        headers.insert(0, ("content-type", "text/event-stream"))
    else:
        body = _json(_whole_reply(entry, model, number, reasoning_field, next_call_id))
        steps = _whole_with_faults(body, entry.faults)
        headers.insert(0, ("content-type", "application/json"))
    if entry.split_bytes:
        steps = _one_byte_each(steps)
    chunked = request.stream or bool(entry.faults) or entry.split_bytes or entry.chunks is not None
    return Plan(status=200, headers=headers, steps=steps, chunked=chunked)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _status_plan(entry: Status, request_id: list[tuple[str, str]]) -> Plan:
    body = entry.body
    if isinstance(body, bytes):
        payload, content_type = body, "text/plain; charset=utf-8"
    elif isinstance(body, str):
        payload, content_type = body.encode(), "text/plain; charset=utf-8"
    else:
        payload, content_type = _json(body), "application/json"
    headers = [("content-type", content_type), *request_id]
    if entry.retry_after is not None:
        headers.append(("retry-after", f"{entry.retry_after:g}"))
    headers += list(entry.headers.items())
    return Plan(status=entry.code, headers=headers, steps=[Send(payload)], chunked=False)


# -- streams -----------------------------------------------------------------------------------


def _pieces(text: str | Sequence[str]) -> list[str]:
    """A string streams a word at a time (each piece keeps its trailing space); a sequence is
    taken as the pieces themselves."""
    if not isinstance(text, str):
        return list(text)
    if not text:
        return []
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + [words[-1]]


def _calls(reply: Reply, next_call_id: Callable[[], str]) -> list[tuple[FakeToolCall, str]]:
    calls: list[tuple[FakeToolCall, str]] = []
    for call in reply.tool_calls:
        assert isinstance(call, FakeToolCall)  # Reply.__post_init__ made them so
        calls.append((call, call.id or next_call_id()))
    return calls


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
    return b"data: " + _json(chunk) + b"\n\n"


def _stream_events(
    reply: Reply,
    model: str,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> list[bytes]:
    """The SSE events of a streamed reply, one `data:` event each, `[DONE]` last."""
    top = {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
    }
    if reply.chunks is not None:
        chunks: list[Mapping[str, Any] | bytes] = list(reply.chunks)
    else:
        deltas: list[dict[str, Any]] = [{reasoning_field: p} for p in _pieces(reply.reasoning)]
        deltas += [{"content": piece} for piece in _pieces(reply.text)]
        for index, (call, call_id) in enumerate(_calls(reply, next_call_id)):
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


def _error_bytes(fault: ErrorEvent) -> bytes:
    error = {"message": fault.message, "type": fault.type, "param": None, "code": fault.code}
    prefix = b"event: error\n" if fault.sse_event else b""
    return prefix + b"data: " + _json({"error": error}) + b"\n\n"


def _with_faults(events: list[bytes], faults: Sequence[Fault]) -> list[Step]:
    """The events as steps, each fault placed after its `after`-th event (later ones clamp to
    the end). A disconnect or an error event ends the response."""
    pending = sorted(faults, key=lambda fault: fault.after)  # stable: same `after` keeps order
    steps: list[Step] = []
    for position in range(len(events) + 1):
        while pending and (pending[0].after <= position or position == len(events)):
            fault = pending.pop(0)
            if isinstance(fault, Stall):
                steps.append(Pause(fault.seconds))
            elif isinstance(fault, Disconnect):
                return [*steps, *([] if fault.graceful else [Cut()])]
            else:
                return [*steps, Send(_error_bytes(fault))]
        if position < len(events):
            steps.append(Send(events[position]))
    return steps


# -- whole replies -----------------------------------------------------------------------------


def _whole_reply(
    reply: Reply,
    model: str,
    number: int,
    reasoning_field: str,
    next_call_id: Callable[[], str],
) -> dict[str, Any]:
    text = "".join(_pieces(reply.text))
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    reasoning = "".join(_pieces(reply.reasoning))
    if reasoning:
        message[reasoning_field] = reasoning
    calls = _calls(reply, next_call_id)
    if calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call, call_id in calls
        ]
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
    }
    usage = _usage(reply)
    if usage is not None:
        body["usage"] = usage
    return body


def _whole_with_faults(body: bytes, faults: Sequence[Fault]) -> list[Step]:
    """A whole reply is one piece: stalls come before it, a disconnect replaces it (dropped, or
    an empty body when graceful), an error event is sent instead of it, in a 200."""
    steps: list[Step] = []
    for fault in faults:
        if isinstance(fault, Stall):
            steps.append(Pause(fault.seconds))
        elif isinstance(fault, Disconnect):
            return [*steps, *([] if fault.graceful else [Cut()])]
        else:
            error = {"message": fault.message, "type": fault.type, "param": None}
            return [*steps, Send(_json({"error": {**error, "code": fault.code}}))]
    return [*steps, Send(body)]


def _one_byte_each(steps: list[Step]) -> list[Step]:
    split: list[Step] = []
    for step in steps:
        if isinstance(step, Send):
            split += [Send(step.data[i : i + 1]) for i in range(len(step.data))]
        else:
            split.append(step)
    return split
