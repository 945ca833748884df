"""The Responses API recordings (tests/cassettes/responses/), read and re-asked by llmstream.

For every recorded response, streamed or whole: the message equals the provider's own final
response object (text, tool calls, reasoning summaries, usage, id, model, finish, the output
items as received), and the streamed events add up to that message. For every recorded request:
the body llmstream builds for the same call, its second request built from the first messages,
the reply as it came and the tool results, equals the recorded one but for the differences
DEVIATIONS.md declares (llmstream asks for, and sends back, the encrypted reasoning).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import llmstream as ls
from llmstream._core.body import build_body
from llmstream._core.request import ChatRequest
from llmstream.testing import RecordedResponse, body_differences

from .support.corpus import Recording, follow_up, responses
from .support.deviations import declared
from .support.responses import (
    call_for_responses,
    expected_from_response,
    final_response,
    openai_responses,
    read_recorded,
)

RECORDINGS = responses()
DEVIATIONS = declared()


def _interactions() -> list[Any]:
    return [
        pytest.param(recording, number, id=f"{recording.id}#{number}")
        for recording in RECORDINGS
        for number in range(recording.interactions)
    ]


def test_all_twelve_recordings_are_here() -> None:
    assert len(RECORDINGS) == 12
    assert sum(r.streamed for r in RECORDINGS) == 6
    assert {r.kind for r in RECORDINGS} == {
        "simple", "tool", "multi_tool", "thinking", "simple_object", "complex_object",
    }  # fmt: skip


@pytest.mark.parametrize(("recording", "number"), _interactions())
def test_the_message_is_the_final_response(recording: Recording, number: int) -> None:
    recorded = recording.cassette().interactions[number].response
    response = final_response(recorded)
    expected = expected_from_response(response)
    events, message = read_recorded(recorded)

    assert message.id == response["id"]
    assert message.model == response["model"]
    assert message.text == expected.text
    assert (message.refusal or "") == expected.refusal
    assert message.reasoning == expected.reasoning
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == expected.tool_calls
    assert message.finish_reason == expected.finish_reason
    assert message.raw_finish_reason == response["status"]
    assert message.usage is not None
    assert message.usage.model_dump(exclude={"type", "raw"}) == expected.usage
    assert message.usage.raw == response["usage"]
    # Priced as on the chat wire: genai-prices' OpenAI price list, for the model that answered.
    assert message.cost is not None
    assert message.cost == openai_responses().cost(message.usage, message.model)
    # Every output item, as received and in order, is what goes back.
    assert message.provider_state["output_items"] == response["output"]
    assert message.extras["created_at"] == response["created_at"]
    assert "tools" not in message.extras
    assert "instructions" not in message.extras

    # The events add up to the message.
    assert "".join(e.text for e in events if isinstance(e, ls.TextDelta)) == message.text
    assert "".join(e.text for e in events if isinstance(e, ls.ReasoningDelta)) == message.reasoning
    assert [e.tool_call for e in events if isinstance(e, ls.ToolCallEnd)] == message.tool_calls
    for call in message.tool_calls:
        start = next(e for e in events if isinstance(e, ls.ToolCallStart) and e.id == call.id)
        assert start.name == call.name
        pieces = [
            e.arguments
            for e in events
            if isinstance(e, ls.ToolCallDelta) and e.index == start.index
        ]
        assert "".join(pieces) == call.arguments
    ends = [e.text for e in events if isinstance(e, ls.ReasoningEnd)]
    assert "\n\n".join(ends) == message.reasoning
    assert [e for e in events if isinstance(e, ls.Usage)] == [message.usage]
    assert events[-1] == ls.Finish(reason=expected.finish_reason, raw_reason=response["status"])


@pytest.mark.parametrize("recording", [r for r in RECORDINGS if r.streamed], ids=lambda r: r.id)
def test_a_stream_reads_as_its_whole_twin(recording: Recording) -> None:
    """The streamed and the whole recording of a scenario differ in their words, not in what
    llmstream makes of each: the message equals what a whole reply of the same final response
    gives."""
    recorded = recording.cassette().interactions[0].response
    response = final_response(recorded)
    whole = RecordedResponse(
        status=200, body=json.dumps(response), headers={"Content-Type": ["application/json"]}
    )
    _, streamed_message = read_recorded(recorded)
    _, whole_message = read_recorded(whole)
    assert whole_message == streamed_message


def _built(call: Any, messages: list[Any], streamed: bool) -> tuple[dict[str, Any], list[Any]]:
    request = ChatRequest(model=call.model, messages=messages, **call.options)
    return build_body(request, call.provider, stream=streamed)


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.id)
def test_the_requests_are_the_recorded_ones(recording: Recording) -> None:
    """Each request llmstream builds for the recorded conversation equals the recorded request,
    but for the differences DEVIATIONS.md declares, which must all happen."""
    cassette = recording.cassette()
    call = call_for_responses(recording)
    messages = list(call.messages)
    declared_here = DEVIATIONS.get(recording.id, {})
    for number, interaction in enumerate(cassette.interactions):
        body, _ = _built(call, messages, recording.streamed)
        found = {d.path for d in body_differences(interaction.request.json, body)}
        assert found == declared_here.get(number, set()), (number, found)
        _, reply = read_recorded(interaction.response)
        messages = follow_up(type(call)(call.provider, call.model, messages, call.options), reply)


@pytest.mark.parametrize(
    "recording", [r for r in RECORDINGS if r.interactions == 2], ids=lambda r: r.id
)
def test_the_second_request_carries_the_reply_as_received(recording: Recording) -> None:
    """The calls, their outputs and the encrypted reasoning items go back in their order, as
    received but for the server-side `id` and `status` (nothing is stored: store=false)."""
    cassette = recording.cassette()
    call = call_for_responses(recording)
    first = cassette.interactions[0].response
    _, reply = read_recorded(first)
    messages = follow_up(call, reply)
    body, warnings = _built(call, messages, recording.streamed)

    received = final_response(first)["output"]
    kept = [
        {k: v for k, v in item.items() if k not in ("id", "status")}
        for item in received
        if item["type"] != "reasoning" or item.get("encrypted_content")
    ]
    results = [
        {"type": "function_call_output", "call_id": c.id, "output": m.content}
        for c, m in zip(reply.tool_calls, messages[len(call.messages) + 1 :], strict=True)
    ]
    assert body["input"] == [*body["input"][: len(call.messages)], *kept, *results]
    assert body["input"][len(call.messages) :] == [*kept, *results]
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    encrypted = [item for item in kept if item["type"] == "reasoning"]
    if recording.kind == "thinking":
        # The reasoning came with encrypted content: it goes back, before the call it preceded.
        assert encrypted
        assert all(item["encrypted_content"] for item in encrypted)
        assert [item["type"] for item in kept] == ["reasoning", "function_call"]
        assert encrypted[0]["summary"] == received[0]["summary"]
        assert not warnings
    else:
        # Recorded without include: the reasoning items have no encrypted content, cannot go
        # back when nothing is stored, and are dropped with a warning that says so.
        assert not encrypted
        assert any("reasoning item" in w.message for w in warnings)


def test_the_thinking_recordings_reply_with_summaries_and_encrypted_reasoning() -> None:
    """The recordings exercise what they should: reasoning summaries, encrypted content."""
    thinking = [r for r in RECORDINGS if r.kind == "thinking"]
    assert len(thinking) == 2
    for recording in thinking:
        _, message = read_recorded(recording.cassette().interactions[0].response)
        assert message.reasoning
        items = message.provider_state["output_items"]
        assert [item["type"] for item in items] == ["reasoning", "function_call"]
        assert items[0]["encrypted_content"]
