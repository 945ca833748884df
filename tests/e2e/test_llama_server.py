"""End to end: llmstream against a real OpenAI-compatible server running a real model."""

from __future__ import annotations

import pytest

import llmstream as ls

from .launcher import RunningServer as LlamaServer

pytestmark = pytest.mark.e2e

# temperature 0 and a fixed seed make the tiny model's replies repeatable.
SETTINGS = {"max_tokens": 40, "temperature": 0.0, "seed": 1}


@pytest.mark.anyio
async def test_streams_token_by_token(llama_server: LlamaServer) -> None:
    client = ls.AsyncClient(ls.OpenAICompatible(llama_server.base_url))
    async with client:
        async with client.stream(
            model="smollm2", messages=[ls.user("Say hi")], **SETTINGS
        ) as stream:
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


def test_sync_client_and_whole_reply(llama_server: LlamaServer) -> None:
    with ls.Client(ls.OpenAICompatible(llama_server.base_url)) as client:
        with client.stream(model="smollm2", messages=[ls.user("Say hi")], **SETTINGS) as stream:
            streamed = stream.collect()
        whole = client.generate(model="smollm2", messages=[ls.user("Say hi")], **SETTINGS)
    assert streamed.text.strip()
    assert whole.text == streamed.text  # same seed, same tokens
    assert "timings" in whole.extras
    assert whole.usage is not None
    assert whole.usage.output_tokens > 0


@pytest.mark.anyio
async def test_reasoning_then_answer(thinking_llama_server: LlamaServer) -> None:
    client = ls.AsyncClient(ls.OpenAICompatible(thinking_llama_server.base_url))
    async with client:
        async with client.stream(
            model="smollm2", messages=[ls.user("Say hi")], max_tokens=60, temperature=0.0, seed=1
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
async def test_reasoning_goes_back_in_history(thinking_llama_server: LlamaServer) -> None:
    """The follow-up with our own reply (reasoning included) is accepted by the server."""
    client = ls.AsyncClient(ls.OpenAICompatible(thinking_llama_server.base_url))
    messages: list[ls.MessageLike] = [ls.user("Say hi")]
    async with client:
        first = await client.generate(model="smollm2", messages=messages, max_tokens=60, seed=1)
        assert first.reasoning
        messages += [first, ls.user("Again")]
        second = await client.generate(model="smollm2", messages=messages, max_tokens=20, seed=1)
    assert second.finish_reason in ("stop", "length")
