"""Reliability on real sockets: every fault the fault server can script, one test each.

Each test asserts the exact error type and fields, `partial` (what arrived before the fault), and
how many attempts the server saw: a stream is retried only until its first event reached us.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import anyio
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import (
    FaultServer,
    close_without_finish,
    eof_mid_body,
    keepalives,
    protocol_garbage,
    raw,
    reset_after,
    stall,
    status,
    stream,
    text_of,
)

FAST_RETRIES = ls.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05)


def client_for(
    base_url: str,
    *,
    provider: type[ls.Provider] = ls.OpenAI,
    timeouts: ls.Timeouts | None = None,
    retries: int = 2,
    **kwargs: Any,
) -> ls.AsyncClient:
    return ls.AsyncClient(
        provider(api_key=TEST_KEY, base_url=base_url),
        timeouts=timeouts,
        retry_policy=FAST_RETRIES,
        max_retries=retries,
        **kwargs,
    )


async def consume(client: ls.AsyncClient) -> tuple[list[ls.StreamEvent], ls.AssistantMessage]:
    events: list[ls.StreamEvent] = []
    async with client:
        async with client.stream(model="gpt-4o-mini", messages=[ls.user("hi")]) as s:
            async for event in s:
                events.append(event)
    return events, s.message


async def failing(client: ls.AsyncClient) -> tuple[list[ls.StreamEvent], ls.APIError]:
    events: list[ls.StreamEvent] = []
    async with client:
        with pytest.raises(ls.APIError) as caught:
            async with client.stream(model="gpt-4o-mini", messages=[ls.user("hi")]) as s:
                async for event in s:
                    events.append(event)
    return events, caught.value


def texts(events: list[ls.StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ls.TextDelta))


# -- the happy path, to anchor everything else ---------------------------------------------------


@pytest.mark.anyio
async def test_clean_stream(server: FaultServer) -> None:
    name, url = server.scenario(stream(5))
    events, message = await consume(client_for(url))
    assert message.text == texts(events) == text_of(5)
    assert message.request_id == f"req_{name}_0"
    assert server.attempts[name] == 1


# -- time limits -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_delay_before_headers_hits_first_event(server: FaultServer) -> None:
    name, url = server.scenario(stream(3, before_headers=5))
    start = time.monotonic()
    events, error = await failing(client_for(url, timeouts=ls.Timeouts(first_event=0.3), retries=1))
    assert isinstance(error, ls.StreamTimeoutError)
    assert (error.limit, error.seconds) == ("first_event", 0.3)
    assert error.partial is not None
    assert error.partial.text == ""
    assert events == []
    assert server.attempts[name] == 2  # nothing reached us: retried once
    assert time.monotonic() - start < 3


@pytest.mark.anyio
async def test_delay_within_the_limit_is_fine(server: FaultServer) -> None:
    _name, url = server.scenario(stream(3, before_headers=0.2))
    _, message = await consume(client_for(url, timeouts=ls.Timeouts(first_event=2)))
    assert message.text == text_of(3)


@pytest.mark.anyio
async def test_stall_after_events_hits_idle(server: FaultServer) -> None:
    name, url = server.scenario(stall(after_events=3))
    start = time.monotonic()
    events, error = await failing(client_for(url, timeouts=ls.Timeouts(idle=0.3)))
    assert isinstance(error, ls.StreamTimeoutError)
    assert (error.limit, error.seconds) == ("idle", 0.3)
    assert texts(events) == text_of(3)  # what arrived was delivered and stays valid
    assert error.partial is not None
    assert error.partial.text == text_of(3)
    assert server.attempts[name] == 1  # events had reached us: no retry
    assert time.monotonic() - start < 3


@pytest.mark.anyio
async def test_keepalive_comments_do_not_count_as_events(server: FaultServer) -> None:
    name, url = server.scenario(keepalives(every=0.05))
    events, error = await failing(client_for(url, timeouts=ls.Timeouts(first_event=0.4), retries=0))
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "first_event"
    assert events == []
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_keepalives_after_events_hit_idle(server: FaultServer) -> None:
    name, url = server.scenario(keepalives(every=0.05, after_events=2))
    events, error = await failing(client_for(url, timeouts=ls.Timeouts(idle=0.4)))
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "idle"
    assert texts(events) == text_of(2)
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_total_limit(server: FaultServer) -> None:
    _name, url = server.scenario(stream(50, delay=0.05))
    events, error = await failing(client_for(url, timeouts=ls.Timeouts(total=0.5, idle=5)))
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "total"
    assert 3 < len(texts(events).split()) < 50
    assert error.partial is not None
    assert error.partial.text == texts(events)


@pytest.mark.anyio
async def test_time_spent_by_the_caller_is_not_silence(server: FaultServer) -> None:
    """`idle` runs only while llmstream waits for the network, not while the caller works."""
    _name, url = server.scenario(stream(3))
    client = client_for(url, timeouts=ls.Timeouts(idle=0.2))
    async with client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
            async for _ in s:
                await anyio.sleep(0.3)
    assert s.message.text == text_of(3)


# -- the connection breaks ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_reset_mid_stream(server: FaultServer) -> None:
    name, url = server.scenario(reset_after(3))
    events, error = await failing(client_for(url))
    assert type(error) is ls.APIConnectionError
    assert "the connection failed" in str(error)
    assert error.partial is not None
    assert error.partial.text == texts(events) == text_of(3)
    assert error.request_id == f"req_{name}_0"
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_close_without_done_or_finish(server: FaultServer) -> None:
    name, url = server.scenario(close_without_finish(4))
    events, error = await failing(client_for(url))
    assert isinstance(error, ls.IncompleteStreamError)
    assert error.partial is not None
    assert error.partial.text == texts(events) == text_of(4)
    assert error.partial.finish_reason is None
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_eof_inside_the_http_body(server: FaultServer) -> None:
    name, url = server.scenario(eof_mid_body(2))
    _events, error = await failing(client_for(url))
    assert type(error) is ls.APIConnectionError
    assert error.partial is not None
    assert error.partial.text == text_of(2)
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_a_stream_that_dies_before_any_event_is_retried(server: FaultServer) -> None:
    name, url = server.scenario(close_without_finish(0), reset_after(0), stream(2))
    _, message = await consume(client_for(url))
    assert message.text == text_of(2)
    assert server.attempts[name] == 3


@pytest.mark.anyio
async def test_not_http_at_all(server: FaultServer) -> None:
    name, url = server.scenario(protocol_garbage())
    _events, error = await failing(client_for(url, retries=1))
    assert type(error) is ls.APIConnectionError
    assert server.attempts[name] == 2


@pytest.mark.anyio
async def test_connection_refused() -> None:
    with socket_closed_port() as port:
        client = client_for(f"http://127.0.0.1:{port}/v1", retries=1)
        _events, error = await failing(client)
    assert type(error) is ls.APIConnectionError
    assert "ConnectError" in str(error)
    assert error.partial is not None
    assert error.partial.text == ""


# -- the bytes are wrong ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_garbage_bytes(server: FaultServer) -> None:
    name, url = server.scenario(raw(2, b"data: \xff\xfe{not json at all\n\n"))
    events, error = await failing(client_for(url))
    assert isinstance(error, ls.MalformedChunkError)
    assert error.data is not None
    assert "not json at all" in error.data
    assert error.partial is not None
    assert error.partial.text == texts(events) == text_of(2)
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_an_oversized_line(server: FaultServer) -> None:
    _name, url = server.scenario(raw(1, b"data: " + b"x" * 200_000))
    _events, error = await failing(client_for(url, max_line_bytes=64 * 1024))
    assert isinstance(error, ls.MalformedChunkError)
    assert "grew past 65536 bytes" in str(error)
    assert error.partial is not None
    assert error.partial.text == text_of(1)


@pytest.mark.anyio
async def test_sse_edge_cases_over_the_wire(server: FaultServer) -> None:
    """A BOM, CR-only line endings, comments, a JSON split over two data lines, id/retry."""
    first = json.dumps({"choices": [{"index": 0, "delta": {"content": "Olá"}}]})
    cut = first.index('"delta"')  # between two members: a newline there is JSON whitespace
    body = (
        "\ufeff: hello\rid: 1\rretry: 10\rdata: "
        + first[:cut]
        + "\rdata:"
        + first[cut:]
        + "\r\r"
        + 'data: {"choices":[{"index":0,"delta":{"content":" mundo"},"finish_reason":"stop"}]}\r\r'
        + "data: [DONE]\r\r"
    ).encode()
    _name, url = server.scenario(raw(0, body))
    _, message = await consume(client_for(url))
    assert message.text == "Olá mundo"


# -- the provider reports an error inside the stream -------------------------------------------

IN_STREAM_ERRORS = [
    pytest.param(
        ls.OpenAI,
        b'data: {"error": {"message": "The server had an error while processing your request.", '
        b'"type": "server_error", "param": null, "code": null}}\n\n',
        {"type": "server_error", "code": None, "status_code": None},
        id="openai",
    ),
    pytest.param(
        ls.Groq,
        b'event: error\ndata: {"error": {"message": "Failed to call a function. Please adjust '
        b'your prompt.", "type": "invalid_request_error", "code": "tool_use_failed", '
        b'"failed_generation": "<function=weather>{}", "status_code": 400}}\n\n',
        {"type": "invalid_request_error", "code": "tool_use_failed", "status_code": 400},
        id="groq",
    ),
    pytest.param(
        ls.Cerebras,
        b'data: {"message": "Encountered a server error, please try again.", '
        b'"type": "server_error", "param": "", "code": "internal_error"}\n\n',
        {"type": "server_error", "code": "internal_error", "status_code": None},
        id="cerebras",
    ),
    pytest.param(
        ls.XAI,
        b'data: {"code": "Internal error", "error": "Internal%20error%20while%20streaming"}\n\n',
        {"type": None, "code": "Internal error", "status_code": None},
        id="xai",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("provider", "payload", "fields"), IN_STREAM_ERRORS)
async def test_error_event_mid_stream(
    server: FaultServer, provider: type[ls.Provider], payload: bytes, fields: dict[str, Any]
) -> None:
    name, url = server.scenario(raw(2, payload))
    events, error = await failing(client_for(url, provider=provider))
    assert isinstance(error, ls.StreamError)
    assert {key: getattr(error, key) for key in fields} == fields
    assert error.message
    assert "%20" not in error.message  # xAI's percent-encoding is undone
    assert error.provider == provider.name
    assert error.partial is not None
    assert error.partial.text == texts(events) == text_of(2)
    assert server.attempts[name] == 1  # after the first event: never retried


@pytest.mark.anyio
async def test_error_event_before_any_event_is_retried(server: FaultServer) -> None:
    error_chunk = b'data: {"error": {"message": "overloaded", "type": "server_error"}}\n\n'
    name, url = server.scenario(raw(0, error_chunk), stream(2))
    _, message = await consume(client_for(url))
    assert message.text == text_of(2)
    assert server.attempts[name] == 2


XAI_TIMEOUT = {
    "code": "The service is currently unavailable",
    "error": "Timed out waiting for first token",
}


@pytest.mark.anyio
async def test_json_body_instead_of_sse_is_retried(server: FaultServer) -> None:
    name, url = server.scenario(status(200, XAI_TIMEOUT), stream(2))
    _, message = await consume(client_for(url, provider=ls.XAI))
    assert message.text == text_of(2)
    assert server.attempts[name] == 2


@pytest.mark.anyio
async def test_json_body_instead_of_sse_every_time(server: FaultServer) -> None:
    name, url = server.scenario(status(200, XAI_TIMEOUT))
    events, error = await failing(client_for(url, provider=ls.XAI))
    assert isinstance(error, ls.StreamError)
    assert error.message == "Timed out waiting for first token"
    assert error.code == "The service is currently unavailable"
    assert events == []
    assert server.attempts[name] == 3


# -- HTTP errors and retries ----------------------------------------------------------------------

RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


def _http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


RETRY_HEADERS = [
    pytest.param({"retry-after-ms": "250"}, 0.25, id="retry-after-ms"),
    pytest.param({"retry-after": "0.3"}, 0.3, id="retry-after-seconds"),
    pytest.param(None, 0.5, id="retry-after-http-date"),
    pytest.param(
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "0.3s"},
        0.3,
        id="openai-reset-duration",
    ),
    pytest.param(
        {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "250ms"},
        0.25,
        id="groq-reset-ms",
    ),
    pytest.param(
        {"x-ratelimit-remaining-tokens-minute": "0", "x-ratelimit-reset-tokens-minute": "0.3"},
        0.3,
        id="cerebras-reset-seconds",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("headers", "wait"), RETRY_HEADERS)
async def test_429_with_retry_header_then_success(
    server: FaultServer, headers: dict[str, str] | None, wait: float
) -> None:
    # An HTTP date has one-second resolution: ask for 1.5s, expect at least 0.5s.
    headers = headers or {"retry-after": _http_date(1.5)}
    name, url = server.scenario(status(429, RATE_LIMITED, headers), stream(2))
    start = time.monotonic()
    _, message = await consume(client_for(url))
    assert message.text == text_of(2)
    assert server.attempts[name] == 2
    assert time.monotonic() - start >= wait - 0.02


@pytest.mark.anyio
async def test_429_asking_for_too_long_is_raised_at_once(server: FaultServer) -> None:
    name, url = server.scenario(status(429, RATE_LIMITED, {"retry-after": "3600"}))
    _, error = await failing(client_for(url))
    assert isinstance(error, ls.RateLimitError)
    assert error.retry_after == 3600
    assert error.code == "rate_limit_exceeded"
    assert error.type == "requests"
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_500_storm_gives_up_after_max_retries(server: FaultServer) -> None:
    body = {"error": {"message": "The server had an error", "type": "server_error"}}
    name, url = server.scenario(status(500, body))
    _, error = await failing(client_for(url))
    assert isinstance(error, ls.ServerError)
    assert error.status_code == 500
    assert error.request_id == f"req_{name}_2"
    assert server.attempts[name] == 3


@pytest.mark.anyio
async def test_500s_then_success(server: FaultServer) -> None:
    body = {"error": {"message": "The server had an error", "type": "server_error"}}
    name, url = server.scenario(
        status(500, body), status(502, b"<html>bad gateway</html>"), stream(3)
    )
    client = client_for(url)
    async with client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
            message = await s.collect()
    assert message.text == text_of(3)
    assert s.attempts == 3
    assert server.attempts[name] == 3


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (400, ls.BadRequestError),
        (401, ls.AuthenticationError),
        (403, ls.PermissionDeniedError),
        (404, ls.NotFoundError),
        (422, ls.BadRequestError),
    ],
)
async def test_client_errors_are_never_retried(
    server: FaultServer, code: int, error_class: type[ls.APIStatusError]
) -> None:
    body = {"error": {"message": "no", "type": "invalid_request_error"}}
    name, url = server.scenario(status(code, body, {"x-should-retry": "true"}), stream(1))
    _, error = await failing(client_for(url))
    assert type(error) is error_class
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_x_should_retry_false_is_honoured(server: FaultServer) -> None:
    name, url = server.scenario(
        status(500, {"error": {"message": "no"}}, {"x-should-retry": "false"})
    )
    _, error = await failing(client_for(url))
    assert isinstance(error, ls.ServerError)
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_x_should_retry_true_on_a_409(server: FaultServer) -> None:
    name, url = server.scenario(
        status(418, {"error": {"message": "teapot"}}, {"x-should-retry": "true"}), stream(1)
    )
    _, message = await consume(client_for(url))
    assert message.text == text_of(1)
    assert server.attempts[name] == 2


@pytest.mark.anyio
async def test_max_retries_per_call_overrides_the_client(server: FaultServer) -> None:
    name, url = server.scenario(status(503, {"error": {"message": "busy"}}))
    client = client_for(url, retries=5)
    async with client:
        with pytest.raises(ls.OverloadedError):
            async with client.stream(model="m", messages=[ls.user("hi")], max_retries=0):
                pass
    assert server.attempts[name] == 1


@pytest.mark.anyio
async def test_generate_retries_and_reads_the_reply(server: FaultServer) -> None:
    reply = {
        "choices": [{"index": 0, "message": {"content": "whole"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    headers = {"x-ratelimit-remaining-tokens": "99", "x-ratelimit-limit-tokens": "100"}
    name, url = server.scenario(
        status(503, {"error": {"message": "busy"}}), status(200, reply, headers)
    )
    async with client_for(url) as client:
        message = await client.generate(model="m", messages=[ls.user("hi")])
    assert message.text == "whole"
    assert message.request_id == f"req_{name}_1"
    assert message.limits is not None
    assert (message.limits.remaining_tokens, message.limits.limit_tokens) == (99, 100)
    assert server.attempts[name] == 2


class socket_closed_port:
    """A port on 127.0.0.1 that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        pass


class unanswered_port:
    """A port whose accept queue is full, so a new connection hangs in the TCP handshake."""

    def __enter__(self) -> int:
        import socket

        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        port = int(self.listener.getsockname()[1])
        self.fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            self.fillers.append(filler)
        time.sleep(0.1)
        return port

    def __exit__(self, *exc: object) -> None:
        for sock in [*self.fillers, self.listener]:
            sock.close()


@pytest.mark.anyio
async def test_connect_timeout() -> None:
    with unanswered_port() as port:
        client = client_for(
            f"http://127.0.0.1:{port}/v1", timeouts=ls.Timeouts(connect=0.3), retries=1
        )
        start = time.monotonic()
        _events, error = await failing(client)
    assert isinstance(error, ls.StreamTimeoutError)
    assert (error.limit, error.seconds) == ("connect", 0.3)
    assert 0.5 < time.monotonic() - start < 3  # two attempts of 0.3s


def test_connect_timeout_sync() -> None:
    with unanswered_port() as port:
        provider = ls.OpenAI(api_key=TEST_KEY, base_url=f"http://127.0.0.1:{port}/v1")
        with ls.Client(provider, timeouts=ls.Timeouts(connect=0.3), max_retries=0) as client:
            with pytest.raises(ls.StreamTimeoutError) as caught:
                with client.stream(model="m", messages=[ls.user("hi")]):
                    pass
    assert caught.value.limit == "connect"
