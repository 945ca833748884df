"""Gateways: every two-step conversation recorded through OpenRouter, the Vercel AI Gateway and
Azure OpenAI, replayed through `ls.Agent` with tools declared as typed functions, and through the
plain history API (`messages.append(stream.message)`).

Both request bodies must equal the recording: the follow-up carries the provider state the
gateway streamed (`reasoning_details`: signed Anthropic thinking, Gemini's and OpenAI's encrypted
reasoning) exactly as received. The few deliberate differences are declared in
tests/cassettes/DEVIATIONS.md, and each must still happen.
"""

from __future__ import annotations

from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support.corpus import TEST_KEY, Recording, gateways, run_tool
from .support.deviations import declared
from .test_agent_cassettes import add, multiply, weather

GATEWAYS = gateways()
DEVIATIONS = declared()


def provider_for(recording: Recording) -> ls.Provider:
    """The provider a user would configure: `ls.OpenRouter` for OpenRouter, `OpenAICompatible`
    with nothing but a base URL and a key for the Vercel gateway and Azure's v1 API."""
    url = recording.cassette().interactions[0].request.url
    base_url = url.removesuffix("/chat/completions")
    if "openrouter" in recording.provider:
        return ls.OpenRouter(api_key=TEST_KEY)
    if "azure" in recording.provider:
        # Azure's chat completions take no reasoning back in history.
        return ls.OpenAICompatible(base_url, TEST_KEY, name="azure", reasoning_history_field=None)
    return ls.OpenAICompatible(base_url, TEST_KEY, name="vercel")


def options_for(recording: Recording) -> dict[str, Any]:
    """The call's options, as the user would write them for the recorded first request."""
    first = recording.cassette().interactions[0].request.json
    options: dict[str, Any] = {}
    for field in ("max_tokens", "max_completion_tokens"):
        if field in first:
            # ls.OpenRouter picks max_completion_tokens for OpenAI reasoning models itself.
            name = "max_tokens" if "openrouter" in recording.provider else field
            options[name] = first[field]
    reasoning = first.get("reasoning")
    if reasoning and "openrouter" in recording.provider and set(reasoning) == {"effort"}:
        options["reasoning_effort"] = reasoning["effort"]  # ls.OpenRouter's own mapping
    elif reasoning:
        options["extra_body"] = {"reasoning": reasoning}
    return options


def _transport(recording: Recording) -> ReplayTransport:
    return ReplayTransport(Cassette.load(recording.path), tolerate=DEVIATIONS.get(recording.id))


def _prompt(recording: Recording) -> tuple[str | None, str]:
    first = recording.cassette().interactions[0].request.json
    system = next((m["content"] for m in first["messages"] if m["role"] == "system"), None)
    prompt = next(m["content"] for m in first["messages"] if m["role"] == "user")
    return system, prompt


def _check_replayed(recording: Recording, transport: ReplayTransport) -> None:
    assert transport.matcher.unused == []  # both requests were made, their bodies equal
    tolerated = {p for paths in DEVIATIONS.get(recording.id, {}).values() for p in paths}
    assert {d.path for d in transport.matcher.tolerated} == tolerated


def test_every_gateway_recording_is_here() -> None:
    assert len(GATEWAYS) == 10
    assert {r.provider.split("(")[-1].rstrip(")") for r in GATEWAYS} == {
        "openrouter",
        "vercel ai gateway",
        "azure openai",
    }


@pytest.mark.anyio
@pytest.mark.parametrize("recording", GATEWAYS, ids=lambda r: r.id)
async def test_an_agent_replays_the_conversation(recording: Recording) -> None:
    transport = _transport(recording)
    system, prompt = _prompt(recording)
    tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
    client = ls.AsyncClient(provider_for(recording), transport=transport)
    agent = ls.Agent(client, recording.model, system=system, tools=tools, **options_for(recording))
    async with agent.stream(prompt) as run:
        events = [event async for event in run]
    result = run.result
    _check_replayed(recording, transport)
    assert len(result.steps) == 2
    assert result.stop_reason == "done"
    first = result.steps[0].message
    details = first.provider_state.get("reasoning_details")
    sent = transport.requests[1]["messages"][2]
    if details:
        # The state went back as received, and the plain reasoning field did not go with it.
        assert sent["reasoning_details"] == details
        assert not {"reasoning", "reasoning_content"} & set(sent)
        readable = [b for b in details if b.get("type") in ("reasoning.text", "reasoning.summary")]
        if readable:  # a UI sees the same reasoning events as from any other provider
            assert first.reasoning
            assert any(isinstance(e, ls.ReasoningDelta) for e in events)
    expected = {"5", "6"} if recording.kind == "multi_tool" else {"40"}
    assert all(text in result.text for text in expected)


@pytest.mark.parametrize("recording", GATEWAYS, ids=lambda r: r.id)
def test_the_history_api_replays_the_conversation(recording: Recording) -> None:
    transport = _transport(recording)
    system, prompt = _prompt(recording)
    tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
    messages: list[Any] = [*([ls.system(system)] if system else []), ls.user(prompt)]
    with ls.Client(provider_for(recording), transport=transport) as client:
        for _ in range(2):
            with client.stream(
                model=recording.model, messages=messages, tools=tools, **options_for(recording)
            ) as stream:
                reply = stream.collect()
            messages.append(reply)  # as it is: provider state and all
            messages += [ls.tool_result(call, run_tool(call)) for call in reply.tool_calls]
    _check_replayed(recording, transport)


@pytest.mark.parametrize(
    "recording", [r for r in GATEWAYS if "reasoning_details" in r.path.read_text()],
    ids=lambda r: r.id,
)  # fmt: skip
def test_provider_state_survives_json(recording: Recording) -> None:
    """A message saved as JSON and loaded again goes back with the same state."""
    transport = _transport(recording)
    with ls.Client(provider_for(recording), transport=transport) as client:
        system, prompt = _prompt(recording)
        messages: list[Any] = [*([ls.system(system)] if system else []), ls.user(prompt)]
        tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
        with client.stream(
            model=recording.model, messages=messages, tools=tools, **options_for(recording)
        ) as stream:
            reply = stream.collect()
    loaded = ls.AssistantMessage.model_validate_json(reply.model_dump_json())
    assert loaded == reply
    assert loaded.provider_state["reasoning_details"]
