"""Time limits for the sync client.

A blocking socket read cannot be given a deadline that only moves when an *event* arrives, and
httpx fixes the read timeout for the whole body. So one daemon thread keeps the deadlines of
every open sync stream and, when one passes, marks the stream and shuts its socket down; the
blocked read returns at once and the stream raises `StreamTimeoutError`. The reader moves its
deadline forward by updating its `EventClock`, one float per event; the thread re-checks a
deadline before firing, so nothing has to be rescheduled on the hot path.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
import weakref
from typing import Any, Protocol

import httpx

__all__ = ["WATCHDOG", "Watch", "Watchdog"]


class _Clock(Protocol):
    def next_deadline(self) -> tuple[float, str, float] | None: ...

    def recheck_after(self, now: float) -> float | None: ...


class _FixedDeadline:
    def __init__(self, seconds: float) -> None:
        self._deadline = (time.monotonic() + seconds, "total", seconds)

    def next_deadline(self) -> tuple[float, str, float] | None:
        return self._deadline

    def recheck_after(self, now: float) -> float | None:
        return None


class _Shutdownable(Protocol):
    def shutdown(self, how: int, /) -> None: ...


# The socket of each connection's network stream, found once per connection: asking the stream
# costs anyio a `getpeername()` and more (all its extra attributes are built to read one), and
# a reused client makes many calls on one connection.
_SOCKETS: weakref.WeakKeyDictionary[Any, _Shutdownable | None] = weakref.WeakKeyDictionary()


def _socket_of(response: httpx.Response) -> _Shutdownable | None:
    """The response's own socket; None without one (mock or ASGI transports) or when other
    streams share it (HTTP/2). Under asyncio it is a `TransportSocket`, which can shut down."""
    if response.http_version != "HTTP/1.1":
        return None
    stream: Any = response.extensions.get("network_stream")
    if stream is None or not hasattr(stream, "get_extra_info"):
        return None
    try:
        return _SOCKETS[stream]
    except KeyError:
        pass
    except TypeError:  # a stream that cannot be weakly referenced: asked every time
        return _stream_socket(stream)
    sock = _SOCKETS[stream] = _stream_socket(stream)
    return sock


def _stream_socket(stream: Any) -> _Shutdownable | None:
    sock = stream.get_extra_info("socket")
    return sock if callable(getattr(sock, "shutdown", None)) else None


class Watch:
    """One stream under watch. `fired` is `(limit, seconds)` once its deadline passed.

    Without a socket to shut down, firing only sets `fired`; the reader checks it after every
    read, so a limit is still enforced at the next read.
    """

    __slots__ = ("_cancelled", "_scheduled_at", "_socket", "_watchdog", "clock", "fired")

    def __init__(self, watchdog: Watchdog, clock: _Clock, sock: _Shutdownable | None) -> None:
        self.clock = clock
        self._watchdog = watchdog
        self._socket = sock
        self._cancelled = False
        self._scheduled_at: float | None = None
        self.fired: tuple[str, float] | None = None

    def cancel(self) -> None:
        """The stream is over: never fire, and let go of its socket. Once this returns the
        socket is never shut down by the watch (its connection may go back to the pool)."""
        self._watchdog._forget(self)

    def reschedule(self) -> None:
        """The deadline may have moved earlier: look at it again."""
        self._watchdog._schedule(self)

    def _fire(self, limit: str, seconds: float) -> None:
        self.fired = (limit, seconds)
        if self._socket is not None:
            # Already closed means the reader is not blocked on it either.
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)


class Watchdog:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._cancelled_entries = 0

    def _forget(self, watch: Watch) -> None:
        """Cancel `watch`, under the lock the thread fires under: a firing under way ends
        first, and none starts after. A cancelled watch stays in the heap until its (often
        distant) time comes; when they are the larger part of a large heap, sweep them out at
        once."""
        with self._condition:
            watch._cancelled = True
            watch._socket = None
            self._cancelled_entries += 1
            if self._cancelled_entries > 512 and self._cancelled_entries * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2]._cancelled]
                heapq.heapify(self._heap)
                self._cancelled_entries = 0

    def watch(self, response: httpx.Response, clock: _Clock) -> Watch:
        watch = Watch(self, clock, _socket_of(response))
        self._schedule(watch)
        return watch

    def watch_drain(self, response: httpx.Response, seconds: float) -> Watch:
        """A fixed deadline for reading the tail of a finished response."""
        return self.watch(response, _FixedDeadline(seconds))

    def _schedule(self, watch: Watch) -> None:
        deadline = watch.clock.next_deadline()
        when = deadline[0] if deadline else watch.clock.recheck_after(time.monotonic())
        if when is None:
            return
        with self._condition:
            watch._scheduled_at = when  # any older entry for this watch is now stale
            entry = (when, next(self._order), watch)
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="llmstream-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0] is entry:
                # The thread sleeps until the earliest entry's time: only an earlier one needs
                # to wake it (waking it costs a thread switch; with a client making call after
                # call, most deadlines fall after one already waited for).
                self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._heap:
                    self._condition.wait()
                when, _, watch = self._heap[0]
                now = time.monotonic()
                if when > now:
                    self._condition.wait(when - now)
                    continue
                heapq.heappop(self._heap)
                # Still under the lock (cancel() takes it too): a watch cancelled by now is not
                # fired, and one being fired is not cancelled until its socket is shut down.
                # Else the stream could end, its connection go back to the pool and carry
                # another call, and this thread shut it down under that call.
                if watch._cancelled or watch._scheduled_at != when:
                    continue
                deadline = watch.clock.next_deadline()
                if deadline is None or deadline[0] > time.monotonic():
                    self._schedule(watch)  # events moved it since it was scheduled: look again
                else:
                    watch._fire(deadline[1], deadline[2])


WATCHDOG = Watchdog()
