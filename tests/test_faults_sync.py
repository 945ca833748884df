"""The sync client against the same faults: its time limits run on the watchdog thread."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import (
    FaultServer,
    close_without_finish,
    keepalives,
    raw,
    reset_after,
    stall,
    status,
    stream,
    text_of,
)

FAST_RETRIES = ls.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05)


def run(url: str, **client_options: Any) -> tuple[list[ls.StreamEvent], ls.APIError | None]:
    events: list[ls.StreamEvent] = []
    provider = client_options.pop("provider", ls.OpenAI)(api_key=TEST_KEY, base_url=url)
    with ls.Client(provider, retry_policy=FAST_RETRIES, **client_options) as client:
        try:
            with client.stream(model="m", messages=[ls.user("hi")]) as s:
                events.extend(s)
        except ls.APIError as error:
            return events, error
    return events, None


def texts(events: list[ls.StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ls.TextDelta))


def test_clean_stream(server: FaultServer) -> None:
    _name, url = server.scenario(stream(4))
    events, error = run(url)
    assert error is None
    assert texts(events) == text_of(4)


def test_stall_hits_idle(server: FaultServer) -> None:
    name, url = server.scenario(stall(after_events=2))
    start = time.monotonic()
    events, error = run(url, timeouts=ls.Timeouts(idle=0.3))
    assert isinstance(error, ls.StreamTimeoutError)
    assert (error.limit, error.seconds) == ("idle", 0.3)
    assert error.partial is not None
    assert error.partial.text == texts(events) == text_of(2)
    assert server.attempts[name] == 1
    assert time.monotonic() - start < 3  # the watchdog woke the blocked read


def test_keepalives_hit_first_event(server: FaultServer) -> None:
    _name, url = server.scenario(keepalives(every=0.05))
    events, error = run(url, timeouts=ls.Timeouts(first_event=0.4), max_retries=0)
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "first_event"
    assert events == []


def test_delay_before_headers(server: FaultServer) -> None:
    name, url = server.scenario(stream(2, before_headers=5))
    start = time.monotonic()
    _events, error = run(url, timeouts=ls.Timeouts(first_event=0.3), max_retries=1)
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "first_event"
    assert server.attempts[name] == 2
    assert time.monotonic() - start < 3


def test_total_limit(server: FaultServer) -> None:
    _name, url = server.scenario(stream(50, delay=0.05))
    events, error = run(url, timeouts=ls.Timeouts(total=0.5))
    assert isinstance(error, ls.StreamTimeoutError)
    assert error.limit == "total"
    assert error.partial is not None
    assert error.partial.text == texts(events)


def test_reset(server: FaultServer) -> None:
    _name, url = server.scenario(reset_after(3))
    _events, error = run(url)
    assert type(error) is ls.APIConnectionError
    assert error.partial is not None
    assert error.partial.text == text_of(3)


def test_incomplete(server: FaultServer) -> None:
    _name, url = server.scenario(close_without_finish(2))
    _events, error = run(url)
    assert isinstance(error, ls.IncompleteStreamError)
    assert error.partial is not None
    assert error.partial.text == text_of(2)


def test_groq_error_event(server: FaultServer) -> None:
    payload = (
        b'event: error\ndata: {"error": {"message": "Failed to call a function.", "type": '
        b'"invalid_request_error", "code": "tool_use_failed", "status_code": 400}}\n\n'
    )
    _name, url = server.scenario(raw(1, payload))
    _events, error = run(url, provider=ls.Groq)
    assert isinstance(error, ls.StreamError)
    assert (error.code, error.status_code) == ("tool_use_failed", 400)
    assert error.partial is not None
    assert error.partial.text == text_of(1)


def test_429_then_success(server: FaultServer) -> None:
    body = {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}
    name, url = server.scenario(status(429, body, {"retry-after-ms": "200"}), stream(2))
    start = time.monotonic()
    events, error = run(url)
    assert error is None
    assert texts(events) == text_of(2)
    assert server.attempts[name] == 2
    assert time.monotonic() - start >= 0.18


def test_500_storm(server: FaultServer) -> None:
    name, url = server.scenario(status(500, {"error": {"message": "oops"}}))
    _events, error = run(url)
    assert isinstance(error, ls.ServerError)
    assert server.attempts[name] == 3


def test_generate_timeout(server: FaultServer) -> None:
    _name, url = server.scenario(stream(1, before_headers=5))
    with ls.Client(
        ls.OpenAI(api_key=TEST_KEY, base_url=url),
        timeouts=ls.Timeouts(first_event=0.3),
        max_retries=0,
    ) as client:
        with pytest.raises(ls.StreamTimeoutError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.limit == "first_event"


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
