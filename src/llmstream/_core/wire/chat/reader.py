"""Chat-completion payloads in, events out: the chat wire's `Reader`.

Input: each SSE event's data (a chunk's JSON bytes), or a whole reply's body. Output: the events
the chunks make, through one `ChunkInterpreter`. A chunk that repeats the one before it around
a new delta is read by its delta alone (`chunk_frame`); a whole reply is one chunk whose
`message` is the delta. `[DONE]` ends a chat stream outside the payloads: the parser sees it
and calls `end()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ....errors import MalformedChunkError
from ....events import StreamEvent
from ...accumulator import MessageAccumulator
from ...json_payload import from_json, loads
from ...output import ResolvedOutput
from ...provider import ProviderSpec
from .chunk_frame import find_frame
from .interpreter import ChunkInterpreter

__all__ = ["ChatReader"]

_from_json = from_json
# How many chunks in a row may fall outside the last one's frame before the reader stops looking
# for one: OpenAI's `obfuscation` field differs on every chunk, and no frame ever holds there.
_FRAME_TRIES = 4


class ChatReader:
    """Reads the chunks of one chat-completions response (see the module docstring)."""

    def __init__(
        self,
        provider: ProviderSpec,
        accumulator: MessageAccumulator,
        *,
        output: ResolvedOutput | None = None,
        partial_tool_arguments: bool = False,
        on_complete: Callable[[], None] | None = None,
    ) -> None:
        self._provider = provider
        self.accumulator = accumulator
        self._interpreter = ChunkInterpreter(
            provider,
            accumulator,
            output=output,
            partial_tool_arguments=partial_tool_arguments,
        )
        # The bytes around the last chunk's delta (see `chunk_frame`): a chunk inside that frame
        # is read by its delta alone. It is dropped, or found again, after a chunk outside it,
        # so a chunk read by its delta always repeats the chunk just before it.
        self._head: bytes | None = None
        self._tail = b""
        self._tail_varies = False
        self._frame_tries = _FRAME_TRIES

    def read_data(self, payload: bytes, out: list[StreamEvent]) -> None:
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
            chunk = loads(payload, self.accumulator, self._provider)
        _handle(interpreter, chunk, out, payload)
        frame = None
        # The chunk was no error: one like it around a new delta is none. Once the model has
        # finished, no chunk of text or arguments follows that a frame would save reading.
        if self._frame_tries and self.accumulator.raw_finish_reason is None:
            self._frame_tries -= 1
            frame = find_frame(payload, chunk, self._provider.ignored_chunk_fields)
        if frame is None:
            self._head = None
        else:
            self._head, self._tail, self._tail_varies = frame

    def read_event(self, event_type: str, payload: bytes, out: list[StreamEvent]) -> None:
        """A named event: `event: error` carries an error object; any other name, a chunk."""
        if event_type == "error":
            raise self._interpreter.stream_error(loads(payload, self.accumulator, self._provider))
        self.read_data(payload, out)

    def read_whole(self, body: bytes, out: list[StreamEvent]) -> None:
        """A whole reply: an error object, or a completion read as one chunk whose `message`
        is the delta, through the same interpreter as a stream."""
        interpreter, provider = self._interpreter, self._provider
        accumulator = self.accumulator
        reply = loads(body, accumulator, provider)
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

    def end(self, out: list[StreamEvent]) -> None:
        self._interpreter.end(out)


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
