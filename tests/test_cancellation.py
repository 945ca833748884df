"""Stopping early closes the connection at once, and nothing leaks."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import FaultServer, stream, text_of


def slow_scenario(server: FaultServer) -> tuple[str, str]:
    return server.scenario(stream(200, delay=0.02))


def pool_connections(http: httpx.AsyncClient | httpx.Client) -> list[Any]:
    return list(http._transport._pool.connections)  # type: ignore[union-attr]


def assert_pool_idle(http: httpx.AsyncClient | httpx.Client) -> None:
    assert all(
        connection.is_idle() or connection.is_closed() for connection in pool_connections(http)
    )


def wait_closed(server: FaultServer, name: str, since: float) -> float:
    """Seconds from `since` until the server saw the client go away."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if server.closed_at[name]:
            return server.closed_at[name][0] - since
        time.sleep(0.01)
    raise AssertionError("the server never saw the connection close")


@pytest.mark.anyio
async def test_break_and_leaving_the_block(server: FaultServer) -> None:
    name, url = slow_scenario(server)
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url))
    async with client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
            async for event in s:
                if isinstance(event, ls.TextDelta):
                    break
        left = time.monotonic()
        assert_pool_idle(client.http)
        assert wait_closed(server, name, left) < 1.0
        assert s.partial.text == text_of(1)
        # An llmstream error, and still the RuntimeError it used to be.
        with pytest.raises(ls.StreamNotFinishedError, match=r"use `stream\.partial`") as caught:
            s.message  # noqa: B018
        assert isinstance(caught.value, RuntimeError)
        assert isinstance(caught.value, ls.LLMStreamError)


@pytest.mark.anyio
async def test_a_cancel_scope(server: FaultServer) -> None:
    name, url = slow_scenario(server)
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url))
    received: list[ls.StreamEvent] = []
    async with client:
        with anyio.move_on_after(0.2) as scope:
            async with client.stream(model="m", messages=[ls.user("hi")]) as s:
                async for event in s:
                    received.append(event)
        cancelled = time.monotonic()
        assert scope.cancelled_caught
        assert 0 < len(received) < 100
        assert_pool_idle(client.http)
        assert wait_closed(server, name, cancelled) < 1.0


@pytest.mark.anyio
async def test_aclose_inside_the_block(server: FaultServer) -> None:
    name, url = slow_scenario(server)
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url))
    async with client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
            await s.__anext__()
            await s.aclose()
            closed = time.monotonic()
            assert [event async for event in s] == []  # nothing more after closing
            assert wait_closed(server, name, closed) < 1.0
            await s.aclose()  # closing twice is fine


@pytest.mark.anyio
async def test_cancelled_while_waiting_for_headers(server: FaultServer) -> None:
    name, url = server.scenario(stream(3, before_headers=5))
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url))
    async with client:
        with anyio.move_on_after(0.2):
            async with client.stream(model="m", messages=[ls.user("hi")]):
                raise AssertionError("the headers never came")
        cancelled = time.monotonic()
        assert_pool_idle(client.http)
        assert wait_closed(server, name, cancelled) < 1.0


@pytest.mark.anyio
async def test_a_finished_stream_returns_its_connection_to_the_pool(server: FaultServer) -> None:
    name, url = server.scenario(stream(3))
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url))
    async with client:
        for _ in range(3):
            async with client.stream(model="m", messages=[ls.user("hi")]) as s:
                assert (await s.collect()).text == text_of(3)
        connections = pool_connections(client.http)
        assert len(connections) == 1  # reused, not torn down and reopened
        assert connections[0].is_idle()
    assert server.attempts[name] == 3


def test_sync_break_and_close(server: FaultServer) -> None:
    name, url = slow_scenario(server)
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as s:
            for event in s:
                if isinstance(event, ls.TextDelta):
                    break
        left = time.monotonic()
        assert_pool_idle(client.http)
        assert wait_closed(server, name, left) < 1.0
        assert s.partial.text == text_of(1)
        with pytest.raises(ls.StreamNotFinishedError, match=r"use `stream\.partial`"):
            s.message  # noqa: B018

        name, url = slow_scenario(server)
        client.provider.base_url = url
        with client.stream(model="m", messages=[ls.user("hi")]) as s:
            next(s)
            s.close()
            closed = time.monotonic()
            assert list(s) == []
        assert wait_closed(server, name, closed) < 1.0
        assert_pool_idle(client.http)


def test_leaving_early_under_trio_leaves_no_generator_of_llmstream(server: FaultServer) -> None:
    """Under trio an async generator left to the garbage collector is reported as a
    ResourceWarning. httpx's and httpcore's own are beyond reach (docs/security.md); llmstream
    leaves none of its own, whether the reader leaves a stream, its text, or an agent run."""
    import gc
    import warnings

    import trio

    from llmstream.testing import FakeLLM, Reply

    names = []

    async def main() -> None:
        name, url = slow_scenario(server)
        names.append(name)
        async with ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
            async with client.stream(model="m", messages=[ls.user("hi")]) as s:
                async for _event in s:
                    break
            name, url = slow_scenario(server)
            names.append(name)
            client.provider.base_url = url
            async with client.stream(model="m", messages=[ls.user("hi")]) as s:
                async for _text in s.text_stream:
                    break
        fake = FakeLLM(Reply("one two three four five six"))
        agent = ls.Agent(fake.async_client(), "m")
        async with agent.stream("hi") as run:
            async for _agent_event in run:
                break
        gc.collect()
        await trio.sleep(0.05)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trio.run(main)
        gc.collect()
    shown = [str(warning.message) for warning in caught]
    assert [text for text in shown if "llmstream" in text] == []
    for name in names:  # and each connection was closed
        assert wait_closed(server, name, 0.0) < time.monotonic()
