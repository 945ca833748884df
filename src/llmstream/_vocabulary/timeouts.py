"""`Timeouts`: the time limits of a call, in seconds.

The limits are measured on parsed events, not bytes; `llmstream._io.timeouts.EventClock` is the
clock that says which one applies now.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._public import publish
from .root_errors import ConfigurationError

__all__ = ["Timeouts"]


@dataclass(frozen=True)
class Timeouts:
    """Time limits for one call, in seconds; `None` switches a limit off.

    They are measured on parsed events, not bytes, and hold for every call, streamed or whole.
    When one fires the call raises `StreamTimeoutError`, whose `limit` names it.

    Attributes:
        connect: To open the TCP (and TLS) connection (10).
        first_event: From sending the request to the first event, headers included (600).
            Generous by default: reasoning models may think for minutes before their first
            token.
        idle: The longest silence between two events once the stream is flowing (120).
            Keep-alive comments do not count as events; time you spend on an event does not
            count either.
        total: The whole call, wall clock, from the moment it starts to its last event:
            every attempt, the waits between retries and the pacer's wait included (None: no
            limit). A retry whose wait would end past it is not made.
    """

    connect: float | None = 10.0
    first_event: float | None = 600.0
    idle: float | None = 120.0
    total: float | None = None

    def __post_init__(self) -> None:
        for name in ("connect", "first_event", "idle", "total"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigurationError(
                    f"Timeouts.{name} must be a positive number of seconds or None (no limit), "
                    f"got {value!r}; for example Timeouts({name}=30)"
                )


publish(globals(), "llmstream")
