"""End to end: llmstream against a real OpenAI-compatible server (llama.cpp) running a real model
(SmolLM2-135M). The model is tiny, so the tests assert what llmstream must get right whatever it
says: how the reply is streamed and assembled, JSON that fits the schema, calls whose arguments
fit the tool."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

import anyio
import pytest
from pydantic import BaseModel, ConfigDict, Field

import llmstream as ls

from .launcher import RunningServer

pytestmark = pytest.mark.e2e

MODEL = "smollm2"  # llama.cpp serves its one model whatever the name
# temperature 0 and a fixed seed make the replies repeatable; without the server's prompt cache
# each reply is also computed the same way whichever requests came before it.
SETTINGS: Any = {
    "max_tokens": 40,
    "temperature": 0.0,
    "seed": 1,
    "extra_body": {"cache_prompt": False},
}
# A hung server fails the test in seconds, not minutes. Retries stay on, as users have them:
# llama.cpp closes the connection after each streamed reply (without a `Connection: close`), so
# a request sent right after a stream now and then meets a closed connection, and is retried.
TIMEOUTS = ls.Timeouts(first_event=30, idle=30)


def async_client(server: RunningServer) -> ls.AsyncClient:
    return ls.AsyncClient(ls.OpenAICompatible(server.base_url), timeouts=TIMEOUTS)


def sync_client(server: RunningServer) -> ls.Client:
    return ls.Client(ls.OpenAICompatible(server.base_url), timeouts=TIMEOUTS)


# -- text ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_streams_token_by_token(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as client:
        async with client.stream(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS) as stream:
            events = [event async for event in stream]
    message = stream.message
    texts = [e.text for e in events if isinstance(e, ls.TextDelta)]
    assert len(texts) >= 3, "a real server streams one token at a time"
    assert "".join(texts) == message.text
    assert message.text.strip()
    assert message.finish_reason in ("stop", "length")
    assert message.usage is not None
    assert message.usage.output_tokens == message.extras["timings"]["predicted_n"]
    assert message.usage.total_tokens == message.usage.input_tokens + message.usage.output_tokens
    assert message.extras["timings"]["predicted_per_second"] > 0
    assert isinstance(events[-2], ls.Usage)
    assert isinstance(events[-1], ls.Finish)


def test_sync_client_and_whole_reply(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        with client.stream(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS) as stream:
            streamed = stream.collect()
        whole = client.generate(model=MODEL, messages=[ls.user("Say hi")], **SETTINGS)
    assert streamed.text.strip()
    assert whole.text == streamed.text  # same seed, same tokens
    assert "timings" in whole.extras
    assert whole.usage is not None
    assert whole.usage.output_tokens > 0


# -- log probabilities --------------------------------------------------------------------------


def test_logprobs_streamed_and_whole(llama_server: RunningServer) -> None:
    """llama.cpp sends each token's log probability beside its delta (and the whole list beside
    a whole reply's message): every chunk's are kept, in order, and their tokens are the text."""
    options = {**SETTINGS, "logprobs": True, "top_logprobs": 2}
    with sync_client(llama_server) as client:
        with client.stream(model=MODEL, messages=[ls.user("Say hi")], **options) as stream:
            events = list(stream)
        whole = client.generate(model=MODEL, messages=[ls.user("Say hi")], **options)
    streamed = stream.message
    assert streamed.logprobs is not None
    assert len(streamed.logprobs) >= 3, "one token per chunk, every chunk's kept"
    assert "".join(t.token for t in streamed.logprobs) == streamed.text
    assert all(t.logprob <= 0 for t in streamed.logprobs)
    assert all(len(t.top_logprobs) == 2 for t in streamed.logprobs)
    deltas = [e for e in events if isinstance(e, ls.LogprobsDelta)]
    assert [t for d in deltas for t in d.logprobs] == streamed.logprobs
    # The whole reply is the same tokens (same seed), read beside its message; llama.cpp adds
    # the end-of-text token there (an empty one), which no streamed chunk carries.
    assert whole.text == streamed.text
    assert whole.logprobs is not None
    assert [t for t in whole.logprobs if t.token] == streamed.logprobs


# -- reasoning ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_reasoning_then_answer(thinking_llama_server: RunningServer) -> None:
    async with async_client(thinking_llama_server) as client:
        async with client.stream(
            model=MODEL, messages=[ls.user("Say hi")], **{**SETTINGS, "max_tokens": 60}
        ) as stream:
            kinds = [event.type async for event in stream]
    message = stream.message
    assert kinds.count("reasoning_delta") >= 2
    assert kinds.count("text_delta") >= 2
    # All the reasoning comes first, then the block is closed, then the answer.
    end = kinds.index("reasoning_end")
    assert set(kinds[:end]) == {"reasoning_delta"}
    assert kinds[end + 1] == "text_delta"
    assert message.reasoning.strip()
    assert message.text.strip()
    assert "<think>" not in message.text


@pytest.mark.anyio
async def test_reasoning_goes_back_in_history(thinking_llama_server: RunningServer) -> None:
    """The follow-up with our own reply (reasoning included) is accepted by the server."""
    messages: list[ls.MessageLike] = [ls.user("Say hi")]
    async with async_client(thinking_llama_server) as client:
        first = await client.generate(
            model=MODEL, messages=messages, **{**SETTINGS, "max_tokens": 60}
        )
        assert first.reasoning
        messages += [first, ls.user("Again")]
        second = await client.generate(model=MODEL, messages=messages, **SETTINGS)
    assert second.finish_reason in ("stop", "length")
    assert second.text.strip()


# -- structured output --------------------------------------------------------------------------


class City(BaseModel):
    """The reply's schema. llama.cpp turns it into a grammar that the output cannot leave."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    country: str = Field(min_length=1, max_length=40)
    population: int = Field(ge=0)


CITY_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "city", "strict": True, "schema": City.model_json_schema()},
}
ASK_CITY = [ls.user("Name a large city, its country and its population.")]


@pytest.mark.anyio
async def test_json_schema_streamed(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as client:
        async with client.stream(
            model=MODEL,
            messages=ASK_CITY,
            response_format=CITY_FORMAT,
            **{**SETTINGS, "max_tokens": 100},
        ) as stream:
            texts = [event.text async for event in stream if isinstance(event, ls.TextDelta)]
    message = stream.message
    assert len(texts) >= 5, "the JSON arrives in pieces"
    assert "".join(texts) == message.text
    assert message.finish_reason == "stop", "the grammar ends the reply with the object"
    City.model_validate_json(message.text)


def test_json_schema_whole(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        message = client.generate(
            model=MODEL,
            messages=ASK_CITY,
            response_format=CITY_FORMAT,
            **{**SETTINGS, "max_tokens": 100},
        )
    assert message.finish_reason == "stop"
    City.model_validate_json(message.text)


@pytest.mark.anyio
async def test_output_model_streamed(llama_server: RunningServer) -> None:
    """`output=` with the model itself: llmstream writes the json_schema, the grammar holds the
    reply to it, and the object grows event by event until `message.output` validates."""
    async with async_client(llama_server) as client:
        async with client.stream(
            model=MODEL,
            messages=ASK_CITY,
            output=ls.NativeOutput(City),
            **{**SETTINGS, "max_tokens": 100},
        ) as stream:
            partials = [
                event.partial async for event in stream if isinstance(event, ls.OutputDelta)
            ]
    message = stream.message
    assert len(partials) >= 3, "the object grows as it streams"
    assert all(isinstance(partial, dict) for partial in partials)
    assert isinstance(message.output, City)
    assert partials[-1] == message.output.model_dump()
    assert message.output == City.model_validate_json(message.text)


def test_output_model_whole(llama_server: RunningServer) -> None:
    with sync_client(llama_server) as client:
        message = client.generate(
            model=MODEL,
            messages=ASK_CITY,
            output=ls.NativeOutput(City),
            **{**SETTINGS, "max_tokens": 100},
        )
    assert isinstance(message.output, City)
    assert message.output == City.model_validate_json(message.text)


def test_a_bare_model_is_asked_for_as_llama_cpp_serves_it(llama_server: RunningServer) -> None:
    """`output=City` with the provider's defaults: SmolLM2's own chat template has no tools, so
    a forced tool call comes back as prose, while a json_schema response_format is held to."""
    with sync_client(llama_server) as client:
        message = client.generate(
            model=MODEL, messages=ASK_CITY, output=City, **{**SETTINGS, "max_tokens": 100}
        )
        assert isinstance(message.output, City)
        with pytest.raises(ls.OutputValidationError) as caught:
            client.generate(
                model=MODEL,
                messages=ASK_CITY,
                output=ls.ToolOutput(City),
                **{**SETTINGS, "max_tokens": 100},
            )
    assert "output=ls.NativeOutput(City)" in str(caught.value)


# -- tools --------------------------------------------------------------------------------------


@ls.tool
def weather(location: Annotated[str, Field(min_length=1, max_length=40)]) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    return "Sunny, 24 C"


@pytest.mark.anyio
async def test_a_streamed_tool_call(tool_llama_server: RunningServer) -> None:
    async with async_client(tool_llama_server) as client:
        async with client.stream(
            model=MODEL,
            messages=[ls.user("What is the weather in Paris?")],
            tools=[weather],
            tool_choice="required",
            parallel_tool_calls=False,
            **SETTINGS,
        ) as stream:
            events = [event async for event in stream]
    message = stream.message
    [start] = [e for e in events if isinstance(e, ls.ToolCallStart)]
    pieces = [e.arguments for e in events if isinstance(e, ls.ToolCallDelta)]
    [end] = [e for e in events if isinstance(e, ls.ToolCallEnd)]
    assert (start.name, start.index) == ("weather", 0)
    assert message.text == "", "a forced call starts at the reply's first token"
    assert start.id
    assert len(pieces) >= 3, "llama.cpp streams the arguments in pieces"
    assert "".join(pieces) == end.tool_call.arguments
    assert message.tool_calls == [end.tool_call]
    assert end.tool_call.id == start.id
    weather.validate(end.tool_call.parsed_arguments)  # fits the schema that was sent
    assert message.finish_reason == "tool_calls"
    assert isinstance(events[-1], ls.Finish)


@pytest.mark.anyio
async def test_an_agent_calls_a_tool_then_answers(tool_llama_server: RunningServer) -> None:
    asked: list[str] = []

    @ls.tool
    def weather(location: Annotated[str, Field(min_length=1, max_length=40)]) -> str:
        """Get weather information for a location.

        Args:
            location: the city
        """
        asked.append(location)
        return "Sunny, 24 C"

    async with async_client(tool_llama_server) as client:
        agent = ls.Agent(
            client,
            MODEL,
            tools=[weather],
            # The call is forced on step 1; step 2 answers in words ("auto" cannot be used with
            # this template: see tool_template.jinja).
            tool_choice="none",
            prepare_step=lambda number, steps: (
                ls.StepSettings(tool_choice="required") if number == 1 else None
            ),
            max_steps=3,
            parallel_tool_calls=False,
            **SETTINGS,
        )
        async with agent.stream("What is the weather in Paris?") as run:
            kinds = [event.type async for event in run]
    result = run.result

    assert result.stop_reason == "done"
    first, second = result.steps
    [call] = first.message.tool_calls
    assert call.name == "weather"
    [outcome] = first.tool_results
    assert not outcome.is_error, outcome.output
    assert outcome.output == "Sunny, 24 C"
    assert asked == [call.parsed_arguments["location"]], "called with the model's arguments"
    assert asked[0].strip()
    assert first.message.finish_reason == "tool_calls"
    assert second.message.tool_calls == []
    assert second.message.finish_reason in ("stop", "length")
    assert result.text == second.message.text
    assert result.text.strip()
    assert kinds.count("step_start") == 2
    assert kinds.index("tool_result") > kinds.index("tool_call_end")
    assert kinds[-1] == "run_finish"
    # Usage is summed over both steps.
    usages = [step.message.usage for step in result.steps]
    assert all(usage is not None for usage in usages)
    assert result.usage.output_tokens == sum(u.output_tokens for u in usages if u)


# -- cancellation -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_cancel_mid_stream_frees_the_server(llama_server: RunningServer) -> None:
    """The server has one slot: had it not stopped the cancelled reply, the next request would
    wait for all its tokens."""
    endless = {
        **SETTINGS,
        "max_tokens": 3000,
        "extra_body": {"cache_prompt": False, "ignore_eos": True},
    }
    log_start = len(llama_server.log())
    async with async_client(llama_server) as client:
        async with client.stream(
            model=MODEL, messages=[ls.user("Write a long story.")], **endless
        ) as stream:
            seen = 0
            async for event in stream:
                seen += isinstance(event, ls.TextDelta)
                if seen == 5:
                    break  # leaving the block closes the connection
        started = time.monotonic()
        reply = await client.generate(
            model=MODEL, messages=[ls.user("Say hi")], **{**SETTINGS, "max_tokens": 5}
        )
        took = time.monotonic() - started

    assert reply.text.strip()
    # 3000 tokens take this server 15 s or more, even on a fast machine.
    assert took < 5, f"the next request waited {took:.1f} s"
    cancelled = await logged(llama_server, log_start, r"cancel task, id_task = (\d+)")
    stopped = await logged(
        llama_server, log_start, rf"task {cancelled[1]} \| stop processing: n_tokens = (\d+)"
    )
    assert int(stopped[1]) < 500, "the cancelled task stopped long before its 3000 tokens"


async def logged(server: RunningServer, start: int, pattern: str) -> re.Match[str]:
    """The first match in the server's log after `start`; llama.cpp writes its log a moment
    after the fact, from a thread of its own."""
    with anyio.move_on_after(5):
        while not (found := re.search(pattern, server.log()[start:])):
            await anyio.sleep(0.05)
        return found
    raise AssertionError(f"the server never logged {pattern!r}:\n{server.log()[start:]}")
