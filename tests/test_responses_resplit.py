"""However a Responses API stream is cut, or framed, the events are the same.

Hypothesis cuts each recorded stream at random byte boundaries (inside multi-byte characters,
between CR and LF), with LF, CRLF and CR line endings, and the events must equal those of the
body read whole. The same stream without its `event:` lines (a server that sends data only,
each with its `type`), or ending with `data: [DONE]`, reads the same too.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import citations as cite
from .support.corpus import responses
from .support.responses import openai_responses, read

SSE = "text/event-stream"


def _bodies() -> list[Any]:
    return [
        pytest.param(interaction.response.body.encode(), id=f"{recording.id}#{number}")
        for recording in responses()
        for number, interaction in enumerate(recording.cassette().interactions)
        if interaction.response.is_stream
    ]


# A reply that cites its sources (no recording has annotations), its parts announced or not.
CITING = [
    pytest.param(cite.responses_sse(cite.responses_events()), id="citations/parts"),
    pytest.param(
        cite.responses_sse(cite.responses_events(parts_announced=False, final=False)),
        id="citations/events-only",
    ),
]
BODIES = _bodies() + CITING


def _events(pieces: list[bytes]) -> list[dict[str, Any]]:
    events, _ = read(openai_responses(), pieces, SSE)
    return [event.model_dump() for event in events]


def _cut(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(body)) for cut in cuts})
    edges = [0, *points, len(body)]
    return [body[start:end] for start, end in itertools.pairwise(edges)]


@pytest.mark.parametrize("body", BODIES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_gives_the_same_events(body: bytes, data: Any) -> None:
    expected = _events([body])
    assert expected, "a recorded stream yields events"
    ending = data.draw(st.sampled_from([b"\n", b"\r\n", b"\r"]), label="line ending")
    variant = body.replace(b"\n", ending)
    cuts = data.draw(st.lists(st.integers(0, len(variant)), max_size=60), label="cuts")
    assert _events(_cut(variant, cuts)) == expected


@pytest.mark.parametrize("body", BODIES[:3] + CITING)
def test_byte_by_byte(body: bytes) -> None:
    """The most extreme split: one byte per read."""
    assert _events([body[i : i + 1] for i in range(len(body))]) == _events([body])


@pytest.mark.parametrize("body", BODIES)
def test_data_only_events_read_the_same(body: bytes) -> None:
    """Without `event:` lines, each event's `type` says what it is."""
    data_only = re.sub(rb"(?m)^event: [^\n]*\n", b"", body)
    assert b"event:" not in data_only
    expected = _events([body])
    assert _events([data_only]) == expected
    # One event per read, as a server flushes them: the parser's fast path for `data:` lines.
    per_event = [event + b"\n\n" for event in data_only.split(b"\n\n") if event.strip()]
    assert _events(per_event) == expected


@pytest.mark.parametrize("body", BODIES)
def test_a_done_line_at_the_end_is_tolerated(body: bytes) -> None:
    assert _events([body + b"data: [DONE]\n\n"]) == _events([body])
    assert _events([body, b"data: [DONE]\n\n"]) == _events([body])
