"""llmstream against openai-python's own Responses stream reader, on the same recorded bytes.

For every streamed interaction of the Responses recordings, openai-python reads the body through
`client.responses.stream()` (its SSE decoder and `ResponseStreamState`, over
`httpx.MockTransport`), and llmstream's parser reads it too. The final response openai-python
assembles and llmstream's message must say the same: id, model, text, tool calls, reasoning
summaries, usage, status, and the output items (type, id, encrypted content) in order. The text
openai-python accumulates from the deltas (each delta event's `snapshot`) must be llmstream's.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from .support.corpus import TEST_KEY, responses
from .support.responses import SEPARATOR, read_recorded


def _streamed() -> list[Any]:
    return [
        pytest.param(interaction.response, id=f"{recording.id}#{number}")
        for recording in responses()
        for number, interaction in enumerate(recording.cassette().interactions)
        if interaction.response.is_stream
    ]


def _openai_python(body: bytes) -> tuple[Any, dict[str, str]]:
    """openai-python's final response, and the text its delta snapshots reached per item."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client = openai.OpenAI(
        api_key=TEST_KEY, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    snapshots: dict[str, str] = {}
    with client.responses.stream(model="gpt-5", input="hi") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                snapshots[event.item_id] = event.snapshot
        final = stream.get_final_response()
    return final, snapshots


@pytest.mark.parametrize("recorded", _streamed())
def test_same_response_as_openai_python(recorded: Any) -> None:
    _, ours = read_recorded(recorded)
    theirs, snapshots = _openai_python(recorded.body.encode())

    assert ours.id == theirs.id
    assert ours.model == theirs.model
    assert ours.text == theirs.output_text
    assert ours.text == "".join(snapshots.values())
    assert [(c.id, c.name, c.arguments) for c in ours.tool_calls] == [
        (item.call_id, item.name, item.arguments)
        for item in theirs.output
        if item.type == "function_call"
    ]
    summaries = [
        SEPARATOR.join(part.text for part in item.summary)
        for item in theirs.output
        if item.type == "reasoning" and item.summary
    ]
    assert ours.reasoning == SEPARATOR.join(summaries)
    assert ours.raw_finish_reason == theirs.status
    assert theirs.usage is not None
    assert ours.usage is not None
    assert (
        ours.usage.input_tokens,
        ours.usage.output_tokens,
        ours.usage.total_tokens,
        ours.usage.cached_input_tokens,
        ours.usage.reasoning_tokens,
    ) == (
        theirs.usage.input_tokens,
        theirs.usage.output_tokens,
        theirs.usage.total_tokens,
        theirs.usage.input_tokens_details.cached_tokens,
        theirs.usage.output_tokens_details.reasoning_tokens,
    )
    items = ours.provider_state["output_items"]
    assert [(i["type"], i["id"], i.get("encrypted_content")) for i in items] == [
        (item.type, item.id, getattr(item, "encrypted_content", None)) for item in theirs.output
    ]


def test_every_streamed_recording_is_compared() -> None:
    assert len(_streamed()) == 9
