"""End to end: llmstream's Responses API wire against llama.cpp's own `POST /v1/responses`
(SmolLM2-135M): text streamed and whole under asyncio, trio and sync, raw reasoning
(`response.reasoning_text.delta`) and its item sent back, a forced function call and an agent
that answers its result, and JSON output held to a schema.

What this server does not do (docs/responses.md says so too): it ignores `text.format` (JSON
output is held to a schema only through chat completions' `response_format`, which it reads
from the same body), refuses `previous_response_id` (it stores nothing), reports a reply cut
at `max_output_tokens` as `completed`, and reads a reasoning item back only from its text
(`content`), not from a summary or encrypted content."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field

import llmstream as ls

from .launcher import RunningServer
from .test_llama_server import ASK_CITY, CITY_FORMAT, MODEL, TIMEOUTS, City

pytestmark = pytest.mark.e2e

# The chat tier's settings, but `seed`, which this API has no field for: it goes in the body as
# llama.cpp reads it (the Responses wire would drop it with a warning).
SETTINGS: Any = {
    "max_tokens": 40,
    "temperature": 0.0,
    "extra_body": {"cache_prompt": False, "seed": 1},
}


def responses(server: RunningServer) -> ls.OpenAICompatible:
    return ls.OpenAICompatible(server.base_url, api="responses")


def async_client(server: RunningServer) -> ls.AsyncClient:
    return ls.AsyncClient(responses(server), timeouts=TIMEOUTS)


def sync_client(server: RunningServer) -> ls.Client:
    return ls.Client(responses(server), timeouts=TIMEOUTS)


def check_text(events: list[ls.StreamEvent], message: ls.AssistantMessage) -> None:
    texts = [e.text for e in events if isinstance(e, ls.TextDelta)]
    assert len(texts) >= 3, "a real server streams one token at a time"
    assert "".join(texts) == message.text
    assert message.text.strip()
    assert message.id is not None
    assert message.id.startswith("resp_")
    assert message.finish_reason == "stop"
    assert message.raw_finish_reason == "completed"
    assert message.usage is not None
    assert message.usage.output_tokens > 0
    assert message.usage.total_tokens == message.usage.input_tokens + message.usage.output_tokens
    [item] = message.provider_state["output_items"]
    assert item["type"] == "message"
    assert isinstance(events[-2], ls.Usage)
    assert isinstance(events[-1], ls.Finish)


# -- text ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_streams_token_by_token(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as client:
        async with client.stream(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS) as stream:
            events = [event async for event in stream]
    check_text(events, stream.message)


@pytest.mark.anyio
async def test_a_whole_reply_is_the_stream_collected(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as client:
        whole = await client.generate(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS)
        async with client.stream(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS) as stream:
            streamed = await stream.collect()
    assert whole.text == streamed.text  # same seed, same tokens
    assert whole.usage is not None
    assert whole.usage.output_tokens == streamed.usage.output_tokens  # type: ignore[union-attr]
    assert whole.id != streamed.id


def test_sync_streamed_and_whole(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        with client.stream(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS) as stream:
            events = list(stream)
        whole = client.generate(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS)
    check_text(events, stream.message)
    assert whole.text == stream.message.text


def test_a_conversation_goes_back_as_input_items(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        first = client.generate(model=MODEL, messages=[ls.system("Be brief"), ls.user("Hi")],
                                **SETTINGS)  # fmt: skip
        history = [ls.system("Be brief"), ls.user("Hi"), first, ls.user("And again?")]
        second = client.generate(model=MODEL, messages=history, **SETTINGS)
    assert second.text.strip()
    assert second.usage is not None
    assert first.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens  # the history was read


# -- reasoning ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_raw_reasoning_then_answer_and_back(thinking_llama_server: RunningServer) -> None:
    long = {**SETTINGS, "max_tokens": 60}
    async with async_client(thinking_llama_server) as client:
        async with client.stream(model=MODEL, messages=[ls.user("Say hi")], **long) as stream:
            kinds = [event.type async for event in stream]
        first = stream.message
        # The reasoning item goes back as received (its text), and the server reads it.
        history = [ls.user("Say hi"), first, ls.user("Again")]
        second = await client.generate(model=MODEL, messages=history, **long)
    assert kinds.count("reasoning_delta") >= 2
    assert kinds.count("text_delta") >= 2
    end = kinds.index("reasoning_end")
    assert set(kinds[:end]) == {"reasoning_delta"}
    assert kinds[end + 1] == "text_delta"
    assert first.reasoning.strip()
    assert "<think>" not in first.text
    reasoning, message = first.provider_state["output_items"]
    assert reasoning["type"] == "reasoning"
    assert reasoning["content"][0]["text"] == first.reasoning
    assert message["type"] == "message"
    assert second.text.strip() or second.reasoning.strip()


# -- tools --------------------------------------------------------------------------------------


@ls.tool
def weather(location: Annotated[str, Field(min_length=1, max_length=40)]) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    return "Sunny, 24 C"


@pytest.mark.anyio
async def test_a_streamed_function_call(tool_llama_server: RunningServer) -> None:
    async with async_client(tool_llama_server) as client:
        async with client.stream(
            model=MODEL,
            messages=[ls.user("What is the weather in Paris?")],
            tools=[weather],
            tool_choice="required",
            parallel_tool_calls=False,
            **{**SETTINGS, "max_tokens": 64},
        ) as stream:
            events = [event async for event in stream]
    message = stream.message
    [start] = [e for e in events if isinstance(e, ls.ToolCallStart)]
    pieces = [e.arguments for e in events if isinstance(e, ls.ToolCallDelta)]
    [end] = [e for e in events if isinstance(e, ls.ToolCallEnd)]
    assert start.name == "weather"
    assert start.id
    assert start.id.startswith("call_")
    assert len(pieces) >= 3, "llama.cpp streams the arguments in pieces"
    assert "".join(pieces) == end.tool_call.arguments
    assert message.tool_calls == [end.tool_call]
    weather.validate(end.tool_call.parsed_arguments)
    assert message.finish_reason == "tool_calls"
    [item] = message.provider_state["output_items"]
    assert (item["type"], item["call_id"]) == ("function_call", start.id)


def test_an_agent_calls_a_tool_then_answers(tool_llama_server: RunningServer) -> None:
    with sync_client(tool_llama_server) as client:
        agent = ls.Agent(
            client,
            MODEL,
            tools=[weather],
            tool_choice="none",  # forced on step 1 only (see tool_template.jinja)
            prepare_step=lambda number, steps: (
                ls.StepSettings(tool_choice="required") if number == 1 else None
            ),
            max_steps=3,
            parallel_tool_calls=False,
            **{**SETTINGS, "max_tokens": 64},
        )
        result = agent.run_sync("What is the weather in Paris?")
    assert result.stop_reason == "done"
    first, second = result.steps
    [call] = first.message.tool_calls
    assert call.name == "weather"
    assert [r.output for r in first.tool_results] == ["Sunny, 24 C"]
    assert second.message.tool_calls == []
    assert result.text.strip()


# -- JSON output --------------------------------------------------------------------------------


def test_json_output_through_the_response_format_llama_cpp_reads(
    llama_server: RunningServer,
) -> None:
    """llama.cpp ignores `text.format`; it holds the reply to a chat-completions
    `response_format` sent in the same body, so `output=` validates what that grammar made."""
    with sync_client(llama_server) as client:
        message = client.generate(
            model=MODEL,
            messages=ASK_CITY,
            output=ls.NativeOutput(City),
            **{**SETTINGS, "max_tokens": 100,
               "extra_body": {**SETTINGS["extra_body"], "response_format": CITY_FORMAT}},
        )  # fmt: skip
    assert isinstance(message.output, City)
    assert message.output == City.model_validate_json(message.text)


@pytest.mark.anyio
async def test_json_output_streamed_grows_event_by_event(llama_server: RunningServer) -> None:
    body = {**SETTINGS["extra_body"], "response_format": CITY_FORMAT}
    async with async_client(llama_server) as client:
        async with client.stream(
            model=MODEL, messages=ASK_CITY, output=City,
            **{**SETTINGS, "max_tokens": 100, "extra_body": body},
        ) as stream:  # fmt: skip
            partials = [e.partial async for e in stream if isinstance(e, ls.OutputDelta)]
    assert len(partials) >= 3
    assert isinstance(stream.message.output, City)
    assert partials[-1] == stream.message.output.model_dump()


# -- what it refuses ----------------------------------------------------------------------------


def test_llama_cpp_keeps_no_responses(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        first = client.generate(model=MODEL, messages=[ls.user("Hi")], **SETTINGS)
        with pytest.raises(ls.BadRequestError, match="previous_response_id"):
            client.generate(model=MODEL, messages=[ls.user("Again")],
                            previous_response_id=first.id, **SETTINGS)  # fmt: skip


def test_a_reply_cut_at_the_limit_is_reported_complete(llama_server: RunningServer) -> None:
    """llama.cpp says `completed` for a reply its `max_output_tokens` cut: llmstream reports
    what the server said (`stop`), and the usage shows the limit was reached."""
    endless = {**SETTINGS, "max_tokens": 8,
               "extra_body": {**SETTINGS["extra_body"], "ignore_eos": True}}  # fmt: skip
    with sync_client(llama_server) as client:
        message = client.generate(model=MODEL, messages=[ls.user("Tell a story")], **endless)
    assert message.usage is not None
    assert message.usage.output_tokens == 8
    assert message.raw_finish_reason == "completed"
