"""Every recorded chat call in tests/cassettes/corpus, replayed through llmstream.

Each replay proves three things: the first request body llmstream builds is the one the provider
accepted (the transport matches JSON-equal bodies); the reply is read exactly (checked against a
plain, independent reading of the same bytes); and for two-step recordings, the follow-up body
built from llmstream's own first reply plus the tool results is the recorded one too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import RecordedResponse, ReplayTransport

from .support.corpus import (
    Call,
    Check,
    Recording,
    call_for,
    converse,
    converse_sync,
    corpus,
    expected_from_stream,
    expected_from_whole,
    expected_usage,
    gateways,
    responses,
)
from .support.deviations import declared

RECORDINGS = corpus()
DEVIATIONS = declared()


async def _ask(client: ls.AsyncClient, call: Call, streamed: bool) -> ls.AssistantMessage:
    if not streamed:
        return await client.generate(model=call.model, messages=call.messages, **call.options)
    async with client.stream(model=call.model, messages=call.messages, **call.options) as stream:
        events = [event async for event in stream]
    reply = stream.message
    # The events tell the same story as the message.
    assert "".join(e.text for e in events if isinstance(e, ls.TextDelta)) == reply.text
    assert [e.tool_call for e in events if isinstance(e, ls.ToolCallEnd)] == reply.tool_calls
    assert isinstance(events[-1], ls.Finish)
    return reply


def _ask_sync(client: ls.Client, call: Call, streamed: bool) -> ls.AssistantMessage:
    if not streamed:
        return client.generate(model=call.model, messages=call.messages, **call.options)
    with client.stream(model=call.model, messages=call.messages, **call.options) as stream:
        return stream.collect()


def _check_reply(
    reply: ls.AssistantMessage, recorded: RecordedResponse, provider: ls.Provider
) -> None:
    read = expected_from_stream if recorded.is_stream else expected_from_whole
    expected = read(recorded.body, provider.reasoning_fields)
    assert reply.text == expected.text
    assert reply.reasoning == expected.reasoning
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == expected.tool_calls
    assert reply.raw_finish_reason == expected.finish_reason
    assert reply.finish_reason == expected.finish_reason  # all recorded ones are canonical
    assert expected.usage is not None
    assert reply.usage is not None
    assert reply.usage.model_dump(exclude={"type", "raw"}) == expected_usage(
        provider, expected.usage
    )


def _check_scenario(recording: Recording, step: int, reply: ls.AssistantMessage) -> None:
    """What the scenario itself promises, whatever the model's wording."""
    kind = recording.kind
    if kind in ("tool", "thinking") and step == 0:
        [call] = reply.tool_calls
        assert call.name == "weather"
        assert "Florence" in call.parsed_arguments["location"]
        assert reply.finish_reason == "tool_calls"
    elif kind in ("tool", "thinking"):
        assert "40" in reply.text
    elif kind == "multi_tool" and step == 0:
        assert sorted(c.name for c in reply.tool_calls) == ["add", "multiply"]
        assert all(c.parsed_arguments == {"a": 2, "b": 3} for c in reply.tool_calls)
    elif kind == "multi_tool":
        assert "5" in reply.text
        assert "6" in reply.text
    elif kind in ("simple_object", "complex_object"):
        data: Any = (
            reply.tool_calls[0].parsed_arguments if reply.tool_calls else json.loads(reply.text)
        )
        assert ("Alice" in data.values()) if kind == "simple_object" else ("genres" in data)
    else:
        assert reply.text.strip()
    if kind == "thinking" and recording.streamed and step == 0:
        assert reply.reasoning


@pytest.mark.anyio
@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.id)
async def test_replay(recording: Recording) -> None:
    cassette = recording.cassette()
    transport = ReplayTransport(cassette, tolerate=DEVIATIONS.get(recording.id))
    call = call_for(recording)
    async with ls.AsyncClient(call.provider, transport=transport) as client:
        await converse(
            call,
            cassette.interactions,
            lambda call: _ask(client, call, recording.streamed),
            _checks(recording, call.provider),
        )
    _check_deviations(recording, transport)


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.id)
def test_replay_sync(recording: Recording) -> None:
    cassette = recording.cassette()
    transport = ReplayTransport(cassette, tolerate=DEVIATIONS.get(recording.id))
    call = call_for(recording)
    with ls.Client(call.provider, transport=transport) as client:
        converse_sync(
            call,
            cassette.interactions,
            lambda call: _ask_sync(client, call, recording.streamed),
            _checks(recording, call.provider),
        )
    _check_deviations(recording, transport)


def _checks(recording: Recording, provider: ls.Provider) -> Check:
    """What each step's reply must be: the recorded one, read plainly, and the scenario's."""

    def check(step: int, recorded: RecordedResponse, reply: ls.AssistantMessage) -> None:
        _check_reply(reply, recorded, provider)
        _check_scenario(recording, step, reply)

    return check


def _check_deviations(recording: Recording, transport: ReplayTransport) -> None:
    assert transport.matcher.unused == []
    declared_paths = {path for paths in DEVIATIONS.get(recording.id, {}).values() for path in paths}
    # Every declared deviation still happens (or the table is stale), and no other one did.
    assert {d.path for d in transport.matcher.tolerated} == declared_paths


def test_every_declared_deviation_names_a_recording() -> None:
    assert DEVIATIONS
    assert set(DEVIATIONS) <= {r.id for r in [*RECORDINGS, *gateways(), *responses()]}


def test_the_corpus_is_all_here() -> None:
    """A corpus that silently went missing would make the replay tests vacuous."""
    assert len(RECORDINGS) == 102
    assert {r.provider for r in RECORDINGS} >= {"openai", "groq", "cerebras", "xai"}
