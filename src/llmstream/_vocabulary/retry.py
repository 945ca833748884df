"""When to retry a failed call, and how long to wait first.

Shared by the async and sync clients. A stream is only ever retried before its first event
reached the caller; the clients enforce that by reading the first events inside the retry loop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .._public import publish
from ..errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    IncompleteStreamError,
    RateLimitWaitError,
    StreamError,
)

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES = frozenset({408, 409, 429, 498, 500, 502, 503, 504})
# The request itself is wrong: no header, however hopeful, makes a retry worth it.
NEVER_RETRIED = frozenset({400, 401, 403, 404, 422})
# Codes providers put on in-stream errors that mean "try again" (xAI's 200 JSON timeout says
# "The service is currently unavailable"; gRPC-style codes come from xAI, others from OpenAI).
_RETRYABLE_STREAM_CODES = frozenset(
    {
        "the service is currently unavailable",
        "unavailable",
        "deadline exceeded",
        "server_error",
        "internal_error",
        "overloaded",
        "overloaded_error",
        "capacity_exceeded",
        "rate_limit_exceeded",
        "service_unavailable",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and how long to wait between tries.

    Waits grow exponentially from `initial_delay` up to `max_delay`, each randomised to between
    half and all of that (jitter), unless the provider said how long to wait (`retry-after-ms`,
    `retry-after`, or its rate-limit reset headers): that is honoured up to `max_retry_after`.
    A longer wait is not sat out: the error is raised at once, and its `retry_after` says how
    long it would have been.

    Attributes:
        max_retries: Retries after the first attempt (2: three attempts in all).
        initial_delay: The first wait, in seconds (0.5), doubled after each retry.
        max_delay: The longest wait between two attempts, in seconds (8).
        max_retry_after: The longest wait a provider's `retry-after` is honoured for, in
            seconds (60).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay_before_retry(self, error: APIError, attempt: int) -> float | None:
        """Seconds to wait before retrying after `error` on attempt `attempt` (0-based), or None."""
        if attempt >= self.max_retries or not is_retryable(error):
            return None
        if isinstance(error, RateLimitWaitError):  # the pacer already waited what it may
            return None
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        backoff = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)


def is_retryable(error: APIError) -> bool:
    if isinstance(error, APIStatusError):
        if error.status_code in NEVER_RETRIED:
            return False
        should_retry = error.headers.get("x-should-retry")
        if should_retry == "true":
            return True
        if should_retry == "false":
            return False
        return error.status_code in RETRYABLE_STATUSES or error.status_code >= 500
    if isinstance(error, StreamError):
        if error.status_code is not None:
            return error.status_code in RETRYABLE_STATUSES or error.status_code >= 500
        code = str(error.code or error.type or "").lower()
        return code in _RETRYABLE_STREAM_CODES
    # A connection that failed, or a stream that closed, before anything reached the caller.
    return isinstance(error, (APIConnectionError, IncompleteStreamError))


publish(globals(), "llmstream")
