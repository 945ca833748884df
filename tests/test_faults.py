"""Reliability on real sockets: what the fault table (test_fault_table.py) cannot express.

The table runs every scripted fault through every call path; these are the behaviours that
belong to one path or need a socket of their own: a caller that holds events, the stream's own
attempt count, per-call retry settings, an HTTP date to wait for, refused and unanswered
connections, and the watchdog's bookkeeping.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import time
import zlib
from typing import Any, ClassVar

import anyio
import httpx
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import (
    USAGE,
    FaultServer,
    chunk,
    encoded,
    endless_lines,
    status,
    stream,
    text_event,
    text_of,
    whole_reply,
    words,
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


@pytest.mark.anyio
async def test_an_http_date_to_wait_for(server: FaultServer) -> None:
    # An HTTP date has one-second resolution: ask for 1.5s, expect at least 0.5s.
    when = email.utils.formatdate(time.time() + 1.5, usegmt=True)
    rate_limited = {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}
    name, url = server.scenario(status(429, rate_limited, {"retry-after": when}), stream(2))
    start = time.monotonic()
    _, message = await consume(client_for(url))
    assert message.text == text_of(2)
    assert server.attempts[name] == 2
    assert time.monotonic() - start >= 0.5


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
async def test_a_retry_whose_wait_would_pass_the_total_limit_is_not_made(
    server: FaultServer,
) -> None:
    """The backoff (4-8 s) would end past the call's total limit (3 s): the 500 is raised at
    once, after one attempt, instead of a sleep that outlives the deadline (or that lasts until
    it)."""
    slow_backoff = ls.RetryPolicy(max_retries=3, initial_delay=8, max_delay=8)
    options: dict[str, Any] = {
        "retry_policy": slow_backoff,
        "timeouts": ls.Timeouts(total=3.0),
    }
    name, url = server.scenario(status(500, {"error": {"message": "busy"}}))
    provider = ls.OpenAI(api_key=TEST_KEY, base_url=url)
    async with ls.AsyncClient(provider, **options) as client:
        start = time.monotonic()
        with pytest.raises(ls.ServerError) as caught:
            await client.generate(model="m", messages=[ls.user("hi")])
        assert time.monotonic() - start < 2
    assert (caught.value.attempts, server.attempts[name]) == (1, 1)
    with ls.Client(provider, **options) as sync_client:
        start = time.monotonic()
        with pytest.raises(ls.ServerError):
            sync_client.generate(model="m", messages=[ls.user("hi")])
        assert time.monotonic() - start < 2
    assert server.attempts[name] == 2


def refused_as_too_large(url: str) -> tuple[ls.ResponseTooLargeError, int]:
    """A whole-reply call (max_line_bytes 1 MiB) that must be refused as too large: its error,
    and the most memory Python held during it."""
    import tracemalloc

    tracemalloc.start()
    try:
        with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url), max_line_bytes=1 << 20) as c:
            with pytest.raises(ls.ResponseTooLargeError) as caught:
                c.generate(model="m", messages=[ls.user("hi")])
        return caught.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_while_an_endless_event_is_refused(server: FaultServer) -> None:
    """The endless-lines server offers 32 MiB of `data:` lines with no blank line; the client
    (max_line_bytes 1 MiB) refuses the event at its bound and holds about that much, however
    much the server would send."""
    name, url = server.scenario(endless_lines(up_to=32 << 20))
    error, peak = refused_as_too_large(url)
    assert (error.limit, error.max_bytes) == ("max_line_bytes", 1 << 20)
    assert "max_line_bytes=" in str(error)  # how to raise it
    assert peak < 8 << 20, f"the client held {peak} bytes"
    assert sum(exchange.sent for exchange in server.exchanges[name]) < 16 << 20  # it stopped


def test_a_compressed_body_that_expands_without_measure_is_refused_at_its_bound(
    server: FaultServer,
) -> None:
    """64 MiB of one `data:` line, gzipped to about 64 KiB: one network read of it would be
    64 MiB decoded at once. It is decoded a piece at a time, so the client (max_line_bytes 1
    MiB) holds about its bound when it refuses the event."""
    bomb = gzip.compress(b"data: " + b"a" * (64 << 20), compresslevel=9)
    name, url = server.scenario(encoded(bomb, "gzip"))
    error, peak = refused_as_too_large(url)
    assert (error.limit, error.max_bytes) == ("max_line_bytes", 1 << 20)
    assert peak < 8 << 20, f"the client held {peak} bytes"
    assert server.requests[name][0]["headers"]["accept-encoding"] == "gzip, deflate"


@pytest.mark.anyio
async def test_every_request_asks_only_for_the_codings_it_decodes(server: FaultServer) -> None:
    """llmstream's own httpx clients name gzip and deflate once, as a default header (with the
    User-Agent); a client of yours is left as it is (its default names br where brotli is
    installed), and each request names them instead. An `Accept-Encoding` in `extra_headers` is
    the caller's to choose."""
    name, url = server.scenario(whole_reply())
    provider = ls.OpenAI(api_key=TEST_KEY, base_url=url)
    # httpx's own default where brotli is installed: what a client of yours may ask for.
    asks = {"Accept-Encoding": "gzip, deflate, br"}
    theirs, theirs_sync = httpx.AsyncClient(headers=asks), httpx.Client(headers=asks)
    before = dict(theirs.headers), dict(theirs_sync.headers)
    own = ls.AsyncClient(provider)
    assert own.http.headers["accept-encoding"] == "gzip, deflate"  # not per request
    async with own, theirs:
        await own.generate(model="m", messages=[ls.user("hi")])
        async with ls.AsyncClient(provider, http_client=theirs) as shared:
            await shared.generate(model="m", messages=[ls.user("hi")])
            await shared.generate(
                model="m", messages=[ls.user("hi")], extra_headers={"accept-encoding": "identity"}
            )
    with theirs_sync, ls.Client(provider) as own_sync:
        own_sync.generate(model="m", messages=[ls.user("hi")])
        with ls.Client(provider, http_client=theirs_sync) as shared_sync:
            shared_sync.generate(model="m", messages=[ls.user("hi")])
        own_sync.generate(
            model="m", messages=[ls.user("hi")], extra_headers={"Accept-Encoding": "identity"}
        )
    sent = [request["headers"]["accept-encoding"] for request in server.requests[name]]
    assert sent == ["gzip, deflate", "gzip, deflate", "identity"] * 2
    agents = {request["headers"]["user-agent"] for request in server.requests[name]}
    assert agents == {f"llmstream/{ls.__version__}"}  # the same way, and the same for all
    assert (dict(theirs.headers), dict(theirs_sync.headers)) == before


def sse_body(api_words: list[str]) -> list[bytes]:
    """A whole chat completions stream, an event per item."""
    events = [f"data: {json.dumps(chunk({'role': 'assistant', 'content': ''}))}\n\n".encode()]
    events += [text_event(word, "chat") for word in api_words]
    events.append(f"data: {json.dumps(chunk({}, 'stop'))}\n\n".encode())
    events.append(f"data: {json.dumps(chunk(choices=[], usage=USAGE))}\n\n".encode())
    return [*events, b"data: [DONE]\n\n"]


def streamed_gzip(events: list[bytes]) -> bytes:
    """gzip as a streaming server writes it: flushed after every event."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    out = [compressor.compress(event) + compressor.flush(zlib.Z_SYNC_FLUSH) for event in events]
    return b"".join(out) + compressor.flush()


@pytest.mark.anyio
async def test_a_compressed_stream_reads_as_the_plain_one(server: FaultServer) -> None:
    _name, url = server.scenario(encoded(streamed_gzip(sse_body(words(40))), "gzip"))
    events, message = await consume(client_for(url))
    assert texts(events) == message.text == text_of(40)
    assert message.finish_reason == "stop"
    assert message.usage is not None
    assert message.usage.output_tokens == 5
    whole = zlib.compress(json.dumps(WHOLE_COMPLETION_DOC).encode())
    _name, url = server.scenario(encoded(whole, "deflate", content_type="application/json"))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as sync_client:
        assert sync_client.generate(model="m", messages=[ls.user("hi")]).text == "whole"


WHOLE_COMPLETION_DOC = {
    "choices": [{"index": 0, "message": {"content": "whole"}, "finish_reason": "stop"}],
}


@pytest.mark.anyio
async def test_a_coding_that_was_not_asked_for_is_a_malformed_body_that_names_it(
    server: FaultServer,
) -> None:
    name, url = server.scenario(encoded(b"\x1b\x00\x00", "br"))
    _events, error = await failing(client_for(url))
    assert type(error) is ls.MalformedChunkError
    assert "'br'" in str(error)
    assert "Accept-Encoding" in str(error)
    assert error.partial is not None
    assert error.partial.text == ""
    assert server.attempts[name] == 1  # not a failure another attempt would mend
    corrupt = streamed_gzip(sse_body(words(3)))[:60] + b"\xff" * 64
    name, url = server.scenario(encoded(corrupt, "gzip"))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url), max_retries=0) as sync_client:
        with pytest.raises(ls.MalformedChunkError, match="the gzip body is corrupt"):
            sync_client.generate(model="m", messages=[ls.user("hi")])


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
async def test_connection_refused() -> None:
    with socket_closed_port() as port:
        client = client_for(f"http://127.0.0.1:{port}/v1", retries=1)
        _events, error = await failing(client)
    assert type(error) is ls.APIConnectionError
    assert "ConnectError" in str(error)
    assert error.partial is not None
    assert error.partial.text == ""


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


def test_finished_streams_do_not_pile_up_in_the_watchdog() -> None:
    from llmstream._io.timeouts import EventClock
    from llmstream._io.watchdog import Watchdog

    class NoResponse:
        http_version = "HTTP/1.1"
        extensions: ClassVar[dict[str, object]] = {}

    watchdog = Watchdog()
    for _ in range(2000):
        watch = watchdog.watch(NoResponse(), EventClock(ls.Timeouts(first_event=600)))  # type: ignore[arg-type]
        watch.cancel()
    assert len(watchdog._heap) <= 1024


def test_a_watch_cancelled_while_it_fires_never_shuts_its_socket_down_afterwards() -> None:
    """A stream that ends just as its limit passes: its watch is cancelled while the watchdog
    thread is firing it. Once cancel() returns the connection may be back in the pool carrying
    another call, so the firing must be over by then (or never happen): cancel() and firing
    take turns."""
    import threading

    from llmstream._io.watchdog import Watch, Watchdog

    in_clock, release = threading.Event(), threading.Event()
    shut: list[str] = []

    class Clock:
        def next_deadline(self) -> tuple[float, str, float]:
            if threading.current_thread().name == "llmstream-watchdog":
                in_clock.set()  # the thread is deciding to fire: hold it there
                release.wait(5)
            return (time.monotonic() - 1, "idle", 0.1)  # passed

        def recheck_after(self, now: float) -> float | None:
            return None

    class Socket:
        def shutdown(self, how: int) -> None:
            shut.append("shut")

    watchdog = Watchdog()
    watch = Watch(watchdog, Clock(), Socket())
    watch.reschedule()
    assert in_clock.wait(5)
    seen_at_cancel: list[object] = []

    def cancel() -> None:
        watch.cancel()
        seen_at_cancel.extend([watch.fired, len(shut)])

    canceller = threading.Thread(target=cancel)
    canceller.start()
    canceller.join(0.2)  # cancel() waits for the firing under way (else it is back already)
    release.set()
    canceller.join(5)
    deadline = time.monotonic() + 5
    while watch.fired is None and time.monotonic() < deadline:
        time.sleep(0.01)
    # The firing happened before cancel() returned, as cancel() saw it: nothing came after.
    assert seen_at_cancel == [("idle", 0.1), 1]
    assert shut == ["shut"]


DEEP = b"[" * 600 + b"]" * 600  # json.loads reads it; anything that walks it by recursion fails


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_an_error_nested_a_thousand_levels_deep_is_a_typed_error(
    server: FaultServer, api: str
) -> None:
    """An error event, or an error body, whose fields nest hundreds of levels deep: a typed
    error with `partial`, never a RecursionError from the redactor walking it."""
    from .support.faults import raw

    if api == "chat":
        frame = b'data: {"error":{"message":"x","param":' + DEEP + b"}}\n\n"
    else:
        frame = b'event: error\ndata: {"type":"error","message":"x","param":' + DEEP + b"}\n\n"
    _name, url = server.scenario(raw(2, frame))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url, api=api)) as client:
        with pytest.raises(ls.MalformedChunkError, match="nested too deeply") as caught:
            with client.stream(model="m", messages=[ls.user("hi")]) as s:
                s.collect()
    assert caught.value.partial is not None
    assert caught.value.partial.text == text_of(2)
    document = b'{"error":{"message":"deep","param":' + DEEP + b"}}"
    _name, url = server.scenario(status(500, document))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url, api=api), max_retries=0) as c:
        with pytest.raises(ls.ServerError) as failed:
            c.generate(model="m", messages=[ls.user("hi")])
    assert "HTTP 500" in str(failed.value)
