"""Chunks read by their delta alone (`_core/wire/chat/chunk_frame.py`) read as when read whole.

The parser skips the bytes a chunk repeats from the one before it around its delta. These tests
read the same bodies with that shortcut and without it (`_FRAME_TRIES = 0`: no frame is ever
looked for) and compare everything: events, the final message, errors and their `partial`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import llmstream as ls
from llmstream._core.parser import ResponseParser
from llmstream._core.wire.chat import reader as chat_reader
from llmstream._core.wire.chat.chunk_frame import Frame, find_frame
from llmstream._core.wire.chat.interpreter import ChunkInterpreter

from .support.corpus import PROVIDERS, TEST_KEY, corpus

SSE = {"content-type": "text/event-stream"}


def read(
    provider: ls.Provider, reads: list[bytes], *, frames: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Any], Any, Any]:
    """Events, final message and error (type, text, partial) of a body fed in these reads."""
    with monkeypatch.context() as patch:
        if not frames:
            patch.setattr(chat_reader, "_FRAME_TRIES", 0)
        parser = ResponseParser(provider, headers=SSE)
        events: list[Any] = []
        error = None
        try:
            for data in reads:
                events.extend(parser.feed(data))
            while not parser.finished:
                events.extend(parser.end())
        except ls.LLMStreamError as exc:
            error = (type(exc).__name__, str(exc), getattr(exc, "partial", None))
        return events, parser.partial(), error


def same(a: Any, b: Any) -> bool:
    """Equal, but for the random ids given to tool calls that came without one."""

    def whole(value: Any) -> Any:
        # Every field, whole: a model's repr shortens long text and leaves defaults out.
        if isinstance(value, BaseModel):
            return (type(value).__name__, value.model_dump())
        if isinstance(value, (list, tuple)):
            return [whole(item) for item in value]
        return value

    def shown(value: Any) -> str:
        return re.sub(r"call_[0-9a-f]{24}", "call_?", repr(whole(value)))

    return shown(a) == shown(b)


def events_of(body: bytes) -> list[bytes]:
    """One read per SSE event, as providers flush them."""
    return [event + b"\n\n" for event in body.replace(b"\r\n", b"\n").split(b"\n\n") if event]


def chunk(delta: Any, **fields: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
        **fields,
    }


def sse(*chunks: dict[str, Any] | bytes) -> bytes:
    parts = []
    for item in chunks:
        data = item if isinstance(item, bytes) else json.dumps(item, separators=(",", ":")).encode()
        parts.append(b"data: " + data + b"\n\n")
    return b"".join(parts) + b"data: [DONE]\n\n"


# -- the frame itself ---------------------------------------------------------------------------


def frame_of(payload: bytes, ignored: frozenset[str] = frozenset()) -> Frame | None:
    return find_frame(payload, json.loads(payload), ignored)


def test_a_chunk_splits_around_its_delta() -> None:
    payload = (
        b'{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],'
        b'"usage":null}'
    )
    assert frame_of(payload) == Frame(
        b'{"id":"c","choices":[{"index":0,"delta":',
        b',"finish_reason":null}],"usage":null}',
        varies=False,
    )


def test_an_ignored_last_field_may_vary() -> None:
    payload = b'{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}],"obfuscation":"x1Y"}'
    assert frame_of(payload, frozenset({"obfuscation"})) == Frame(
        b'{"id":"c","choices":[{"index":0,"delta":', b'}],"obfuscation":', varies=True
    )
    # A field the provider reads is part of the frame: it must repeat to match.
    assert frame_of(payload) == Frame(
        b'{"id":"c","choices":[{"index":0,"delta":', b'}],"obfuscation":"x1Y"}', varies=False
    )


@pytest.mark.parametrize(
    "payload",
    [
        # two choices: the frame would hide the second one's changes from the reader of n > 1
        b'{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{}}]}',
        # not choice 0
        b'{"choices":[{"index":1,"delta":{"content":"x"}}]}',
        # no delta object
        b'{"choices":[{"index":0,"delta":null}]}',
        b'{"choices":[{"index":0,"message":{"content":"x"}}]}',
        # `"delta":` first met elsewhere than as choice 0's key
        b'{"x":{"delta":1},"choices":[{"index":0,"delta":{"content":"x"}}]}',
        # repeated keys: the delta read is not the one the chunk holds
        b'{"choices":[{"index":0,"delta":{"content":"x"}}],"choices":[]}',
        b'{"choices":[{"index":0,"delta":{"content":"x"},"delta":{}}]}',
        b'{"choices":[{"delta":{},"index":0,"delta":{"content":"x"}}]}',
    ],
)
def test_no_frame_where_it_cannot_be_proven(payload: bytes) -> None:
    assert frame_of(payload) is None


def test_a_brace_inside_a_string_is_not_the_end_of_the_delta() -> None:
    payload = b'{"choices":[{"index":0,"delta":{"content":"} }\\"}"}}],"x":"}"}'
    frame = frame_of(payload)
    assert frame is not None
    assert frame.tail == b'}],"x":"}"}'


# -- read with frames, read without: the same -----------------------------------------------------

OPENAI = ls.OpenAI(api_key=TEST_KEY)
GROQ = ls.Groq(api_key=TEST_KEY)


def text_chunks(*pieces: str, **fields: Any) -> list[dict[str, Any]]:
    return [chunk({"content": piece}, **fields) for piece in pieces]


SCENARIOS: dict[str, tuple[ls.Provider, bytes]] = {
    "text": (OPENAI, sse(*text_chunks("Hel", "lo", " there"))),
    "obfuscation changes on every chunk": (
        OPENAI,
        sse(
            *(chunk({"content": p}, obfuscation=o) for p, o in [("a", "x"), ("b", "yy"), ("c", "")])
        ),
    ),
    "an extra that comes back to an older value": (
        GROQ,
        sse(
            chunk({"content": "a"}, x_groq={"id": "1"}),
            chunk({"content": "b"}, x_groq={"id": "2"}),
            chunk({"content": "c"}, x_groq={"id": "1"}),
            chunk({"content": "d"}, x_groq={"id": "1"}),
        ),
    ),
    "an error in x_groq after text": (
        GROQ,
        sse(
            *text_chunks("a", "b"),
            chunk({"content": "c"}, x_groq={"error": {"message": "overloaded"}}),
        ),
    ),
    "a standard error chunk": (OPENAI, sse(*text_chunks("a", "b"), {"error": {"message": "no"}})),
    "finish, then a delta in the same frame": (
        OPENAI,
        sse(
            {
                **chunk({"content": "a"}),
                "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": "stop"}],
            },
            {
                **chunk({"content": "b"}),
                "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": "stop"}],
            },
        ),
    ),
    "a tool call in fragments": (
        OPENAI,
        sse(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": ""},
                        }
                    ]
                }
            ),
            *(
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
                for piece in ['{"a"', ":", "1}"]
            ),
        ),
    ),
    "a delta that is not an object in the frame": (
        OPENAI,
        sse(*text_chunks("a", "b"), chunk([1, 2])),
    ),
    "a delta that is not JSON in the frame": (
        OPENAI,
        sse(*text_chunks("a", "b")).replace(b"[DONE]", b"")
        + b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"c"]}],"logprobs":null,"finish_reason":null}]}\n\n',
    ),
    "usage on the last chunk": (
        OPENAI,
        sse(
            *text_chunks("a", "b"),
            chunk({}, usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
        ),
    ),
    "a lone surrogate in a delta": (
        OPENAI,
        sse(*text_chunks("a", "b")).replace(b'"b"', b'"\\ud800"'),
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("split", ["per event", "one read", "every byte"])
def test_frames_change_nothing(name: str, split: str, monkeypatch: pytest.MonkeyPatch) -> None:
    provider, body = SCENARIOS[name]
    reads = {
        "per event": events_of(body),
        "one read": [body],
        "every byte": [body[i : i + 1] for i in range(len(body))],
    }[split]
    framed = read(provider, reads, frames=True, monkeypatch=monkeypatch)
    whole = read(provider, reads, frames=False, monkeypatch=monkeypatch)
    assert same(framed, whole)


_pieces = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
_field_values = st.one_of(st.none(), st.integers(), st.text(max_size=4), st.just({"id": "r"}))


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """Chunks that mostly repeat their frame, with fields that now and then change."""
    items: list[dict[str, Any] | bytes] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["text", "text", "text", "tool", "reasoning", "empty"]))
        if kind == "text":
            delta: Any = {"content": draw(_pieces)}
        elif kind == "tool":
            delta = {"tool_calls": [{"index": 0, "function": {"arguments": draw(_pieces)}}]}
            if not items:
                delta["tool_calls"][0].update(id="call_1", type="function")
                delta["tool_calls"][0]["function"]["name"] = "f"
        elif kind == "reasoning":
            delta = {"reasoning_content": draw(_pieces)}
        else:
            delta = {}
        fields: dict[str, Any] = {}
        if draw(st.booleans()):
            fields[draw(st.sampled_from(["x_extra", "obfuscation", "system_fingerprint"]))] = draw(
                _field_values
            )
        item = chunk(delta, **fields)
        if draw(st.integers(0, 9)) == 0:
            item["choices"][0]["finish_reason"] = draw(st.sampled_from(["stop", "length"]))
        items.append(item)
    return sse(*items)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(body=streams(), provider=st.sampled_from([OPENAI, GROQ, ls.XAI(api_key=TEST_KEY)]))
def test_frames_change_nothing_on_generated_streams(body: bytes, provider: ls.Provider) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        framed = read(provider, events_of(body), frames=True, monkeypatch=monkeypatch)
        whole = read(provider, events_of(body), frames=False, monkeypatch=monkeypatch)
    assert same(framed, whole)


# -- on recorded traffic --------------------------------------------------------------------------

STREAMS = [
    (recording, interaction)
    for recording in corpus()
    if recording.provider in PROVIDERS
    for interaction in recording.cassette().interactions
    if interaction.response.status == 200 and "data:" in interaction.response.body
]


def test_every_recorded_stream_reads_the_same_with_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(STREAMS) > 50
    for recording, interaction in STREAMS:
        provider = PROVIDERS[recording.provider].make()
        reads = events_of(interaction.response.body.encode())
        framed = read(provider, reads, frames=True, monkeypatch=monkeypatch)
        whole = read(provider, reads, frames=False, monkeypatch=monkeypatch)
        assert same(framed, whole), recording.id


def test_most_recorded_chunks_are_read_by_their_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcut is taken on real traffic of every provider, OpenAI's changing
    `obfuscation` field included: most chunks never reach `ChunkInterpreter.handle`."""
    whole: dict[str, int] = {}
    chunks: dict[str, int] = {}
    handle = ChunkInterpreter.handle

    for recording, interaction in STREAMS:
        provider_key = recording.provider

        def counting(
            self: ChunkInterpreter, chunk: Any, out: list[Any], key: str = provider_key
        ) -> None:
            whole[key] = whole.get(key, 0) + 1
            handle(self, chunk, out)

        monkeypatch.setattr(ChunkInterpreter, "handle", counting)
        reads = events_of(interaction.response.body.encode())
        chunks[provider_key] = chunks.get(provider_key, 0) + sum(
            1 for data in reads if data.startswith(b"data: {")
        )
        read(PROVIDERS[provider_key].make(), reads, frames=True, monkeypatch=monkeypatch)

    by_delta = {key: 1 - whole.get(key, 0) / chunks[key] for key in chunks}
    assert set(by_delta) == set(PROVIDERS)
    assert all(share > 0.6 for share in by_delta.values()), by_delta
