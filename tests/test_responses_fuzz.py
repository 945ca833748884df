"""Hostile input on the Responses wire: recorded streams and replies, mutated.

The same invariants as the chat tier (tests/test_fuzz.py): whatever arrives, a call ends in a
message the model said was finished, or in an `LLMStreamError` that keeps what arrived in
`partial`; and the events a caller saw agree with that message or that `partial`. Events are
mutated at the JSON level (a value replaced by junk, deleted, nested absurdly deep: a `type`, a
delta, an item, the final response...) and at the byte level; Hypothesis is derandomized.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.parser import ResponseParser

from .support.corpus import responses
from .support.responses import openai_responses
from .test_fuzz import JUNK_BYTES, _dumps, check, json_mutation


@dataclass(frozen=True)
class Body:
    data: bytes
    streamed: bool

    @property
    def content_type(self) -> str:
        return "text/event-stream" if self.streamed else "application/json"


BODIES = [
    Body(interaction.response.body.encode(), interaction.response.is_stream)
    for recording in responses()
    for interaction in recording.cassette().interactions
]

EXTRA_EVENTS = [
    b'data: {"type":"keepalive"}\n\n',
    b'event: response.web_search_call.searching\ndata: {"type":"response.web_search_call.'
    b'searching","item_id":"ws_1","output_index":0}\n\n',
    b'data: {"type":"error","code":"server_error","message":"boom","param":null}\n\n',
    b'data: {"type":"response.failed","response":{"error":{"code":"x","message":"failed"}}}\n\n',
    b"data: [DONE]\n\n",
]


@st.composite
def mutated_body(draw: st.DrawFn) -> tuple[Body, bytes]:
    body = draw(st.sampled_from(BODIES))
    data = body.data
    kind = draw(st.sampled_from(["json", "bytes", "event"]))
    if kind == "json":  # one event (or the whole reply) changed
        if body.streamed:
            lines = data.split(b"\n")
            events = [i for i, line in enumerate(lines) if line.startswith(b"data: {")]
            target = draw(st.sampled_from(events))
            mutated = draw(json_mutation(json.loads(lines[target][6:])))
            lines[target] = b"data: " + _dumps(mutated)
            data = b"\n".join(lines)
        else:
            data = _dumps(draw(json_mutation(json.loads(data))))
    elif kind == "event" and body.streamed:  # an event inserted between two others
        events = data.split(b"\n\n")
        at = draw(st.integers(0, len(events)))
        events.insert(at, draw(st.sampled_from(EXTRA_EVENTS)).rstrip(b"\n"))
        data = b"\n\n".join(events)
    else:  # byte level: a few edits anywhere
        edited = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, max(len(edited) - 1, 0)))
            edit = draw(st.sampled_from(["delete", "insert", "flip", "truncate"]))
            if edit == "delete":
                del edited[at : at + draw(st.integers(1, 40))]
            elif edit == "insert":
                edited[at:at] = draw(st.sampled_from(JUNK_BYTES))
            elif edit == "flip" and edited:
                edited[at] = draw(st.integers(0, 255))
            elif edit == "truncate":
                del edited[at:]
        data = bytes(edited)
    return body, data


def parse(body: Body, data: bytes, cuts: list[int]) -> None:
    parser = ResponseParser(openai_responses(), headers={"content-type": body.content_type})
    events: list[ls.StreamEvent] = []
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(data)), len(data)]
    try:
        for start, end in itertools.pairwise(bounds):
            events += parser.feed(data[start:end])
        while not parser.finished:  # end() hands out held events before it raises
            events += parser.end()
        message, error = parser.partial(), None
    except Exception as raised:
        message, error = None, raised
    check(events, message, error)


@settings(
    max_examples=int(os.environ.get("LLMSTREAM_FUZZ_EXAMPLES", "1500")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_body(), st.lists(st.integers(0, 40_000), max_size=8))
def test_the_parser_never_lets_hostile_events_through(
    mutated: tuple[Body, bytes], cuts: list[int]
) -> None:
    body, data = mutated
    parse(body, data, cuts)


@pytest.mark.parametrize("body", [b for b in BODIES if b.streamed][:3], ids=str)
def test_every_unmutated_body_ends_in_a_message(body: Body) -> None:
    """The fuzzer's starting points are clean: each reads to a finished message."""
    parse(body, body.data, [])
    parser = ResponseParser(openai_responses(), headers={"content-type": body.content_type})
    parser.feed(body.data)
    assert parser.finished
    assert parser.partial().finish_reason is not None
