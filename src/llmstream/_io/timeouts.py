"""The clock of a call's time limits (`Timeouts`), measured on parsed events rather than bytes.

A server that sends only `: keep-alive` comments is sending bytes, not events; counting bytes
would keep a dead stream alive forever. `EventClock` tracks the limits that apply now; the
drivers turn its deadline into a cancel scope (async) or socket timeouts (sync), and the
watchdog holds it while a body is read.
"""

from __future__ import annotations

import time

from .._vocabulary.timeouts import Timeouts

__all__ = ["EventClock"]


class EventClock:
    """Which limit fires next, during one attempt of a call.

    `first_event` runs from the start of the attempt; `total` runs from the start of the whole
    call (`call_start`, the first attempt's start when not given), wall clock, so a retry never
    restarts it. `idle` runs only while llmstream is waiting for the network: from the moment
    the caller asks for the next event until it arrives. Time the caller spends on an event is
    not silence.
    """

    __slots__ = (
        "_first_event",
        "_idle",
        "_total",
        "_total_deadline",
        "got_first_event",
        "start",
        "waiting_since",
    )

    def __init__(
        self, timeouts: Timeouts, start: float | None = None, *, call_start: float | None = None
    ) -> None:
        self.start = time.monotonic() if start is None else start
        self.got_first_event = False
        self.waiting_since: float | None = self.start
        self._first_event = timeouts.first_event
        self._idle = timeouts.idle
        self._total = timeouts.total
        since = self.start if call_start is None else call_start
        self._total_deadline = None if timeouts.total is None else since + timeouts.total

    def wait(self) -> None:
        """The caller asked for the next event and llmstream is about to read: `idle` runs
        from now (unless it already runs, from the start of the attempt)."""
        if self.waiting_since is None:
            self.waiting_since = time.monotonic()

    def delivered(self) -> None:
        """Events went to the caller: the wait is over until the caller asks for more."""
        self.got_first_event = True
        self.waiting_since = None

    def next_deadline(self) -> tuple[float, str, float] | None:
        """The earliest deadline as (monotonic time, limit name, that limit in seconds)."""
        waiting: tuple[float, str, float] | None = None
        if not self.got_first_event:
            if self._first_event is not None:
                waiting = (self.start + self._first_event, "first_event", self._first_event)
        elif self._idle is not None and self.waiting_since is not None:
            waiting = (self.waiting_since + self._idle, "idle", self._idle)
        total = self._total_deadline
        if total is not None and (waiting is None or total < waiting[0]):
            return (total, "total", self._total or 0.0)
        return waiting

    def recheck_after(self, now: float) -> float | None:
        """When there is no deadline now (the caller holds an event), none can fall before
        `now + idle`: a watchdog may look again then."""
        return None if self._idle is None else now + self._idle
