"""Pacing: hold new calls back while a provider's rate limit is used up, instead of sending
requests it would answer with 429.

A `RateLimitPacer` keeps, for each (base URL, model), what the latest responses said: the
request budget left in the current window and when the window resets, whether the token budget
is used up and until when, and how long a 429 asked to wait. Before each attempt the call asks it
how long to wait. One method works that out (`_next_delay`); the async and sync waits only
sleep. A lock guards the view, so one pacer can be shared by tasks, threads and clients.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import anyio

from .._public import publish
from .._vocabulary.ratelimits import RateLimits, retry_after_seconds
from ..errors import ConfigurationError, RateLimitWaitError
from ..providers._base import Provider

__all__ = ["RateLimitPacer"]

logger = logging.getLogger("llmstream")

_NEVER = float("-inf")


@dataclass
class _Window:
    """What the pacer knows of one (base URL, model), in the pacer's clock."""

    limits: RateLimits | None = None
    remaining_requests: int | None = None
    """The requests left until `requests_reset_at`, less the calls this pacer let go since the
    headers said so; None: unknown, so calls are not held back for it."""
    requests_reset_at: float = _NEVER
    tokens_reset_at: float = _NEVER
    """The token budget was used up (remaining 0) until then."""
    retry_at: float = _NEVER
    """A 429 asked for no new call until then."""


class RateLimitPacer:
    """A shared view of a provider's rate-limit headers that holds new calls back while a limit
    is used up, instead of sending requests the provider would refuse with 429.

    ```python
    pacer = ls.RateLimitPacer()
    client = ls.AsyncClient(ls.Groq(), pacer=pacer)      # share it: every client passed it
    ```

    Each response's `x-ratelimit-*` headers (`RateLimits`) update the view of its (base URL,
    model). Before each attempt, a call waits:

    - while the request budget is used up: `remaining-requests` was 0, or every request it left
      has since been started through this pacer, until `reset-requests` has passed;
    - while `remaining-tokens` is 0, until `reset-tokens` has passed;
    - after a 429, until its `retry-after` has passed.

    A provider that sends no such headers is never waited for. A wait longer than `max_wait`
    seconds (60 by default, like `RetryPolicy.max_retry_after`) is not sat out: the call raises
    `RateLimitWaitError` (a `RateLimitError`) at once, without sending anything, and moves on to
    its fallbacks if it has any. `clock` (monotonic seconds) is for tests.

    Share one pacer between the clients that use the same account; it is safe to use from many
    tasks, threads and event loops at once.
    """

    def __init__(
        self, *, max_wait: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if isinstance(max_wait, bool) or not isinstance(max_wait, (int, float)) or max_wait < 0:
            raise ConfigurationError(
                f"max_wait must be a number of seconds, 0 or more, got {max_wait!r}; for example "
                "ls.RateLimitPacer(max_wait=30)"
            )
        self.max_wait = float(max_wait)
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def __repr__(self) -> str:
        return f"RateLimitPacer(max_wait={self.max_wait:g}, {len(self._windows)} limits seen)"

    def limits(self, provider: Provider, model: str) -> RateLimits | None:
        """The rate-limit headers of the latest response from `provider` for `model` that had
        any, or None."""
        with self._lock:
            window = self._windows.get((provider.base_url, model))
            return window.limits if window is not None else None

    # -- what the responses say -----------------------------------------------------------------
    def observe(
        self, provider: Provider, model: str, status: int, headers: Mapping[str, str]
    ) -> None:
        """Take in a response's head (any status): its rate-limit headers, and a 429's
        `retry-after`. The calls of a client with this pacer do this themselves."""
        limits = RateLimits.from_headers(headers)
        retry_after = retry_after_seconds(headers, use_resets=False) if status == 429 else None
        if limits == RateLimits() and retry_after is None:
            return  # nothing said: nothing to keep (and no window for servers that never say)
        with self._lock:
            now = self._clock()
            window = self._windows.setdefault((provider.base_url, model), _Window())
            if limits != RateLimits():
                window.limits = limits
            if limits.remaining_requests is not None and limits.reset_requests is not None:
                window.remaining_requests = limits.remaining_requests
                window.requests_reset_at = now + limits.reset_requests
            if limits.remaining_tokens == 0 and limits.reset_tokens is not None:
                window.tokens_reset_at = max(window.tokens_reset_at, now + limits.reset_tokens)
            if retry_after is not None:
                window.retry_at = max(window.retry_at, now + retry_after)

    # -- waiting --------------------------------------------------------------------------------
    async def wait(self, provider: Provider, model: str, *, until: float | None = None) -> None:
        """Wait until a call to `provider` for `model` may start, and count it as started.
        Raises `RateLimitWaitError` when that is further off than `max_wait`, or than `until`
        (the call's own deadline, in `time.monotonic()` time)."""
        started = self._clock()
        while (delay := self._next_delay(provider, model, started, until)) > 0:
            await anyio.sleep(delay)

    def wait_sync(self, provider: Provider, model: str, *, until: float | None = None) -> None:
        """The sync twin of `wait`."""
        started = self._clock()
        while (delay := self._next_delay(provider, model, started, until)) > 0:
            time.sleep(delay)

    def _next_delay(
        self, provider: Provider, model: str, started: float, deadline: float | None = None
    ) -> float:
        """Seconds to wait before asking again, or 0: go (the call is then counted against the
        request budget). Raises `RateLimitWaitError` when the whole wait, counted from
        `started`, would pass `max_wait`, or the wait would end after `deadline`."""
        with self._lock:
            now = self._clock()
            window = self._windows.get((provider.base_url, model))
            if window is None:
                return 0.0
            if now >= window.requests_reset_at:
                window.remaining_requests = None  # a new window: its budget is not known yet
            waits = {
                "the token limit resets": window.tokens_reset_at,
                "the retry-after of a 429 has passed": window.retry_at,
            }
            if window.remaining_requests is not None and window.remaining_requests <= 0:
                waits["the request limit resets"] = window.requests_reset_at
            reason, until = max(waits.items(), key=lambda item: item[1])
            delay = until - now
            if delay <= 0:
                if window.remaining_requests is not None:
                    window.remaining_requests -= 1
                return 0.0
            limits = window.limits
        too_late = deadline is not None and time.monotonic() + delay > deadline
        if now - started + delay > self.max_wait or too_late:
            allowed = (
                "longer than the call's total time limit leaves (Timeouts(total=...))"
                if too_late
                else f"longer than the pacer waits (RateLimitPacer(max_wait={self.max_wait:g}); "
                "raise it to wait longer)"
            )
            raise RateLimitWaitError(
                f"not sent: {provider.name}'s rate limit for {model!r} is used up until "
                f"{reason}, in {delay:.3g}s, {allowed}",
                status_code=429,
                retry_after=delay,
                limits=limits,
                provider=provider.name,
            )
        logger.info("pacing %s (%s): waiting %.3gs until %s", provider.name, model, delay, reason)
        return delay


publish(globals(), "llmstream")
