"""One call, ready to send: its body, headers and limits, its retries, and its typed errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx

from .._core.output import ResolvedOutput
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
from .retry import RetryPolicy
from .timeouts import Timeouts

__all__ = ["Call"]

logger = logging.getLogger("llmstream")
T = TypeVar("T")

_WAITING_FOR = {
    "connect": "connecting to the provider",
    "first_event": "waiting for the first event",
    "idle": "waiting for the next event",
    "total": "on the whole call",
}


# A key shorter than this is a placeholder ("test", "k"), not a secret: replacing it would only
# garble the provider's message ("Incorrect API [redacted]ey provided"). A real key is replaced
# wherever it appears, even inside a longer word: any trace of it is a leak.
_SHORTEST_SECRET = 8


def _redact(value: Any, secret: str) -> Any:
    """Remove the API key from anything a provider echoed back."""
    if isinstance(value, str):
        return value.replace(secret, "[redacted]")
    if isinstance(value, dict):
        return {key: _redact(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, secret) for item in value]
    return value


@dataclass
class Call:
    """One call, ready to send (and to send again on retry).

    `stream` says whether the body asks for server-sent events; the drivers read either answer
    the same way.
    """

    provider: Provider
    body: bytes
    headers: dict[str, str]
    warnings: list[RequestWarning]
    timeouts: Timeouts
    retry: RetryPolicy
    max_line_bytes: int
    model: str = ""
    stream: bool = True
    output: ResolvedOutput | None = None
    partial_tool_arguments: bool = False

    # -- the request ----------------------------------------------------------------------------
    def build_request(self, http: httpx.AsyncClient | httpx.Client) -> httpx.Request:
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
        try:
            return http.build_request(
                "POST",
                self.provider.chat_url,
                content=self.body,
                headers=self.headers,
                timeout=timeout,
            )
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"cannot send to {self.provider.chat_url!r}: {exc}") from None

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
        if len(secret) < _SHORTEST_SECRET:
            return error
        error.message = _redact(error.message, secret)
        error.args = (error.message,)
        for name in ("body", "data"):
            if getattr(error, name, None) is not None:
                setattr(error, name, _redact(getattr(error, name), secret))
        return error

    # -- retries --------------------------------------------------------------------------------
    def _retry_delay(self, error: APIError, attempt: int) -> float | None:
        delay = self.retry.delay_before_retry(error, attempt)
        if delay is not None:
            logger.info(
                "retrying %s call in %.2fs (attempt %d of %d failed: %s)",
                self.provider.name,
                delay,
                attempt + 1,
                self.retry.max_retries + 1,
                error,
            )
        return delay

    async def with_retries(self, attempt: Callable[[int], Awaitable[T]]) -> T:
        """`attempt(0)`, `attempt(1)`... until one succeeds or the policy gives up, which raises
        the last error. Each attempt cleans up after itself before raising."""
        number = 0
        while True:
            try:
                return await attempt(number)
            except APIError as error:
                delay = self._retry_delay(error, number)
                if delay is None:
                    raise
            await anyio.sleep(delay)
            number += 1

    def with_retries_sync(self, attempt: Callable[[int], T]) -> T:
        """The sync twin of `with_retries`."""
        number = 0
        while True:
            try:
                return attempt(number)
            except APIError as error:
                delay = self._retry_delay(error, number)
                if delay is None:
                    raise
            time.sleep(delay)
            number += 1
