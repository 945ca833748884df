"""The server-sent-events recipe of docs/recipes/sse.md, end to end and as written there: the
page's FastAPI app served by uvicorn on 127.0.0.1, httpx reading its SSE, the fake LLM behind
a real socket as the provider, and a browser that goes away mid-answer."""

from __future__ import annotations

import importlib
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn
from httpx_sse import connect_sse

import llmstream as ls
from llmstream.testing import FakeLLM, FakeServer, Reply, error_event, stall, status, tool_call

from .support.docs import ROOT, file_block

PAGE = ROOT / "docs" / "recipes" / "sse.md"
ASK = {"messages": [{"role": "user", "content": "Say hi in Portuguese"}]}


@pytest.fixture
def recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """chat_server.py as the page has it (its module-level app reads GROQ_API_KEY)."""
    (tmp_path / "chat_server.py").write_text(file_block(PAGE, "chat_server.py"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("GROQ_API_KEY", "gsk-sse-recipe-test-not-a-key")
    sys.modules.pop("chat_server", None)
    yield importlib.import_module("chat_server")
    sys.modules.pop("chat_server", None)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 (its own event loop, in a thread); yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@contextmanager
def recipe_app(recipe: ModuleType, *script: Any) -> Iterator[tuple[str, FakeServer]]:
    """The recipe's app on a client of the fake LLM over a real socket; yields the app's URL
    and the fake server."""
    fake = FakeLLM(*script)
    with fake.serve() as upstream:
        client = ls.AsyncClient(upstream.provider(), max_retries=0)
        with serving(recipe.create_app(client, "gpt-oss")) as url:
            yield url, upstream


def read_frames(url: str, path: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    with httpx.Client(base_url=url, timeout=10) as http:
        with connect_sse(http, "POST", path, json=body) as source:
            assert source.response.status_code == 200
            assert source.response.headers["content-type"].startswith("text/event-stream")
            assert source.response.headers["x-accel-buffering"] == "no"
            return [(sse.event, json.loads(sse.data)) for sse in source.iter_sse()]


def test_a_chat_streams_to_the_browser(recipe: ModuleType) -> None:
    with recipe_app(recipe, Reply(["Olá", ", ", "mundo"], usage=(9, 3))) as (url, upstream):
        frames = read_frames(url, "/chat", ASK)
        [request] = upstream.fake.requests
    assert request.messages == ASK["messages"]
    assert request.model == "gpt-oss"
    names = [name for name, _ in frames]
    assert names[:3] == ["text_delta"] * 3
    assert sorted(names[3:5]) == ["finish", "usage"]
    assert names[5:] == ["done"]
    assert "".join(data.get("text", "") for name, data in frames if name == "text_delta") == (
        "Olá, mundo"
    )
    assert dict(frames)["finish"]["reason"] == "stop"


def test_a_refusal_before_the_first_event_is_an_error_event(recipe: ModuleType) -> None:
    with recipe_app(recipe, status(429, retry_after=30)) as (url, _):
        frames = read_frames(url, "/chat", ASK)
    assert [name for name, _ in frames] == ["error", "done"]
    assert frames[0][1] == {
        "type": "error",
        "error": "RateLimitError",
        "message": "The assistant is receiving too many requests. Please try again shortly.",
        "status_code": 429,
        "retry_after": 30,
        "partial_usable": False,
        "request_id": "req_fake_0",  # the page's with_request_id adds it
    }


def test_a_failure_mid_answer_keeps_what_arrived(recipe: ModuleType) -> None:
    broken = Reply(["Olá", ", ", "mundo"], faults=[error_event(after=2, message="overloaded")])
    with recipe_app(recipe, broken) as (url, _):
        frames = read_frames(url, "/chat", ASK)
    assert [name for name, _ in frames] == ["text_delta", "text_delta", "error", "done"]
    error = frames[2][1]
    assert error["error"] == "StreamError"
    assert error["partial_usable"] is True  # "Olá, " is on the page, and worth keeping
    assert "overloaded" not in json.dumps(error)


INTERNAL = "db postgres://app:s3cr3t-pw@10.0.7.12:5432/billing unreachable from worker-3.internal"


def test_the_upstream_error_text_stays_on_the_server(
    recipe: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """A provider's 500 names an internal database, its password and a host: the browser gets
    the kind of failure and a fixed sentence; the server's log gets the whole error."""
    with caplog.at_level(logging.WARNING, logger="llmstream"):
        with recipe_app(recipe, status(500, message=INTERNAL)) as (url, _):
            with httpx.Client(base_url=url, timeout=10) as http:
                raw_text = http.post("/chat", json=ASK).text
    frames = [
        (block.split("\n")[0].removeprefix("event: "), block.split("data: ", 1)[1])
        for block in raw_text.strip().split("\n\n")
    ]
    assert [name for name, _ in frames] == ["error", "done"]
    error = json.loads(frames[0][1])
    assert error["error"] == "ServerError"
    assert error["status_code"] == 500
    assert error["message"] == "The assistant ran into a problem. Please try again."
    for leak in ("postgres", "s3cr3t-pw", "10.0.7.12", "worker-3.internal"):
        assert leak not in raw_text
    logged = [r for r in caplog.records if r.getMessage().startswith("sse_events:")]
    assert len(logged) == 1
    assert INTERNAL in logged[0].getMessage()
    assert logged[0].exc_info is not None


def _strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("retry_after", ["nan", "inf", "-inf", "1e999"])
def test_every_frame_is_strict_json(recipe: ModuleType, retry_after: str) -> None:
    """A `retry-after` that is not a finite number is read as absent: `JSON.parse` in the
    browser refuses NaN and Infinity, and would drop the whole frame."""
    script = status(429, message="slow down", headers={"retry-after": retry_after})
    with recipe_app(recipe, script) as (url, _):
        with httpx.Client(base_url=url, timeout=10) as http:
            raw_text = http.post("/chat", json=ASK).text
    datas = [block.split("data: ", 1)[1] for block in raw_text.strip().split("\n\n")]
    frames = [_strict(data) for data in datas]
    assert [frame["type"] for frame in frames] == ["error", "done"]
    assert frames[0]["error"] == "RateLimitError"
    assert "retry_after" not in frames[0]


def test_an_agent_run_streams_with_its_tools(recipe: ModuleType) -> None:
    script = [Reply(tool_calls=[tool_call("weather", {"location": "Rome"})]), Reply("40 C.")]
    with recipe_app(recipe, *script) as (url, upstream):
        frames = read_frames(url, "/agent", {"prompt": "Weather in Rome?"})
        requests = upstream.fake.requests
    names = [name for name, _ in frames]
    assert names[0] == "step_start"
    assert names[-2:] == ["run_finish", "done"]
    assert dict(frames)["tool_result"]["output"] == "40 C"
    assert dict(frames)["run_finish"]["result"]["stop_reason"] == "done"
    assert len(requests) == 2
    assert requests[1].messages[-1] == {
        "role": "tool",
        "tool_call_id": requests[1].messages[-2]["tool_calls"][0]["id"],
        "content": "40 C",
    }


@pytest.mark.parametrize(
    ("path", "body"), [("/chat", ASK), ("/agent", {"prompt": "Say hi in Portuguese"})]
)
def test_a_browser_that_goes_away_closes_the_model_stream(
    recipe: ModuleType, path: str, body: dict[str, Any]
) -> None:
    """Two words arrive, then the model stalls for 30 s; the browser leaves after the second
    word. The fake server must see the model's connection close within a few seconds, not
    when the stall ends."""
    slow = Reply(["one ", "two ", "three"], faults=[stall(after=2, seconds=30)])
    with recipe_app(recipe, slow) as (url, upstream):
        with httpx.Client(base_url=url, timeout=10) as http:
            with connect_sse(http, "POST", path, json=body) as source:
                texts = []
                for sse in source.iter_sse():
                    if sse.event == "text_delta":
                        texts.append(json.loads(sse.data)["text"])
                    if len(texts) == 2:
                        break  # leaving the block closes the connection, as a closed tab does
        left = time.monotonic()
        while upstream.abandoned == 0 and time.monotonic() - left < 10:
            time.sleep(0.02)
        closed_after = time.monotonic() - left
    assert texts == ["one ", "two "]
    assert upstream.abandoned == 1
    assert closed_after < 5
