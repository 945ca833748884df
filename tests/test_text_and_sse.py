"""`stream.text_stream` and `ls.sse_events`: the two loops every app writes, async and sync, one
scenario table for both."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from pydantic import TypeAdapter

import llmstream as ls
from llmstream.testing import FakeLLM, Reply, error_event, status, tool_call

from .support.corpus import TEST_KEY

NO_RETRIES = {"max_retries": 0}


def frames_of(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse SSE frames as a browser would: `event:` and `data:` lines, a blank line between."""
    frames = []
    assert text.endswith("\n\n")
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        assert [line.split(":", 1)[0] for line in lines] == ["event", "data"], block
        name = lines[0].removeprefix("event: ")
        frames.append((name, json.loads(lines[1].removeprefix("data: "))))
    return frames


# -- text_stream --------------------------------------------------------------------------------


@dataclass
class TextCase:
    reply: Reply
    texts: list[str]
    message_text: str
    reasoning: str = ""


TEXT_CASES = {
    "words": TextCase(Reply(["Olá", ", ", "mundo"]), ["Olá", ", ", "mundo"], "Olá, mundo"),
    "reasoning is skipped, still in the message": TextCase(
        Reply(["Hi"], reasoning=["think", "ing"]), ["Hi"], "Hi", reasoning="thinking"
    ),
    "a tool call has no text": TextCase(
        Reply(tool_calls=[tool_call("weather", {"city": "Rome"})]), [], ""
    ),
}


async def read_text_async(fake: FakeLLM) -> tuple[list[str], ls.AssistantMessage]:
    async with fake.async_client(**NO_RETRIES) as client:
        async with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            texts = [text async for text in stream.text_stream]
        return texts, stream.message


def read_text_sync(fake: FakeLLM) -> tuple[list[str], ls.AssistantMessage]:
    with fake.client(**NO_RETRIES) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            texts = list(stream.text_stream)
        return texts, stream.message


@pytest.mark.parametrize("flavour", ["async", "sync"])
@pytest.mark.parametrize("case", TEXT_CASES.values(), ids=TEXT_CASES.keys())
def test_text_stream_yields_the_text_alone(case: TextCase, flavour: str) -> None:
    fake = FakeLLM(case.reply)
    if flavour == "async":
        texts, message = anyio.run(read_text_async, fake)
    else:
        texts, message = read_text_sync(fake)
    assert texts == case.texts
    assert all(isinstance(text, str) for text in texts)
    assert message.text == case.message_text
    assert message.reasoning == case.reasoning


def test_text_stream_raises_what_the_stream_raises() -> None:
    fake = FakeLLM(Reply(["a ", "b ", "c"], faults=[error_event(after=2, message="boom")]))
    with fake.client(**NO_RETRIES) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            seen: list[str] = []
            with pytest.raises(ls.StreamError, match="boom") as caught:
                seen.extend(stream.text_stream)
    assert seen == ["a ", "b "]
    assert caught.value.partial is not None
    assert caught.value.partial.text == "a b "


# -- sse_events ---------------------------------------------------------------------------------


@dataclass
class SSECase:
    script: list[Any]
    names: list[str]
    check: Callable[[list[tuple[str, dict[str, Any]]]], None] = lambda frames: None


def _rate_limited(frames: list[tuple[str, dict[str, Any]]]) -> None:
    assert frames[0][1] == {
        "type": "error",
        "error": "RateLimitError",
        "message": "The assistant is receiving too many requests. Please try again shortly.",
        "status_code": 429,
        "retry_after": 7,
        "partial_usable": False,  # nothing had arrived
    }


def _broken_mid_stream(frames: list[tuple[str, dict[str, Any]]]) -> None:
    error = frames[-2][1]
    assert error == {
        "type": "error",
        "error": "StreamError",
        "message": "The assistant ran into a problem while answering. Please try again.",
        "partial_usable": True,  # "Olá, " had arrived: what the page shows is worth keeping
    }
    assert "the model crashed" not in repr(frames)  # the upstream's words stay on the server


def _text_events_validate(frames: list[tuple[str, dict[str, Any]]]) -> None:
    adapter: TypeAdapter[ls.StreamEvent] = TypeAdapter(ls.StreamEvent)
    for name, data in frames[:-1]:
        assert adapter.validate_python(data).type == name
    assert frames[-1] == ("done", {"type": "done"})


SSE_CASES = {
    "a whole answer": SSECase(
        [Reply(["Olá", ", ", "mundo"], usage=(3, 4))],
        ["text_delta", "text_delta", "text_delta", "finish", "usage", "done"],
        _text_events_validate,
    ),
    "an error before the first event": SSECase(
        [status(429, retry_after=7)], ["error", "done"], _rate_limited
    ),
    "an error mid-stream keeps what arrived": SSECase(
        [Reply(["Olá", ", ", "mundo"], faults=[error_event(after=2, message="the model crashed")])],
        ["text_delta", "text_delta", "error", "done"],
        _broken_mid_stream,
    ),
}


async def frames_async(fake: FakeLLM) -> str:
    async with fake.async_client(**NO_RETRIES) as client:
        stream = client.stream(model="m", messages=[ls.user("hi")])
        return "".join([frame async for frame in ls.sse_events(stream)])


def frames_sync(fake: FakeLLM) -> str:
    with fake.client(**NO_RETRIES) as client:
        stream = client.stream(model="m", messages=[ls.user("hi")])
        return "".join(ls.sse_events_sync(stream))


@pytest.mark.parametrize("flavour", ["async", "sync"])
@pytest.mark.parametrize("case", SSE_CASES.values(), ids=SSE_CASES.keys())
def test_a_stream_as_sse_frames(case: SSECase, flavour: str) -> None:
    fake = FakeLLM(*case.script)
    text = anyio.run(frames_async, fake) if flavour == "async" else frames_sync(fake)
    frames = frames_of(text)
    names = [name for name, _ in frames]
    assert names[-1] == "done"
    # Whether usage comes before or after finish is the provider's choice; the rest in order.
    assert [n for n in names if n not in ("usage", "finish")] == [
        n for n in case.names if n not in ("usage", "finish")
    ]
    assert sorted(names) == sorted(case.names)
    case.check(frames)


def test_every_frame_is_one_event_and_one_line_of_json() -> None:
    text = anyio.run(frames_async, FakeLLM(Reply(["line one\nline two", "\n\ndata: no"])))
    frames = frames_of(text)  # a newline inside the text never breaks a frame
    assert [data.get("text") for name, data in frames if name == "text_delta"] == [
        "line one\nline two",
        "\n\ndata: no",
    ]


def test_the_stream_is_closed_when_the_reader_stops_early() -> None:
    fake = FakeLLM(Reply(["a ", "b ", "c ", "d"]))

    async def main() -> ls.AsyncChatStream:
        async with fake.async_client(**NO_RETRIES) as client:
            stream = client.stream(model="m", messages=[ls.user("hi")])
            frames = ls.sse_events(stream)
            assert (await frames.__anext__()).startswith("event: text_delta")
            await frames.aclose()  # what a web framework does when the browser goes away
            return stream

    stream = anyio.run(main)
    assert stream._closed
    assert stream.partial.text == "a "


async def agent_frames(fake: FakeLLM) -> str:
    @ls.tool
    def weather(city: str) -> str:
        """The weather in a city.

        Args:
            city: the city
        """
        return "40 C"

    async with fake.async_client(**NO_RETRIES) as client:
        agent = ls.Agent(client, model="m", tools=[weather])
        return "".join([frame async for frame in ls.sse_events(agent.stream("Weather in Rome?"))])


def test_an_agent_run_as_sse_frames() -> None:
    fake = FakeLLM(Reply(tool_calls=[tool_call("weather", {"city": "Rome"})]), Reply("40 C."))
    frames = frames_of(anyio.run(agent_frames, fake))
    names = [name for name, _ in frames]
    assert names[0] == "step_start"
    assert "tool_result" in names
    assert names[-2:] == ["run_finish", "done"]
    result = dict(frames)["tool_result"]
    assert result["output"] == "40 C"
    adapter: TypeAdapter[ls.AgentEvent] = TypeAdapter(ls.AgentEvent)
    for name, data in frames[:-2]:
        assert adapter.validate_python(data).type == name
    # run_finish sums the run up: the steps and messages went out as their own frames.
    finish = frames[-2][1]
    assert finish == {
        "type": "run_finish",
        "result": {
            "stop_reason": "done",
            "usage": finish["result"]["usage"],
            "output": None,
            "cost": None,
            "text": "40 C.",
            "steps": 2,
        },
    }
    assert finish["result"]["usage"]["input_tokens"] > 0


def test_any_iterable_of_events_is_framed_as_it_is() -> None:
    events = [ls.TextDelta(text="hi"), ls.Finish(reason="stop")]
    assert frames_of("".join(ls.sse_events_sync(events))) == [
        ("text_delta", {"type": "text_delta", "text": "hi"}),
        ("finish", {"type": "finish", "reason": "stop", "raw_reason": None}),
        ("done", {"type": "done"}),
    ]


def test_other_exceptions_are_not_turned_into_frames() -> None:
    def broken() -> Any:
        yield ls.TextDelta(text="hi")
        raise KeyError("a bug in the app")

    frames = ls.sse_events_sync(broken())
    assert next(frames).startswith("event: text_delta")
    with pytest.raises(KeyError):
        next(frames)


def test_an_error_frame_never_holds_the_key() -> None:
    """A provider that echoes the key in its error: the frame carries the redacted message."""
    fake = FakeLLM(status(401, message=f"Incorrect API key provided: {TEST_KEY}"))

    async def main() -> str:
        async with ls.AsyncClient(fake.provider(api_key=TEST_KEY), transport=fake.transport) as c:
            stream = c.stream(model="m", messages=[ls.user("hi")], max_retries=0)
            return "".join([frame async for frame in ls.sse_events(stream)])

    text = anyio.run(main)
    assert "AuthenticationError" in text
    assert "Incorrect API key" not in text  # not even redacted: the upstream's words stay home
    assert TEST_KEY not in text
