"""The sans-IO heart of llmstream: one HTTP response in, typed events and one message out.

`ResponseParser` reads the body of one response to a chat-completions request: feed it bytes as
they arrive, in pieces of any size, then call `end()` when the body is over. The response head
(status and headers) decides what the body is:

- an error status (400 and up): an error body, kept up to 1 MiB, raised from `end()` as the
  `APIStatusError` it describes;
- a JSON content type: one whole reply (what `generate()` asks for, and what a server that
  ignores `stream: true` sends), read at `end()` as the events it would have streamed;
- anything else: server-sent events, turned into events as soon as their bytes arrive.

So every body a call can receive goes through one object, and the I/O drivers have one read
loop. Nothing here touches a socket; `llmstream._io` drives it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pydantic_core

from .._vocabulary.ratelimits import RateLimits
from ..errors import APIError, APIStatusError, IncompleteStreamError, MalformedChunkError
from ..events import StreamEvent
from ..messages import AssistantMessage
from .accumulator import MessageAccumulator
from .chunk_frame import find_frame
from .interpreter import ChunkInterpreter
from .output import ResolvedOutput
from .provider import ProviderSpec
from .sse import DEFAULT_MAX_LINE_BYTES, ServerSentEvent, SSEDecoder, SSELineTooLong
from .status_errors import status_error

__all__ = ["BodyKind", "ResponseParser", "body_kind", "parse_completion"]

BodyKind = Literal["events", "reply", "error"]
"""What a response body holds: server-sent `events`, one JSON `reply`, or an `error` body."""

ERROR_BODY_LIMIT = 1 << 20
"""How much of an error body is kept: enough for any provider's message, bounded for a hostile
server. An error body cut there still says something."""

_DONE = b"[DONE]"
_NO_TYPE = ""  # an SSE event without an `event:` field
# jiter (pydantic-core's JSON parser, in Rust) reads a chunk in about a third of json.loads's
# time, from bytes, with no text decoding first. Whatever it refuses goes to json.loads, whose
# reading is then the one that counts: lone surrogate escapes (`"\\ud800"`), which jiter rejects
# and json.loads keeps, read the same as before, and a chunk json.loads refuses too is malformed
# with json's own message. Repeated keys and short strings are interned (`cache_strings`).
_from_json = pydantic_core.from_json
# How many chunks in a row may fall outside the last one's frame before the parser stops looking
# for one: OpenAI's `obfuscation` field differs on every chunk, and no frame ever holds there.
_FRAME_TRIES = 4


def body_kind(status: int, headers: Mapping[str, str] | None) -> BodyKind:
    """What a response with this status and these headers carries."""
    if status >= 400:
        return "error"
    content_type = headers.get("content-type", "") if headers is not None else ""
    return "reply" if "json" in content_type else "events"


def _loads(data: bytes, accumulator: MessageAccumulator, provider: ProviderSpec) -> Any:
    try:
        return _from_json(data)
    except ValueError:
        pass
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are
        # both ValueErrors; a RecursionError is JSON nested deeper than Python can hold
        text = data.decode("utf-8", "replace")
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise MalformedChunkError(
            f"a chunk is not valid JSON ({reason}): {text[:200]!r}",
            data=text,
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        ) from None


class ResponseParser:
    """Reads the body of one chat-completions response (see the module docstring).

    `feed(bytes)` returns the events those bytes completed; `end()` says the body is over and
    returns the last ones (`Usage`, `Finish`). Once `finished` is true no more input is needed
    (`[DONE]` came, or an error was raised) and further input is ignored: a client can close the
    connection without waiting for the server to.

    An error raised after some events in the same `feed()` is held back until those events have
    been returned: the next call raises it. Every error from a 200 response carries `partial`.
    """

    def __init__(
        self,
        provider: ProviderSpec,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        kind: BodyKind | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        output: ResolvedOutput | None = None,
        partial_tool_arguments: bool = False,
    ) -> None:
        self._provider = provider
        self.status = status
        self._headers: Mapping[str, str] = headers if headers is not None else {}
        self.kind: BodyKind = kind or body_kind(status, headers)
        self._max_line_bytes = max_line_bytes
        self._sse = SSEDecoder(max_line_bytes=max_line_bytes)
        self.accumulator = MessageAccumulator(provider.name)
        if headers is not None:
            self.accumulator.request_id = provider.request_id_from(headers)
            self.accumulator.limits = RateLimits.from_headers(headers)
        self._interpreter = ChunkInterpreter(
            provider,
            self.accumulator,
            output=output,
            partial_tool_arguments=partial_tool_arguments,
        )
        self._body: list[bytes] = []  # a whole reply or an error body, until `end()`
        self._body_size = 0
        self.held_error: APIError | None = None
        """An error that came after events in the same input: the next call raises it."""
        self.finished = False
        # The bytes around the last chunk's delta (see `chunk_frame`): a chunk inside that frame
        # is read by its delta alone. It is dropped, or found again, after a chunk outside it,
        # so a chunk read by its delta always repeats the chunk just before it.
        self._head: bytes | None = None
        self._tail = b""
        self._tail_varies = False
        self._frame_tries = _FRAME_TRIES

    # -- input ----------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[StreamEvent]:
        if self.held_error is not None:
            self.raise_held_error()
        if self.finished:
            return []
        if self.kind != "events":
            self._keep(data)
            return []
        # The common read: one `data: {...}` line and the blank line after it, as providers
        # flush them. It skips the general decoder's line splitting, which would read it the
        # same way. Every bytes method call costs about ten dict lookups: the test makes few.
        if self._sse.idle and data.startswith(b"data: "):
            end = data.find(b"\n")
            if (
                end == len(data) - 2
                and data[-1] == 10
                and data[6] == 123  # `{`: a chunk, neither [DONE] nor a heartbeat
                and end <= self._max_line_bytes
                and data.find(b"\r") < 0  # not `in`: see SSEDecoder.feed
            ):
                out: list[StreamEvent] = []
                try:
                    self._read_chunk(data[6:end], out)
                except APIError as error:
                    self._failed(error, out)
                return out
        out = []
        try:
            if not self._sse.idle:
                # The end of an event begun in an earlier read (a large read most often ends
                # inside one) goes to the decoder; what follows may then be read directly.
                cut = data.find(b"\n\n") + 2
                if cut < 2:
                    cut = len(data)
                self._process(self._decode(data[:cut]), out)
                data = data[cut:]
            if data and not self.finished:
                if self._sse.idle and data.find(b"\r") < 0:
                    self._read_events(data, out)
                else:
                    self._process(self._decode(data), out)
        except APIError as error:
            self._failed(error, out)
        return out

    def end(self) -> list[StreamEvent]:
        """The body is over. Raises the error it held, or `IncompleteStreamError` if a stream
        was cut short. Events that came before such an error are returned first, and the next
        call raises it, so that `partial` never holds more than the caller saw."""
        self.raise_held_error()
        if self.finished:
            return []
        if self.kind == "error":
            self.finished = True
            raise self.status_error()
        out: list[StreamEvent] = []
        try:
            if self.kind == "reply":
                _read_whole(b"".join(self._body), self._interpreter, self._provider, out)
            else:
                try:
                    self._process(self._sse.flush(), out)
                except APIError as error:
                    self._failed(error, out)
                if self.held_error is not None or self.finished:  # an error, or [DONE]
                    return out
            self._interpreter.end(out)
        except APIError as error:
            error.partial = self.accumulator.build()
            if not out:
                self.finished = True
                raise
            self.held_error = error
            return out
        self.finished = True
        return out

    def raise_held_error(self) -> None:
        error, self.held_error = self.held_error, None
        if error is not None:
            self.finished = True
            raise error

    # -- what it has read ---------------------------------------------------------------------
    def partial(self) -> AssistantMessage:
        """The message assembled from everything read so far."""
        return self.accumulator.build()

    def status_error(self) -> APIStatusError:
        """The error an error response describes, from the part of its body read so far (all of
        it after `end()`; a body cut short by a broken connection still says something)."""
        return status_error(
            self.status,
            self._headers,
            b"".join(self._body),
            provider=self._provider,
            request_id=self.accumulator.request_id,
        )

    # -- inside -------------------------------------------------------------------------------
    def _keep(self, data: bytes) -> None:
        """Collect a whole reply or an error body, within its bound."""
        limit = ERROR_BODY_LIMIT if self.kind == "error" else self._max_line_bytes
        room = limit - self._body_size
        self._body.append(data[:room])
        self._body_size += min(len(data), room)
        if len(data) <= room:
            return
        self.finished = True
        if self.kind == "error":
            raise self.status_error()
        raise MalformedChunkError(
            f"the reply is longer than {limit} bytes (the client's max_line_bytes); it was not "
            "read",
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )

    def _failed(self, error: APIError, out: list[StreamEvent]) -> None:
        """An error while reading events: raised now, or held until `out` has been returned."""
        error.partial = self.accumulator.build()
        if not out:
            self.finished = True
            raise error
        self.held_error = error

    def _read_events(self, data: bytes, out: list[StreamEvent]) -> None:
        """A read of whole events and more (a read of many kilobytes), the decoder idle: each
        `data: {...}` line with its blank line read as a chunk directly, as the decoder would
        read it; from the first other event on, the decoder reads the rest."""
        parts = data.split(b"\n\n")
        rest = parts.pop()  # after the last blank line: the start of an event still arriving
        limit = self._max_line_bytes
        done = 0
        for part in parts:
            if not (part.startswith(b"data: {") and part.find(b"\n") < 0 and len(part) <= limit):
                rest = data[done:]
                break
            self._read_chunk(part[6:], out)
            done += len(part) + 2
        if rest:
            self._process(self._decode(rest), out)

    def _decode(self, data: bytes) -> Sequence[ServerSentEvent]:
        try:
            return self._sse.feed(data)
        except SSELineTooLong as exc:
            self.finished = True
            raise self._malformed(str(exc)) from None

    def _process(self, sse_events: Sequence[ServerSentEvent], out: list[StreamEvent]) -> None:
        """Decoded events into `out`; an error is raised, for the caller to hold or raise."""
        accumulator, provider, interpreter = self.accumulator, self._provider, self._interpreter
        for event_type, data in sse_events:
            if not data:
                continue  # an empty `data:` line is a heartbeat some servers send
            if data[0] != 123:  # not `{`: [DONE], a blank heartbeat, or to complain about
                if data == _DONE:
                    interpreter.end(out)
                    self.finished = True
                    break
                if data.isspace():
                    continue
            if event_type == "error":
                raise interpreter.stream_error(_loads(data, accumulator, provider))
            self._read_chunk(data, out)

    def _read_chunk(self, payload: bytes, out: list[StreamEvent]) -> None:
        """One chunk's JSON into events: by its delta alone when it sits in the last chunk's
        frame, whole otherwise (and then its own frame is looked for)."""
        interpreter = self._interpreter
        head = self._head
        if head is not None and payload.startswith(head):
            tail = self._tail
            if not self._tail_varies:
                end = len(payload) - len(tail) if payload.endswith(tail) else -1
            elif payload.endswith(b'"}'):  # the tail, a string without quotes or escapes, `}`
                start = payload.rfind(b'"', 0, -2)  # the string's opening quote
                end = start - len(tail)
                if not payload.startswith(tail, end) or payload.find(b"\\", start) >= 0:
                    end = -1
            else:
                end = -1
            delta: Any = None
            if end > len(head):
                try:  # noqa: SIM105 (contextlib.suppress costs a context manager per chunk)
                    delta = _from_json(payload[len(head) : end])
                except ValueError:
                    pass  # read whole below, where what is wrong gets its proper error
            if type(delta) is dict:
                self._frame_tries = _FRAME_TRIES
                if delta:
                    try:
                        interpreter.handle_delta(delta, out)
                    except (AttributeError, TypeError, KeyError, IndexError) as exc:
                        raise _unexpected_shape(interpreter, exc, payload) from None
                return
        try:
            chunk = _from_json(payload)
        except ValueError:
            chunk = _loads(payload, self.accumulator, self._provider)
        _handle(interpreter, chunk, out, payload)
        frame = None
        if self._frame_tries:  # the chunk was no error: one like it around a new delta is none
            self._frame_tries -= 1
            frame = find_frame(payload, chunk, self._provider.ignored_chunk_fields)
        if frame is None:
            self._head = None
        else:
            self._head, self._tail, self._tail_varies = frame

    def _malformed(self, message: str) -> MalformedChunkError:
        return MalformedChunkError(
            message,
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )


def _unexpected_shape(
    interpreter: ChunkInterpreter, exc: Exception, raw: bytes
) -> MalformedChunkError:
    """A chunk of an unexpected shape (a string where an object belongs...) is a
    `MalformedChunkError`, never a bare AttributeError from deep inside."""
    accumulator = interpreter.accumulator
    return MalformedChunkError(
        f"a chunk has an unexpected shape ({type(exc).__name__}: {exc})",
        data=raw.decode("utf-8", "replace"),
        provider=accumulator.provider,
        request_id=accumulator.request_id,
        partial=accumulator.build(),
    )


def _handle(interpreter: ChunkInterpreter, chunk: Any, out: list[StreamEvent], raw: bytes) -> None:
    """Interpret one chunk, a bad shape typed (see `_unexpected_shape`)."""
    try:
        interpreter.handle(chunk, out)
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise _unexpected_shape(interpreter, exc, raw) from None


def _read_whole(
    body: bytes, interpreter: ChunkInterpreter, provider: ProviderSpec, out: list[StreamEvent]
) -> None:
    """A whole reply: an error object, or a completion read as one chunk whose `message` is the
    delta, through the same interpreter as a stream."""
    accumulator = interpreter.accumulator
    if not body.strip():
        raise IncompleteStreamError(
            "the reply was empty: the server closed the response before sending it",
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        )
    reply = _loads(body, accumulator, provider)
    if isinstance(reply, dict):
        error = provider.error_from_chunk(reply)
        if error is not None:
            raise interpreter.stream_error(error)
    choices = reply.get("choices") if isinstance(reply, dict) else None
    if not isinstance(choices, list) or not any(isinstance(c, dict) for c in choices):
        raise MalformedChunkError(
            "the reply has no choices: it is not a chat completion",
            data=body.decode("utf-8", "replace")[:2000],
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        )
    _handle(interpreter, reply, out, body)


def parse_completion(
    body: bytes,
    provider: ProviderSpec,
    *,
    headers: Mapping[str, str] | None = None,
    output: ResolvedOutput | None = None,
) -> AssistantMessage:
    """Read a whole (non-streamed) chat completion into an `AssistantMessage`."""
    parser = ResponseParser(provider, headers=headers, kind="reply", output=output)
    parser.feed(body)
    while not parser.finished:
        parser.end()
    return parser.partial()
