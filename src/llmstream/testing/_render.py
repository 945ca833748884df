"""Turning a scripted entry into a response plan: a status, headers and a list of steps (bytes
to send, pauses, a dropped connection). Sans-IO: the fake transport and the fake server each
carry out the same plan, so both paths send the same bytes.

The bytes are those of the API the request was sent to, by its path: chat completions
(`_render_chat`) or the Responses API (`_render_responses`); the faults and the plan are the
same for both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from ._render_chat import FORMAT as CHAT
from ._render_parts import Format, to_json
from ._render_responses import FORMAT as RESPONSES
from ._script import Disconnect, ErrorEvent, FakeRequest, Fault, Reply, Stall, Status

__all__ = ["FORMATS", "Cut", "Pause", "Plan", "Send", "Step", "render"]

FORMATS: dict[str, Format] = {
    "chat": CHAT,
    "responses": RESPONSES,
}
"""How each API (`FakeRequest.api`) sends a scripted reply."""


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
    form = FORMATS[request.api]
    headers = [*request_id, *entry.headers.items()]
    if request.stream or entry.chunks is not None:
        events = form.stream_events(
            entry,
            request,
            number=number,
            reasoning_field=reasoning_field,
            next_call_id=next_call_id,
        )
        steps = _with_faults(events, entry.faults, form)
        headers.insert(0, ("content-type", "text/event-stream"))
    else:
        body = form.whole_reply(
            entry,
            request,
            number=number,
            reasoning_field=reasoning_field,
            next_call_id=next_call_id,
        )
        steps = _whole_with_faults(body, entry.faults, form)
        headers.insert(0, ("content-type", "application/json"))
    if entry.split_bytes:
        steps = _one_byte_each(steps)
    chunked = request.stream or bool(entry.faults) or entry.split_bytes or entry.chunks is not None
    return Plan(status=200, headers=headers, steps=steps, chunked=chunked)


def _status_plan(entry: Status, request_id: list[tuple[str, str]]) -> Plan:
    body = entry.body
    if isinstance(body, bytes):
        payload, content_type = body, "text/plain; charset=utf-8"
    elif isinstance(body, str):
        payload, content_type = body.encode(), "text/plain; charset=utf-8"
    else:
        payload, content_type = to_json(body), "application/json"
    headers = [("content-type", content_type), *request_id]
    if entry.retry_after is not None:
        headers.append(("retry-after", f"{entry.retry_after:g}"))
    headers += list(entry.headers.items())
    return Plan(status=entry.code, headers=headers, steps=[Send(payload)], chunked=False)


def _with_faults(events: list[bytes], faults: Sequence[Fault], form: Format) -> list[Step]:
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
                return [*steps, Send(form.error_event(fault, position))]
        if position < len(events):
            steps.append(Send(events[position]))
    return steps


def _whole_with_faults(body: bytes, faults: Sequence[Fault], form: Format) -> list[Step]:
    """A whole reply is one piece: stalls come before it, a disconnect replaces it (dropped, or
    an empty body when graceful), an error event is sent instead of it, in a 200."""
    steps: list[Step] = []
    for fault in faults:
        if isinstance(fault, Stall):
            steps.append(Pause(fault.seconds))
        elif isinstance(fault, Disconnect):
            return [*steps, *([] if fault.graceful else [Cut()])]
        else:
            assert isinstance(fault, ErrorEvent)
            return [*steps, Send(form.whole_error(fault))]
    return [*steps, Send(body)]


def _one_byte_each(steps: list[Step]) -> list[Step]:
    split: list[Step] = []
    for step in steps:
        if isinstance(step, Send):
            split += [Send(step.data[i : i + 1]) for i in range(len(step.data))]
        else:
            split.append(step)
    return split
