"""Record modes, as in VCR.py, and the environment variable a test suite flips them with."""

from __future__ import annotations

import enum
import os

from .._public import publish

__all__ = ["RECORD_MODE_ENV", "RecordMode", "record_mode"]

RECORD_MODE_ENV = "LLMSTREAM_RECORD_MODE"
"""The environment variable that chooses the record mode: `none`, `once`, `new_episodes`, `all`."""


class RecordMode(str, enum.Enum):
    """What a `Recorder` does with a request.

    - `none`: replay only. A request the cassette does not hold fails with `CassetteMismatch`;
      nothing touches the network. The default, so a test suite never calls a provider (or needs
      a key) unless someone asks it to.
    - `once`: record every request if the cassette file does not exist yet, else replay only.
    - `new_episodes`: replay what the cassette holds, record what it does not ("record missing").
    - `all`: re-record everything; the cassette is rewritten from this run's requests.
    """

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


def record_mode(value: RecordMode | str | None = None) -> RecordMode:
    """The record mode `value` names, or, when it is None, the one `LLMSTREAM_RECORD_MODE` names
    (`none` when the variable is unset or empty)."""
    if isinstance(value, RecordMode):
        return value
    source = "the record mode"
    if value is None:
        value = os.environ.get(RECORD_MODE_ENV, "").strip() or RecordMode.NONE.value
        source = RECORD_MODE_ENV
    try:
        return RecordMode(value.strip().lower())
    except ValueError:
        choices = ", ".join(mode.value for mode in RecordMode)
        raise ValueError(f"{source} must be one of {choices}; got {value!r}") from None


publish(globals(), "llmstream.testing")
