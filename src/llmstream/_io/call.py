"""One call, ready to send: where it may go, its limits, its retries and fallbacks, and its
typed errors."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import httpx

from .._core.output import ResolvedOutput
from .._core.parser import DEFAULT_MAX_RESPONSE_BYTES
from .._redact import Redactor, redact_logs
from .._vocabulary.retry import RetryPolicy, is_retryable
from .._vocabulary.timeouts import Timeouts
from ..errors import (
    APIConnectionError,
    APIError,
    ConfigurationError,
    MalformedChunkError,
    StreamTimeoutError,
)
from ..events import RequestWarning
from ..messages import AssistantMessage
from ..providers._base import Provider
from .pacing import RateLimitPacer

if TYPE_CHECKING:
    from .._tracing import ChatTrace

__all__ = ["Call", "OnRetry", "Redactors", "Target", "redactor_of"]

logger = logging.getLogger("llmstream")
redact_logs(logger)  # every record of the `llmstream` logger, whoever writes it
T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

_WAITING_FOR = {
    "connect": "connecting to the provider",
    "first_event": "waiting for the first event",
    "idle": "waiting for the next event",
    "total": "on the whole call",
}


@dataclass(frozen=True)
class Target:
    """One provider and model a call can go to, with the request made for that provider."""

    provider: Provider
    model: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)  # the credentials among them
    warnings: list[RequestWarning]
    output: ResolvedOutput | None = None

    # -- typed errors ---------------------------------------------------------------------------
    def connection_error(
        self,
        exc: Exception,
        *,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
    ) -> APIError:
        """The typed error for an httpx failure: a body that cannot be decoded is malformed,
        everything else is a connection that failed."""
        detail = f"{type(exc).__name__}: {str(exc) or 'no detail'}"
        if isinstance(exc, httpx.DecodingError):
            return MalformedChunkError(
                f"the response body could not be decoded ({detail})",
                provider=self.provider.name,
                request_id=request_id,
                partial=partial,
            )
        return APIConnectionError(
            f"the connection failed: {detail} (POST {self.provider.display_url})",
            provider=self.provider.name,
            request_id=request_id,
            partial=partial,
        )

    def timeout_error(
        self,
        limit: str,
        seconds: float,
        *,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
    ) -> StreamTimeoutError:
        return StreamTimeoutError(
            f"timed out {_WAITING_FOR[limit]}: the {limit} limit of {seconds:g}s passed "
            f"(POST {self.provider.display_url}; set Timeouts({limit}=...) to change it)",
            limit=limit,
            seconds=seconds,
            provider=self.provider.name,
            request_id=request_id,
            partial=partial,
        )


@functools.lru_cache(maxsize=64)
def _parsed(url: str) -> httpx.URL:
    """`url` parsed (an `httpx.URL` is immutable, so one serves every call to it): httpx would
    parse the string again for every request, about a tenth of what preparing a call costs."""
    return httpx.URL(url)


def redactor_of(targets: Sequence[Target]) -> Redactor:
    """A redactor that knows every secret of a call to `targets`: their API keys, their
    credential headers, the credentials in their URLs."""
    return Redactor.of_request(
        [key.get_secret_value() for t in targets if (key := t.provider.api_key) is not None],
        [pair for target in targets for pair in target.headers.items()],
        [target.provider.url for target in targets],
    )


class Redactors:
    """A client's redactors, one per set of secrets its calls were made with, so that a call
    like the one before it does not work out every form of every secret again (a good part of
    what preparing a call costs). The last few are kept: calls with secrets of their own
    (`extra_headers`) replace them. Its repr names no secret."""

    __slots__ = ("_kept",)
    KEPT = 8  # a provider and its fallbacks, with and without extra headers

    def __init__(self) -> None:
        self._kept: dict[tuple[Any, ...], Redactor] = {}

    def __repr__(self) -> str:
        return f"Redactors({len(self._kept)} kept)"

    def of(self, targets: Sequence[Target]) -> Redactor:
        """The redactor of a call to `targets`: `redactor_of(targets)`, or the same one made
        for an earlier call with the same secrets. Safe from any thread: two threads at once
        may make one each, and either serves."""
        secrets = tuple(
            (
                None if (key := target.provider.api_key) is None else key.get_secret_value(),
                tuple(target.headers.items()),
                target.provider.url,
            )
            for target in targets
        )
        redactor = self._kept.get(secrets)
        if redactor is None:
            if len(self._kept) >= self.KEPT:
                self._kept.clear()
            redactor = self._kept[secrets] = redactor_of(targets)
        return redactor


OnRetry = Callable[[APIError, Target, float, Target | None], None]
"""Told of each failed attempt that another follows: the error, the attempt's target, the
seconds before the retry, and the next target when the call falls back to it (else None)."""


@dataclass
class Call:
    """One call, ready to send (and to send again on retry, or elsewhere on fallback).

    `targets` are where it may go, in order: the client's provider and model first, then each
    fallback. `stream` says whether the bodies ask for server-sent events; the drivers read
    either answer the same way. With a `pacer`, every attempt first waits until the target's
    rate limits allow it, and every response head is shown to the pacer. `trace` is its
    OpenTelemetry span to start, when it is traced.

    `redactor` knows every secret of the call (each target's key and credential headers): the
    response headers and every error of the call pass through it before anyone sees them.
    `started` is when the call began (its first attempt, or the pacer's wait before it): the
    `total` time limit runs from there, over every attempt and every wait between them.
    """

    targets: list[Target]
    timeouts: Timeouts
    retry: RetryPolicy
    max_line_bytes: int
    stream: bool = True
    partial_tool_arguments: bool = False
    pacer: RateLimitPacer | None = None
    trace: ChatTrace | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    known_redactor: InitVar[Redactor | None] = None
    redactor: Redactor = field(init=False, repr=False)
    log: logging.LoggerAdapter[logging.Logger] = field(init=False, repr=False)
    started: float | None = field(default=None, init=False)

    def __post_init__(self, known_redactor: Redactor | None) -> None:
        self.redactor = known_redactor if known_redactor is not None else redactor_of(self.targets)
        self.log = logging.LoggerAdapter(logger, self.redactor.log_extra())
        """The call's log lines: each record carries the call's redactor, which the logger's
        filter applies to it (see `llmstream._redact.redact_logs`)."""

    # -- what may be shown ----------------------------------------------------------------------
    def redact(self, error: E) -> E:
        """Every secret of the call taken out of `error`, whichever field a server echoed it in
        (see `Redactor.error`); returns the same error."""
        self.redactor.error(error)
        return error

    def shown_headers(self, response: httpx.Response) -> httpx.Headers:
        """The response's headers as the call shows them (`stream.response_headers`, request
        ids, `error.headers`): credential headers masked, every secret of the call replaced."""
        headers = response.headers
        pairs = headers.multi_items()
        shown = self.redactor.headers(pairs)
        # Headers that need no change are copied as they are (a list copy), not parsed again.
        return httpx.Headers(headers if shown is pairs else shown)

    # -- the clock of the whole call ------------------------------------------------------------
    def start_clock(self) -> None:
        """The call begins: the `total` limit runs from now (once; a retry does not restart it)."""
        if self.started is None:
            self.started = time.monotonic()

    @property
    def deadline(self) -> float | None:
        """When the `total` limit passes (monotonic time), or None without one."""
        if self.timeouts.total is None or self.started is None:
            return None
        return self.started + self.timeouts.total

    def _remaining(self) -> float | None:
        deadline = self.deadline
        return None if deadline is None else max(deadline - time.monotonic(), 0.0)

    def connect_limit(self) -> tuple[str, float]:
        """The limit that a connect timeout enforced: `total` once the call's deadline has
        passed (a sync connect is given no more time than is left), else `connect`."""
        deadline = self.deadline
        if deadline is not None and time.monotonic() >= deadline - 0.005:
            return "total", self.timeouts.total or 0.0
        return "connect", self.timeouts.connect or 0.0

    # -- the request ----------------------------------------------------------------------------
    def build_request(
        self, http: httpx.AsyncClient | httpx.Client, target: Target
    ) -> httpx.Request:
        limits = self.timeouts
        if isinstance(http, httpx.AsyncClient):
            # Async waits run under cancel scopes and the watchdog, driven by the event clock.
            timeout = httpx.Timeout(connect=limits.connect, read=None, write=None, pool=None)
        else:
            # The sync watchdog takes over once the response head is in; until then httpx's read
            # timeout bounds the wait for it, and no wait outlasts what is left of `total`.
            wait = self._head_wait()
            connect = limits.connect
            if wait is not None and (connect is None or wait < connect):
                connect = wait
            timeout = httpx.Timeout(connect=connect, read=wait, write=wait, pool=wait)
        try:
            return http.build_request(
                "POST", _parsed(target.provider.url), content=target.body, headers=target.headers,
                timeout=timeout,
            )  # fmt: skip
        except httpx.InvalidURL as exc:
            raise ConfigurationError(
                f"cannot send to {target.provider.display_url!r}: {self.redactor.text(str(exc))}"
            ) from None

    def observe(self, target: Target, response: httpx.Response) -> None:
        """Show a response head to the pacer, if the call has one."""
        if self.pacer is not None:
            self.pacer.observe(
                target.provider, target.model, response.status_code, response.headers
            )

    def _head_waits(self) -> list[tuple[float, str, float]]:
        """What bounds a sync request's wait for the response head: (seconds left, limit name,
        the limit's seconds) for `first_event` and what is left of `total`."""
        waits = []
        if self.timeouts.first_event is not None:
            waits.append((self.timeouts.first_event, "first_event", self.timeouts.first_event))
        remaining = self._remaining()
        if remaining is not None:
            waits.append((remaining, "total", self.timeouts.total or 0.0))
        return waits

    def _head_wait(self) -> float | None:
        waits = self._head_waits()
        return min(waits)[0] if waits else None

    def read_limit(self) -> tuple[str, float] | None:
        """The limit that bounds a sync request's wait for the response head, as httpx's read
        timeout: the sooner of `first_event` and what is left of `total`, as (its name, its
        seconds), or None when neither is set."""
        waits = self._head_waits()
        if not waits:
            return None
        _, name, seconds = min(waits)
        return name, seconds

    # -- retries and fallbacks ------------------------------------------------------------------
    def _next_step(
        self,
        error: APIError,
        number: int,
        position: int,
        failures: list[APIError],
        on_retry: OnRetry | None,
    ) -> float | None:
        """After a failed attempt: the seconds to wait before retrying the same target, None to
        move on to the next target; raises the error when neither applies (nor fits in what is
        left of the `total` limit)."""
        failures.append(error)
        target = self.targets[position]
        if self._out_of_time(error, 0.0):
            delay = None
        else:
            delay = self.retry.delay_before_retry(error, number)
            if delay is not None and self._out_of_time(error, delay):
                self.log.info(
                    "not retrying %s call: the wait of %.2fs would pass the total limit of %gs "
                    "(attempt %d failed: %s)",
                    target.provider.name, delay, self.timeouts.total, number + 1, error,
                )  # fmt: skip
                error.attempt_errors = list(failures)
                raise error
        if delay is not None:
            self.log.info(
                "retrying %s call in %.2fs (attempt %d of %d failed: %s)",
                target.provider.name,
                delay,
                number + 1,
                self.retry.max_retries + 1,
                error,
            )
            if on_retry is not None:
                on_retry(error, target, delay, None)
            return delay
        if (
            position + 1 < len(self.targets)
            and is_retryable(error)
            and not self._out_of_time(error, 0.0)
        ):
            following = self.targets[position + 1]
            self.log.info(
                "falling back from %s (%s) to %s (%s): %s",
                target.provider.name,
                target.model,
                following.provider.name,
                following.model,
                error,
            )
            if on_retry is not None:
                on_retry(error, target, 0.0, following)
            return None
        error.attempt_errors = list(failures)
        raise error

    def _out_of_time(self, error: APIError, wait: float) -> bool:
        """Whether the call's `total` limit leaves no room for another attempt after `wait`
        seconds: it fired, or it passes before the wait is over."""
        if isinstance(error, StreamTimeoutError) and error.limit == "total":
            return True
        deadline = self.deadline
        return deadline is not None and time.monotonic() + wait >= deadline

    async def with_retries(
        self, attempt: Callable[[Target, int], Awaitable[T]], on_retry: OnRetry | None = None
    ) -> T:
        """`attempt(target, 0)`, `attempt(target, 1)`... on each target in turn until one
        succeeds: retries as the policy allows, then the next target for a failure that is
        worth another try, all within the `total` limit. The last error is raised with every
        attempt's error on it. Each attempt cleans up after itself before raising; `on_retry`
        hears of each failure that another attempt follows."""
        self.start_clock()
        failures: list[APIError] = []
        for position, target in enumerate(self.targets):
            number = 0
            while True:
                try:
                    if self.pacer is not None:
                        await self.pacer.wait(target.provider, target.model, until=self.deadline)
                    return await attempt(target, number)
                except APIError as error:
                    delay = self._next_step(error, number, position, failures, on_retry)
                if delay is None:
                    break
                await anyio.sleep(delay)
                number += 1
        raise AssertionError("unreachable: the last target raises its error")

    def with_retries_sync(
        self, attempt: Callable[[Target, int], T], on_retry: OnRetry | None = None
    ) -> T:
        """The sync twin of `with_retries`."""
        self.start_clock()
        failures: list[APIError] = []
        for position, target in enumerate(self.targets):
            number = 0
            while True:
                try:
                    if self.pacer is not None:
                        self.pacer.wait_sync(target.provider, target.model, until=self.deadline)
                    return attempt(target, number)
                except APIError as error:
                    delay = self._next_step(error, number, position, failures, on_retry)
                if delay is None:
                    break
                time.sleep(delay)
                number += 1
        raise AssertionError("unreachable: the last target raises its error")
