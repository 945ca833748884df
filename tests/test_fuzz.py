"""Hostile input: real recorded streams and replies, mutated at the byte and the JSON level.

Whatever arrives, a call ends in one of two ways: a message (which the model said was finished)
or an `LLMStreamError` that keeps what arrived in `partial`. And the events a caller saw always
agree with that message or that `partial`: nothing is delivered that the message lacks, nothing
is in the message that was not delivered.

Thousands of examples go through the sans-IO parser; a sample goes through a real socket with
the async and the sync client. Hypothesis is derandomized, so CI runs the same examples every
time.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.parser import ResponseParser

from .support.corpus import PROVIDERS, corpus
from .support.faults import Behaviour, Exchange, FaultServer


@dataclass(frozen=True)
class Body:
    provider: str
    data: bytes
    streamed: bool

    @property
    def content_type(self) -> str:
        return "text/event-stream" if self.streamed else "application/json"


def _bodies() -> list[Body]:
    found = []
    for recording in corpus():
        for interaction in recording.cassette().interactions:
            response = interaction.response
            if response.status == 200 and response.body:
                found.append(Body(recording.provider, response.body.encode(), response.is_stream))
    return found


BODIES = _bodies()


def _provider(name: str) -> ls.Provider:
    setup = PROVIDERS.get(name)
    return setup.make() if setup else ls.OpenAICompatible("http://127.0.0.1:1/v1")


# -- mutations ----------------------------------------------------------------------------------

JUNK_VALUES = [
    None, True, 0, -1, 1.5, 2**70, "", "x", "\ud800", [], {}, [1, [2]], {"a": {"b": None}},
    {"index": 0}, [{"index": 1, "delta": {"content": "other"}}], "[" * 5,
]  # fmt: skip
JUNK_BYTES = [
    b"\n", b"\r", b"\r\n", b"\n\n", b"data: ", b"data:", b": comment\n", b"event: error\n",
    b"[" * 3000, b"\xff", b"\xc3", b'"', b"{", b"}", b"data: [DONE]\n\n", b"\x00",
]  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if new is _DELETE and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(value[head], rest, new)
        return copy
    copy_list = list(value)
    if new is _DELETE and not rest:
        del copy_list[head]
    else:
        copy_list[head] = _replace(value[head], rest, new)
    return copy_list


_DELETE = object()
# Nesting deeper than Python's own JSON can hold is spliced in as text, after json.dumps.
_DEEP = "<deeply nested>"
_DEEP_TEXT = b"[" * 3000 + b"1" + b"]" * 3000


def _dumps(document: Any) -> bytes:
    return json.dumps(document).encode().replace(json.dumps(_DEEP).encode(), _DEEP_TEXT)


@st.composite
def json_mutation(draw: st.DrawFn, document: Any) -> Any:
    """The document with one value replaced by junk, deleted, or nested absurdly deep."""
    paths = [path for path in _paths(document) if path]
    if not paths:
        return document
    path = draw(st.sampled_from(paths))
    kind = draw(st.sampled_from(["junk", "delete", "deep"]))
    if kind == "junk":
        return _replace(document, path, draw(st.sampled_from(JUNK_VALUES)))
    if kind == "delete":
        return _replace(document, path, _DELETE)
    return _replace(document, path, _DEEP)


@st.composite
def mutated_body(draw: st.DrawFn) -> tuple[Body, bytes]:
    body = draw(st.sampled_from(BODIES))
    data = body.data
    if draw(st.booleans()):  # JSON level: one chunk (or the whole reply) changed
        if body.streamed:
            lines = data.split(b"\n")
            chunks = [i for i, line in enumerate(lines) if line.startswith(b"data: {")]
            if chunks:
                target = draw(st.sampled_from(chunks))
                document = json.loads(lines[target][6:])
                mutated = draw(json_mutation(document))
                lines[target] = b"data: " + _dumps(mutated)
                data = b"\n".join(lines)
        else:
            data = _dumps(draw(json_mutation(json.loads(data))))
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


# -- the invariants ----------------------------------------------------------------------------


def check(events: list[ls.StreamEvent], message: ls.AssistantMessage | None, error: Any) -> None:
    """A message the model finished, or a typed error with `partial`; events agree with it."""
    if error is None:
        assert message is not None
        assert message.finish_reason is not None, "a clean message without a finish reason"
        finishes = [e for e in events if isinstance(e, ls.Finish)]
        assert len(finishes) == 1
        assert finishes[0].reason == message.finish_reason
        assert events[-1] == finishes[0]
        usages = [e for e in events if isinstance(e, ls.Usage)]
        assert usages == ([message.usage] if message.usage is not None else [])
    else:
        assert isinstance(error, ls.LLMStreamError), f"an untyped {type(error).__name__}: {error}"
        assert isinstance(error, ls.APIError)
        assert error.partial is not None, "an error without `partial`"
        message = error.partial
        assert not any(isinstance(e, ls.Finish) for e in events)
    assert message.text == "".join(e.text for e in events if isinstance(e, ls.TextDelta))
    reasoning = "".join(e.text for e in events if isinstance(e, ls.ReasoningDelta))
    assert message.reasoning == reasoning
    refusal = "".join(e.text for e in events if isinstance(e, ls.RefusalDelta))
    assert (message.refusal or "") == refusal
    started = [(e.id, e.name) for e in events if isinstance(e, ls.ToolCallStart)]
    assert [(call.id, call.name) for call in message.tool_calls] == started
    for call in message.tool_calls:
        index = next(e.index for e in events if isinstance(e, ls.ToolCallStart) and e.id == call.id)
        fragments = [
            e.arguments for e in events if isinstance(e, ls.ToolCallDelta) and e.index == index
        ]
        assert call.arguments == "".join(fragments)
    ended = [e.tool_call for e in events if isinstance(e, ls.ToolCallEnd)]
    if error is None:
        assert ended == message.tool_calls


def parse(provider: ls.Provider, body: Body, data: bytes, cuts: list[int]) -> None:
    parser = ResponseParser(provider, headers={"content-type": body.content_type})
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
    # More locally with LLMSTREAM_FUZZ_EXAMPLES=50000; CI runs the same 2,500 every time.
    max_examples=int(os.environ.get("LLMSTREAM_FUZZ_EXAMPLES", "2500")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_body(), st.lists(st.integers(0, 20_000), max_size=8))
def test_the_parser_never_lets_hostile_bytes_through(
    mutated: tuple[Body, bytes], cuts: list[int]
) -> None:
    body, data = mutated
    parse(_provider(body.provider), body, data, cuts)


# -- through a real socket ------------------------------------------------------------------------


def serve(data: bytes, content_type: str) -> Behaviour:
    async def behave(exchange: Exchange) -> None:
        await exchange.start(content_type=content_type)
        await exchange.send(data)
        await exchange.end()

    return behave


SOCKET_EXAMPLES = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CALL = {"model": "m", "messages": [ls.user("hi")]}


def _client_options() -> dict[str, Any]:
    return {"max_retries": 0, "timeouts": ls.Timeouts(first_event=5, idle=5)}


@pytest.mark.anyio
@SOCKET_EXAMPLES
@given(mutated=mutated_body())
async def test_async_client_over_a_socket(server: FaultServer, mutated: tuple[Body, bytes]) -> None:
    body, data = mutated
    _name, url = server.scenario(serve(data, body.content_type))
    provider = _provider(body.provider)
    provider.base_url = url
    events: list[ls.StreamEvent] = []
    message = error = None
    async with ls.AsyncClient(provider, **_client_options()) as client:
        try:
            async with client.stream(**CALL) as stream:  # type: ignore[arg-type]
                async for event in stream:
                    events.append(event)
            message = stream.message
        except Exception as raised:
            error = raised
    check(events, message, error)


@SOCKET_EXAMPLES
@given(mutated=mutated_body())
def test_sync_client_over_a_socket(server: FaultServer, mutated: tuple[Body, bytes]) -> None:
    body, data = mutated
    _name, url = server.scenario(serve(data, body.content_type))
    provider = _provider(body.provider)
    provider.base_url = url
    events: list[ls.StreamEvent] = []
    message = error = None
    with ls.Client(provider, **_client_options()) as client:
        try:
            with client.stream(**CALL) as stream:  # type: ignore[arg-type]
                events.extend(stream)
            message = stream.message
        except Exception as raised:
            error = raised
    check(events, message, error)
