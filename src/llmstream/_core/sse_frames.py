"""Events as server-sent-event frames, for a browser or any SSE client (sans-IO).

Each event becomes one frame named after its `type`, its data the event as JSON on one line
(the same JSON `ls.StreamEvent` or `ls.AgentEvent` validates):

    event: text_delta
    data: {"type":"text_delta","text":"Olá"}

`run_finish` is the one exception: its data sums the run up (`stop_reason`, `usage`, `cost`,
the answer's `text`, `output`, how many `steps`) instead of repeating every step and message,
which their own frames already carried.

An error becomes an `error` frame that says what kind of failure it was and nothing the
upstream server wrote: the error's class, its HTTP status and `retry_after` when it has them,
whether the partial reply is worth keeping, and a fixed sentence for people. An application
that wants more in it (the request id, the provider's message) shapes the data itself. The last
frame of every stream is `done`, so a client knows the end was meant (a browser's `EventSource`
reconnects when a connection just closes).

Every frame is strict JSON: a number that is not finite is written as `null`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pydantic_core
from pydantic import BaseModel

from ..errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    IncompleteStreamError,
    LLMStreamError,
    MalformedChunkError,
    NotFoundError,
    OutputValidationError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
    ServerError,
    StreamError,
    StreamTimeoutError,
)

__all__ = [
    "DONE_FRAME",
    "ErrorData",
    "error_data",
    "error_frame",
    "error_sentence",
    "event_frame",
]

DONE_FRAME = 'event: done\ndata: {"type":"done"}\n\n'
"""The last frame of every stream, after its events or its error."""

ErrorData = Callable[[LLMStreamError, dict[str, Any]], Mapping[str, Any]]
"""Shapes an error frame: called with the error and the data llmstream would send (see
`error_data`), it returns the data to send instead."""

# What an error frame tells a person, by the kind of failure: fixed sentences, never the text
# of the upstream error (which may name internal hosts, tokens or database URLs). The first
# class of the error's MRO found here wins.
_SENTENCES: dict[type[LLMStreamError], str] = {
    RateLimitError: "The assistant is receiving too many requests. Please try again shortly.",
    OverloadedError: "The assistant is overloaded right now. Please try again in a moment.",
    ContextLengthError: "The conversation is too long for the assistant. Please start a new one.",
    AuthenticationError: "The assistant is not available: the server is not set up correctly.",
    PermissionDeniedError: "The assistant is not available: the server is not set up correctly.",
    NotFoundError: "The assistant is not available: the server is not set up correctly.",
    BadRequestError: "The assistant could not take this request.",
    ServerError: "The assistant ran into a problem. Please try again.",
    APIStatusError: "The assistant ran into a problem. Please try again.",
    StreamTimeoutError: "The assistant took too long to answer. Please try again.",
    APIConnectionError: "The connection to the assistant was lost. Please try again.",
    StreamError: "The assistant ran into a problem while answering. Please try again.",
    IncompleteStreamError: "The answer was cut short. Please try again.",
    OutputValidationError: "The assistant's answer did not have the expected form.",
    RefusalError: "The assistant declined to answer.",
    MalformedChunkError: "The assistant sent an answer that could not be read.",
}
_DEFAULT_SENTENCE = "Something went wrong while answering. Please try again."


def event_frame(event: BaseModel) -> str:
    """One event as an SSE frame: `event: <type>` and `data: <the event as JSON>` (for
    `run_finish`, its summary; see the module docstring)."""
    name = getattr(event, "type", None) or type(event).__name__
    if name == "run_finish":
        return f"event: run_finish\ndata: {_json(_run_summary(event))}\n\n"
    return f"event: {name}\ndata: {event.model_dump_json()}\n\n"


def _run_summary(event: Any) -> dict[str, Any]:
    """A `RunFinish` without what the frames before it said: the steps and the messages."""
    result = event.result
    summary = result.model_dump(mode="json", include={"stop_reason", "usage", "output"})
    cost = result.cost
    summary["cost"] = None if cost is None else cost.model_dump(mode="json")
    summary["text"] = result.text
    summary["steps"] = len(result.steps)
    return {"type": "run_finish", "result": summary}


def error_sentence(error: LLMStreamError) -> str:
    """The fixed sentence an error frame shows a person for this kind of failure."""
    for cls in type(error).__mro__:
        sentence = _SENTENCES.get(cls)
        if sentence is not None:
            return sentence
    return _DEFAULT_SENTENCE


def error_data(error: LLMStreamError) -> dict[str, Any]:
    """What an `error` frame carries by default: `type` ("error"), `error` (the class name,
    e.g. `RateLimitError`), `message` (a fixed sentence for this kind of failure, never the
    upstream text), `status_code` and `retry_after` when the error has them, and
    `partial_usable`: whether the reply had begun (text, reasoning, a refusal or a tool call
    arrived) before it failed, so that what the page shows is worth keeping."""
    data: dict[str, Any] = {
        "type": "error",
        "error": type(error).__name__,
        "message": error_sentence(error),
    }
    for name in ("status_code", "retry_after"):
        value = getattr(error, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            data[name] = value
    partial = getattr(error, "partial", None)
    data["partial_usable"] = bool(
        partial is not None
        and (partial.text or partial.reasoning or partial.refusal or partial.tool_calls)
    )
    return data


def error_frame(error: LLMStreamError, shape: ErrorData | None = None) -> str:
    """An error as an SSE frame: `event: error` and `data:` with `error_data(error)` as JSON,
    or what `shape(error, error_data(error))` returns."""
    data: Mapping[str, Any] = error_data(error)
    if shape is not None:
        data = shape(error, dict(data))
    return f"event: error\ndata: {_json(data)}\n\n"


def _json(data: Any) -> str:
    """Strict JSON on one line: NaN and infinities as null, anything else JSON cannot hold as
    its text."""
    return pydantic_core.to_json(data, fallback=str, inf_nan_mode="null").decode()
