"""Rate-limit headers, read into one shape for every provider.

- OpenAI and Groq: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as durations
  such as `1s`, `6m0s`, `2m59.56s`, `120ms`.
- Cerebras: `x-ratelimit-{limit,remaining,reset}-{requests-day,tokens-minute}`, resets as float
  seconds.
- `retry-after-ms`, and `retry-after` in seconds or as an HTTP date.

A value that is not a finite number (`nan`, `inf`, `1e999`) is read as absent: it says nothing a
client could act on, and JSON cannot hold it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from .._public import publish

__all__ = ["RateLimits", "parse_duration", "retry_after_seconds"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str | None) -> float | None:
    """Seconds in `"1m30.5s"`, `"6m0s"`, `"120ms"`, `"7.66s"` or a bare `"30.5"`; else None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return _seconds(float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return _seconds(sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))


def _number(value: str | None) -> float | None:
    """A header's finite number; None when it is absent, not a number, NaN or infinite."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _http_date(value: str) -> float | None:
    """An HTTP date as a POSIX timestamp; None when it is not one (a number is not a date)."""
    try:
        float(value)
    except ValueError:
        pass
    else:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError):
        return None


def _seconds(value: float) -> float | None:
    """A number of seconds, 0 or more; None for NaN or an infinity."""
    return max(value, 0.0) if math.isfinite(value) else None


def _int(value: str | None) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _header(headers: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


@dataclass(frozen=True)
class RateLimits:
    """The rate-limit headers of a response (any field the provider did not send is None).

    Resets are in seconds from when the response was received. Cerebras's per-day request and
    per-minute token limits land in the `requests` and `tokens` fields.
    """

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits:
        # Many responses carry none (a local server, a gateway): one look at the names says
        # so, instead of a dozen lookups. (Any case: a mapping may ignore it in `get`.)
        if not any(name[:12].lower() == "x-ratelimit-" for name in headers):
            return _NO_LIMITS

        def get(kind: str, what: str) -> str | None:
            period = "day" if what == "requests" else "minute"
            return _header(
                headers, f"x-ratelimit-{kind}-{what}", f"x-ratelimit-{kind}-{what}-{period}"
            )

        return cls(
            limit_requests=_int(get("limit", "requests")),
            remaining_requests=_int(get("remaining", "requests")),
            reset_requests=parse_duration(get("reset", "requests")),
            limit_tokens=_int(get("limit", "tokens")),
            remaining_tokens=_int(get("remaining", "tokens")),
            reset_tokens=parse_duration(get("reset", "tokens")),
        )

    def wait_hint(self) -> float | None:
        """How long until the exhausted limit resets, from the reset headers alone."""
        exhausted = [
            reset
            for remaining, reset in (
                (self.remaining_requests, self.reset_requests),
                (self.remaining_tokens, self.reset_tokens),
            )
            if remaining == 0 and reset is not None
        ]
        if exhausted:
            return max(exhausted)
        resets = [r for r in (self.reset_requests, self.reset_tokens) if r is not None]
        return min(resets) if resets else None


_NO_LIMITS = RateLimits()  # frozen: one serves every response without rate-limit headers


def retry_after_seconds(
    headers: Mapping[str, str], *, use_resets: bool = True, now: float | None = None
) -> float | None:
    """How long the provider asked us to wait: `retry-after-ms`, `retry-after`, then (for a rate
    limit, `use_resets`) the reset time of the exhausted limit."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return max(millis / 1000.0, 0.0)
    after = headers.get("retry-after")
    if after is not None:
        seconds = _number(after)
        if seconds is not None:
            return max(seconds, 0.0)
        moment = _http_date(after)
        if moment is not None:
            current = time.time() if now is None else now
            return max(moment - current, 0.0)
    return RateLimits.from_headers(headers).wait_hint() if use_resets else None


publish(globals(), "llmstream")
