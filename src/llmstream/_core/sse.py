"""An incremental decoder for the server-sent events wire format (WHATWG HTML, 9.2.6).

Sans-IO: `feed()` takes bytes exactly as they came off the network, split anywhere, and returns
the events they completed. It works on bytes and only joins whole lines, so a UTF-8 character
split across two reads is never cut. Line endings may be CRLF, LF or CR, mixed, and a CRLF may
itself be split across reads. Comments (`: keep-alive`) are counted, not returned. `id` and
`retry` are read and ignored: chat completions never resume.

It does not decode `data` to text: the caller decodes (strictly) and parses the JSON, so that a
broken chunk becomes an error instead of replacement characters in the answer.

Bounded: a line that grows past `max_line_bytes` without ending, or an event whose `data:`
lines together grow past it without the blank line that ends the event, raises
`SSELineTooLong` at once, with nothing more kept. An event still open between two `feed()`
calls is held joined (one growing buffer, not a list of lines), so what the decoder holds stays
within about that bound whatever the lines look like. Comments, `id`, `retry` and unknown
fields are never kept.
"""

from __future__ import annotations

from typing import cast

__all__ = ["DEFAULT_MAX_LINE_BYTES", "SSEDecoder", "SSELineTooLong", "ServerSentEvent"]

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"

ServerSentEvent = tuple[str, bytes]
"""`(event, data)`: the `event:` field (`""` when absent, the spec's default type "message") and
the `data:` lines joined with newlines, not decoded. A plain tuple: one is made per chunk."""


class SSELineTooLong(ValueError):
    """A line, or an event's data lines together, grew past the decoder's limit without
    ending."""


class SSEDecoder:
    def __init__(self, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._max_line_bytes = max_line_bytes
        self._partial_line: list[bytes] = []
        self._partial_size = 0
        self._data: list[bytes] = []
        self._event = ""
        self._after_cr = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._at_start = True  # still looking for a byte-order mark
        self.comments = 0
        self.idle = False
        """Between events: no partial line, no pending data or event type, no CR or BOM still
        in question.
        The parser's fast path may then take a read that is exactly one event by itself."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode more bytes; returns the events they completed (often none, often several)."""
        if self._at_start:
            chunk = self._strip_bom(chunk)
            if self._at_start:  # fewer than three bytes so far: wait for more
                return []
        if self._after_cr:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        # find(), not `in`: `bytes in bytes` first tries its operand as an int and discards a
        # TypeError, which costs more than the search itself, once per read.
        if chunk.find(b"\r") >= 0:
            if chunk[-1:] == b"\r":
                self._after_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

        lines = chunk.split(b"\n")
        tail = lines.pop()  # after the last newline: the start of a line still arriving
        events: list[ServerSentEvent] = []
        if lines:
            if self._partial_line:
                self._partial_line.append(lines[0])
                lines[0] = b"".join(self._partial_line)
                self._partial_line = []
                self._partial_size = 0
                self._check_length(len(lines[0]))
            pending, event_type = self._data, self._event
            for line in lines:
                # The two lines nearly every event is made of, `data: ...` and the blank line
                # after it, handled inline with the state in locals: the hottest loop of a
                # stream read in large pieces.
                if not line:
                    if pending:
                        join = pending[0] if len(pending) == 1 else b"\n".join(pending)
                        events.append((event_type, join))
                        pending = []
                    event_type = ""
                elif line.startswith(b"data: "):
                    pending.append(line[6:])
                else:
                    self._data, self._event = pending, event_type
                    self._line(line, events)
                    pending, event_type = self._data, self._event
            self._data, self._event = pending, event_type
            if pending:  # an event still open after this read: hold it joined, within bounds
                self._hold(pending)
        if tail:
            self._partial_line.append(tail)
            self._partial_size += len(tail)
            self._check_length(self._partial_size)
        self.idle = not (
            self._partial_line or self._data or self._event or self._after_cr or self._at_start
        )
        return events

    def flush(self) -> list[ServerSentEvent]:
        """The input ended: finish the last line and dispatch a last event left unterminated.

        The spec drops an event that was not followed by a blank line; chat servers that close
        right after their last `data:` line are common enough that llmstream keeps it, and the
        JSON parser catches a line that was really cut short.
        """
        if self._at_start and self._partial_line:
            self._at_start = False
        events: list[ServerSentEvent] = []
        if self._partial_line:
            line = b"".join(self._partial_line)
            self._partial_line = []
            self._partial_size = 0
            self._line(line, events)
            if self._data:
                self._hold(self._data)
        self._line(b"", events)
        return events

    def _strip_bom(self, chunk: bytes) -> bytes:
        pending = b"".join(self._partial_line) + chunk
        if len(pending) < len(_BOM) and _BOM.startswith(pending):
            self._partial_line = [pending] if pending else []
            return b""
        self._at_start = False
        self._partial_line = []
        return pending[len(_BOM) :] if pending.startswith(_BOM) else pending

    def _check_length(self, size: int) -> None:
        if size > self._max_line_bytes:
            self._partial_line = []
            raise SSELineTooLong(
                f"a server-sent-events line grew past {self._max_line_bytes} bytes without ending"
            )

    def _hold(self, data: list[bytes]) -> None:
        """An event left open by a read: its data lines joined into one buffer (all but the
        last line, so that dispatching it still joins into `bytes`), and its size checked.

        Joining keeps what an open event costs at its size: a list of many short lines would
        cost some fifty bytes of objects per line. The buffer grows in place, so an event fed
        in many reads costs time linear in its size."""
        if len(data) > 2:
            head: bytes | bytearray = data[0]
            joined = head if isinstance(head, bytearray) else bytearray(head)
            joined += b"\n"
            joined += b"\n".join(data[1:-1])
            # A bytearray where bytes belong: it is only ever joined with the lines after it.
            data[:-1] = [cast("bytes", joined)]
        size = len(data[0]) if len(data) == 1 else len(data[0]) + 1 + len(data[1])
        if size > self._max_line_bytes:
            self._data = []
            raise SSELineTooLong(
                f"a server-sent event grew past {self._max_line_bytes} bytes without ending "
                "(its data lines together, with no blank line after them)"
            )

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            if self._data:
                data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
                events.append((self._event, data))
                self._data.clear()
            self._event = ""
            return
        if line[:5] == b"data:":
            value = line[5:]
            self._data.append(value[1:] if value[:1] == b" " else value)
            return
        if line[:1] == b":":
            self.comments += 1
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":  # "data" with no colon: an empty data line
            self._data.append(b"")
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        # "id", "retry" and unknown fields are ignored, as the spec says.
