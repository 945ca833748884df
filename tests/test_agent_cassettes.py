"""Every two-step recording, replayed by the agent with tools declared as typed Python functions.

Both request bodies must match the recording (the second built by the agent from its own first
reply and its tools' results), and the answers must say what the scenario expects.
"""

from __future__ import annotations

from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support.corpus import PROVIDERS, SEEDS, TEST_KEY, Recording, corpus, responses
from .support.deviations import declared
from .support.responses import openai_responses


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location

    Args:
        location: the city
    """
    return "40 C"


@ls.tool
def add(a: int, b: int) -> int:
    """Add two numbers

    Args:
        a: first number
        b: second number
    """
    return a + b


@ls.tool
def multiply(a: int, b: int) -> int:
    """Multiply two numbers

    Args:
        a: first number
        b: second number
    """
    return a * b


TWO_STEP = [
    r for r in corpus() if r.interactions == 2 and r.kind in ("tool", "multi_tool", "thinking")
]
# The Responses API's two-step conversations (OpenAI's gpt-5: a tool, two tools, reasoning with
# summaries), replayed by an agent whose client speaks that API.
RESPONSES_TWO_STEP = [r for r in responses() if r.interactions == 2]
SEED = Recording(
    path=SEEDS / "cerebras-tool_streaming.yaml",
    provider="cerebras",
    model="qwen-3-coder-480b",
    scenario="tool_streaming",
    streamed=True,
    interactions=2,
)
DEVIATIONS = declared()


def agent_for(recording: Recording, transport: ReplayTransport) -> tuple[ls.Agent, str]:
    """The agent a user would write for this recording, and the prompt."""
    first = recording.cassette().interactions[0].request.json
    if "input" in first:
        return responses_agent_for(recording, transport)
    setup = PROVIDERS[recording.provider]
    options: dict[str, Any] = {}
    limit = first.get("max_tokens", first.get("max_completion_tokens"))
    if limit is not None:
        options[setup.options.get("limit_field", "max_tokens")] = limit
    if "reasoning_effort" in first:
        options["reasoning_effort"] = first["reasoning_effort"]
    system = next((m["content"] for m in first["messages"] if m["role"] == "system"), None)
    prompt = next(m["content"] for m in first["messages"] if m["role"] == "user")
    tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
    client = ls.AsyncClient(setup.make(), transport=transport)
    agent = ls.Agent(
        client,
        recording.model,
        system=system,
        tools=tools,
        streaming=recording.streamed,
        **options,
    )
    return agent, prompt


def responses_agent_for(recording: Recording, transport: ReplayTransport) -> tuple[ls.Agent, str]:
    """The same, on the Responses API: `ls.OpenAI(api="responses")`, the recorded output limit
    and reasoning options, the system and user text of the first request's input."""
    first = recording.cassette().interactions[0].request.json
    options: dict[str, Any] = {}
    if "max_output_tokens" in first:
        options["max_tokens"] = first["max_output_tokens"]
    reasoning = first.get("reasoning") or {}
    if "effort" in reasoning:
        options["reasoning_effort"] = reasoning["effort"]
    if "summary" in reasoning:
        options["reasoning_summary"] = reasoning["summary"]
    system = next(
        (i["content"] for i in first["input"] if i.get("role") in ("system", "developer")), None
    )
    prompt = next(i for i in first["input"] if i.get("role") == "user")["content"][0]["text"]
    tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
    client = ls.AsyncClient(openai_responses(), transport=transport)
    agent = ls.Agent(client, recording.model, system=system, tools=tools,
                     streaming=recording.streamed, **options)  # fmt: skip
    return agent, prompt


def check(recording: Recording, result: ls.AgentResult, transport: ReplayTransport) -> None:
    assert transport.matcher.unused == []  # both recorded requests were made, bodies equal
    tolerated = {p for paths in DEVIATIONS.get(recording.id, {}).values() for p in paths}
    assert {d.path for d in transport.matcher.tolerated} == tolerated
    assert len(result.steps) == 2
    assert result.stop_reason == "done"
    first = result.steps[0]
    assert first.tool_results
    assert not any(r.is_error for r in first.tool_results)
    if recording.kind == "multi_tool":
        assert sorted(c.name for c in first.tool_calls) == ["add", "multiply"]
        assert sorted(r.output for r in first.tool_results) == ["5", "6"]
        assert "5" in result.text
        assert "6" in result.text
    else:
        assert [c.name for c in first.tool_calls] == ["weather"]
        assert "Florence" in result.text
        assert "40" in result.text
    if recording.kind == "thinking" and recording.streamed:
        assert first.message.reasoning
    usage = result.usage
    assert usage.input_tokens == sum(s.usage.input_tokens for s in result.steps if s.usage)


def _transport(recording: Recording) -> ReplayTransport:
    return ReplayTransport(Cassette.load(recording.path), tolerate=DEVIATIONS.get(recording.id))


ALL_TWO_STEP = [*TWO_STEP, *RESPONSES_TWO_STEP, SEED]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "recording", ALL_TWO_STEP, ids=lambda r: r.path.stem if r is SEED else r.id
)
async def test_agent_run(recording: Recording) -> None:
    transport = _transport(recording)
    agent, prompt = agent_for(recording, transport)
    result = await agent.run(prompt)
    check(recording, result, transport)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "recording", ALL_TWO_STEP, ids=lambda r: r.path.stem if r is SEED else r.id
)
async def test_agent_stream(recording: Recording) -> None:
    transport = _transport(recording)
    agent, prompt = agent_for(recording, transport)
    async with agent.stream(prompt) as run:
        events = [event async for event in run]
    result = run.result
    check(recording, result, transport)
    kinds = [event.type for event in events]
    assert kinds.count("step_start") == kinds.count("step_finish") == 2
    assert kinds.count("tool_result") == len(result.steps[0].tool_calls)
    assert kinds[-1] == "run_finish"
    assert (
        "".join(
            e.text for e in events[kinds.index("step_start", 1) :] if isinstance(e, ls.TextDelta)
        )
        == result.text
    )


def test_every_two_step_recording_is_covered() -> None:
    providers = {r.provider for r in TWO_STEP}
    assert providers == set(PROVIDERS)
    assert {r.scenario for r in TWO_STEP} >= {
        *("tool", "tool_streaming", "multi_tool", "multi_tool_streaming"),
        *("thinking", "thinking-streaming"),
    }
    assert any(r.provider == "xai" and r.model == "grok-3-mini" for r in TWO_STEP)
    assert {r.scenario for r in RESPONSES_TWO_STEP} == {
        *("tool", "tool_streaming", "multi_tool", "multi_tool_streaming"),
        *("thinking", "thinking-streaming"),
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    "recording", [r for r in RESPONSES_TWO_STEP if r.kind == "thinking"], ids=lambda r: r.id
)
async def test_the_responses_follow_up_carries_the_reasoning_item_before_its_call(
    recording: Recording,
) -> None:
    transport = _transport(recording)
    agent, prompt = agent_for(recording, transport)
    result = await agent.run(prompt)
    sent = transport.requests[1]["input"]
    received = result.steps[0].message.provider_state["output_items"]
    [reasoning] = [item for item in sent if item.get("type") == "reasoning"]
    position = sent.index(reasoning)
    assert sent[position + 1]["type"] == "function_call"
    assert reasoning["encrypted_content"] == received[0]["encrypted_content"]
    assert reasoning["summary"] == received[0]["summary"]
    assert "id" not in reasoning


@pytest.mark.anyio
async def test_the_xai_thinking_follow_up_carries_reasoning_content() -> None:
    [recording] = [r for r in TWO_STEP if r.model == "grok-3-mini" and r.streamed]
    transport = _transport(recording)
    agent, prompt = agent_for(recording, transport)
    result = await agent.run(prompt)
    follow_up = transport.requests[1]["messages"][2]
    assert follow_up["reasoning_content"] == result.steps[0].message.reasoning
    assert len(follow_up["reasoning_content"]) > 200


def test_agent_run_sync_on_the_seed() -> None:
    transport = _transport(SEED)
    agent = ls.Agent(
        ls.Client(ls.Cerebras(api_key=TEST_KEY), transport=transport),
        "qwen-3-coder-480b",
        system="You are a helpful assistant",
        tools=[weather],
        max_tokens=4000,
    )
    result = agent.run_sync("What's the weather in Florence,Italy?")
    assert result.text == "The weather in Florence, Italy is currently 40°C."
    assert transport.matcher.unused == []
