"""The fake LLM (llmstream.testing.FakeLLM): replies and faults, through the transport (no
sockets) and the loopback server (real sockets), each fault ending in its documented error."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import llmstream as ls
from llmstream.testing import (
    FakeLLM,
    FakeRequest,
    Reply,
    ScriptExhausted,
    disconnect,
    error_event,
    stall,
    status,
    tool_call,
)

FAST = ls.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
# A stall well past the limit it is meant to hit, short enough that the transport (which can only
# notice a limit once the stall is over) keeps the suite fast. Each test sets only the limit it
# tests tight, so a slow machine cannot trip another one.
STALL = 1.0
IDLE = ls.Timeouts(first_event=10.0, idle=0.3)
FIRST_EVENT = ls.Timeouts(first_event=0.3, idle=10.0)


def _transport(fake: FakeLLM, **options: Any) -> ls.AsyncClient:
    return fake.async_client(**options)


def _server(fake: FakeLLM, **options: Any) -> ls.AsyncClient:
    return fake.serve().async_client(**options)


@pytest.fixture(params=["transport", "server"])
def route(request: pytest.FixtureRequest) -> Callable[..., ls.AsyncClient]:
    """Both ways to reach a fake: an httpx transport, and HTTP on 127.0.0.1."""
    return _transport if request.param == "transport" else _server


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


async def stream_all(
    client: ls.AsyncClient, **options: Any
) -> tuple[list[ls.StreamEvent], ls.AssistantMessage]:
    events: list[ls.StreamEvent] = []
    async with client:
        async with client.stream(model="fake-model", messages=[ls.user("hi")], **options) as s:
            async for event in s:
                events.append(event)
    return events, s.message


async def stream_error(
    client: ls.AsyncClient, **options: Any
) -> tuple[list[ls.StreamEvent], ls.APIError]:
    events: list[ls.StreamEvent] = []
    async with client:
        with pytest.raises(ls.APIError) as caught:
            async with client.stream(model="fake-model", messages=[ls.user("hi")], **options) as s:
                async for event in s:
                    events.append(event)
    return events, caught.value


def texts(events: list[ls.StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ls.TextDelta))


# -- replies ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_reply_with_every_part(fake: FakeLLM, route: Callable[..., ls.AsyncClient]) -> None:
    fake.add(
        Reply(
            "The weather is fine",
            reasoning="Let me think",
            tool_calls=[tool_call("weather", {"city": "Florence"}, id="call_w"), ("time", "{}")],
            usage=(12, 34),
        )
    )
    events, message = await stream_all(route(fake))
    kinds = [type(event).__name__ for event in events]
    assert kinds[:3] == ["ReasoningDelta", "ReasoningDelta", "ReasoningDelta"]
    assert "ReasoningEnd" in kinds
    assert kinds[-2:] == ["Usage", "Finish"]
    assert message.reasoning == "Let me think"
    assert message.text == texts(events) == "The weather is fine"
    assert [(c.id, c.name, c.parsed_arguments) for c in message.tool_calls] == [
        ("call_w", "weather", {"city": "Florence"}),
        ("call_1", "time", {}),
    ]
    assert message.finish_reason == "tool_calls"
    assert message.usage is not None
    assert (message.usage.input_tokens, message.usage.output_tokens) == (12, 34)
    assert fake.pending == 0


@pytest.mark.anyio
async def test_text_pieces_are_streamed_as_given(fake: FakeLLM) -> None:
    fake.add(Reply(["Ol", "á", "!"], finish="length", usage=None))
    events, message = await stream_all(fake.async_client())
    assert [e.text for e in events if isinstance(e, ls.TextDelta)] == ["Ol", "á", "!"]
    assert message.finish_reason == "length"
    assert message.usage is None


@pytest.mark.anyio
async def test_a_string_entry_is_a_text_reply_and_a_function_sees_the_request(
    fake: FakeLLM,
) -> None:
    def echo(request: FakeRequest) -> str:
        return f"you said {request.messages[-1]['content']}"

    fake.add("first", echo)
    async with fake.async_client() as client:
        first = await client.generate(model="m", messages=[ls.user("hi")])
        second = await client.generate(model="m", messages=[ls.user("again")])
    assert (first.text, second.text) == ("first", "you said again")


@pytest.mark.anyio
async def test_explicit_chunks(fake: FakeLLM, route: Callable[..., ls.AsyncClient]) -> None:
    fake.add(
        Reply(
            chunks=[
                b": a comment, as some servers send\n\n",
                {"choices": [{"index": 0, "delta": {"content": "raw"}, "finish_reason": None}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
        )
    )
    _, message = await stream_all(route(fake))
    assert message.text == "raw"
    assert message.finish_reason == "stop"


def test_reasoning_goes_in_the_field_the_provider_reads() -> None:
    fake = FakeLLM(Reply("ok", reasoning="hmm"), reasoning_field="reasoning")
    provider = ls.Groq(api_key="fake-key", base_url="https://fake-llm.invalid/v1")
    with ls.Client(provider, transport=fake.transport) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            message = stream.collect()
    assert message.reasoning == "hmm"


@pytest.mark.anyio
async def test_a_whole_reply_for_generate(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("whole", reasoning="why", tool_calls=[("f", {"x": 1})], usage=(3, 4)))
    async with route(fake) as client:
        message = await client.generate(model="m", messages=[ls.user("hi")])
    assert (message.text, message.reasoning) == ("whole", "why")
    assert [call.parsed_arguments for call in message.tool_calls] == [{"x": 1}]
    assert message.usage is not None
    assert message.usage.total_tokens == 7
    assert fake.requests[0].stream is False


@pytest.mark.anyio
async def test_requests_are_kept_with_credentials_masked(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add("hi")
    await stream_all(route(fake), temperature=0.5)
    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.model == "fake-model"
    assert request.stream is True
    assert request.body["temperature"] == 0.5
    assert request.messages == [{"role": "user", "content": "hi"}]
    assert request.headers["authorization"] == "[redacted]"
    assert "fake-key" not in repr(request)


@pytest.mark.anyio
async def test_split_bytes_gives_the_same_events(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    reply = Reply("Olá, mundo", reasoning="ok", tool_calls=[("f", {"a": "é"})])
    fake.add(
        reply, Reply(reply.text, reasoning="ok", tool_calls=[("f", {"a": "é"})], split_bytes=True)
    )
    whole, _ = await stream_all(route(fake))
    split, _ = await stream_all(route(fake))
    # Tool-call ids are numbered per fake, so compare everything else.
    assert [e for e in whole if not isinstance(e, ls.ToolCallStart | ls.ToolCallEnd)] == [
        e for e in split if not isinstance(e, ls.ToolCallStart | ls.ToolCallEnd)
    ]


@pytest.mark.anyio
async def test_split_bytes_really_splits_every_byte(fake: FakeLLM) -> None:
    fake.add(Reply("ab", split_bytes=True, usage=None))
    async with httpx.AsyncClient(transport=fake.transport) as http:
        async with http.stream(
            "POST", "https://fake-llm.invalid/v1/chat/completions", json={"stream": True}
        ) as response:
            reads = [part async for part in response.aiter_raw()]
    assert len(reads) > 10
    assert all(len(part) == 1 for part in reads)
    assert b"".join(reads).endswith(b"data: [DONE]\n\n")


# -- faults: the documented error for each -------------------------------------------------------


@pytest.mark.anyio
async def test_stall_after_events_is_an_idle_timeout(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("one two three four", faults=[stall(after=2, seconds=STALL)]))
    events, error = await stream_error(route(fake, timeouts=IDLE, max_retries=0))
    assert type(error) is ls.StreamTimeoutError
    assert (error.limit, error.seconds) == ("idle", 0.3)
    assert texts(events) == "one two "
    assert error.partial is not None
    assert error.partial.text == "one two "


@pytest.mark.anyio
async def test_a_stall_over_the_socket_is_cut_short_by_the_limit(fake: FakeLLM) -> None:
    fake.add(Reply("one two", faults=[stall(after=1, seconds=30)]))
    start = time.monotonic()
    _, error = await stream_error(_server(fake, timeouts=IDLE, max_retries=0))
    assert type(error) is ls.StreamTimeoutError
    assert time.monotonic() - start < 5


@pytest.mark.anyio
async def test_stall_before_the_first_event_is_a_first_event_timeout(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("late", faults=[stall(after=0, seconds=STALL)]))
    events, error = await stream_error(route(fake, timeouts=FIRST_EVENT, max_retries=0))
    assert type(error) is ls.StreamTimeoutError
    assert error.limit == "first_event"
    assert events == []


@pytest.mark.anyio
async def test_a_stall_within_the_limit_is_only_slow(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("slow but fine", faults=[stall(after=1, seconds=0.05)]))
    _, message = await stream_all(route(fake, timeouts=IDLE))
    assert message.text == "slow but fine"


@pytest.mark.anyio
async def test_disconnect_mid_stream_is_a_connection_error(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("one two three", faults=[disconnect(after=2)]))
    events, error = await stream_error(route(fake))
    assert type(error) is ls.APIConnectionError
    assert texts(events) == "one two "
    assert len(fake.requests) == 1  # after the first event: never retried


@pytest.mark.anyio
async def test_a_graceful_disconnect_is_an_incomplete_stream(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("one two three", faults=[disconnect(after=2, graceful=True)]))
    events, error = await stream_error(route(fake))
    assert type(error) is ls.IncompleteStreamError
    assert error.partial is not None
    assert error.partial.finish_reason is None
    assert texts(events) == error.partial.text == "one two "


@pytest.mark.anyio
async def test_a_disconnect_before_the_first_event_is_retried(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(Reply("lost", faults=[disconnect(after=0)]), "second try")
    _, message = await stream_all(route(fake, retry_policy=FAST))
    assert message.text == "second try"
    assert len(fake.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("sse_event", [False, True], ids=["data", "event-error"])
async def test_an_error_event_is_a_stream_error(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient], sse_event: bool
) -> None:
    fake.add(
        Reply(
            "one two three",
            faults=[error_event(after=2, message="boom", code="internal", sse_event=sse_event)],
        )
    )
    events, error = await stream_error(route(fake))
    assert type(error) is ls.StreamError
    assert (error.message, error.type, error.code) == ("boom", "server_error", "internal")
    assert texts(events) == "one two "
    assert len(fake.requests) == 1


@pytest.mark.anyio
async def test_a_retryable_error_event_before_the_first_event_is_retried(fake: FakeLLM) -> None:
    fake.add(Reply("x", faults=[error_event(after=0, code="overloaded")]), "recovered")
    _, message = await stream_all(fake.async_client(retry_policy=FAST))
    assert message.text == "recovered"


@pytest.mark.anyio
async def test_a_429_is_a_rate_limit_error_with_retry_after(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(status(429, retry_after=1.5))
    events, error = await stream_error(route(fake, max_retries=0))
    assert type(error) is ls.RateLimitError
    assert error.status_code == 429
    assert error.retry_after == 1.5
    assert error.code == "rate_limit_exceeded"
    assert error.request_id == "req_fake_0"
    assert events == []


@pytest.mark.anyio
async def test_a_429_is_retried_after_retry_after(
    fake: FakeLLM, route: Callable[..., ls.AsyncClient]
) -> None:
    fake.add(status(429, retry_after=0.3), "made it")
    start = time.monotonic()
    _, message = await stream_all(route(fake, max_retries=1))
    assert message.text == "made it"
    assert len(fake.requests) == 2
    assert time.monotonic() - start >= 0.28


STATUSES = [
    (400, ls.BadRequestError),
    (401, ls.AuthenticationError),
    (403, ls.PermissionDeniedError),
    (404, ls.NotFoundError),
    (500, ls.ServerError),
    (503, ls.OverloadedError),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("code", "error_type"), STATUSES)
async def test_each_status_is_its_typed_error(
    fake: FakeLLM, code: int, error_type: type[ls.APIStatusError]
) -> None:
    fake.add(status(code, message="nope"))
    _, error = await stream_error(fake.async_client(max_retries=0))
    assert type(error) is error_type
    assert isinstance(error, ls.APIStatusError)
    assert (error.status_code, error.message) == (code, "nope")


@pytest.mark.anyio
async def test_faults_on_a_whole_reply(fake: FakeLLM, route: Callable[..., ls.AsyncClient]) -> None:
    fake.add(
        Reply("x", faults=[error_event(after=0, message="inside", code="bad")]),
        Reply("x", faults=[disconnect(after=0)]),
        Reply("slow", faults=[stall(after=0, seconds=0.05)]),
    )
    async with route(fake, max_retries=0) as client:
        with pytest.raises(ls.StreamError, match="inside"):
            await client.generate(model="m", messages=[ls.user("hi")])
        with pytest.raises(ls.APIConnectionError):
            await client.generate(model="m", messages=[ls.user("hi")])
        message = await client.generate(model="m", messages=[ls.user("hi")])
    assert message.text == "slow"


# -- the script ---------------------------------------------------------------------------------


def test_running_out_of_script_through_the_transport() -> None:
    fake = FakeLLM("only one")
    with fake.client() as client:
        client.generate(model="m", messages=[ls.user("hi")])
        with pytest.raises(ScriptExhausted, match="request #2"):
            client.generate(model="m", messages=[ls.user("again")])


def test_running_out_of_script_over_the_server() -> None:
    fake = FakeLLM()
    with fake.serve() as server, server.client() as client:
        with pytest.raises(ls.BadRequestError, match="no entry left"):
            client.generate(model="m", messages=[ls.user("hi")])


def test_other_endpoints_are_not_found() -> None:
    fake = FakeLLM("unused")
    with httpx.Client(transport=fake.transport) as http:
        response = http.get("https://fake-llm.invalid/v1/models")
    assert response.status_code == 404
    assert fake.pending == 1


def test_a_reply_takes_chunks_or_content_not_both() -> None:
    with pytest.raises(ValueError, match="either chunks"):
        Reply("text", chunks=[b"data: [DONE]\n\n"])


@pytest.mark.parametrize(
    "make",
    [
        lambda: stall(after=-1, seconds=1),
        lambda: stall(after=0, seconds=-1),
        lambda: disconnect(after=-1),
        lambda: error_event(after=-1),
    ],
)
def test_faults_refuse_negative_numbers(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        make()


# -- the sync client, on both paths ---------------------------------------------------------------


@pytest.mark.parametrize("over", ["transport", "server"])
def test_sync_client_and_faults(over: str) -> None:
    fake = FakeLLM(
        Reply("one two three"),
        Reply("one two", faults=[stall(after=1, seconds=STALL)]),
        Reply("one two", faults=[disconnect(after=1)]),
        status(429, retry_after=2),
    )
    try:
        target = fake if over == "transport" else fake.serve()
        with target.client(timeouts=IDLE, max_retries=0) as client:
            with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                assert stream.collect().text == "one two three"
            for expected in (ls.StreamTimeoutError, ls.APIConnectionError, ls.RateLimitError):
                with pytest.raises(expected) as caught:
                    with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                        stream.collect()
                assert type(caught.value) is expected
        assert isinstance(caught.value, ls.RateLimitError)
        assert caught.value.retry_after == 2
    finally:
        fake.close()
