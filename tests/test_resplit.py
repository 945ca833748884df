"""However the network cuts a stream's bytes, the events are the same.

Hypothesis picks random cut points in each recorded streamed body (seeds and corpus), including
inside multi-byte UTF-8 characters and between CR and LF, and the events must equal those from
feeding the body whole. Variants with CRLF and CR-only line endings are cut too.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmstream._core.parser import ResponseParser
from llmstream.testing import Cassette

from .support import citations as cite
from .support.corpus import PROVIDERS, corpus, seeds

SEED_PROVIDERS = {"cerebras": "cerebras", "groq": "groq", "openai": "openai", "xai": "xai"}


def _bodies() -> list[Any]:
    cases = []
    sources = [
        (path, SEED_PROVIDERS[path.name.split("-")[0]], f"seeds/{path.stem}") for path in seeds()
    ]
    sources += [(r.path, r.provider, r.id) for r in corpus() if r.streamed]
    for path, provider, name in sources:
        for number, interaction in enumerate(Cassette.load(path).interactions):
            if interaction.response.is_stream:
                cases.append(
                    pytest.param(
                        interaction.response.body.encode(), provider, id=f"{name}#{number}"
                    )
                )
    return cases


def _events(provider_key: str, pieces: list[bytes]) -> list[dict[str, Any]]:
    parser = ResponseParser(PROVIDERS[provider_key].make())
    events = []
    for piece in pieces:
        events.extend(parser.feed(piece))
    events.extend(parser.end())
    return [event.model_dump() for event in events]


def _cut(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(body)) for cut in cuts})
    edges = [0, *points, len(body)]
    return [body[start:end] for start, end in itertools.pairwise(edges)]


# Replies that cite their sources (no recording has them): annotations in the deltas, and
# Perplexity's list on every chunk.
CITING = [
    pytest.param(cite.chat_stream(), "openai", id="citations/annotations"),
    pytest.param(cite.listed_stream([cite.LISTED] * 3), "openai", id="citations/listed"),
]
BODIES = _bodies() + CITING


@pytest.mark.parametrize(("body", "provider_key"), BODIES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_gives_the_same_events(body: bytes, provider_key: str, data: Any) -> None:
    expected = _events(provider_key, [body])
    assert expected, "a recorded stream yields events"
    ending = data.draw(st.sampled_from([b"\n", b"\r\n", b"\r"]), label="line ending")
    variant = body.replace(b"\n", ending)
    cuts = data.draw(st.lists(st.integers(0, len(variant)), max_size=60), label="cuts")
    assert _events(provider_key, _cut(variant, cuts)) == expected


@pytest.mark.parametrize(("body", "provider_key"), BODIES[:8] + CITING)
def test_byte_by_byte(body: bytes, provider_key: str) -> None:
    """The most extreme split: one byte per read."""
    expected = _events(provider_key, [body])
    assert _events(provider_key, [body[i : i + 1] for i in range(len(body))]) == expected
