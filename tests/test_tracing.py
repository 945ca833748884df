"""OpenTelemetry spans (docs/telemetry.md), captured with the SDK's in-memory exporter.

The headline: a recorded xAI agent run (reasoning, a tool call, the answer) replayed through
the agent, async under asyncio and trio and sync, gives an `invoke_agent` span with a `chat`
span per step and an `execute_tool` span beside them, each attribute's value checked against
the recording's own bytes. Then, on the fake LLM: every call path, retries and fallbacks, errors,
content opt-in, the key kept out, a reader that stops early, and no span at all when nothing
is configured.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

import llmstream as ls
from llmstream._client import open_call
from llmstream._io.call import Call
from llmstream.testing import (
    Cassette,
    FakeLLM,
    Interaction,
    ReplayTransport,
    Reply,
    disconnect,
    error_event,
    stall,
    status,
    tool_call,
)

from .support import leak_watch
from .support.corpus import CASSETTES, TEST_KEY

THINKING = CASSETTES / "corpus/TestOpenAICompatibleThinking/xai-grok-3-mini"
FAST = ls.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
CONTENT_KEYS = (
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
)


@dataclass
class Captured:
    """A tracer provider of the SDK and what it exported."""

    provider: TracerProvider
    exporter: InMemorySpanExporter

    def tracing(self, **options: Any) -> ls.Tracing:
        return ls.Tracing(tracer_provider=self.provider, **options)

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [span for span in self.spans if span.name.startswith(prefix)]

    def one(self, prefix: str) -> ReadableSpan:
        [span] = self.named(prefix)
        return span


@pytest.fixture
def otel() -> Iterator[Captured]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    captured = Captured(provider, exporter)
    yield captured
    # Everything exported goes to the suite's own leak search too (tests/test_secrets.py).
    leak_watch.texts.extend(text for span in captured.spans for text in span_texts(span))
    provider.shutdown()


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


def span_texts(span: ReadableSpan) -> list[str]:
    """Every text a span carries: its name, attribute values, events and status."""
    texts = [span.name, str(span.status.description)]
    texts += [f"{key}={value}" for key, value in (span.attributes or {}).items()]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{key}={value}" for key, value in (event.attributes or {}).items()]
    return texts


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next(s for s in spans if s.context.span_id == span.parent.span_id)


def take_ttft(values: dict[str, Any]) -> float:
    """Remove and return the time to first chunk (a duration: only its range is known)."""
    ttft = values.pop("gen_ai.response.time_to_first_chunk")
    assert isinstance(ttft, float)
    assert 0.0 < ttft < 5.0
    return ttft


# -- the headline: a recorded agent run --------------------------------------------------------


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location

    Args:
        location: the city
    """
    return "40 C"


def recorded(interaction: Interaction) -> dict[str, Any]:
    """What the provider sent, read from the recording's own bytes (not through llmstream)."""
    body = interaction.response.body
    if interaction.response.is_stream:
        chunks = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: {")]
    else:
        chunks = [json.loads(body)]
    usage = next(chunk["usage"] for chunk in chunks if chunk.get("usage"))
    finish = next(
        choice["finish_reason"]
        for chunk in chunks
        for choice in chunk.get("choices", [])
        if choice.get("finish_reason")
    )
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    return {
        "gen_ai.response.id": chunks[0]["id"],
        "gen_ai.response.model": chunks[0]["model"],
        "gen_ai.response.finish_reasons": (finish,),
        "gen_ai.usage.input_tokens": usage["prompt_tokens"],
        # xAI leaves reasoning out of completion_tokens; the conventions' output tokens hold it
        "gen_ai.usage.output_tokens": usage["completion_tokens"] + reasoning,
        "gen_ai.usage.cache_read.input_tokens": usage["prompt_tokens_details"]["cached_tokens"],
        "gen_ai.usage.reasoning.output_tokens": reasoning,
    }


def xai_agent(client: ls.AsyncClient | ls.Client, *, streaming: bool = True) -> ls.Agent:
    return ls.Agent(
        client,
        "grok-3-mini",
        system="You are a helpful assistant",
        tools=[weather],
        reasoning_effort="high",
        streaming=streaming,
        name="forecaster",
    )


PROMPT = "What's the weather in Florence, Italy?"


class City(BaseModel):
    name: str


def check_agent_run(
    otel: Captured, result: ls.AgentResult, cassette: Cassette, *, streamed: bool
) -> None:
    spans = otel.spans
    app = otel.one("app")
    run = otel.one("invoke_agent")
    chats = sorted(otel.named("chat "), key=lambda span: span.start_time or 0)
    tool = otel.one("execute_tool")
    assert len(spans) == 5
    assert run.name == "invoke_agent forecaster"

    # The tree: the app's span > invoke_agent > the two steps' chat spans and the tool's span.
    assert parent_of(run, spans) is app
    assert all(parent_of(span, spans) is run for span in [*chats, tool])
    assert run.kind == SpanKind.INTERNAL
    assert tool.kind == SpanKind.INTERNAL
    assert all(chat.kind == SpanKind.CLIENT for chat in chats)
    assert [span.status.status_code for span in spans] == [StatusCode.UNSET] * 5
    # In order, and inside the run: step 1, the tool, step 2.
    assert chats[0].end_time <= tool.start_time  # type: ignore[operator]
    assert tool.end_time <= chats[1].start_time  # type: ignore[operator]
    assert run.start_time <= chats[0].start_time  # type: ignore[operator]
    assert chats[1].end_time <= run.end_time  # type: ignore[operator]

    for step, chat, interaction in zip(result.steps, chats, cassette.interactions, strict=True):
        values = attributes(chat)
        if streamed:
            ttft = take_ttft(values)
            [first] = [event for event in chat.events if event.name == "llmstream.first_chunk"]
            assert dict(first.attributes or {}) == {"gen_ai.response.time_to_first_chunk": ttft}
        else:
            assert "gen_ai.response.time_to_first_chunk" not in values
            assert chat.events == ()
        assert values == {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "x_ai",
            "gen_ai.request.model": "grok-3-mini",
            "gen_ai.request.stream": streamed,
            "server.address": "api.x.ai",
            "server.port": 443,
            "llmstream.attempts": 1,
            **recorded(interaction),
        }
        usage = step.message.usage
        assert usage is not None
        assert values["gen_ai.usage.input_tokens"] == usage.input_tokens
        assert values["gen_ai.usage.output_tokens"] == usage.output_tokens
        assert values["gen_ai.response.id"] == step.message.id
        assert chat.name == "chat grok-3-mini"

    [call] = result.steps[0].tool_calls
    assert tool.name == "execute_tool weather"
    assert attributes(tool) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "weather",
        "gen_ai.tool.call.id": call.id,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Get weather information for a location",
    }
    # the id the recorded second request answered
    assert call.id == cassette.interactions[1].request.json["messages"][-1]["tool_call_id"]

    assert attributes(run) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "x_ai",
        "gen_ai.request.model": "grok-3-mini",
        "gen_ai.agent.name": "forecaster",
        "gen_ai.usage.input_tokens": result.usage.input_tokens,
        "gen_ai.usage.output_tokens": result.usage.output_tokens,
        "gen_ai.response.finish_reasons": ("stop",),
        "llmstream.agent.steps": 2,
        "llmstream.agent.stop_reason": "done",
    }
    assert result.usage.input_tokens == 288 + 331  # the two recorded prompts
    # No content unless asked for.
    assert not [key for span in spans for key in attributes(span) if key in CONTENT_KEYS]


async def agent_stream(agent: ls.Agent) -> ls.AgentResult:
    async with agent.stream(PROMPT) as run:
        async for _ in run:
            pass
    return run.result


async def agent_run(agent: ls.Agent) -> ls.AgentResult:
    return await agent.run(PROMPT)


def agent_stream_sync(agent: ls.Agent) -> ls.AgentResult:
    with agent.stream_sync(PROMPT) as run:
        for _ in run:
            pass
    return run.result


def agent_run_sync(agent: ls.Agent) -> ls.AgentResult:
    return agent.run_sync(PROMPT)


ASYNC_RUNS: dict[str, Callable[[ls.Agent], Awaitable[ls.AgentResult]]] = {
    "stream": agent_stream,
    "run": agent_run,
}
SYNC_RUNS: dict[str, Callable[[ls.Agent], ls.AgentResult]] = {
    "stream_sync": agent_stream_sync,
    "run_sync": agent_run_sync,
}
RECORDINGS = {"streamed": "thinking-streaming.yaml", "whole": "thinking.yaml"}


@pytest.mark.anyio
@pytest.mark.parametrize("recording", list(RECORDINGS))
@pytest.mark.parametrize("path", list(ASYNC_RUNS))
async def test_a_recorded_agent_run_async(otel: Captured, path: str, recording: str) -> None:
    cassette = Cassette.load(THINKING / RECORDINGS[recording])
    transport = ReplayTransport(cassette)
    client = ls.AsyncClient(ls.XAI(api_key=TEST_KEY), transport=transport, tracing=otel.tracing())
    tracer = otel.provider.get_tracer("app")
    with tracer.start_as_current_span("app"):
        result = await ASYNC_RUNS[path](xai_agent(client, streaming=recording == "streamed"))
    assert transport.matcher.unused == []  # both recorded requests made, bodies as recorded
    check_agent_run(otel, result, cassette, streamed=recording == "streamed")


@pytest.mark.parametrize("recording", list(RECORDINGS))
@pytest.mark.parametrize("path", list(SYNC_RUNS))
def test_a_recorded_agent_run_sync(otel: Captured, path: str, recording: str) -> None:
    cassette = Cassette.load(THINKING / RECORDINGS[recording])
    transport = ReplayTransport(cassette)
    client = ls.Client(ls.XAI(api_key=TEST_KEY), transport=transport, tracing=otel.tracing())
    tracer = otel.provider.get_tracer("app")
    with tracer.start_as_current_span("app"):
        result = SYNC_RUNS[path](xai_agent(client, streaming=recording == "streamed"))
    assert transport.matcher.unused == []
    check_agent_run(otel, result, cassette, streamed=recording == "streamed")


# -- one call, every path ----------------------------------------------------------------------

OPTIONS: dict[str, Any] = {
    "max_tokens": 300,
    "temperature": 0.25,
    "top_p": 0.5,
    "seed": 7,
    "stop": ["\n\n"],
    "extra_body": {"frequency_penalty": 0.1, "presence_penalty": 0.2, "top_k": 40},
}
CALL: dict[str, Any] = {"model": "fake-model", "messages": [ls.user("hi")], **OPTIONS}


async def async_stream(client: ls.AsyncClient) -> ls.AssistantMessage:
    async with client.stream(**CALL) as stream:
        async for _ in stream:
            pass
    return stream.message


async def async_generate(client: ls.AsyncClient) -> ls.AssistantMessage:
    return await client.generate(**CALL)


def sync_stream(client: ls.Client) -> ls.AssistantMessage:
    with client.stream(**CALL) as stream:
        for _ in stream:
            pass
    return stream.message


def sync_generate(client: ls.Client) -> ls.AssistantMessage:
    return client.generate(**CALL)


ASYNC_CALLS: dict[str, Callable[[ls.AsyncClient], Awaitable[ls.AssistantMessage]]] = {
    "stream": async_stream,
    "generate": async_generate,
}
SYNC_CALLS: dict[str, Callable[[ls.Client], ls.AssistantMessage]] = {
    "stream": sync_stream,
    "generate": sync_generate,
}


def check_call(otel: Captured, message: ls.AssistantMessage, *, streamed: bool) -> None:
    chat = otel.one("chat")
    values = attributes(chat)
    if streamed:
        take_ttft(values)
    usage = message.usage
    assert usage is not None
    assert values == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "fake",
        "gen_ai.request.model": "fake-model",
        "gen_ai.request.stream": streamed,
        "gen_ai.request.max_tokens": 300,
        "gen_ai.request.temperature": 0.25,
        "gen_ai.request.top_p": 0.5,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("\n\n",),
        "gen_ai.request.frequency_penalty": 0.1,
        "gen_ai.request.presence_penalty": 0.2,
        "gen_ai.request.top_k": 40,
        "server.address": "fake-llm.invalid",
        "server.port": 443,
        "gen_ai.response.model": "fake-model",
        "gen_ai.response.id": message.id,
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "llmstream.request_id": message.request_id,
        "llmstream.attempts": 1,
    }
    assert (usage.input_tokens, usage.output_tokens) == (12, 34)
    assert chat.kind == SpanKind.CLIENT
    assert chat.status.status_code == StatusCode.UNSET
    assert chat.parent is None


@pytest.mark.anyio
@pytest.mark.parametrize("path", list(ASYNC_CALLS))
async def test_a_call_async(otel: Captured, fake: FakeLLM, path: str) -> None:
    fake.add(Reply("Hello there", usage=(12, 34)))
    async with fake.async_client(tracing=otel.tracing()) as client:
        message = await ASYNC_CALLS[path](client)
    check_call(otel, message, streamed=path == "stream")


@pytest.mark.parametrize("path", list(SYNC_CALLS))
def test_a_call_sync(otel: Captured, fake: FakeLLM, path: str) -> None:
    fake.add(Reply("Hello there", usage=(12, 34)))
    with fake.client(tracing=otel.tracing()) as client:
        message = SYNC_CALLS[path](client)
    check_call(otel, message, streamed=path == "stream")


@pytest.mark.anyio
async def test_the_span_ends_with_the_last_event(otel: Captured, fake: FakeLLM) -> None:
    """Not when the reader leaves the block: what it does after the stream is not the call."""
    fake.add("Hello")
    async with fake.async_client(tracing=otel.tracing()) as client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            async for _ in stream:
                assert otel.spans == []
            assert [span.name for span in otel.spans] == ["chat m"]


def test_the_span_ends_with_the_last_event_sync(otel: Captured, fake: FakeLLM) -> None:
    fake.add("Hello")
    with fake.client(tracing=otel.tracing()) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            for _ in stream:
                assert otel.spans == []
            assert [span.name for span in otel.spans] == ["chat m"]


@pytest.mark.anyio
async def test_a_call_over_a_real_socket(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("Hello there", usage=(12, 34)))
    server = fake.serve()
    async with server.async_client(tracing=otel.tracing()) as client:
        await async_stream(client)
    values = attributes(otel.one("chat"))
    assert values["server.address"] == "127.0.0.1"
    assert values["server.port"] == int(server.url.rsplit(":", 1)[1].split("/")[0])


@pytest.mark.anyio
async def test_the_request_is_sent_under_the_call_span(otel: Captured, fake: FakeLLM) -> None:
    """An instrumented HTTP client's span would be the chat span's child: the chat span is
    current while the request is sent (and only then)."""
    seen: list[trace.Span] = []

    class Watching(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(trace.get_current_span())
            return await fake.transport.handle_async_request(request)

    fake.add(status(500), "Hello")
    client = ls.AsyncClient(fake.provider(), transport=Watching(), tracing=otel.tracing(),
                            retry_policy=FAST)  # fmt: skip
    async with client:
        await async_stream(client)
        assert trace.get_current_span() is trace.INVALID_SPAN
    chat = otel.one("chat")
    assert [span.get_span_context().span_id for span in seen] == [chat.context.span_id] * 2


# -- retries, fallbacks, errors ----------------------------------------------------------------


@pytest.mark.anyio
async def test_a_rate_limit_retried_is_an_event_on_the_one_span(
    otel: Captured, fake: FakeLLM
) -> None:
    fake.add(status(429, retry_after=0.05), status(503), "Hello")
    async with fake.async_client(tracing=otel.tracing(), retry_policy=FAST) as client:
        message = await async_stream(client)
    chat = otel.one("chat")
    assert message.text == "Hello"
    retries = [event for event in chat.events if event.name == "llmstream.retry"]
    assert [dict(event.attributes or {}) for event in retries] == [
        {
            "llmstream.attempt": 1,
            "error.type": "RateLimitError",
            "http.response.status_code": 429,
            "llmstream.retry.delay": 0.05,
            "llmstream.retry.fallback": False,
            "gen_ai.provider.name": "fake",
            "gen_ai.request.model": "fake-model",
            "exception.message": retries[0].attributes["exception.message"],  # type: ignore[index]
        },
        {
            "llmstream.attempt": 2,
            "error.type": "OverloadedError",
            "http.response.status_code": 503,
            "llmstream.retry.delay": retries[1].attributes["llmstream.retry.delay"],  # type: ignore[index]
            "llmstream.retry.fallback": False,
            "gen_ai.provider.name": "fake",
            "gen_ai.request.model": "fake-model",
            "exception.message": retries[1].attributes["exception.message"],  # type: ignore[index]
        },
    ]
    assert "RateLimitError: fake: " in str(retries[0].attributes["exception.message"])  # type: ignore[index]
    assert 0.005 <= retries[1].attributes["llmstream.retry.delay"] <= 0.02  # type: ignore[index, operator]
    # The retries come before the first chunk, and the span covers them all.
    assert [event.name for event in chat.events] == [
        "llmstream.retry",
        "llmstream.retry",
        "llmstream.first_chunk",
    ]
    values = attributes(chat)
    assert values["llmstream.attempts"] == 3
    assert take_ttft(values) >= 0.05  # measured from the first request: the wait included
    assert chat.status.status_code == StatusCode.UNSET


@pytest.mark.anyio
async def test_a_fallback_is_an_event_and_the_span_names_who_answered(
    otel: Captured, fake: FakeLLM
) -> None:
    backup = fake.provider(name="backup")
    fake.add(status(503), "From the backup")
    client = fake.async_client(
        tracing=otel.tracing(), max_retries=0, fallbacks=[(backup, "backup-model")]
    )
    async with client:
        message = await async_stream(client)
    chat = otel.one("chat")
    assert message.text == "From the backup"
    [retry] = chat.events[:1]
    assert retry.name == "llmstream.retry"
    assert dict(retry.attributes or {}) | {"exception.message": None} == {
        "llmstream.attempt": 1,
        "error.type": "OverloadedError",
        "http.response.status_code": 503,
        "llmstream.retry.delay": 0.0,
        "llmstream.retry.fallback": True,
        "llmstream.retry.next_provider": "backup",
        "llmstream.retry.next_model": "backup-model",
        "gen_ai.provider.name": "fake",
        "gen_ai.request.model": "fake-model",
        "exception.message": None,
    }
    assert chat.name == "chat backup-model"
    values = attributes(chat)
    assert values["gen_ai.provider.name"] == "backup"
    assert values["gen_ai.request.model"] == "backup-model"
    assert values["llmstream.attempts"] == 2


FAILURES = {
    "HTTP 400": ([status(400, message="bad things")], ls.BadRequestError, ""),
    "HTTP 429 after retries": (
        [status(429, retry_after=0.01)] * 3,
        ls.RateLimitError,
        "",
    ),
    "error inside the stream": (
        [Reply("one two three", faults=[error_event(after=2, message="it broke", type="bad")])],
        ls.StreamError,
        "one two ",
    ),
    "connection lost mid-stream": (
        [Reply("one two three", faults=[disconnect(after=2)])],
        ls.APIConnectionError,
        "one two ",
    ),
    "stream cut short": (
        [Reply("one two three", faults=[disconnect(after=2, graceful=True)])],
        ls.IncompleteStreamError,
        "one two ",
    ),
}


@pytest.mark.anyio
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failed_call_has_error_type(otel: Captured, fake: FakeLLM, failure: str) -> None:
    script, error_class, partial = FAILURES[failure]
    fake.add(*script)
    async with fake.async_client(tracing=otel.tracing(), retry_policy=FAST) as client:
        with pytest.raises(error_class) as caught:
            await async_stream(client)
    chat = otel.one("chat")
    values = attributes(chat)
    assert values["error.type"] == error_class.__name__
    assert chat.status.status_code == StatusCode.ERROR
    assert chat.status.description == f"{error_class.__name__}: {caught.value}"
    assert values["llmstream.attempts"] == caught.value.attempts
    assert "gen_ai.response.finish_reasons" not in values
    assert "llmstream.cancelled" not in values
    if partial:  # what arrived is on the span too
        assert caught.value.partial is not None
        assert caught.value.partial.text == partial
        assert values["gen_ai.response.id"] == caught.value.partial.id


def test_a_failed_sync_call_has_error_type(otel: Captured, fake: FakeLLM) -> None:
    fake.add(status(404, message="no such model"))
    with fake.client(tracing=otel.tracing()) as client:
        with pytest.raises(ls.NotFoundError):
            sync_generate(client)
    chat = otel.one("chat")
    assert attributes(chat)["error.type"] == "NotFoundError"
    assert chat.status.status_code == StatusCode.ERROR


@pytest.mark.anyio
async def test_an_error_that_quotes_the_reply_keeps_it_out(otel: Captured, fake: FakeLLM) -> None:
    """A refusal's message is the model's words: content, off the span unless opted in."""

    refusal = {"choices": [{"index": 0, "delta": {"refusal": "I shan't say"}}]}
    finish = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    fake.add(Reply(chunks=[refusal, finish]))
    async with fake.async_client(tracing=otel.tracing()) as client:
        with pytest.raises(ls.RefusalError):
            await client.generate(model="m", messages=[ls.user("city?")], output=City)
    chat = otel.one("chat")
    assert attributes(chat)["error.type"] == "RefusalError"
    assert attributes(chat)["gen_ai.output.type"] == "json"
    assert chat.status.status_code == StatusCode.ERROR
    assert chat.status.description is None
    assert "shan't" not in " ".join(span_texts(chat))


@pytest.mark.anyio
async def test_a_request_that_cannot_be_built_fails_its_span(
    otel: Captured, fake: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Call, http: object, target: object) -> httpx.Request:
        raise ls.ConfigurationError("cannot send to 'https://fake-llm.invalid': a bad URL")

    monkeypatch.setattr(Call, "build_request", refuse)
    async with fake.async_client(tracing=otel.tracing()) as client:
        with pytest.raises(ls.ConfigurationError):
            await async_stream(client)
    chat = otel.one("chat")
    assert attributes(chat)["error.type"] == "ConfigurationError"
    assert "llmstream.cancelled" not in attributes(chat)
    assert chat.status.status_code == StatusCode.ERROR


# -- content: off by default, on when asked ----------------------------------------------------

CONVERSATION: list[ls.MessageLike] = [
    ls.system("Be brief"),
    ls.user("Describe", ls.image("https://example.com/cat.png")),
    ls.assistant("Earlier", tool_calls=[ls.ToolCall(id="c0", name="look", arguments='{"a": 1}')]),
    ls.tool_result("c0", "a cat"),
    {"role": "user", "content": "And now?"},
]


@pytest.mark.anyio
async def test_content_is_recorded_when_asked(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("It is a cat.", reasoning="Looking closely."))
    async with fake.async_client(tracing=otel.tracing(record_content=True)) as client:
        async with client.stream(model="m", messages=CONVERSATION) as stream:
            async for _ in stream:
                pass
    values = attributes(otel.one("chat"))
    assert json.loads(values["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief"}]},
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "Describe"},
                {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
            ],
        },
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Earlier"},
                {"type": "tool_call", "id": "c0", "name": "look", "arguments": {"a": 1}},
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "c0", "response": "a cat"}],
        },
        {"role": "user", "parts": [{"type": "text", "content": "And now?"}]},
    ]
    assert json.loads(values["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Looking closely."},
                {"type": "text", "content": "It is a cat."},
            ],
            "finish_reason": "stop",
        }
    ]


@pytest.mark.anyio
async def test_a_responses_call_reads_as_the_same_chat_call(otel: Captured) -> None:
    """The same conversation and reply, on either API: the same span, but for the response id
    (the Responses API's `resp_...`) and the provider's own finish word."""
    reply = Reply("It is a cat.", reasoning="Looking closely.", usage=(30, 9))
    spans = {}
    for api in ("chat", "responses"):
        fake = FakeLLM(reply, api=api)
        async with fake.async_client(tracing=otel.tracing(record_content=True)) as client:
            async with client.stream(model="m", messages=CONVERSATION) as stream:
                async for _ in stream:
                    pass
        [span] = [s for s in otel.named("chat") if s.name not in spans.values()]
        spans[api] = attributes(span)
        otel.exporter.clear()
        assert fake.requests[0].api == api
    chat, responses = spans["chat"], spans["responses"]
    for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
        assert json.loads(responses[key]) == json.loads(chat[key])
    assert responses["gen_ai.response.id"] == "resp_fake_0"
    assert chat["gen_ai.response.id"] == "chatcmpl-fake-0"
    assert responses["gen_ai.response.finish_reasons"] == ("completed",)
    for key in ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
                "gen_ai.request.model", "gen_ai.operation.name", "gen_ai.response.model",
                "gen_ai.provider.name", "server.address"):  # fmt: skip
        assert responses.get(key) == chat.get(key), key
    assert responses["gen_ai.usage.input_tokens"] == 30


@pytest.mark.anyio
async def test_a_responses_call_records_no_content_unless_asked(otel: Captured) -> None:
    fake = FakeLLM("Secret words", api="responses")
    async with fake.async_client(tracing=otel.tracing()) as client:
        reply = await client.generate(model="m", messages=[ls.user("Private question")])
    values = attributes(otel.one("chat"))
    assert not set(CONTENT_KEYS) & set(values)
    assert values["gen_ai.response.id"] == reply.id == "resp_fake_0"
    assert not any("Private" in text or "Secret" in text for text in span_texts(otel.one("chat")))


@pytest.mark.anyio
async def test_a_responses_agent_step_reads_its_replayed_items(otel: Captured) -> None:
    """The second step of an agent run on the Responses API sends the first reply's items back:
    its span reads them as one assistant message (reasoning, call), then the tool's answer."""
    fake = FakeLLM(
        Reply(reasoning="Look it up.",
              tool_calls=[tool_call("weather", {"location": "Rome"}, id="c1")]),
        "Hot.",
        api="responses",
    )  # fmt: skip
    client = fake.async_client(tracing=otel.tracing(record_content=True))
    # A compatible server is asked for encrypted reasoning by name (llmstream does not assume it).
    include = {"include": ["reasoning.encrypted_content"]}
    agent = ls.Agent(client, "m", system="Be brief", tools=[weather], extra_body=include)
    await agent.run("Weather in Rome?")
    assert [item.get("type") for item in fake.requests[1].input][2:] == [
        "reasoning", "function_call", "function_call_output",
    ]  # fmt: skip
    _first, second = sorted(otel.named("chat"), key=lambda span: span.start_time or 0)
    assert json.loads(attributes(second)["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief"}]},
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Rome?"}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Look it up."},
                {
                    "type": "tool_call",
                    "id": "c1",
                    "name": "weather",
                    "arguments": {"location": "Rome"},
                },
            ],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "40 C"}]},
    ]
    assert attributes(second)["gen_ai.response.id"] == "resp_fake_1"


def test_responses_items_read_as_conventions_messages() -> None:
    from llmstream._tracing.content import input_messages

    body = {
        "input": [
            {"role": "developer", "content": "Be brief"},
            {"role": "user", "content": [
                {"type": "input_text", "text": "Look"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            ]},
            {"type": "reasoning", "summary": [], "encrypted_content": "opaque"},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "I see"}, {"type": "refusal", "refusal": "no"}]},
            {"type": "web_search_call", "action": {"query": "cats"}, "status": "completed"},
            {"type": "function_call_output", "call_id": "c9", "output": "done"},
            {"role": "user", "content": "Thanks"},
        ]
    }  # fmt: skip
    assert input_messages(json.dumps(body).encode()) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief"}]},
        {"role": "user", "parts": [
            {"type": "text", "content": "Look"},
            {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "AAAA"},
        ]},
        {"role": "assistant", "parts": [
            {"type": "text", "content": "I see"}, {"type": "refusal", "content": "no"},
            {"type": "web_search_call", "action": {"query": "cats"}, "status": "completed"},
        ]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c9", "response": "done"}]},
        {"role": "user", "parts": [{"type": "text", "content": "Thanks"}]},
    ]  # fmt: skip
    assert input_messages(b'{"input": "Hi"}') == [
        {"role": "user", "parts": [{"type": "text", "content": "Hi"}]}
    ]
    assert input_messages(b"[1]") == []


@pytest.mark.anyio
async def test_an_agent_records_content_when_asked(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"}, id="c1")]), "Hot.")
    client = fake.async_client(tracing=otel.tracing(record_content=True))
    agent = ls.Agent(client, "m", system="Be brief", tools=[weather])
    await agent.run("Weather in Rome?")
    run, tool = attributes(otel.one("invoke_agent")), attributes(otel.one("execute_tool"))
    assert json.loads(run["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief"}
    ]
    assert json.loads(run["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Rome?"}]}
    ]
    assert json.loads(run["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hot."}],
            "finish_reason": "stop",
        }
    ]
    assert json.loads(tool["gen_ai.tool.call.arguments"]) == {"location": "Rome"}
    assert tool["gen_ai.tool.call.result"] == "40 C"
    first, second = sorted(otel.named("chat"), key=lambda span: span.start_time or 0)
    assert json.loads(attributes(first)["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "c1",
                    "name": "weather",
                    "arguments": {"location": "Rome"},
                }
            ],
            "finish_reason": "tool_call",
        }
    ]
    assert json.loads(attributes(second)["gen_ai.input.messages"])[-1] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "c1", "response": "40 C"}],
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("env", "option", "recorded"),
    [
        (None, None, False),  # the default: off
        ("true", None, True),  # the conventions' variable
        ("SPAN_ONLY", None, True),
        ("false", None, False),
        ("true", False, False),  # the client's word wins
        (None, True, True),
    ],
)
async def test_content_opt_in(
    otel: Captured,
    fake: FakeLLM,
    monkeypatch: pytest.MonkeyPatch,
    env: str | None,
    option: bool | None,
    recorded: bool,
) -> None:
    if env is None:
        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    else:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", env)
    fake.add(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"})]), "Hot.")
    client = fake.async_client(tracing=otel.tracing(record_content=option))
    await ls.Agent(client, "m", system="Be brief", tools=[weather]).run("Weather?")
    found = {key for span in otel.spans for key in attributes(span) if key in CONTENT_KEYS}
    assert found == (set(CONTENT_KEYS) if recorded else set())
    texts = " ".join(text for span in otel.spans for text in span_texts(span))
    assert ("Rome" in texts) == recorded


# -- the key -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_key_is_in_no_span(otel: Captured, fake: FakeLLM) -> None:
    """Even where it could be: in a prompt (content on), echoed back by the provider in an
    error, in a retried error's event, in a tool's result."""
    echo = f"Incorrect API key provided: {TEST_KEY}"

    @ls.tool
    def leaky() -> str:
        """Returns the key."""
        return f"the key is {TEST_KEY}"

    fake.add(
        status(500, message=echo),
        Reply("", tool_calls=[tool_call("leaky", {})]),
        f"I saw {TEST_KEY}",
        status(401, message=echo),
    )
    provider = fake.provider(api_key=TEST_KEY)
    client = ls.AsyncClient(provider, transport=fake.transport, retry_policy=FAST,
                            tracing=otel.tracing(record_content=True))  # fmt: skip
    agent = ls.Agent(client, "m", tools=[leaky])
    await agent.run(f"Use {TEST_KEY} please")
    with pytest.raises(ls.AuthenticationError):
        await client.generate(model="m", messages=[ls.user(TEST_KEY)])
    texts = [text for span in otel.spans for text in span_texts(span)]
    assert len(otel.spans) == 5
    assert any("Incorrect API key provided: [redacted]" in text for text in texts)  # it was there
    assert any("the key is [redacted]" in text for text in texts)
    assert [text for text in texts if TEST_KEY in text or TEST_KEY[:12] in text] == []


@pytest.mark.anyio
async def test_a_key_echoed_in_error_fields_and_headers_is_in_no_span(
    otel: Captured, fake: FakeLLM
) -> None:
    """The provider echoes the key in an error's type, code and param and in `x-request-id`,
    on a retried error, the last error and a successful reply."""
    body = {"error": {"message": "refused", "type": TEST_KEY, "code": TEST_KEY, "param": TEST_KEY}}
    echoed = {"x-request-id": f"req-{TEST_KEY}"}
    fake.add(
        status(500, body=body, headers=echoed),
        Reply("fine", headers=echoed),
        status(400, body=body, headers=echoed),
    )
    client = ls.AsyncClient(fake.provider(api_key=TEST_KEY), transport=fake.transport,
                            retry_policy=FAST, tracing=otel.tracing())  # fmt: skip
    reply = await client.generate(model="m", messages=[ls.user("hi")])
    with pytest.raises(ls.BadRequestError):
        await client.generate(model="m", messages=[ls.user("hi")])
    texts = [text for span in otel.spans for text in span_texts(span)]
    assert len(otel.spans) == 2
    assert "[redacted]" in (reply.request_id or "")
    assert any("llmstream.request_id=" in text and "[redacted]" in text for text in texts)
    assert any("type=[redacted]" in text for text in texts)  # the errors' texts were there
    assert [text for text in texts if TEST_KEY in text or TEST_KEY[:12] in text] == []


# -- a reader that stops early -----------------------------------------------------------------


def check_stopped(otel: Captured, *, error: str | None = None) -> None:
    chat = otel.one("chat")
    values = attributes(chat)
    assert values["llmstream.cancelled"] is True
    assert "gen_ai.response.finish_reasons" not in values
    assert "gen_ai.usage.input_tokens" not in values
    assert values["gen_ai.response.id"]  # what arrived is there
    if error is None:
        assert chat.status.status_code == StatusCode.UNSET
        assert "error.type" not in values
    else:
        assert chat.status.status_code == StatusCode.ERROR
        assert values["error.type"] == error


@pytest.mark.anyio
async def test_an_early_break_ends_the_span(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("one two three four five"))
    async with fake.async_client(tracing=otel.tracing()) as client:
        async with client.stream(model="m", messages=[ls.user("count")]) as stream:
            async for event in stream:
                if isinstance(event, ls.TextDelta):
                    break
            assert otel.spans == []  # still open inside the block
    check_stopped(otel)


def test_an_early_break_ends_the_span_sync(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("one two three four five"))
    with fake.client(tracing=otel.tracing()) as client:
        with client.stream(model="m", messages=[ls.user("count")]) as stream:
            for event in stream:
                if isinstance(event, ls.TextDelta):
                    break
    check_stopped(otel)


@pytest.mark.anyio
async def test_aclose_ends_the_span(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("one two three four five"))
    async with fake.async_client(tracing=otel.tracing()) as client:
        stream = await client.stream(model="m", messages=[ls.user("count")]).__aenter__()
        await stream.__anext__()
        await stream.aclose()
        check_stopped(otel)


@pytest.mark.anyio
async def test_a_cancelled_stream_ends_the_span(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("one two three", faults=[stall(after=2, seconds=30)]))
    server = fake.serve()  # a real socket: the stall is a real wait, cut short by the cancel
    async with server.async_client(tracing=otel.tracing()) as client:
        with anyio.move_on_after(0.3) as scope:
            await async_stream(client)
    assert scope.cancelled_caught
    check_stopped(otel)


@pytest.mark.anyio
async def test_an_exception_in_the_readers_block_is_an_error(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("one two three"))
    async with fake.async_client(tracing=otel.tracing()) as client:
        with pytest.raises(ZeroDivisionError):
            async with client.stream(model="m", messages=[ls.user("count")]) as stream:
                async for _ in stream:
                    1 / 0  # noqa: B018
    check_stopped(otel, error="ZeroDivisionError")


@pytest.mark.anyio
async def test_leaving_an_agent_run_early_ends_every_span(otel: Captured, fake: FakeLLM) -> None:
    fake.add(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"})]), "Hot. Very.")
    client = fake.async_client(tracing=otel.tracing())
    agent = ls.Agent(client, "m", tools=[weather])
    async with agent.stream("Weather?") as run:
        async for event in run:
            if isinstance(event, ls.TextDelta):  # in the second step
                break
    run_span = otel.one("invoke_agent")
    first, second = sorted(otel.named("chat"), key=lambda span: span.start_time or 0)
    assert attributes(run_span)["llmstream.cancelled"] is True
    assert run_span.status.status_code == StatusCode.UNSET
    assert attributes(second)["llmstream.cancelled"] is True
    assert "llmstream.cancelled" not in attributes(first)
    assert len(otel.named("execute_tool")) == 1


@pytest.mark.anyio
async def test_a_reader_slower_than_the_run_that_leaves_cancels_it(
    otel: Captured, fake: FakeLLM
) -> None:
    # The reader always comes late, so it takes each event from a run already waiting to hand it
    # over: the run is woken before the reader's block cancels it, and it meets the closed
    # stream before any checkpoint. That is still a cancellation, not an error.
    fake.add(Reply("Hot. Very. Hot."))
    agent = ls.Agent(fake.async_client(tracing=otel.tracing()), "m")
    async with agent.stream("Weather?") as run:
        while True:
            await anyio.sleep(0.005)
            if isinstance(await run.__anext__(), ls.TextDelta):
                break
    run_span = otel.one("invoke_agent")
    assert run_span.status.status_code == StatusCode.UNSET
    assert attributes(run_span)["llmstream.cancelled"] is True
    assert attributes(otel.one("chat"))["llmstream.cancelled"] is True


# -- tools -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_concurrent_tools_are_children_of_the_run_and_parent_what_they_trace(
    otel: Captured, fake: FakeLLM
) -> None:
    @ls.tool
    async def ask(question: str) -> str:
        """Asks another model."""
        await anyio.sleep(0.01)
        async with fake.async_client(tracing=otel.tracing()) as inner:
            return (await inner.generate(model="inner", messages=[ls.user(question)])).text

    @ls.tool
    def broken() -> str:
        """Fails."""
        raise RuntimeError("no")

    calls = [tool_call("ask", {"question": "a"}), tool_call("ask", {"question": "b"}),
             tool_call("broken", {}), tool_call("missing", {})]  # fmt: skip
    fake.add(Reply("", tool_calls=calls), "inner answer", "inner answer", "Done.")
    agent = ls.Agent(fake.async_client(tracing=otel.tracing()), "m", tools=[ask, broken])
    result = await agent.run("Go")
    assert result.text == "Done."
    spans = otel.spans
    run = otel.one("invoke_agent")
    tools = otel.named("execute_tool")
    assert sorted(span.name for span in tools) == [
        "execute_tool ask", "execute_tool ask", "execute_tool broken", "execute_tool missing",
    ]  # fmt: skip
    assert all(parent_of(span, spans) is run for span in tools)
    inner = [span for span in otel.named("chat") if span.name == "chat inner"]
    asks = [span for span in tools if span.name == "execute_tool ask"]
    assert sorted(parent_of(span, spans).context.span_id for span in inner) == sorted(  # type: ignore[union-attr]
        span.context.span_id for span in asks
    )
    by_name = {span.name: span for span in tools}
    assert attributes(by_name["execute_tool broken"])["error.type"] == "error"
    assert attributes(by_name["execute_tool missing"])["error.type"] == "unknown_tool"
    assert by_name["execute_tool broken"].status.status_code == StatusCode.ERROR
    assert asks[0].status.status_code == StatusCode.UNSET


@pytest.mark.anyio
async def test_an_approval_hook_that_crashes_fails_the_tool_and_the_run(
    otel: Captured, fake: FakeLLM
) -> None:
    def approve(call: ls.ToolCall, arguments: Any) -> bool:
        raise KeyError("hook bug")

    @ls.tool(approval=approve)
    def guarded() -> str:
        """Guarded."""
        return "x"

    fake.add(Reply("", tool_calls=[tool_call("guarded", {})]))
    agent = ls.Agent(fake.async_client(tracing=otel.tracing()), "m", tools=[guarded])
    with pytest.raises(KeyError):
        await agent.run("Go")
    for name in ("execute_tool", "invoke_agent"):
        span = otel.one(name)
        assert span.status.status_code == StatusCode.ERROR
        assert attributes(span)["error.type"] == "KeyError"


@pytest.mark.anyio
async def test_a_run_that_cannot_start_still_ends_its_span(otel: Captured, fake: FakeLLM) -> None:
    """Options and messages an agent only checks at its first call: the span records what it
    can, and the run fails as it would untraced."""
    client = fake.async_client(tracing=otel.tracing(record_content=True))
    agent = ls.Agent(client, "m", stop=5)  # type: ignore[arg-type]
    with pytest.raises(ls.ConfigurationError, match="stop must be"):
        await agent.run([ls.user("hi"), object()])  # type: ignore[list-item]
    run = otel.one("invoke_agent")
    assert attributes(run)["error.type"] == "ConfigurationError"
    assert "gen_ai.request.stop_sequences" not in attributes(run)
    assert json.loads(attributes(run)["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert otel.named("chat") == []


# -- switched off, or nothing configured -------------------------------------------------------


@pytest.mark.anyio
async def test_tracing_false_records_nothing(otel: Captured, fake: FakeLLM) -> None:
    trace_calls = []
    fake.add("Hello")
    async with fake.async_client(tracing=False) as client:
        assert client.tracing == ls.Tracing(enabled=False)
        call = open_call(client, "m", [ls.user("hi")], {}, stream=True)
        trace_calls.append(call._call.trace)
        await async_stream(client)
    assert trace_calls == [None]
    assert otel.spans == []


@pytest.mark.anyio
async def test_a_span_sampled_out_records_nothing(fake: FakeLLM) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fake.add(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"})]), "Hot.")
    client = fake.async_client(tracing=ls.Tracing(tracer_provider=provider, record_content=True))
    result = await ls.Agent(client, "m", tools=[weather]).run("Weather?")
    assert result.text == "Hot."
    assert exporter.get_finished_spans() == ()


def test_tracing_takes_a_tracing_or_a_bool() -> None:
    assert ls.Client(ls.OpenAI(api_key="k")).tracing == ls.Tracing()
    assert ls.Client(ls.OpenAI(api_key="k"), tracing=True).tracing == ls.Tracing()
    with pytest.raises(ls.ConfigurationError, match=r"tracing=ls\.Tracing\(record_content=True\)"):
        ls.Client(ls.OpenAI(api_key="k"), tracing="yes")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_with_no_tracer_provider_nothing_is_created(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API is imported here, but no provider was set: not one span is asked for, and the
    call carries no trace at all."""
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a span was started")

    for tracer_class in (trace.ProxyTracer, trace.NoOpTracer):
        monkeypatch.setattr(tracer_class, "start_span", refuse)
    monkeypatch.setattr(trace.ProxyTracerProvider, "get_tracer", refuse)
    fake.add(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"})]), "Hot.")
    client = fake.async_client()
    assert open_call(client, "m", [ls.user("hi")], {}, stream=True)._call.trace is None
    result = await ls.Agent(client, "m", tools=[weather]).run("Weather?")
    assert result.text == "Hot."


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_llmstream_never_imports_opentelemetry_itself() -> None:
    """A program that never set up OpenTelemetry does not load it through llmstream, even
    with it installed, and its calls and agent runs work as ever."""
    output = run_python(
        """
        import sys
        import llmstream as ls
        from llmstream.testing import FakeLLM, Reply, tool_call

        @ls.tool
        def weather(location: str) -> str:
            "The weather."
            return "40 C"

        fake = FakeLLM(Reply("", tool_calls=[tool_call("weather", {"location": "Rome"})]), "Hot.")
        with fake.client() as client:
            result = ls.Agent(client, "m", tools=[weather]).run_sync("Weather?")
        print(result.text, sorted(m for m in sys.modules if m.startswith("opentelemetry")))
        """
    )
    assert output == "Hot. []"


def test_a_global_tracer_provider_switches_tracing_on() -> None:
    """The default client traces as soon as the application sets a tracer provider."""
    output = run_python(
        """
        import llmstream as ls
        from llmstream.testing import FakeLLM
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        fake = FakeLLM("before", "after")
        client = fake.client()  # made before the provider is set: looked up at each call
        client.generate(model="m", messages=[ls.user("hi")])
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        client.generate(model="m", messages=[ls.user("hi")])
        print([span.name for span in exporter.get_finished_spans()])
        print(exporter.get_finished_spans()[0].instrumentation_scope.name)
        """
    )
    assert output.splitlines() == ["['chat m']", "llmstream"]


def test_the_penalties_and_choice_count_options_are_recorded() -> None:
    """`frequency_penalty`, `presence_penalty` and `n` are options of their own: recorded from
    there, as from `extra_body`, unless the provider dropped them."""
    from llmstream._tracing.attributes import request_attributes

    options = {"frequency_penalty": 0.3, "presence_penalty": 0.4, "n": 1}
    assert request_attributes(options, dropped=set()) == {
        "gen_ai.request.frequency_penalty": 0.3,
        "gen_ai.request.presence_penalty": 0.4,
        "gen_ai.request.choice.count": 1,
    }
    assert request_attributes(options, dropped={"frequency_penalty", "presence_penalty"}) == {
        "gen_ai.request.choice.count": 1
    }
