"""Fallback across providers, on real sockets: a call that fails before its first event moves
on to the next (provider, model), through the same loop as retries; never after an event."""

from __future__ import annotations

import time
from typing import Any

import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import FaultServer, reset_after, stall, status, stream, text_of

QUICK = ls.RetryPolicy(max_retries=0)
RATE_LIMITED = {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}


def groq(url: str) -> ls.Provider:
    return ls.Groq(api_key=TEST_KEY, base_url=url)


def cerebras(url: str) -> ls.Provider:
    return ls.Cerebras(api_key=TEST_KEY, base_url=url)


@pytest.mark.anyio
async def test_a_429_moves_on_to_the_next_provider(server: FaultServer) -> None:
    first, first_url = server.scenario(status(429, RATE_LIMITED, {"retry-after": "3600"}))
    second, second_url = server.scenario(stream(3))
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=first_url), retry_policy=QUICK)
    async with client:
        async with client.stream(
            model="gpt-4o-mini",
            messages=[ls.user("hi")],
            fallbacks=[(groq(second_url), "llama-3.3-70b-versatile")],
        ) as s:
            message = await s.collect()
    assert message.text == text_of(3)
    assert message.provider == "groq"  # which one served
    assert s.attempts == 2
    assert (server.attempts[first], server.attempts[second]) == (1, 1)
    # Each provider got the body made for it, with its own model.
    assert server.requests[second][0]["body"]["model"] == "llama-3.3-70b-versatile"


def test_the_sync_client_falls_back_the_same_way(server: FaultServer) -> None:
    _first, first_url = server.scenario(status(503, {"error": {"message": "busy"}}))
    _second, second_url = server.scenario(stream(2))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=first_url), retry_policy=QUICK) as client:
        message = client.generate(
            model="gpt-4o-mini",
            messages=[ls.user("hi")],
            fallbacks=[(cerebras(second_url), "gpt-oss-120b")],
        )
    assert (message.text, message.provider) == (text_of(2), "cerebras")


@pytest.mark.anyio
async def test_retries_come_first_then_the_fallback(server: FaultServer) -> None:
    first, first_url = server.scenario(status(500, {"error": {"message": "oops"}}))
    second, second_url = server.scenario(stream(1))
    policy = ls.RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)
    async with ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY, base_url=first_url),
        retry_policy=policy,
        fallbacks=[(groq(second_url), "m2")],  # on the client: every call
    ) as client:
        message = await client.generate(model="m1", messages=[ls.user("hi")])
    assert message.provider == "groq"
    assert (server.attempts[first], server.attempts[second]) == (2, 1)


@pytest.mark.anyio
async def test_a_first_event_timeout_moves_on(server: FaultServer) -> None:
    _first, first_url = server.scenario(stream(2, before_headers=5))
    _second, second_url = server.scenario(stream(2))
    start = time.monotonic()
    async with ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY, base_url=first_url),
        retry_policy=QUICK,
        timeouts=ls.Timeouts(first_event=0.3),
    ) as client:
        message = await client.generate(
            model="m", messages=[ls.user("hi")], fallbacks=[(groq(second_url), "m")]
        )
    assert message.provider == "groq"
    assert time.monotonic() - start < 3


@pytest.mark.anyio
async def test_never_after_an_event_was_delivered(server: FaultServer) -> None:
    first, first_url = server.scenario(reset_after(2))
    second, second_url = server.scenario(stream(2))
    async with ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY, base_url=first_url), retry_policy=QUICK
    ) as client:
        with pytest.raises(ls.APIConnectionError) as caught:
            async with client.stream(
                model="m", messages=[ls.user("hi")], fallbacks=[(groq(second_url), "m")]
            ) as s:
                async for _ in s:
                    pass
    assert caught.value.partial is not None
    assert caught.value.partial.text == text_of(2)  # what arrived is kept
    assert (server.attempts[first], server.attempts[second]) == (1, 0)


@pytest.mark.anyio
async def test_a_bad_request_does_not_move_on(server: FaultServer) -> None:
    _first, first_url = server.scenario(status(400, {"error": {"message": "bad"}}))
    second, second_url = server.scenario(stream(2))
    async with ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=first_url)) as client:
        with pytest.raises(ls.BadRequestError):
            await client.generate(
                model="m", messages=[ls.user("hi")], fallbacks=[(groq(second_url), "m")]
            )
    assert server.attempts[second] == 0


@pytest.mark.anyio
async def test_the_last_error_carries_every_attempt(server: FaultServer) -> None:
    _a, url_a = server.scenario(status(429, RATE_LIMITED, {"retry-after": "3600"}))
    _b, url_b = server.scenario(status(503, {"error": {"message": "busy"}}))
    _c, url_c = server.scenario(stall(after_events=0))
    async with ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY, base_url=url_a),
        retry_policy=QUICK,
        timeouts=ls.Timeouts(first_event=0.3),
    ) as client:
        with pytest.raises(ls.StreamTimeoutError) as caught:
            await client.generate(
                model="m",
                messages=[ls.user("hi")],
                fallbacks=[(groq(url_b), "m"), (cerebras(url_c), "m")],
            )
    error = caught.value
    assert [type(e) for e in error.attempt_errors] == [
        ls.RateLimitError,
        ls.OverloadedError,
        ls.StreamTimeoutError,
    ]
    assert [e.provider for e in error.attempt_errors] == ["openai", "groq", "cerebras"]
    assert error.attempt_errors[-1] is error
    assert error.attempts == 3
    assert "(after 3 attempts)" in str(error)


@pytest.mark.parametrize(
    "fallbacks",
    [[("groq", "m")], [(ls.Groq(api_key=TEST_KEY),)], "groq", [(ls.Groq(api_key=TEST_KEY), "")]],
)
def test_fallbacks_must_be_provider_model_pairs(fallbacks: Any) -> None:
    with pytest.raises(ls.ConfigurationError, match="fallbacks"):
        ls.Client(ls.OpenAI(api_key=TEST_KEY), fallbacks=fallbacks)
