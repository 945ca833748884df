"""The parser's direct reading of named events (`event: <name>` then `data: {...}`, as the
Responses API sends every event) gives exactly what the SSE decoder gives.

A read that is one named event, or many of them (a large read), skips the decoder; anything
else in it (two data lines, a comment, another field, a CR, an event cut by the read) goes to
the decoder. Hypothesis writes streams of such events, well and badly formed, and each must give
the same events and the same error read whole, in random pieces, and one byte at a time (which
never takes the direct path).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.parser import ResponseParser

PROVIDER = ls.OpenAI(api_key="sk-test-named-events-0000000000", api="responses")
WORDS = st.sampled_from(["Hel", "lo", " wor", "ld", "\n", 'say "hi"', "olá", "\\", "}", ""])


def delta(text: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "output_index": 0,
        "item_id": "msg_1",
        "delta": text,
        "sequence_number": 0,
        **fields,
    }


@st.composite
def event(draw: st.DrawFn) -> bytes:
    """One event, most often well formed, sometimes in a shape only the decoder reads."""
    data = delta(draw(WORDS))
    if draw(st.integers(0, 9)) == 0:  # now and then a citation, whose offsets need the text
        data = {
            "type": "response.output_text.annotation.added",
            "output_index": 0,
            "item_id": "msg_1",
            "content_index": 0,
            "annotation_index": draw(st.integers(0, 2)),
            "annotation": {"type": "url_citation", "url": "https://example.org/olá",
                           "title": draw(WORDS), "start_index": 0, "end_index": 2},
        }  # fmt: skip
    payload = json.dumps(data, ensure_ascii=draw(st.booleans()))
    shape = draw(
        st.sampled_from(
            ["named"] * 6
            + [
                "unnamed",
                "no space",
                "two data lines",
                "comment",
                "id field",
                "other name",
                "empty data",
                "done",
                "not json",
                "trailing space",
            ]
        )
    )
    name = data["type"]
    if shape == "named":
        return f"event: {name}\ndata: {payload}\n\n".encode()
    if shape == "unnamed":
        return f"data: {payload}\n\n".encode()
    if shape == "no space":
        return f"event:{name}\ndata:{payload}\n\n".encode()
    if shape == "two data lines":
        cut = payload.index(",") + 1
        return f"event: {name}\ndata: {payload[:cut]}\ndata: {payload[cut:]}\n\n".encode()
    if shape == "comment":
        return f": keep-alive\nevent: {name}\ndata: {payload}\n\n".encode()
    if shape == "id field":
        return f"event: {name}\nid: 7\ndata: {payload}\n\n".encode()
    if shape == "other name":
        return f"event: keepalive\ndata: {json.dumps({'type': 'keepalive'})}\n\n".encode()
    if shape == "empty data":
        return f"event: {name}\ndata: \n\n".encode()
    if shape == "done":
        return b"event: done\ndata: [DONE]\n\n"
    if shape == "not json":
        return f"event: {name}\ndata: {{not json\n\n".encode()
    return f"event: {name} \ndata: {payload}\n\n".encode()


def reading(pieces: list[bytes]) -> tuple[list[dict[str, Any]], str | None]:
    parser = ResponseParser(PROVIDER, headers={"content-type": "text/event-stream"})
    events: list[ls.StreamEvent] = []
    try:
        for piece in pieces:
            events += parser.feed(piece)
        while not parser.finished:
            events += parser.end()
    except ls.APIError as error:
        return [e.model_dump() for e in events], f"{type(error).__name__}: {error.message}"
    return [e.model_dump() for e in events], None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(event(), min_size=1, max_size=12),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    cuts=st.lists(st.integers(0, 4000), max_size=12),
)
def test_named_events_read_directly_as_the_decoder_reads_them(
    events: list[bytes], ending: bytes, cuts: list[int]
) -> None:
    body = b"".join(events).replace(b"\n", ending)
    by_byte = reading([body[i : i + 1] for i in range(len(body))])
    assert reading([body]) == by_byte
    points = sorted({min(cut, len(body)) for cut in cuts})
    pieces = [body[a:b] for a, b in itertools.pairwise([0, *points, len(body)])]
    assert reading(pieces) == by_byte
    assert reading(list(events) if ending == b"\n" else [body]) == by_byte


def test_an_event_whose_blank_line_has_not_come_waits_for_it() -> None:
    """`event`, `data` and one newline: the event may still get another data line."""
    before = json.dumps(delta("before "))
    first = json.dumps(delta("a"))
    pieces = [
        # The first read of a stream always goes to the decoder (a BOM may open it): the
        # direct reading begins after the first event.
        f"event: response.output_text.delta\ndata: {before}\n\n".encode(),
        f"event: response.output_text.delta\ndata: {before}\n\n"
        f"event: response.output_text.delta\ndata: {first}\n".encode(),
        b'data: "more"\n\n',
    ]
    events, error = reading(pieces)
    assert [e["text"] for e in events] == ["before ", "before "]
    # the two data lines together are no JSON object
    assert error is not None
    assert error.startswith("MalformedChunkError")
    assert reading([b"".join(pieces)]) == (events, error)


def test_many_named_events_in_one_read_then_the_rest_in_the_next() -> None:
    named = [
        f"event: response.output_text.delta\ndata: {json.dumps(delta(w))}\n\n".encode()
        for w in ["a", "b", "c", "d"]
    ]
    body = b"".join(named)
    events, error = reading([body[:-30], body[-30:]])
    assert error is not None  # no response.completed: the stream ended early
    assert "".join(e["text"] for e in events if e["type"] == "text_delta") == "abcd"
