"""`AsyncChatStream` and `ChatStream`: the thin I/O loops around `ChatStreamParser`.

Each sends the request (retrying while nothing has reached the caller yet), reads bytes, feeds
the parser, and hands its events out one at a time. The two are mirror images; everything that
is not I/O lives in the parser, the prepared call and the event clock.

Time limits are kept on events, not bytes (see `_timeouts`). Until the response headers arrive a
cancel scope (async) or httpx's read timeout (sync) bounds the wait. After that the shared
watchdog thread holds the deadline and shuts the socket down when it passes, which wakes the
blocked read at no cost per chunk; the read loop then raises `StreamTimeoutError`. Where the
socket is shared (HTTP/2) the async stream wraps each read in a cancel scope instead.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._protocol import ChatStreamParser
from ._ratelimits import RateLimits
from ._timeouts import EventClock
from ._watchdog import WATCHDOG, Watch
from .errors import APIError, LLMStreamError, MalformedChunkError, StreamTimeoutError
from .events import StreamEvent
from .messages import AssistantMessage

if TYPE_CHECKING:
    from ._client import PreparedCall

__all__ = [
    "AsyncChatStream",
    "ChatStream",
    "read_error_body",
    "read_error_body_sync",
    "read_reply_body",
    "read_reply_body_sync",
]

# After the stream finished, how long to keep reading for the end of the HTTP body, so the
# connection goes back to the pool instead of being torn down.
_DRAIN_SECONDS = 0.5
_ERROR_BODY_LIMIT = 1 << 20


class _StreamState:
    """What both streams hold: the call, the parser, and the events not yet handed out."""

    def __init__(self, call: PreparedCall) -> None:
        self._call = call
        self._parser: ChatStreamParser | None = None
        self._clock = EventClock(call.timeouts)
        self._watch: Watch | None = None
        self._events: list[StreamEvent] = []
        self._position = 0
        self._closed = False
        self._failure: LLMStreamError | None = None
        self.response_headers = httpx.Headers()
        """The HTTP headers of the response (of the last attempt)."""
        self.attempts = 0
        """How many HTTP requests the stream made: 1, plus one per retry."""

    @property
    def request_id(self) -> str | None:
        """The provider's request id, from the response headers."""
        return self._call.provider.request_id_from(self.response_headers)

    @property
    def limits(self) -> RateLimits:
        """The rate-limit headers of the response."""
        return RateLimits.from_headers(self.response_headers)

    @property
    def warnings(self) -> list[str]:
        """What llmstream changed in the request before sending it (also yielded as events)."""
        return [warning.message for warning in self._call.warnings]

    @property
    def message(self) -> AssistantMessage:
        """The final message, once the stream has been read to its end."""
        if self._parser is None or not self._parser.finished or self._failure is not None:
            raise RuntimeError(
                "the stream has not finished, so there is no final message yet: read every "
                "event first (or call collect()); `stream.partial` has what arrived so far"
            )
        return self._parser.accumulator.build()

    @property
    def partial(self) -> AssistantMessage:
        """The message assembled from everything received so far."""
        if self._parser is None:
            return AssistantMessage(provider=self._call.provider.name)
        return self._parser.partial()

    def _start_attempt(self, number: int) -> None:
        self.attempts = number + 1
        self._clock = EventClock(self._call.timeouts)
        self._parser = None

    def _started(self, response: httpx.Response) -> ChatStreamParser:
        self.response_headers = response.headers
        self._parser = ChatStreamParser(
            self._call.provider,
            headers=response.headers,
            max_line_bytes=self._call.max_line_bytes,
        )
        return self._parser

    def _first_batch(self, first: list[StreamEvent]) -> None:
        self._events = [*self._call.warnings, *first]
        self._position = 0
        self._clock.delivered()
        if self._watch is not None:
            self._watch.reschedule()  # `idle` now applies, and may fall before `first_event`

    def _deliver(self, events: list[StreamEvent]) -> StreamEvent:
        self._clock.delivered()
        self._events = events
        self._position = 1
        return events[0]

    def _read_failed(self, exc: httpx.HTTPError) -> APIError:
        if self._watch is not None and self._watch.fired is not None:
            return self._timeout_error(*self._watch.fired)
        return self._call.connection_error(exc, request_id=self.request_id, partial=self.partial)

    def _check_watch(self) -> None:
        if self._watch is not None and self._watch.fired is not None:
            raise self._timeout_error(*self._watch.fired)

    def _timeout_error(self, limit: str, seconds: float) -> StreamTimeoutError:
        return self._call.timeout_error(
            limit, seconds, request_id=self.request_id, partial=self.partial
        )

    def _deadline_error(self) -> StreamTimeoutError:
        """The error for the deadline a cancel scope (or httpx's read timeout) just enforced."""
        deadline = self._clock.next_deadline()
        limit, seconds = (deadline[1], deadline[2]) if deadline else ("first_event", 0.0)
        return self._timeout_error(limit, seconds)

    def _fail(self, error: LLMStreamError) -> LLMStreamError:
        """Record why the stream ended; every error out of a stream carries `partial`."""
        if isinstance(error, APIError) and error.partial is None:
            error.partial = self.partial
        self._failure = error
        return error

    @property
    def _ended_cleanly(self) -> bool:
        """The stream reached its end without an error: its connection may be reused."""
        return self._parser is not None and self._parser.finished and self._failure is None

    def _stop_watch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()


class AsyncChatStream(_StreamState):
    """A streamed chat completion: `async with client.stream(...) as stream:`.

    Iterate it for events; afterwards `stream.message` is the final `AssistantMessage`. Leaving
    the block, `break`, a cancel scope or `await stream.aclose()` closes the connection at once.
    Entering the block sends the request and waits for the first event, retrying failures that
    happen before it.
    """

    def __init__(self, client: Any, call: PreparedCall) -> None:
        super().__init__(call)
        self._client = client
        self._response: httpx.Response | None = None
        self._body: AsyncGenerator[bytes, None] | None = None
        self._scoped_reads = False

    async def __aenter__(self) -> AsyncChatStream:
        try:
            await self._open()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> StreamEvent:
        position = self._position
        events = self._events
        if position < len(events):
            self._position = position + 1
            return events[position]
        return await self._next_batch()

    async def collect(self) -> AssistantMessage:
        """Read the rest of the stream and return the final message."""
        async for _ in self:
            pass
        return self.message

    async def aclose(self) -> None:
        """Close the connection. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        await self._release(drain=self._ended_cleanly)

    # -- opening, with retries ----------------------------------------------------------------
    async def _open(self) -> None:
        if self._parser is not None or self._closed:
            raise RuntimeError("a stream can be entered only once")
        try:
            first = await self._call.with_retries(self._attempt)
        except APIError as error:
            raise self._fail(error) from error.__cause__
        self._first_batch(first)

    async def _attempt(self, number: int) -> list[StreamEvent]:
        try:
            return await self._send_and_read_first(number)
        except APIError:
            await self._release(drain=False)
            raise

    async def _send_and_read_first(self, number: int) -> list[StreamEvent]:
        self._start_attempt(number)
        call = self._call
        http = self._client.http
        request = call.build_request(http)
        try:
            with anyio.CancelScope(deadline=_anyio_deadline(self._clock)) as scope:
                response = await http.send(request, stream=True)
        except httpx.ConnectTimeout:
            raise self._timeout_error("connect", call.timeouts.connect or 0.0) from None
        except httpx.HTTPError as exc:
            raise call.connection_error(exc, partial=self.partial) from exc
        if scope.cancelled_caught:
            raise self._deadline_error()
        self._response = response
        parser = self._started(response)
        if response.status_code >= 400:
            raise call.status_error(response, await read_error_body(response))
        if call.is_json_response(response):
            try:
                body = await read_reply_body(response, call)
            except httpx.HTTPError as exc:
                raise self._read_failed(exc) from exc
            return parser.feed_whole_reply(body)
        self._watch = WATCHDOG.watch(response, self._clock)
        self._scoped_reads = response.http_version == "HTTP/2"
        self._body = _body_iterator(response)
        return await self._read_events()

    # -- reading ------------------------------------------------------------------------------
    async def _next_batch(self) -> StreamEvent:
        if self._parser is None:
            raise RuntimeError(
                "this stream is not open: use `async with client.stream(...) as stream:` and "
                "iterate inside the block"
            )
        if self._failure is not None or self._closed:
            raise StopAsyncIteration
        try:
            events = await self._read_events()
        except LLMStreamError as error:
            await self._release(drain=False)
            raise self._fail(error) from error.__cause__
        if not events:
            await self._release(drain=True)
            raise StopAsyncIteration
        return self._deliver(events)

    async def _read_events(self) -> list[StreamEvent]:
        """Read until the parser has events, or the stream is over (then [])."""
        parser, body, clock = self._parser, self._body, self._clock
        assert parser is not None
        parser.raise_held_error()
        if parser.finished:  # [DONE] came, or the reply was one JSON body: nothing left to read
            return []
        assert body is not None
        clock.wait(time.monotonic())
        while not parser.finished:
            try:
                chunk = await (self._scoped_read() if self._scoped_reads else body.__anext__())
            except StopAsyncIteration:
                chunk = None
            except httpx.HTTPError as exc:
                raise self._read_failed(exc) from exc
            self._check_watch()
            events = parser.end() if chunk is None else parser.feed(chunk)
            if events:
                return events
        return []

    async def _scoped_read(self) -> bytes:
        assert self._body is not None
        with anyio.CancelScope(deadline=_anyio_deadline(self._clock)) as scope:
            return await self._body.__anext__()
        assert scope.cancelled_caught
        raise self._deadline_error()

    async def _release(self, *, drain: bool) -> None:
        self._stop_watch()
        response, self._response = self._response, None
        body, self._body = self._body, None
        if response is None:
            return
        with anyio.CancelScope(shield=True):
            if body is not None:
                if drain:
                    with anyio.move_on_after(_DRAIN_SECONDS):
                        try:
                            async for _ in body:
                                pass
                        except httpx.HTTPError:
                            pass
                await body.aclose()
            await response.aclose()


def _identity(response: httpx.Response) -> bool:
    """Whether raw bytes are the body: no content encoding, and not already read into memory
    (a mock response built with `content=` has been)."""
    encoding = str(response.headers.get("content-encoding", "identity"))
    return encoding == "identity" and not response.is_stream_consumed


def _body_iterator(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    # Without a content encoding, skip httpx's decoding layer: one generator less per read.
    body = response.aiter_raw() if _identity(response) else response.aiter_bytes()
    assert isinstance(body, AsyncGenerator)
    return body


def _anyio_deadline(clock: EventClock) -> float:
    deadline = clock.next_deadline()
    if deadline is None:
        return float("inf")
    return anyio.current_time() + (deadline[0] - time.monotonic())


def _too_long(call: PreparedCall, limit: int) -> MalformedChunkError:
    return MalformedChunkError(
        f"the reply is longer than {limit} bytes (the client's max_line_bytes); it was not read",
        provider=call.provider.name,
    )


async def read_reply_body(response: httpx.Response, call: PreparedCall) -> bytes:
    """A whole JSON reply, up to `max_line_bytes`: a longer one is refused, never cut short.
    Transport errors propagate, for the caller to type."""
    parts: list[bytes] = []
    size = 0
    async for part in response.aiter_bytes():
        size += len(part)
        if size > call.max_line_bytes:
            raise _too_long(call, call.max_line_bytes)
        parts.append(part)
    return b"".join(parts)


def read_reply_body_sync(response: httpx.Response, call: PreparedCall) -> bytes:
    """The sync twin of `read_reply_body`."""
    parts: list[bytes] = []
    size = 0
    for part in response.iter_bytes():
        size += len(part)
        if size > call.max_line_bytes:
            raise _too_long(call, call.max_line_bytes)
        parts.append(part)
    return b"".join(parts)


async def read_error_body(response: httpx.Response) -> bytes:
    """An error response's body, up to 1 MiB; one cut short still says something."""
    parts: list[bytes] = []
    size = 0
    try:
        async for part in response.aiter_bytes():
            parts.append(part)
            size += len(part)
            if size >= _ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass  # an error body cut short still says something
    return b"".join(parts)


class ChatStream(_StreamState):
    """The sync twin of `AsyncChatStream`: `with client.stream(...) as stream:`, then
    `for event in stream`."""

    def __init__(self, client: Any, call: PreparedCall) -> None:
        super().__init__(call)
        self._client = client
        self._response: httpx.Response | None = None
        self._body: Iterator[bytes] | None = None

    def __enter__(self) -> ChatStream:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> StreamEvent:
        position = self._position
        events = self._events
        if position < len(events):
            self._position = position + 1
            return events[position]
        return self._next_batch()

    def collect(self) -> AssistantMessage:
        """Read the rest of the stream and return the final message."""
        for _ in self:
            pass
        return self.message

    def close(self) -> None:
        """Close the connection. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._release(drain=self._ended_cleanly)

    def _open(self) -> None:
        if self._parser is not None or self._closed:
            raise RuntimeError("a stream can be entered only once")
        try:
            first = self._call.with_retries_sync(self._attempt)
        except APIError as error:
            raise self._fail(error) from error.__cause__
        self._first_batch(first)

    def _attempt(self, number: int) -> list[StreamEvent]:
        try:
            return self._send_and_read_first(number)
        except APIError:
            self._release(drain=False)
            raise

    def _send_and_read_first(self, number: int) -> list[StreamEvent]:
        self._start_attempt(number)
        call = self._call
        http = self._client.http
        try:
            response = http.send(call.build_request(http), stream=True)
        except httpx.ConnectTimeout:
            raise self._timeout_error("connect", call.timeouts.connect or 0.0) from None
        except httpx.TimeoutException:
            raise self._deadline_error() from None
        except httpx.HTTPError as exc:
            raise call.connection_error(exc, partial=self.partial) from exc
        self._response = response
        parser = self._started(response)
        if response.status_code >= 400:
            raise call.status_error(response, read_error_body_sync(response))
        if call.is_json_response(response):
            try:
                body = read_reply_body_sync(response, call)
            except httpx.HTTPError as exc:
                raise self._read_failed(exc) from exc
            return parser.feed_whole_reply(body)
        self._watch = WATCHDOG.watch(response, self._clock)
        self._body = response.iter_raw() if _identity(response) else response.iter_bytes()
        return self._read_events()

    def _next_batch(self) -> StreamEvent:
        if self._parser is None:
            raise RuntimeError(
                "this stream is not open: use `with client.stream(...) as stream:` and iterate "
                "inside the block"
            )
        if self._failure is not None or self._closed:
            raise StopIteration
        try:
            events = self._read_events()
        except LLMStreamError as error:
            self._release(drain=False)
            raise self._fail(error) from error.__cause__
        if not events:
            self._release(drain=True)
            raise StopIteration
        return self._deliver(events)

    def _read_events(self) -> list[StreamEvent]:
        parser, body, clock = self._parser, self._body, self._clock
        assert parser is not None
        parser.raise_held_error()
        if parser.finished:
            return []
        assert body is not None
        clock.wait(time.monotonic())
        while not parser.finished:
            try:
                chunk = next(body, None)
            except httpx.HTTPError as exc:
                raise self._read_failed(exc) from exc
            self._check_watch()
            events = parser.end() if chunk is None else parser.feed(chunk)
            if events:
                return events
        return []

    def _release(self, *, drain: bool) -> None:
        self._stop_watch()
        response, self._response = self._response, None
        body, self._body = self._body, None
        if response is None:
            return
        if drain and body is not None:
            drain_watch = WATCHDOG.watch_drain(response, _DRAIN_SECONDS)
            try:
                for _ in body:
                    if drain_watch.fired:
                        break
            except httpx.HTTPError:
                pass
            finally:
                drain_watch.cancel()
        response.close()


def read_error_body_sync(response: httpx.Response) -> bytes:
    """The sync twin of `read_error_body`."""
    parts: list[bytes] = []
    size = 0
    try:
        for part in response.iter_bytes():
            parts.append(part)
            size += len(part)
            if size >= _ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass
    return b"".join(parts)
