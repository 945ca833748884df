"""The sans-IO heart of llmstream: one HTTP response in, typed events and one message out.

`ResponseParser` reads the body of one response, in either wire format (chat completions or
the Responses API): feed it bytes as they arrive, in pieces of any size, then call `end()` when
the body is over. The response head (status and headers) decides what the body is:

- an error status (400 and up): an error body, kept up to 1 MiB, raised from `end()` as the
  `APIStatusError` it describes;
- a JSON content type: one whole reply (what `generate()` asks for, and what a server that
  ignores `stream: true` sends), kept up to `max_line_bytes`, read at `end()` as the events it
  would have streamed;
- anything else: server-sent events, turned into events as soon as their bytes arrive; one
  line or one event may hold up to `max_line_bytes`, the whole stream `max_response_bytes`.

Every buffer a server controls the growth of is bounded by one of these three: what the
decoder holds of a line or an event, what a whole reply or an error body holds, and, through
the stream's size, everything the message is assembled from (text, reasoning, tool-call
arguments, `reasoning_details`, provider extras). Past a bound the parser raises
`ResponseTooLargeError` and reads nothing more.

So every body a call can receive goes through one object, and the I/O drivers have one read
loop. What is the same for both wires lives here: the body kinds, SSE decoding, the bounds on
what is kept, `[DONE]`, and holding an error until the events before it were returned. What each
payload means is the wire's reader's job (`_core/wire/`), picked once from the provider. Nothing
here touches a socket; `llmstream._io` drives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from .._vocabulary.ratelimits import RateLimits
from ..errors import (
    APIError,
    APIStatusError,
    IncompleteStreamError,
    ResponseTooLargeError,
)
from ..events import StreamEvent
from ..messages import AssistantMessage
from .accumulator import MessageAccumulator
from .output import ResolvedOutput, refused_mode_hint
from .provider import ProviderSpec
from .sse import DEFAULT_MAX_LINE_BYTES, ServerSentEvent, SSEDecoder, SSELineTooLong
from .status_errors import status_error
from .wire import wire_for

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "BodyKind",
    "ResponseParser",
    "body_kind",
    "parse_completion",
]

BodyKind = Literal["events", "reply", "error"]
"""What a response body holds: server-sent `events`, one JSON `reply`, or an `error` body."""

ERROR_BODY_LIMIT = 1 << 20
"""How much of an error body is kept: enough for any provider's message, bounded for a hostile
server. An error body cut there still says something."""

DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
"""The most bytes of one server-sent-events stream read: about a million tokens of chunks, far
past any model's longest answer, and a bound on everything assembled from a stream."""

_DONE = b"[DONE]"
_NAMES_KEPT = 64  # event names kept decoded: the Responses API uses about thirty


def body_kind(status: int, headers: Mapping[str, str] | None) -> BodyKind:
    """What a response with this status and these headers carries."""
    if status >= 400:
        return "error"
    content_type = headers.get("content-type", "") if headers is not None else ""
    return "reply" if "json" in content_type else "events"


class ResponseParser:
    """Reads the body of one response (see the module docstring).

    `feed(bytes)` returns the events those bytes completed; `end()` says the body is over and
    returns the last ones (`Usage`, `Finish`). Once `finished` is true no more input is needed
    (`[DONE]` came, the reply said it was complete, or an error was raised) and further input is
    ignored: a client can close the connection without waiting for the server to.

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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        output: ResolvedOutput | None = None,
        partial_tool_arguments: bool = False,
    ) -> None:
        self._provider = provider
        self.status = status
        self._headers: Mapping[str, str] = headers if headers is not None else {}
        self.kind: BodyKind = kind or body_kind(status, headers)
        self._max_line_bytes = max_line_bytes
        self._max_response_bytes = max_response_bytes
        self._output = output
        # What a stream may still send. Any other body has none: its reads go the slow way,
        # to `_keep`, through the one check a stream's read makes anyway.
        self._room = max_response_bytes if self.kind == "events" else -1
        self._sse = SSEDecoder(max_line_bytes=max_line_bytes)
        self.accumulator = MessageAccumulator(provider.name)
        if headers is not None:
            self.accumulator.request_id = provider.request_id_from(headers)
            self.accumulator.limits = RateLimits.from_headers(headers)
        # The wire's reader, picked once. A payload is read by `self._reader.read_data(...)`:
        # both lookups are ones CPython 3.11 specialises, so the call costs what the parser's
        # own method did (a bound method kept in an attribute costs ~150 instructions more per
        # call: that lookup is not specialised).
        self._reader = wire_for(provider).reader(
            provider,
            self.accumulator,
            output=output,
            partial_tool_arguments=partial_tool_arguments,
            on_complete=self._complete,
        )
        self._names: dict[bytes, str] = {}  # `event: <name>` lines read, decoded (`_event_name`)
        self._body: list[bytes] = []  # a whole reply or an error body, until `end()`
        self._body_size = 0
        self.held_error: APIError | None = None
        """An error that came after events in the same input: the next call raises it."""
        self.finished = False

    # -- input ----------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[StreamEvent]:
        if self.held_error is not None:
            self.raise_held_error()
        if self.finished:
            return []
        size = len(data)
        room = self._room - size
        self._room = room
        if room < 0:  # the stream's budget is spent, or the body is no stream at all
            if self.kind != "events":
                self._keep(data)
                return []
            self._stream_too_large()
        # The common read: one `data: {...}` line and the blank line after it, as providers
        # flush them. It skips the general decoder's line splitting, which would read it the
        # same way. Every bytes method call costs about ten dict lookups: the test makes few.
        if self._sse.idle:
            if data.startswith(b"data: "):
                end = data.find(b"\n")
                if (
                    end == size - 2
                    and data[-1] == 10
                    and data[6] == 123  # `{`: a chunk, neither [DONE] nor a heartbeat
                    and end <= self._max_line_bytes
                    and data.find(b"\r") < 0  # not `in`: see SSEDecoder.feed
                ):
                    out: list[StreamEvent] = []
                    try:
                        self._reader.read_data(data[6:end], out)
                    except APIError as error:
                        self._failed(error, out)
                    return out
            else:
                # The same for a named event, `event: <name>` then its `data: {...}` line, as
                # the Responses API sends every event.
                line, found, payload = data.partition(b"\ndata: ")
                name = self._names.get(line)
                if name is None and found:
                    name = self._event_name(line)
                if (
                    name is not None
                    and payload.find(b"\n") == len(payload) - 2
                    and payload[0] == 123  # `{`
                    and payload[-1] == 10
                    and len(payload) <= self._max_line_bytes
                    and data.find(b"\r") < 0
                ):
                    out = []
                    try:
                        self._reader.read_event(name, payload[:-2], out)
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
                self._read_whole(b"".join(self._body), out)
            else:
                try:
                    self._process(self._sse.flush(), out)
                except APIError as error:
                    self._failed(error, out)
                if self.held_error is not None or self.finished:  # an error, or the end
                    return out
            self._reader.end(out)
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
            explain_refusal=self._explain_refusal,
        )

    def _explain_refusal(self, message: str) -> str | None:
        return refused_mode_hint(self._output, message)

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
        raise self._too_large(
            f"the reply is longer than {limit} bytes; it was not read", "max_line_bytes", limit
        )

    def _stream_too_large(self) -> None:
        """The stream sent more than `max_response_bytes`: it ends here, after the events it
        already gave."""
        limit = self._max_response_bytes
        self.finished = True
        error = self._too_large(
            f"the stream grew past {limit} bytes; nothing more is read", "max_response_bytes", limit
        )
        self._failed(error, [])

    def _too_large(self, message: str, limit: str, max_bytes: int) -> ResponseTooLargeError:
        self._body, self._sse = [], SSEDecoder(max_line_bytes=self._max_line_bytes)
        return ResponseTooLargeError(
            f"{message} (the client's {limit}; a server you trust may be given more with "
            f"ls.AsyncClient(..., {limit}=...))",
            limit=limit,
            max_bytes=max_bytes,
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
        read it; from the first other event on, the decoder reads the rest. A read that begins
        with a named event is read by `_read_named_events`."""
        if data.startswith(b"event: "):
            self._read_named_events(data, out)
            return
        parts = data.split(b"\n\n")
        rest = parts.pop()  # after the last blank line: the start of an event still arriving
        limit = self._max_line_bytes
        read = self._reader.read_data
        done = 0
        for part in parts:
            if not (part.startswith(b"data: {") and part.find(b"\n") < 0 and len(part) <= limit):
                rest = data[done:]
                break
            read(part[6:], out)
            done += len(part) + 2
        if rest:
            self._process(self._decode(rest), out)

    def _read_named_events(self, data: bytes, out: list[StreamEvent]) -> None:
        """`_read_events` for a read of named events, as the Responses API sends every event:
        each `event: <name>` line, the one `data: {...}` line after it and the blank line read
        directly; from the first other event on, the decoder reads the rest.

        No line is held to `max_line_bytes` here: that bound is on what the decoder holds of a
        line or an event still arriving, and a line whole in this read is held by the read
        already (the decoder reads such a line as it is, too)."""
        lines = data.split(b"\n")  # no CR in it: the caller checked
        reader = self._reader
        names = self._names
        # An event read here is three lines, `event:`, `data:` and the blank line that ends
        # it; that one is ended by a newline too, so the last line (what follows the last
        # newline) is not yet a line at all, and the events whole in the read end before it.
        whole = len(lines) - 1 - (len(lines) - 1) % 3
        at = 0
        named, name = None, None  # the last `event:` line read, and the name it gives
        triples = zip(lines[:whole:3], lines[1:whole:3], lines[2:whole:3], strict=True)
        for line, field, blank in triples:
            # Events come in runs of one name: the line is compared with the last one, which
            # costs less than hashing each new line to look it up.
            if line != named:
                name = names.get(line)
                if name is None:
                    name = self._event_name(line)
                named = line
            # One call both tests for the `data: ` field and cuts it off (the same object back
            # when it is not there): about half of what startswith() and a slice cost.
            payload = field.removeprefix(b"data: ")
            if (
                name is None
                or blank  # not a blank line: more data lines, or another field
                or payload is field
                or payload[:1] != b"{"
            ):
                break
            reader.read_event(name, payload, out)
            at += 3
        if at < len(lines) - 1 or lines[-1]:
            self._process(self._decode(b"\n".join(lines[at:])), out)

    def _event_name(self, line: bytes) -> str | None:
        """The name an `event: <name>` line gives, decoded as the decoder would; None for any
        other line. The few lines a stream uses are kept, a bounded number of them (a server
        that names every event anew gets no more room)."""
        if not line.startswith(b"event: ") or line.find(b"\n") >= 0 or line.find(b"\r") >= 0:
            return None
        name = line[7:].decode("utf-8", "replace")
        if len(self._names) < _NAMES_KEPT:
            self._names[line] = name
        return name

    def _decode(self, data: bytes) -> Sequence[ServerSentEvent]:
        try:
            return self._sse.feed(data)
        except SSELineTooLong as exc:
            self.finished = True
            raise self._too_large(
                f"{exc}; nothing more is read", "max_line_bytes", self._max_line_bytes
            ) from None

    def _process(self, sse_events: Sequence[ServerSentEvent], out: list[StreamEvent]) -> None:
        """Decoded events into `out`; an error is raised, for the caller to hold or raise."""
        reader = self._reader
        for event_type, data in sse_events:
            if not data:
                continue  # an empty `data:` line is a heartbeat some servers send
            if data[0] != 123:  # not `{`: [DONE], a blank heartbeat, or to complain about
                if data == _DONE:
                    reader.end(out)
                    self.finished = True
                    break
                if data.isspace():
                    continue
            if event_type:
                reader.read_event(event_type, data, out)
            else:
                reader.read_data(data, out)

    def _read_whole(self, body: bytes, out: list[StreamEvent]) -> None:
        """A whole reply, read by the wire as the events it would have streamed; an empty one
        is a reply cut short."""
        if not body.strip():
            raise IncompleteStreamError(
                "the reply was empty: the server closed the response before sending it",
                provider=self._provider.name,
                request_id=self.accumulator.request_id,
                partial=self.accumulator.build(),
            )
        self._reader.read_whole(body, out)

    def _complete(self) -> None:
        """The reader's word that the reply is over: no more input is needed."""
        self.finished = True


def parse_completion(
    body: bytes,
    provider: ProviderSpec,
    *,
    headers: Mapping[str, str] | None = None,
    output: ResolvedOutput | None = None,
) -> AssistantMessage:
    """Read a whole (non-streamed) reply into an `AssistantMessage`."""
    parser = ResponseParser(provider, headers=headers, kind="reply", output=output)
    parser.feed(body)
    while not parser.finished:
        parser.end()
    return parser.partial()
