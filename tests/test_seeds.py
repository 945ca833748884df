"""The five seed cassettes the product was specified from, through the async and sync clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support.corpus import SEEDS, TEST_KEY, WEATHER, run_tool

GREETING = [ls.system("You are a helpful assistant"), ls.user("Say hi in Portuguese")]
XAI_REASONING = 'First, the user said: "Say hi in Portuguese."\n'


@dataclass(frozen=True)
class Seed:
    cassette: str
    provider: type[ls.Provider]
    model: str
    text: str
    finish: str
    usage: dict[str, Any]
    reasoning: str = ""


SEEDS_EXPECTED = [
    Seed(
        "groq-simple_streaming",
        ls.Groq,
        "moonshotai/kimi-k2-instruct-0905",
        "Oi!",
        "stop",
        {"input_tokens": 20, "output_tokens": 3, "total_tokens": 23},
    ),
    Seed(
        "openai-simple_streaming",
        ls.OpenAI,
        "o4-mini",
        "Oi!",
        "stop",
        {
            "input_tokens": 19,
            "output_tokens": 148,
            "total_tokens": 167,
            "cached_input_tokens": 0,
            "reasoning_tokens": 128,
        },
    ),
    Seed(
        "cerebras-simple_streaming",
        ls.Cerebras,
        "qwen-3-coder-480b",
        "Oi!",
        "stop",
        {"input_tokens": 22, "output_tokens": 3, "total_tokens": 25, "cached_input_tokens": 0},
    ),
    Seed(
        "xai-simple_streaming",
        ls.XAI,
        "grok-code-fast-1",
        "Olá!",
        "stop",
        # xAI reported completion_tokens=2 and reasoning_tokens=198: output counts both.
        {
            "input_tokens": 213,
            "output_tokens": 200,
            "total_tokens": 413,
            "cached_input_tokens": 192,
            "reasoning_tokens": 198,
        },
        reasoning=XAI_REASONING,
    ),
]


def _transport(name: str) -> ReplayTransport:
    return ReplayTransport(Cassette.load(SEEDS / f"{name}.yaml"))


def _check(seed: Seed, reply: ls.AssistantMessage, events: list[Any]) -> None:
    assert reply.text == seed.text
    assert reply.reasoning == seed.reasoning
    assert reply.finish_reason == seed.finish
    assert reply.usage is not None
    assert reply.usage.model_dump(include=set(seed.usage)) == seed.usage
    assert "".join(e.text for e in events if isinstance(e, ls.TextDelta)) == seed.text
    assert "".join(e.text for e in events if isinstance(e, ls.ReasoningDelta)) == seed.reasoning
    assert isinstance(events[-1], ls.Finish)
    assert events[-1].reason == seed.finish
    assert sum(isinstance(e, ls.Usage) for e in events) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("seed", SEEDS_EXPECTED, ids=lambda s: s.cassette)
async def test_seed_streams(seed: Seed) -> None:
    transport = _transport(seed.cassette)
    async with ls.AsyncClient(seed.provider(api_key=TEST_KEY), transport=transport) as client:
        async with client.stream(model=seed.model, messages=GREETING, max_tokens=4000) as stream:
            events = [event async for event in stream]
    _check(seed, stream.message, events)
    assert transport.matcher.unused == []


@pytest.mark.parametrize("seed", SEEDS_EXPECTED, ids=lambda s: s.cassette)
def test_seed_streams_sync(seed: Seed) -> None:
    transport = _transport(seed.cassette)
    with ls.Client(seed.provider(api_key=TEST_KEY), transport=transport) as client:
        with client.stream(model=seed.model, messages=GREETING, max_tokens=4000) as stream:
            events = list(stream)
    _check(seed, stream.message, events)


@pytest.mark.anyio
async def test_xai_reasoning_ends_before_the_answer() -> None:
    transport = _transport("xai-simple_streaming")
    async with ls.AsyncClient(ls.XAI(api_key=TEST_KEY), transport=transport) as client:
        async with client.stream(
            model="grok-code-fast-1", messages=GREETING, max_tokens=4000
        ) as stream:
            kinds = [event.type async for event in stream]
    first_text = kinds.index("text_delta")
    assert kinds.count("reasoning_end") == 1
    assert kinds.index("reasoning_end") == first_text - 1
    assert set(kinds[: first_text - 1]) == {"reasoning_delta"}
    assert stream.message.extras["cost_in_usd_ticks"] == 3080400


@pytest.mark.anyio
async def test_cerebras_tool_call_and_follow_up() -> None:
    transport = _transport("cerebras-tool_streaming")
    messages: list[Any] = [
        ls.system("You are a helpful assistant"),
        ls.user("What's the weather in Florence,Italy?"),
    ]
    async with ls.AsyncClient(ls.Cerebras(api_key=TEST_KEY), transport=transport) as client:
        async with client.stream(
            model="qwen-3-coder-480b", messages=messages, tools=[WEATHER], max_tokens=4000
        ) as stream:
            events = [event async for event in stream]
        first = stream.message
        assert first.finish_reason == "tool_calls"
        [call] = first.tool_calls
        assert (call.id, call.name) == ("27781e665", "weather")
        assert call.parsed_arguments == {"location": "Florence,Italy"}
        assert [type(e) for e in events] == [
            ls.ToolCallStart,
            ls.ToolCallDelta,
            ls.ToolCallEnd,
            ls.Usage,
            ls.Finish,
        ]
        assert events[2].tool_call == call

        messages += [first, ls.tool_result(call, run_tool(call))]
        async with client.stream(
            model="qwen-3-coder-480b", messages=messages, tools=[WEATHER], max_tokens=4000
        ) as stream:
            second = await stream.collect()
    assert second.text == "The weather in Florence, Italy is currently 40°C."
    assert second.finish_reason == "stop"
    assert second.usage is not None
    assert (second.usage.input_tokens, second.usage.output_tokens) == (319, 14)
    assert "time_info" in second.extras
    assert transport.matcher.unused == []


def test_cerebras_tool_call_and_follow_up_sync() -> None:
    transport = _transport("cerebras-tool_streaming")
    messages: list[Any] = [
        ls.system("You are a helpful assistant"),
        ls.user("What's the weather in Florence,Italy?"),
    ]
    with ls.Client(ls.Cerebras(api_key=TEST_KEY), transport=transport) as client:
        with client.stream(
            model="qwen-3-coder-480b", messages=messages, tools=[WEATHER], max_tokens=4000
        ) as stream:
            first = stream.collect()
        [call] = first.tool_calls
        assert call.parsed_arguments == {"location": "Florence,Italy"}
        messages += [first, ls.tool_result(call, run_tool(call))]
        with client.stream(
            model="qwen-3-coder-480b", messages=messages, tools=[WEATHER], max_tokens=4000
        ) as stream:
            second = stream.collect()
    assert second.text == "The weather in Florence, Italy is currently 40°C."
    assert transport.matcher.unused == []
