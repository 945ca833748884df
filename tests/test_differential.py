"""llmstream against openai-python, on the same recorded bytes.

For every streamed interaction in the seeds and the corpus, openai-python's own SSE decoder and
stream accumulator (`ChatCompletionStreamState`) read the body, and llmstream's parser reads it
too. The final text and tool calls must be equal, and llmstream's usage must be the provider's
reported numbers after the documented normalisation (xAI's reasoning tokens added to output).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from openai._models import construct_type
from openai._streaming import SSEDecoder
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk

import llmstream as ls
from llmstream._core.parser import ResponseParser
from llmstream.testing import Cassette

from .support.corpus import PROVIDERS, TEST_KEY, corpus, expected_usage, seeds
from .support.logprobs import logprob_streams

SEED_PROVIDERS = {
    "cerebras": "cerebras",
    "groq": "groq",
    "openai": "openai",
    "xai": "xai",
}


def _streamed_bodies() -> list[Any]:
    cases = []
    for path in seeds():
        provider = SEED_PROVIDERS[path.name.split("-")[0]]
        cases.extend(_cases(path, provider, f"seeds/{path.stem}"))
    for recording in corpus():
        if recording.streamed:
            cases.extend(_cases(recording.path, recording.provider, recording.id))
    return cases


def _cases(path: Path, provider: str, name: str) -> list[Any]:
    return [
        pytest.param(interaction.response.body.encode(), provider, id=f"{name}#{number}")
        for number, interaction in enumerate(Cassette.load(path).interactions)
        if interaction.response.is_stream
    ]


def _openai_python(body: bytes) -> Any:
    state = ChatCompletionStreamState()
    for sse in SSEDecoder().iter_bytes(iter([body])):
        if sse.data.startswith("[DONE]"):
            break
        chunk = construct_type(type_=ChatCompletionChunk, value=sse.json())
        state.handle_chunk(chunk)  # type: ignore[arg-type]
    return state.get_final_completion()


@pytest.mark.parametrize(("body", "provider_key"), _streamed_bodies())
def test_same_reply_as_openai_python(body: bytes, provider_key: str) -> None:
    provider: ls.Provider = PROVIDERS[provider_key].make()
    parser = ResponseParser(provider)
    parser.feed(body)
    parser.end()
    ours = parser.accumulator.build()

    theirs = _openai_python(body)
    message = theirs.choices[0].message
    assert ours.text == (message.content or "")
    assert [(c.id, c.name, c.arguments) for c in ours.tool_calls] == [
        (c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []
    ]
    assert ours.raw_finish_reason == theirs.choices[0].finish_reason

    assert theirs.usage is not None
    assert ours.usage is not None
    reported = theirs.usage.model_dump()
    assert ours.usage.model_dump(exclude={"type", "raw"}) == expected_usage(provider, reported)


def test_every_streamed_recording_is_compared() -> None:
    assert len(_streamed_bodies()) >= 70


# -- token log probabilities ---------------------------------------------------------------------


def _shown(tokens: Any) -> list[Any]:
    """Tokens as both sides hold them (openai-python's alternatives have no alternatives)."""
    return [(t.token, t.logprob, t.bytes, _shown(getattr(t, "top_logprobs", []))) for t in tokens]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logprob_streams())
def test_the_same_logprobs_as_openai_python(body: bytes) -> None:
    """Every chunk's tokens, in order, as openai-python's accumulator keeps them."""
    parser = ResponseParser(
        ls.OpenAI(api_key=TEST_KEY), headers={"content-type": "text/event-stream"}
    )
    parser.feed(body)
    parser.end()
    ours = parser.accumulator.build()
    theirs = _openai_python(body).choices[0]
    assert ours.text == theirs.message.content
    assert theirs.logprobs is not None
    assert theirs.logprobs.content is not None
    assert ours.logprobs is not None
    assert _shown(ours.logprobs) == _shown(theirs.logprobs.content)
