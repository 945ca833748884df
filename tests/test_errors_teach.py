"""Errors that teach: what was tried, how often, where, and what to do; and the DEBUG log of a
call, which says what happened without ever holding a key or a message."""

from __future__ import annotations

import logging
import threading
import time

import anyio
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.faults import FaultServer, stall, status, stream

FAST = ls.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_connection_error_names_the_url_and_the_attempts() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url), retry_policy=FAST) as client:
        with pytest.raises(ls.APIConnectionError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    error = caught.value
    assert error.attempts == 3
    assert f"POST {url}/chat/completions" in str(error)
    assert "(after 3 attempts)" in str(error)


@pytest.mark.anyio
async def test_a_timeout_after_retries_says_so(server: FaultServer) -> None:
    _name, url = server.scenario(stream(2, before_headers=5))
    client = ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY, base_url=url),
        timeouts=ls.Timeouts(first_event=0.2),
        retry_policy=ls.RetryPolicy(max_retries=1, initial_delay=0.01),
    )
    async with client:
        with pytest.raises(ls.StreamTimeoutError) as caught:
            await client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.attempts == 2
    assert "(after 2 attempts)" in str(caught.value)
    assert url in str(caught.value)


def test_one_attempt_is_not_mentioned(server: FaultServer) -> None:
    _name, url = server.scenario(status(400, {"error": {"message": "bad"}}))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with pytest.raises(ls.BadRequestError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.attempts == 1
    assert "attempt" not in str(caught.value)


def test_a_404_on_the_chat_url_suggests_checking_base_url(server: FaultServer) -> None:
    _name, url = server.scenario(status(404, b"<html><title>404 Not Found</title></html>"))
    with ls.Client(ls.OpenAICompatible(url + "/extra")) as client:
        with pytest.raises(ls.NotFoundError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    message = str(caught.value)
    assert f"POST {url}/extra/chat/completions was not found" in message
    assert "check base_url" in message


def test_a_404_for_an_unknown_model_is_about_the_model(server: FaultServer) -> None:
    body = {"error": {"message": "The model `gpt-9` does not exist", "code": "model_not_found"}}
    _name, url = server.scenario(status(404, body))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with pytest.raises(ls.NotFoundError) as caught:
            client.generate(model="gpt-9", messages=[ls.user("hi")])
    assert "base_url" not in str(caught.value)
    assert caught.value.code == "model_not_found"


# -- two readers ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_two_tasks_reading_one_stream_are_told_what_to_do(server: FaultServer) -> None:
    _name, url = server.scenario(stream(6, delay=0.2))
    async with ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
            first = await s.__anext__()  # the empty role chunk makes no event: a text delta
            assert isinstance(first, ls.TextDelta)
            errors: list[BaseException] = []

            async def read() -> None:
                try:
                    await s.__anext__()
                except ls.StreamBusyError as error:
                    errors.append(error)

            async with anyio.create_task_group() as group:
                group.start_soon(read)
                group.start_soon(read)
            assert len(errors) == 1
            assert "read it in one task" in str(errors[0]).lower()
            rest = [event async for event in s]  # the stream is still usable by one reader
    assert isinstance(rest[-1], ls.Finish)


def test_two_threads_reading_one_stream_are_told_too(server: FaultServer) -> None:
    _name, url = server.scenario(stream(6, delay=0.2))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as s:
            next(s)
            errors: list[BaseException] = []

            def read() -> None:
                try:
                    next(s)
                except ls.StreamBusyError as error:
                    errors.append(error)

            threads = [threading.Thread(target=read) for _ in range(2)]
            for thread in threads:
                thread.start()
                time.sleep(0.05)
            for thread in threads:
                thread.join(5)
            assert len(errors) == 1
            assert isinstance(list(s)[-1], ls.Finish)


# -- the DEBUG log ------------------------------------------------------------------------------


def test_the_debug_log_tells_the_story_of_a_call(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    prompt = "a private prompt about the weather"
    body = {"error": {"message": "busy"}}
    _name, url = server.scenario(status(503, body), stall(after_events=1))
    with caplog.at_level(logging.DEBUG, logger="llmstream"):
        with ls.Client(
            ls.OpenAI(api_key=TEST_KEY, base_url=url),
            retry_policy=FAST,
            timeouts=ls.Timeouts(idle=0.3),
        ) as client:
            with pytest.raises(ls.StreamTimeoutError):
                with client.stream(model="gpt-4o-mini", messages=[ls.user(prompt)]) as s:
                    list(s)
    lines = [record.getMessage() for record in caplog.records if record.name == "llmstream"]
    expected = [
        f"openai: POST {url}/chat/completions model=gpt-4o-mini stream=True attempt=1",
        "openai: HTTP 503 request_id=req_",
        "retrying openai call in",
        f"openai: POST {url}/chat/completions model=gpt-4o-mini stream=True attempt=2",
        "openai: HTTP 200 request_id=req_",
        "openai: first event after",
        "openai: the idle limit of 0.3s fired",
    ]
    found = iter(lines)
    for start in expected:  # in this order, with nothing required in between
        assert any(line.startswith(start) for line in found), (start, lines)
    for line in lines:
        assert TEST_KEY not in line
        assert prompt not in line
