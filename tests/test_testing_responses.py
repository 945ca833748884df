"""The testing helpers speak the Responses API too: `FakeLLM` renders a scripted reply as the
Responses API's events (or a whole response object) when the request went to `/responses`, over
the transport and over a real socket, faults included; the recorder records and replays such
calls; and what the fake sends is what OpenAI's own types describe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import llmstream as ls
from llmstream.testing import (
    Cassette,
    FakeLLM,
    Recorder,
    ReplayTransport,
    Reply,
    disconnect,
    error_event,
    stall,
    status,
    tool_call,
)

from .support.responses import events_of

THINKING = Reply(
    "It is sunny.",
    reasoning="The user wants the weather.",
    tool_calls=[tool_call("weather", {"city": "Rome"}, id="call_w")],
    usage=(20, 7),
)


def stream_sync(client: ls.Client, **options: Any) -> tuple[list[ls.StreamEvent], Any]:
    with client.stream(model="gpt-5", messages=[ls.user("Weather?")], **options) as stream:
        events = list(stream)
    return events, stream.message


@pytest.mark.parametrize("transport", ["transport", "server"])
def test_a_scripted_reply_streams_as_responses_events(transport: str) -> None:
    fake = FakeLLM(THINKING, api="responses")
    if transport == "server":
        with fake.serve() as server, server.client() as client:
            events, message = stream_sync(client, reasoning_effort="low")
    else:
        with fake.client() as client:
            events, message = stream_sync(client, reasoning_effort="low")
    [request] = fake.requests
    assert (request.path, request.api) == ("/v1/responses", "responses")
    assert request.input == [
        {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]}
    ]
    assert message.text == "It is sunny."
    assert message.reasoning == "The user wants the weather."
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("call_w", "weather", '{"city": "Rome"}')
    ]
    assert message.id == "resp_fake_0"
    assert message.finish_reason == "tool_calls"
    assert message.usage is not None
    assert (message.usage.input_tokens, message.usage.output_tokens) == (20, 7)
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "ReasoningDelta"
    assert "ReasoningEnd" in kinds
    assert kinds[-2:] == ["Usage", "Finish"]
    items = message.provider_state["output_items"]
    assert [item["type"] for item in items] == ["reasoning", "message", "function_call"]
    # OpenAI's compatible servers have no encrypted reasoning to ask for: none was asked
    assert "include" not in request.body
    assert "encrypted_content" not in items[0]


def test_encrypted_reasoning_comes_when_asked_and_goes_back() -> None:
    fake = FakeLLM(THINKING, "Done.", api="responses")
    provider = ls.OpenAI(api_key="sk-test-0000", base_url="https://fake-llm.invalid/v1",
                         api="responses")  # fmt: skip
    with ls.Client(provider, transport=fake.transport) as client:
        first = client.generate(model="gpt-5", messages=[ls.user("Weather?")])
        history = [ls.user("Weather?"), first, ls.tool_result(first.tool_calls[0], "sunny")]
        client.generate(model="gpt-5", messages=history)
    assert fake.requests[0].body["include"] == ["reasoning.encrypted_content"]
    sent = fake.requests[1].input
    assert [item.get("type") for item in sent[1:]] == [
        "reasoning", "message", "function_call", "function_call_output",
    ]  # fmt: skip
    assert sent[1]["encrypted_content"] == "fake-encrypted-reasoning-0"
    assert "id" not in sent[1]


@pytest.mark.anyio
async def test_streamed_and_whole_replies_make_the_same_message() -> None:
    fake = FakeLLM(THINKING, THINKING, api="responses")
    async with fake.async_client() as client:
        whole = await client.generate(model="m", messages=[ls.user("Hi")])
        async with client.stream(model="m", messages=[ls.user("Hi")]) as stream:
            async for _ in stream:
                pass
    streamed = stream.message
    assert fake.requests[0].stream is False
    assert whole.text == streamed.text
    assert whole.reasoning == streamed.reasoning
    assert whole.tool_calls == streamed.tool_calls
    assert whole.usage == streamed.usage

    def kinds(message: ls.AssistantMessage) -> list[str]:
        return [item["type"] for item in message.provider_state["output_items"]]

    assert kinds(whole) == kinds(streamed) == ["reasoning", "message", "function_call"]


@pytest.mark.parametrize(
    ("finish", "status_", "reason"),
    [("length", "incomplete", "max_output_tokens"), ("content_filter", "incomplete",
     "content_filter"), ("stop", "completed", None)],
)  # fmt: skip
def test_a_finish_reason_is_the_responses_status(finish: str, status_: str, reason: Any) -> None:
    fake = FakeLLM(Reply("Cut", finish=finish), api="responses")
    with fake.client() as client:
        _, message = stream_sync(client)
    assert message.finish_reason == finish
    assert message.raw_finish_reason == (reason or status_)


def test_faults_on_a_responses_stream() -> None:
    fake = FakeLLM(
        Reply("one two three", faults=[error_event(after=5, message="Overloaded", code="busy")]),
        Reply("one two three", faults=[disconnect(after=5)]),
        Reply("one two three", done=False),
        Reply("one two three", faults=[stall(after=3, seconds=0.05)]),
        status(429, retry_after=0),
        api="responses",
    )
    with fake.client(max_retries=0) as client:
        with pytest.raises(ls.StreamError) as failed:
            stream_sync(client)
        assert failed.value.message == "Overloaded"
        assert failed.value.code == "busy"
        assert failed.value.partial is not None
        assert failed.value.partial.text == "one "
        with pytest.raises(ls.APIConnectionError) as dropped:
            stream_sync(client)
        assert dropped.value.partial is not None
        with pytest.raises(ls.IncompleteStreamError, match=r"response\.completed"):
            stream_sync(client)
        _, message = stream_sync(client)
        assert message.text == "one two three"
        with pytest.raises(ls.RateLimitError):
            stream_sync(client)


def test_an_error_in_place_of_a_whole_response() -> None:
    fake = FakeLLM(Reply("x", faults=[error_event(after=0, message="Nope")]), api="responses")
    with fake.client(max_retries=0) as client, pytest.raises(ls.StreamError, match="Nope"):
        client.generate(model="m", messages=[ls.user("Hi")])


def test_chunks_are_responses_events_sent_under_their_type() -> None:
    chunks = [
        {"type": "response.created", "response": {"id": "resp_x", "model": "m"}},
        {"type": "keepalive"},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Hi"},
        {"type": "response.completed", "response": {"id": "resp_x", "status": "completed"}},
    ]
    fake = FakeLLM(Reply(chunks=chunks), api="responses")
    with fake.client() as client:
        _, message = stream_sync(client)
    assert message.text == "Hi"
    assert message.id == "resp_x"
    plan = FakeLLM(Reply(chunks=chunks), api="responses").respond(
        "POST", "/v1/responses", [], b'{"stream": true}'
    )
    first = plan.steps[0]
    assert first.data.startswith(b"event: response.created\ndata: {")  # type: ignore[union-attr]


def test_one_fake_serves_both_apis_by_the_path() -> None:
    fake = FakeLLM("Chat answer", "Responses answer")
    with fake.client() as chat, fake.client() as _:
        assert chat.generate(model="m", messages=[ls.user("Hi")]).text == "Chat answer"
    with ls.Client(fake.provider(api="responses"), transport=fake.transport) as responses:
        assert responses.generate(model="m", messages=[ls.user("Hi")]).text == "Responses answer"
    assert [r.api for r in fake.requests] == ["chat", "responses"]
    assert fake.requests[0].messages[0]["role"] == "user"
    assert fake.requests[1].input[0]["role"] == "user"


def test_the_fake_answers_a_path_it_does_not_serve_with_404() -> None:
    fake = FakeLLM("Hi")
    plan = fake.respond("POST", "/v1/completions", [], b"{}")
    assert plan.status == 404
    assert b"/responses" in plan.steps[0].data  # type: ignore[union-attr]


def test_what_the_fake_sends_is_what_openai_types_describe() -> None:
    """Every event of a scripted stream, and the whole response, validate against
    openai-python's own Responses types."""
    import typing

    from openai.types.responses import Response, ResponseStreamEvent

    union = typing.get_args(ResponseStreamEvent)[0]  # Annotated[Union[...], discriminator]
    classes = {typing.get_args(c.model_fields["type"].annotation)[0]: c for c in union.__args__}
    fake = FakeLLM(THINKING, THINKING, api="responses")
    streamed = fake.respond(
        "POST", "/v1/responses", [], json.dumps({"model": "gpt-5", "stream": True}).encode()
    )
    body = b"".join(step.data for step in streamed.steps).decode()  # type: ignore[union-attr]
    events = events_of(body)
    assert len(events) > 10
    for event in events:
        parsed = classes[event["type"]].model_validate(event, strict=False)
        assert parsed.model_dump(exclude_unset=True) == event
    for block in body.split("\n\n")[:-1]:
        name, data = block.split("\n")
        assert name == f"event: {json.loads(data[6:])['type']}"
    whole = fake.respond("POST", "/v1/responses", [], b'{"model": "gpt-5"}')
    response = Response.model_validate_json(whole.steps[0].data)  # type: ignore[union-attr]
    assert response.output_text == "It is sunny."
    assert [item.type for item in response.output] == ["reasoning", "message", "function_call"]


@pytest.mark.anyio
async def test_record_a_responses_call_then_replay_it(tmp_path: Path) -> None:
    path = tmp_path / "responses.yaml"
    fake = FakeLLM(THINKING, api="responses")
    with fake.serve() as server:
        recorder = Recorder(path, mode="all", real=httpx.AsyncHTTPTransport())
        async with ls.AsyncClient(server.provider(), transport=recorder) as client:
            async with client.stream(model="m", messages=[ls.user("Hi")]) as stream:
                recorded = [event async for event in stream]
        base_url = server.base_url
    [interaction] = Cassette.load(path).interactions
    assert interaction.request.url.endswith("/v1/responses")
    provider = ls.OpenAICompatible(base_url, api="responses")
    async with ls.AsyncClient(provider, transport=ReplayTransport(Cassette.load(path))) as client:
        async with client.stream(model="m", messages=[ls.user("Hi")]) as stream:
            assert [event async for event in stream] == recorded
    assert stream.message.text == "It is sunny."
