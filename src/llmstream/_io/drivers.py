"""`AsyncChatStream` and `ChatStream`: the one read loop of each I/O flavour.

Every call goes through one of them: `stream()` iterates it, `generate()` collects it (its body
asks for `stream: false`, and the JSON reply is read by the same loop), and the agent iterates
it for both. Each sends the request (retrying while nothing has reached the caller yet), reads
bytes, feeds the core's `ResponseParser`, and hands its events out one at a time.

The read loop is `__anext__` (`__next__`): it hands out the batch in hand, and reads the next
one when it is spent. Entering the stream reads each attempt's first batch through it too
(`_opening` says so: a failure then goes back to the retries, not to the caller). It is written
out there rather than in a helper, which would cost a call (a coroutine) per batch.

The two are twins: the same methods in the same order, and the same code once `async` and
`await` are taken away (tests/test_twins.py compares their syntax trees). Only these are the
flavour's own: `_send` (a cancel scope, or httpx's read timeout, bounds the wait for the
response head), `_open_body`, `_scoped_read` (async only: a cancel scope around each read where
the socket is shared), `_release` (closing, and draining a finished body for the pool) and
`_USAGE`. Everything else that is not I/O lives in `_StreamState`, the parser, the call and the
clock.

Every byte read after the request is sent is under the same event clock (connect, first_event,
idle, total), whatever the body holds: events, a whole reply or an error. Until the response
head arrives a cancel scope (async) or httpx's read timeout (sync) bounds the wait. After that
the shared watchdog thread holds the deadline and shuts the socket down when it passes, which
wakes the blocked read at no cost per chunk; the read loop then raises `StreamTimeoutError`.
Where the socket is shared (HTTP/2) the async stream wraps each read in a cancel scope instead.

A traced call's OpenTelemetry span (`llmstream._tracing.ChatSpan`) is started before the first
attempt and touched at the first events, on a retry and at the end (the last event, an error,
or the reader stopping early): never in the read loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
import httpx

from .._core.parser import ResponseParser
from .._public import publish
from .._tracing import span_in_context
from .._vocabulary.ratelimits import RateLimits
from ..errors import (
    APIError,
    LLMStreamError,
    StreamBusyError,
    StreamNotFinishedError,
    StreamTimeoutError,
)
from ..events import StreamEvent, TextDelta
from ..messages import AssistantMessage
from .bodies import async_body, sync_body
from .call import Call, Target
from .timeouts import EventClock
from .watchdog import WATCHDOG, Watch

if TYPE_CHECKING:
    from .._tracing import ChatSpan

__all__ = ["AsyncChatStream", "ChatStream"]

# After the stream finished, how long to keep reading for the end of the HTTP body, so the
# connection goes back to the pool instead of being torn down.
_DRAIN_SECONDS = 0.5


class _StreamState:
    """What both streams hold: the call, the parser, and the events not yet handed out."""

    # How the stream is used, for the error that says it was not (each twin sets its own).
    _USAGE = ""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._target = call.targets[0]  # where the current attempt goes
        self._parser: ResponseParser | None = None
        self._clock = EventClock(call.timeouts)
        self._watch: Watch | None = None
        self._events: list[StreamEvent] = []
        self._position = 0
        self._closed = False
        self._reading = False  # a read is under way: a second reader is a mistake to name
        self._opening = False  # entering: each attempt reads its first batch, and may fail
        self._failure: LLMStreamError | None = None
        self._span: ChatSpan | None = None  # the call's OpenTelemetry span, while it is open
        self.response_headers = httpx.Headers()
        """The HTTP headers of the response (of the last attempt)."""
        self.attempts = 0
        """How many HTTP requests the stream made: 1, plus one per retry."""

    @property
    def request_id(self) -> str | None:
        """The provider's request id, from the response headers."""
        return self._target.provider.request_id_from(self.response_headers)

    @property
    def limits(self) -> RateLimits:
        """The rate-limit headers of the response."""
        return RateLimits.from_headers(self.response_headers)

    @property
    def warnings(self) -> list[str]:
        """What llmstream changed in the request before sending it (also yielded as events)."""
        return [warning.message for warning in self._target.warnings]

    @property
    def message(self) -> AssistantMessage:
        """The final message, once the stream has been read to its end."""
        if self._parser is None or not self._parser.finished or self._failure is not None:
            raise StreamNotFinishedError(
                "the stream was not read to its end (a break, an error, or still reading), so "
                "there is no final message: use `stream.partial` for what arrived, or read "
                "every event (or call collect()) for the whole reply"
            )
        return self._parser.partial()

    @property
    def partial(self) -> AssistantMessage:
        """The message assembled from everything received so far."""
        if self._parser is None:
            return AssistantMessage(provider=self._target.provider.name)
        return self._parser.partial()

    def _not_open(self) -> RuntimeError:
        return RuntimeError(
            f"this stream is not open: use `{self._USAGE}` and iterate inside the block"
        )

    def _start_attempt(self, target: Target) -> None:
        self._target = target
        self.attempts += 1
        self._clock = EventClock(self._call.timeouts, call_start=self._call.started)
        self._parser = None
        if self._call.log.isEnabledFor(logging.DEBUG):  # its arguments cost even when unused
            self._call.log.debug(
                "%s: POST %s model=%s stream=%s attempt=%d",
                target.provider.name, target.provider.display_url, target.model,
                self._call.stream, self.attempts,
            )  # fmt: skip

    def _started(self, response: httpx.Response) -> None:
        """The response head is in: from here on the parser reads, under the watchdog. Its
        headers are read as the call shows them, secrets taken out (`Call.shown_headers`)."""
        headers = self._call.shown_headers(response)
        if self._call.log.isEnabledFor(logging.DEBUG):
            self._call.log.debug(
                "%s: HTTP %d request_id=%s after %.3fs",
                self._target.provider.name,
                response.status_code,
                self._target.provider.request_id_from(headers),
                time.monotonic() - self._clock.start,
            )
        self.response_headers = headers
        self._call.observe(self._target, response)
        self._parser = ResponseParser(
            self._target.provider,
            status=response.status_code,
            headers=headers,
            max_line_bytes=self._call.max_line_bytes,
            max_response_bytes=self._call.max_response_bytes,
            output=self._target.output,
            partial_tool_arguments=self._call.partial_tool_arguments,
        )
        self._watch = WATCHDOG.watch(response, self._clock)

    def _first_batch(self, first: list[StreamEvent]) -> None:
        if self._call.log.isEnabledFor(logging.DEBUG):
            self._call.log.debug(
                "%s: first event after %.3fs",
                self._target.provider.name,
                time.monotonic() - self._clock.start,
            )
        self._events = [*self._target.warnings, *first]
        self._position = 0
        if self._span is not None:
            self._span.first_events(self._target)
        self._clock.delivered()
        if self._watch is not None:
            self._watch.reschedule()  # `idle` now applies, and may fall before `first_event`

    def _read_failed(self, exc: httpx.HTTPError) -> APIError:
        """The error for a read that failed: a time limit that fired, an error body cut short
        (which still says something), or a broken connection."""
        if self._watch is not None and self._watch.fired is not None:
            return self._timeout_error(*self._watch.fired)
        if isinstance(exc, httpx.TimeoutException):  # the sync read timeout set from our limits
            return self._deadline_error()
        if self._parser is not None and self._parser.kind == "error":
            return self._parser.status_error()
        return self._target.connection_error(exc, request_id=self.request_id, partial=self.partial)

    def _timeout_error(self, limit: str, seconds: float) -> StreamTimeoutError:
        self._call.log.debug(
            "%s: the %s limit of %gs fired", self._target.provider.name, limit, seconds
        )
        return self._target.timeout_error(
            limit, seconds, request_id=self.request_id, partial=self.partial
        )

    def _deadline_error(self) -> StreamTimeoutError:
        """The error for the deadline a cancel scope (or httpx's read timeout) just enforced."""
        deadline = self._clock.next_deadline()
        if deadline is not None:
            return self._timeout_error(deadline[1], deadline[2])
        # No limit of the clock applies now: it was httpx's read timeout, set from our limits.
        limit, seconds = self._call.read_limit() or ("first_event", 0.0)
        return self._timeout_error(limit, seconds)

    def _fail(self, error: LLMStreamError) -> LLMStreamError:
        """Record why the stream ended; every error out of a stream carries `partial`, and how
        many attempts the call made."""
        self._call.redact(error)
        if isinstance(error, APIError):
            error.attempts = self.attempts
            if error.partial is None:
                error.partial = self.partial
        self._failure = error
        span, self._span = self._span, None
        if span is not None:
            span.failed(error, self.attempts)
        return error

    def _start_span(self) -> None:
        """Start the call's span, when it is traced: before the first attempt, so that it
        covers every retry."""
        trace = self._call.trace
        if trace is not None:
            self._span = trace.start(self._call.targets)

    def _end_span(self, cause: BaseException | None = None) -> None:
        """End the call's span if it is still open: the stream reached its end, or its reader
        stopped early (`cause` is what propagated through its block, if anything)."""
        span, self._span = self._span, None
        if span is None:
            return
        if self._ended_cleanly:
            span.finished(self.partial, self.attempts)
        else:
            span.stopped(self.partial, self.attempts, cause)

    @property
    def _ended_cleanly(self) -> bool:
        """The stream reached its end without an error: its connection may be reused."""
        return self._parser is not None and self._parser.finished and self._failure is None

    def _busy(self) -> StreamBusyError:
        return StreamBusyError(
            "two readers are reading this stream at once: its events go, in order, to one "
            "reader. Read it in one task (or thread) and pass each event on, e.g. through an "
            "anyio memory object stream"
        )

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

    _USAGE = "async with client.stream(...) as stream:"

    def __init__(self, http: httpx.AsyncClient, call: Call) -> None:
        super().__init__(call)
        self._http = http
        self._response: httpx.Response | None = None
        self._body: AsyncIterator[bytes] | None = None
        self._read: Callable[[], Awaitable[bytes]] | None = None  # the next chunk of the body

    async def __aenter__(self) -> AsyncChatStream:
        try:
            await self._open()
        except BaseException as exc:
            self._end_span(exc)
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end_span(exc)
        await self.aclose()

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> StreamEvent:
        position = self._position
        events = self._events
        if position < len(events):
            self._position = position + 1
            return events[position]
        # The batch is handed out: read the next one. This is the stream's one read loop (each
        # attempt reads its first batch through it too), written here rather than in a helper,
        # which would cost a call per batch.
        parser = self._parser
        if parser is None:
            raise self._not_open()
        if self._failure is not None or self._closed:
            raise StopAsyncIteration
        if self._reading:
            raise self._busy()
        self._reading = True
        read, clock, watch = self._read, self._clock, self._watch
        try:
            if parser.held_error is not None:
                parser.raise_held_error()
            events = []
            if not parser.finished:  # else [DONE] came, or the whole body was read
                assert read is not None
                clock.wait()
                while not parser.finished:
                    try:
                        chunk = await read()
                    except StopAsyncIteration:
                        chunk = None
                    except httpx.HTTPError as exc:
                        raise self._read_failed(exc) from exc
                    if watch is not None and watch.fired is not None:
                        raise self._timeout_error(*watch.fired)
                    events = parser.end() if chunk is None else parser.feed(chunk)
                    if events:
                        break
        except LLMStreamError as error:
            await self._release(drain=False)
            if self._opening:
                raise  # an attempt's failure: the retries decide what follows
            raise self._fail(error) from error.__cause__
        finally:
            self._reading = False
        if not events:
            if not self._opening:
                self._end_span()
                await self._release(drain=True)
            raise StopAsyncIteration
        clock.delivered()
        self._events = events
        self._position = 1
        return events[0]

    async def collect(self) -> AssistantMessage:
        """Read the rest of the stream and return the final message."""
        async for _ in self:
            pass
        return self.message

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The answer's text alone, piece by piece, iterated as the stream itself is (`async
        for` or `for`).

        It reads this stream, skipping every event but `TextDelta` (reasoning, tool calls,
        usage...); once it ends, `stream.message` is the whole reply as usual. Errors are
        raised as they are when iterating the stream.
        """
        return _AsyncTexts(self)

    async def aclose(self) -> None:
        """Close the connection. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._end_span()
        await self._release(drain=self._ended_cleanly)

    # -- opening, with retries ----------------------------------------------------------------
    async def _open(self) -> None:
        if self._parser is not None or self._closed:
            raise RuntimeError("a stream can be entered only once")
        self._start_span()
        self._opening = True
        try:
            first = await self._call.with_retries(
                self._attempt, self._span.retrying if self._span is not None else None
            )
        except LLMStreamError as error:  # an APIError, or a ConfigurationError of the request
            raise self._fail(error) from error.__cause__
        finally:
            self._opening = False
        self._first_batch(first)

    async def _attempt(self, target: Target, number: int) -> list[StreamEvent]:
        try:
            return await self._send_and_read_first(target)
        except APIError as error:
            await self._release(drain=False)
            raise self._call.redact(error)  # noqa: B904 - the same error, cleaned

    async def _send_and_read_first(self, target: Target) -> list[StreamEvent]:
        self._start_attempt(target)
        response = await self._send(self._call.build_request(self._http, target))
        self._response = response
        self._started(response)
        self._open_body(response)
        try:
            await self.__anext__()  # the first batch, read by the one read loop
        except StopAsyncIteration:
            return []  # the body ended without a single event
        return self._events

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send the request; until the response head is in, a cancel scope bounds the wait."""
        try:
            with (
                span_in_context(self._span),
                anyio.CancelScope(deadline=_anyio_deadline(self._clock)) as scope,
            ):
                response = await self._http.send(request, stream=True)
        except httpx.ConnectTimeout:
            raise self._timeout_error(*self._call.connect_limit()) from None
        except httpx.HTTPError as exc:
            raise self._target.connection_error(exc, partial=self.partial) from exc
        if scope.cancelled_caught:
            raise self._deadline_error()
        return response

    def _open_body(self, response: httpx.Response) -> None:
        self._body = async_body(response)
        # Where the socket is shared (HTTP/2) the watchdog cannot shut it down: each read then
        # runs under a cancel scope of its own.
        scoped = response.http_version == "HTTP/2"
        self._read = self._scoped_read if scoped else self._body.__anext__

    # -- the body -----------------------------------------------------------------------------
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
        self._read = None
        if response is None:
            return
        if body is not None:
            if drain:
                # Shielded: a reader cancelled now must not cost the connection its reuse. One
                # scope, for the shield and the bound alike: each costs the event loop's
                # bookkeeping, on every call.
                deadline = anyio.current_time() + _DRAIN_SECONDS
                with anyio.CancelScope(shield=True, deadline=deadline):
                    try:
                        async for _ in body:
                            pass
                    except httpx.HTTPError:
                        pass
            # httpcore shields its own closing of the connection (and its return to the pool)
            # from cancellation: these need no scope of ours.
            close = getattr(body, "aclose", None)
            if close is not None:
                await close()
        await response.aclose()


class _AsyncTexts:
    """`text_stream`: an iterator object, not an async generator, so that leaving it early
    leaves nothing behind for the garbage collector to finalize (trio warns of that)."""

    __slots__ = ("_stream",)

    def __init__(self, stream: AsyncChatStream) -> None:
        self._stream = stream

    def __aiter__(self) -> _AsyncTexts:
        return self

    async def __anext__(self) -> str:
        while True:
            event = await self._stream.__anext__()
            if type(event) is TextDelta:
                return event.text


def _anyio_deadline(clock: EventClock) -> float:
    deadline = clock.next_deadline()
    if deadline is None:
        return float("inf")
    return anyio.current_time() + (deadline[0] - time.monotonic())


class ChatStream(_StreamState):
    """The sync twin of `AsyncChatStream`: `with client.stream(...) as stream:`, then
    `for event in stream`."""

    _USAGE = "with client.stream(...) as stream:"

    def __init__(self, http: httpx.Client, call: Call) -> None:
        super().__init__(call)
        self._http = http
        self._response: httpx.Response | None = None
        self._body: Iterator[bytes] | None = None
        self._read: Callable[[], bytes] | None = None  # the next chunk of the body

    def __enter__(self) -> ChatStream:
        try:
            self._open()
        except BaseException as exc:
            self._end_span(exc)
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end_span(exc)
        self.close()

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> StreamEvent:
        position = self._position
        events = self._events
        if position < len(events):
            self._position = position + 1
            return events[position]
        # The batch is handed out: read the next one. This is the stream's one read loop (each
        # attempt reads its first batch through it too), written here rather than in a helper,
        # which would cost a call per batch.
        parser = self._parser
        if parser is None:
            raise self._not_open()
        if self._failure is not None or self._closed:
            raise StopIteration
        if self._reading:
            raise self._busy()
        self._reading = True
        read, clock, watch = self._read, self._clock, self._watch
        try:
            if parser.held_error is not None:
                parser.raise_held_error()
            events = []
            if not parser.finished:  # else [DONE] came, or the whole body was read
                assert read is not None
                clock.wait()
                while not parser.finished:
                    try:
                        chunk = read()
                    except StopIteration:
                        chunk = None
                    except httpx.HTTPError as exc:
                        raise self._read_failed(exc) from exc
                    if watch is not None and watch.fired is not None:
                        raise self._timeout_error(*watch.fired)
                    events = parser.end() if chunk is None else parser.feed(chunk)
                    if events:
                        break
        except LLMStreamError as error:
            self._release(drain=False)
            if self._opening:
                raise  # an attempt's failure: the retries decide what follows
            raise self._fail(error) from error.__cause__
        finally:
            self._reading = False
        if not events:
            if not self._opening:
                self._end_span()
                self._release(drain=True)
            raise StopIteration
        clock.delivered()
        self._events = events
        self._position = 1
        return events[0]

    def collect(self) -> AssistantMessage:
        """Read the rest of the stream and return the final message."""
        for _ in self:
            pass
        return self.message

    @property
    def text_stream(self) -> Iterator[str]:
        """The answer's text alone, piece by piece, iterated as the stream itself is (`async
        for` or `for`).

        It reads this stream, skipping every event but `TextDelta` (reasoning, tool calls,
        usage...); once it ends, `stream.message` is the whole reply as usual. Errors are
        raised as they are when iterating the stream.
        """
        return _Texts(self)

    def close(self) -> None:
        """Close the connection. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._end_span()
        self._release(drain=self._ended_cleanly)

    # -- opening, with retries ----------------------------------------------------------------
    def _open(self) -> None:
        if self._parser is not None or self._closed:
            raise RuntimeError("a stream can be entered only once")
        self._start_span()
        self._opening = True
        try:
            first = self._call.with_retries_sync(
                self._attempt, self._span.retrying if self._span is not None else None
            )
        except LLMStreamError as error:  # an APIError, or a ConfigurationError of the request
            raise self._fail(error) from error.__cause__
        finally:
            self._opening = False
        self._first_batch(first)

    def _attempt(self, target: Target, number: int) -> list[StreamEvent]:
        try:
            return self._send_and_read_first(target)
        except APIError as error:
            self._release(drain=False)
            raise self._call.redact(error)  # noqa: B904 - the same error, cleaned

    def _send_and_read_first(self, target: Target) -> list[StreamEvent]:
        self._start_attempt(target)
        response = self._send(self._call.build_request(self._http, target))
        self._response = response
        self._started(response)
        self._open_body(response)
        try:
            self.__next__()  # the first batch, read by the one read loop
        except StopIteration:
            return []  # the body ended without a single event
        return self._events

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send the request; until the response head is in, httpx's read timeout (set from the
        call's limits) bounds the wait."""
        try:
            with span_in_context(self._span):
                return self._http.send(request, stream=True)
        except httpx.ConnectTimeout:
            raise self._timeout_error(*self._call.connect_limit()) from None
        except httpx.TimeoutException:
            raise self._deadline_error() from None
        except httpx.HTTPError as exc:
            raise self._target.connection_error(exc, partial=self.partial) from exc

    def _open_body(self, response: httpx.Response) -> None:
        self._body = sync_body(response)
        self._read = self._body.__next__

    # -- the body -----------------------------------------------------------------------------
    def _release(self, *, drain: bool) -> None:
        self._stop_watch()
        response, self._response = self._response, None
        body, self._body = self._body, None
        self._read = None
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


class _Texts:
    """The sync twin of `_AsyncTexts`."""

    __slots__ = ("_stream",)

    def __init__(self, stream: ChatStream) -> None:
        self._stream = stream

    def __iter__(self) -> _Texts:
        return self

    def __next__(self) -> str:
        while True:
            event = next(self._stream)
            if type(event) is TextDelta:
                return event.text


publish(globals(), "llmstream")
