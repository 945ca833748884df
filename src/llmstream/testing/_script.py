"""What a `FakeLLM` answers: replies built from text, reasoning and tool calls, and the faults
that can be injected into them. Plain frozen data; `_render` turns it into the bytes of the API
each request was sent to."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .._public import publish
from ..messages import Citation

__all__ = [
    "Disconnect",
    "Entry",
    "ErrorEvent",
    "FakeRequest",
    "FakeToolCall",
    "Fault",
    "Reply",
    "Stall",
    "Status",
    "disconnect",
    "error_event",
    "stall",
    "status",
    "tool_call",
]


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake received. Credential headers are masked (`[redacted]`)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The request body, parsed from JSON (None when empty, the text when not JSON)."""

    @property
    def model(self) -> str | None:
        """The `model` the request asked for."""
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def api(self) -> str:
        """The API the request was sent to, by its path: `"responses"` for `.../responses`,
        else `"chat"` (chat completions)."""
        return "responses" if self.path.rstrip("/").endswith("/responses") else "chat"

    @property
    def messages(self) -> list[Any]:
        """The `messages` the request sent (chat completions)."""
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    @property
    def input(self) -> list[Any]:
        """The `input` items the request sent (the Responses API); a string input is one user
        message."""
        value = self.body.get("input") if isinstance(self.body, dict) else None
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return list(value or [])

    @property
    def stream(self) -> bool:
        """Whether the request asked for a stream (`"stream": true`)."""
        return isinstance(self.body, dict) and self.body.get("stream") is True


@dataclass(frozen=True)
class FakeToolCall:
    """A tool call in a scripted reply; `arguments` is the raw JSON text the model sends."""

    name: str
    arguments: str = "{}"
    id: str | None = None


def tool_call(name: str, arguments: Any = None, *, id: str | None = None) -> FakeToolCall:
    """A tool call for `Reply(tool_calls=[...])`: `arguments` as a dict (sent as JSON) or as raw
    text (sent as it is, even when it is not valid JSON); `id` defaults to `call_<n>`."""
    if arguments is None:
        text = "{}"
    elif isinstance(arguments, str):
        text = arguments
    else:
        text = json.dumps(arguments, ensure_ascii=False)
    return FakeToolCall(name=name, arguments=text, id=id)


# -- faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stall:
    """Go silent for `seconds` after `after` SSE events, connection open, then carry on."""

    after: int
    seconds: float


@dataclass(frozen=True)
class Disconnect:
    """End the response after `after` SSE events: by dropping the connection (a TCP reset over
    the server, a read error through the transport), or, `graceful`, by ending the HTTP body
    cleanly before the model finished."""

    after: int
    graceful: bool = False


@dataclass(frozen=True)
class ErrorEvent:
    """Send the provider's error object inside the 200 stream after `after` SSE events, then
    end the body; `sse_event` prefixes it with `event: error` (as Groq does)."""

    after: int
    message: str
    type: str | None = "server_error"
    code: str | None = None
    sse_event: bool = False


Fault: TypeAlias = Stall | Disconnect | ErrorEvent
"""A fault injected into a streamed reply."""


@dataclass(frozen=True)
class Status:
    """An HTTP error response instead of a reply: `code`, a JSON `body` in OpenAI's shape (or
    your own), `headers`, and `retry-after` when `retry_after` is set."""

    code: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None


def stall(*, after: int, seconds: float) -> Stall:
    """Fault: silence for `seconds` after `after` SSE events (`after=0`: right after the
    response headers, so the client's `first_event` limit applies; later, its `idle` limit)."""
    if after < 0 or seconds < 0:
        raise ValueError("stall needs after >= 0 and seconds >= 0")
    return Stall(after=after, seconds=seconds)


def disconnect(*, after: int, graceful: bool = False) -> Disconnect:
    """Fault: the response ends after `after` SSE events (see `Disconnect`)."""
    if after < 0:
        raise ValueError("disconnect needs after >= 0")
    return Disconnect(after=after, graceful=graceful)


def error_event(
    *,
    after: int,
    message: str = "The server had an error while processing your request.",
    type: str | None = "server_error",
    code: str | None = None,
    sse_event: bool = False,
) -> ErrorEvent:
    """Fault: an error object inside the stream after `after` SSE events (see `ErrorEvent`)."""
    if after < 0:
        raise ValueError("error_event needs after >= 0")
    return ErrorEvent(after=after, message=message, type=type, code=code, sse_event=sse_event)


_DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("The model does not exist.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The engine is currently overloaded.", "server_error", "overloaded"),
}


def status(
    code: int,
    *,
    retry_after: float | None = None,
    message: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Status:
    """An HTTP error response: `status(429, retry_after=1.5)`. The body is OpenAI's
    `{"error": {"message", "type", "param", "code"}}` unless `body` is given (a dict for JSON,
    or `str`/`bytes` sent as they are)."""
    if body is None:
        text, kind, error_code = _DEFAULT_ERRORS.get(
            code, (f"HTTP {code}", "server_error" if code >= 500 else "invalid_request_error", None)
        )
        body = {
            "error": {"message": message or text, "type": kind, "param": None, "code": error_code}
        }
    return Status(code=code, body=body, headers=dict(headers or {}), retry_after=retry_after)


# -- replies -----------------------------------------------------------------------------------


def _as_tool_call(value: FakeToolCall | tuple[str, Any]) -> FakeToolCall:
    if isinstance(value, FakeToolCall):
        return value
    name, arguments = value
    return tool_call(name, arguments)


@dataclass(frozen=True)
class Reply:
    """One scripted answer, streamed or whole, as the request asks, in the API it was sent to
    (chat completions chunks, or the Responses API's events and response object).

    - `text`, `reasoning`: a string (streamed a word at a time) or the exact pieces to stream
      (on the Responses API, reasoning is a reasoning item's summary, with encrypted content
      when the request asked for it).
    - `tool_calls`: `tool_call(...)` values or `(name, arguments)` pairs.
    - `citations`: the sources the text cites, `ls.Citation`s (their `start`/`end` offsets in
      `text`) or bare URLs, sent as the API annotates a web search answer: chat completions'
      `url_citation` annotations, the Responses API's annotation events and the message's
      `annotations` (a `Citation` with a `file_id` is a `file_citation`); a `Citation` with a
      `raw` annotation is sent as that annotation.
    - `usage`: `(input_tokens, output_tokens)`, or None to report none.
    - `finish`: the `finish_reason`; by default `tool_calls` when there are calls, else `stop`.
    - `chunks`: send these instead (each a chunk dict sent as `data: <json>`, or raw SSE bytes),
      then `[DONE]` unless `done=False`; on the Responses API each dict is an event, sent
      under its `type` (`event: <type>`), and nothing is added.
    - `done`: False ends the stream without its last word: no `[DONE]`, or, on the Responses
      API, no `response.completed`.
    - `faults`: `stall(...)`, `disconnect(...)`, `error_event(...)`.
    - `split_bytes`: deliver the body one byte per read.
    - `headers`: extra response headers.
    """

    text: str | Sequence[str] = ""
    reasoning: str | Sequence[str] = ""
    tool_calls: Sequence[FakeToolCall | tuple[str, Any]] = ()
    citations: Sequence[Citation | str] = ()
    usage: tuple[int, int] | None = (10, 5)
    finish: str | None = None
    chunks: Sequence[Mapping[str, Any] | bytes] | None = None
    done: bool = True
    faults: Sequence[Fault] = ()
    split_bytes: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen and hashable-ish: keep tuples, whatever sequences were passed.
        calls = tuple(_as_tool_call(call) for call in self.tool_calls)
        object.__setattr__(self, "tool_calls", calls)
        cited = tuple(c if isinstance(c, Citation) else Citation(url=c) for c in self.citations)
        object.__setattr__(self, "citations", cited)
        object.__setattr__(self, "faults", tuple(self.faults))
        object.__setattr__(self, "headers", dict(self.headers))
        if self.chunks is not None:
            if self.text or self.reasoning or calls or cited:
                raise ValueError(
                    "a Reply takes either chunks or text/reasoning/tool_calls/citations"
                )
            object.__setattr__(self, "chunks", tuple(self.chunks))

    @property
    def finish_reason(self) -> str:
        """The finish reason sent: `finish`, or what the reply's content implies."""
        if self.finish is not None:
            return self.finish
        return "tool_calls" if self.tool_calls else "stop"


Entry: TypeAlias = Reply | Status | str | Callable[[FakeRequest], Reply | Status | str]
"""One step of a script: a `Reply`, a `Status`, a string (a text reply), or a function of the
request that returns one of those."""

publish(globals(), "llmstream.testing")
