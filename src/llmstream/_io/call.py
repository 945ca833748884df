"""One call, ready to send: where it may go, its limits, its retries and fallbacks, and its
typed errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import anyio
import httpx

from .._core.output import ResolvedOutput
from .._redact import SHORTEST_SECRET, redact_value
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

__all__ = ["Call", "OnRetry", "Target"]

logger = logging.getLogger("llmstream")
T = TypeVar("T")

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
    body: bytes
    headers: dict[str, str]
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

    def redact(self, error: APIError) -> APIError:
        """Take the API key out of what a provider (or a transport) echoed back into an error;
        a placeholder shorter than a real key is left alone."""
        key = self.provider.api_key
        secret = key.get_secret_value() if key is not None else ""
        if len(secret) < SHORTEST_SECRET:
            return error
        error.message = redact_value(error.message, secret)
        error.args = (error.message,)
        for name in ("body", "data"):
            if getattr(error, name, None) is not None:
                setattr(error, name, redact_value(getattr(error, name), secret))
        return error


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
    """

    targets: list[Target]
    timeouts: Timeouts
    retry: RetryPolicy
    max_line_bytes: int
    stream: bool = True
    partial_tool_arguments: bool = False
    pacer: RateLimitPacer | None = None
    trace: ChatTrace | None = None

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
            # timeout bounds the wait for it.
            read = self.read_limit()
            wait = read[1] if read else None
            timeout = httpx.Timeout(connect=limits.connect, read=wait, write=wait, pool=wait)
        chat_url = target.provider.chat_url
        try:
            return http.build_request(
                "POST", chat_url, content=target.body, headers=target.headers, timeout=timeout
            )
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"cannot send to {chat_url!r}: {exc}") from None

    def observe(self, target: Target, response: httpx.Response) -> None:
        """Show a response head to the pacer, if the call has one."""
        if self.pacer is not None:
            self.pacer.observe(
                target.provider, target.model, response.status_code, response.headers
            )

    def read_limit(self) -> tuple[str, float] | None:
        """The limit that bounds a sync request's wait for the response head, as httpx's read
        timeout: the shorter of `first_event` and `total`, or None when neither is set."""
        limits = [
            (seconds, name)
            for name, seconds in (
                ("first_event", self.timeouts.first_event),
                ("total", self.timeouts.total),
            )
            if seconds is not None
        ]
        if not limits:
            return None
        seconds, name = min(limits)
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
        move on to the next target; raises the error when neither applies."""
        failures.append(error)
        delay = self.retry.delay_before_retry(error, number)
        target = self.targets[position]
        if delay is not None:
            logger.info(
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
        if position + 1 < len(self.targets) and is_retryable(error):
            following = self.targets[position + 1]
            logger.info(
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

    async def with_retries(
        self, attempt: Callable[[Target, int], Awaitable[T]], on_retry: OnRetry | None = None
    ) -> T:
        """`attempt(target, 0)`, `attempt(target, 1)`... on each target in turn until one
        succeeds: retries as the policy allows, then the next target for a failure that is
        worth another try. The last error is raised with every attempt's error on it. Each
        attempt cleans up after itself before raising; `on_retry` hears of each failure that
        another attempt follows."""
        failures: list[APIError] = []
        for position, target in enumerate(self.targets):
            number = 0
            while True:
                try:
                    if self.pacer is not None:
                        await self.pacer.wait(target.provider, target.model)
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
        failures: list[APIError] = []
        for position, target in enumerate(self.targets):
            number = 0
            while True:
                try:
                    if self.pacer is not None:
                        self.pacer.wait_sync(target.provider, target.model)
                    return attempt(target, number)
                except APIError as error:
                    delay = self._next_step(error, number, position, failures, on_retry)
                if delay is None:
                    break
                time.sleep(delay)
                number += 1
        raise AssertionError("unreachable: the last target raises its error")
