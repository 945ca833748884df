"""The sans-IO heart of llmstream: response bytes in, typed events and one message out.

`ChatStreamParser` reads a streamed reply: feed it bytes as they arrive, in pieces of any size,
then call `end()` when the connection closes. `parse_completion` reads a whole reply. Neither
touches a socket; the clients in `_client.py` drive them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._accumulator import MessageAccumulator
from ._interpreter import ChunkInterpreter
from ._ratelimits import RateLimits
from ._sse import DEFAULT_MAX_LINE_BYTES, ServerSentEvent, SSEDecoder, SSELineTooLong
from .errors import APIError, MalformedChunkError
from .events import StreamEvent
from .messages import AssistantMessage
from .providers._base import Provider

__all__ = ["ChatStreamParser", "parse_completion"]

_DONE = b"[DONE]"
# The C scanner behind json.loads, without its two Python layers: it is most of the cost of a
# chunk. Anything it does not take whole (leading blanks, trailing text) goes to json.loads.
_scan_once = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(data: bytes, accumulator: MessageAccumulator, provider: Provider) -> Any:
    try:
        text = data.decode("utf-8")
        try:
            value, end = _scan_once(text, 0)
            if end == len(text):
                return value
        except StopIteration:
            pass
        return json.loads(text)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        text = data.decode("utf-8", "replace")
        raise MalformedChunkError(
            f"a chunk is not valid JSON ({exc}): {text[:200]!r}",
            data=text,
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        ) from None


def _accumulator_for(provider: Provider, headers: Mapping[str, str] | None) -> MessageAccumulator:
    accumulator = MessageAccumulator(provider.name)
    if headers is not None:
        accumulator.request_id = provider.request_id_from(headers)
        accumulator.limits = RateLimits.from_headers(headers)
    return accumulator


class ChatStreamParser:
    """Reads one streamed chat completion.

    `feed(bytes)` returns the events those bytes completed; `end()` says the input is over and
    returns the last ones (`Usage`, `Finish`). After `[DONE]`, `finished` is true and further
    input is ignored: a client can close the connection without waiting for the server to.

    An error raised after some events in the same `feed()` is held back until those events have
    been returned: the next call raises it. Every error carries `partial`.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        headers: Mapping[str, str] | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        self._provider = provider
        self._sse = SSEDecoder(max_line_bytes=max_line_bytes)
        self.accumulator = _accumulator_for(provider, headers)
        self._interpreter = ChunkInterpreter(provider, self.accumulator)
        self._held_error: APIError | None = None
        self.finished = False

    def feed(self, data: bytes) -> list[StreamEvent]:
        self.raise_held_error()
        if self.finished:
            return []
        try:
            sse_events = self._sse.feed(data)
        except SSELineTooLong as exc:
            self.finished = True
            raise self._malformed(str(exc)) from None
        return self._process(sse_events)

    def end(self) -> list[StreamEvent]:
        """The connection closed. Raises `IncompleteStreamError` if the reply was cut short."""
        self.raise_held_error()
        if self.finished:
            return []
        out = self._process(self._sse.flush())
        self.raise_held_error()
        if not self.finished:
            self._interpreter.end(out)
            self.finished = True
        return out

    def raise_held_error(self) -> None:
        error, self._held_error = self._held_error, None
        if error is not None:
            self.finished = True
            raise error

    def feed_whole_reply(self, body: bytes) -> list[StreamEvent]:
        """A server answered a stream request with one JSON body: an error, or (when it ignored
        `stream: true`) a whole reply, read as the events it would have streamed."""
        self.finished = True
        out: list[StreamEvent] = []
        _read_whole(body, self._interpreter, self._provider, out)
        return out

    def partial(self) -> AssistantMessage:
        """The message assembled from everything read so far."""
        return self.accumulator.build()

    def _process(self, sse_events: list[ServerSentEvent]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        accumulator, provider = self.accumulator, self._provider
        try:
            for event_type, data in sse_events:
                if not data or data.isspace():
                    continue  # an empty `data:` line is a heartbeat some servers send
                if data == _DONE:
                    self._interpreter.end(out)
                    self.finished = True
                    break
                chunk = _loads(data, accumulator, provider)
                if event_type == "error":
                    raise self._interpreter.stream_error(chunk)
                _handle(self._interpreter, chunk, out, data)
        except APIError as error:
            error.partial = self.accumulator.build()
            if not out:
                self.finished = True
                raise
            self._held_error = error
        return out

    def _malformed(self, message: str) -> MalformedChunkError:
        return MalformedChunkError(
            message,
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )


def _handle(interpreter: ChunkInterpreter, chunk: Any, out: list[StreamEvent], raw: bytes) -> None:
    """Interpret one chunk; a chunk of an unexpected shape (a string where an object belongs...)
    is a `MalformedChunkError`, never a bare AttributeError from deep inside."""
    try:
        interpreter.handle(chunk, out)
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        accumulator = interpreter.accumulator
        raise MalformedChunkError(
            f"a chunk has an unexpected shape ({type(exc).__name__}: {exc})",
            data=raw.decode("utf-8", "replace"),
            provider=accumulator.provider,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        ) from None


def _read_whole(
    body: bytes, interpreter: ChunkInterpreter, provider: Provider, out: list[StreamEvent]
) -> None:
    accumulator = interpreter.accumulator
    reply = _loads(body, accumulator, provider)
    if isinstance(reply, dict):
        error = provider.error_from_chunk(reply)
        if error is not None:
            raise interpreter.stream_error(error)
    choices = reply.get("choices") if isinstance(reply, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedChunkError(
            "the reply has no choices: it is not a chat completion",
            data=body.decode("utf-8", "replace")[:2000],
            provider=provider.name,
            request_id=accumulator.request_id,
        )
    _handle(interpreter, reply, out, body)
    interpreter.end(out)


def parse_completion(
    body: bytes, provider: Provider, *, headers: Mapping[str, str] | None = None
) -> AssistantMessage:
    """Read a whole (non-streamed) chat completion into an `AssistantMessage`.

    The reply's `message` goes through the same interpreter as a stream's deltas, as one chunk.
    """
    accumulator = _accumulator_for(provider, headers)
    _read_whole(body, ChunkInterpreter(provider, accumulator), provider, [])
    return accumulator.build()
