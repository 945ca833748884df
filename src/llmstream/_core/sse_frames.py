"""Events as server-sent-event frames, for a browser or any SSE client (sans-IO).

Each event becomes one frame named after its `type`, its data the event as JSON on one line
(the same JSON `ls.StreamEvent` or `ls.AgentEvent` validates):

    event: text_delta
    data: {"type":"text_delta","text":"Olá"}

An error becomes an `error` frame with the error's class name, its message, and the message as
it stood (`partial`); the last frame of every stream is `done`, so a client knows the end was
meant (a browser's `EventSource` reconnects when a connection just closes).
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from pydantic import BaseModel

from ..errors import LLMStreamError

__all__ = ["DONE_FRAME", "error_data", "error_frame", "event_frame"]

DONE_FRAME = 'event: done\ndata: {"type":"done"}\n\n'
"""The last frame of every stream, after its events or its error."""

# Attributes some errors carry that a client can act on (wait and retry, quote the request id).
_ERROR_FIELDS = ("status_code", "retry_after", "request_id", "provider", "limit")


def event_frame(event: BaseModel) -> str:
    """One event as an SSE frame: `event: <type>` and `data: <the event as JSON>`."""
    name = getattr(event, "type", None) or type(event).__name__
    return f"event: {name}\ndata: {event.model_dump_json()}\n\n"


def error_data(error: LLMStreamError) -> dict[str, Any]:
    """What an `error` frame carries: `type` ("error"), `error` (the class name, e.g.
    `RateLimitError`), `message`, the fields a client can act on when the error has them
    (`status_code`, `retry_after`, `request_id`, `provider`, `limit`), and `partial`: the
    message assembled before the failure, or None."""
    data: dict[str, Any] = {"type": "error", "error": type(error).__name__, "message": str(error)}
    for name in _ERROR_FIELDS:
        value = getattr(error, name, None)
        if value is not None:
            data[name] = value
    data["partial"] = getattr(error, "partial", None)
    return data


def error_frame(error: LLMStreamError) -> str:
    """An error as an SSE frame: `event: error` and `data:` with `error_data(error)` as JSON."""
    data = pydantic_core.to_json(error_data(error), fallback=str).decode()
    return f"event: error\ndata: {data}\n\n"
