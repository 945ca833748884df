"""An agent on the Responses API, against a fake API that enforces what the real one enforces on
the history it is sent (tests/support/strict_responses.py): a multi-step run with reasoning and
tools never sends a history the API would refuse, streamed or not, async (asyncio, trio) and
sync, over a real socket; a stored conversation continues with `previous_response_id`. The
same server refuses the histories the API refuses, so these tests can fail."""

from __future__ import annotations

from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import FakeServer, FakeTransport, Reply, tool_call

from .support.strict_responses import StrictResponsesAPI


@ls.tool
def weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city
    """
    return f"sunny in {city}"


@ls.tool
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: first number
        b: second number
    """
    return a + b


@ls.tool
def multiply(a: int, b: int) -> int:
    """Multiply two numbers.

    Args:
        a: first number
        b: second number
    """
    return a * b


ANSWER = "Rome is sunny; 2 + 3 = 5 and 2 * 3 = 6."


def three_steps() -> StrictResponsesAPI:
    """A reasoning model that calls a tool, then two at once, then answers: reasoning before
    each step's calls, as gpt-5 replies."""
    return StrictResponsesAPI(
        Reply(reasoning="I should look up the weather.",
              tool_calls=[tool_call("weather", {"city": "Rome"})]),
        Reply(reasoning="Now the arithmetic, both at once.",
              tool_calls=[tool_call("add", {"a": 2, "b": 3}),
                          tool_call("multiply", {"a": 2, "b": 3})]),
        Reply(ANSWER, reasoning="I have everything."),
    )  # fmt: skip


def check_run(api: StrictResponsesAPI, result: ls.AgentResult) -> None:
    assert api.rejected == []
    assert result.text == ANSWER
    assert [len(step.tool_calls) for step in result.steps] == [1, 2, 0]
    assert [r.output for r in result.steps[1].tool_results] == ["5", "6"]
    first = api.requests[0].body
    assert (first["store"], first["include"]) == (False, ["reasoning.encrypted_content"])
    assert first["reasoning"] == {"effort": "high"}
    assert first["input"][0] == {"role": "developer", "content": "Answer briefly."}
    # Every reasoning item of every earlier step went back, encrypted, without its id, right
    # before the call it preceded.
    assert [len(carried) for carried in api.carried] == [0, 1, 2]
    last = api.requests[2].input
    kinds = [item.get("type", item.get("role")) for item in last]
    assert kinds == [
        "developer", "user",
        "reasoning", "function_call", "function_call_output",
        "reasoning", "function_call", "function_call", "function_call_output",
        "function_call_output",
    ]  # fmt: skip
    for item in last:
        assert "id" not in item
        if item.get("type") == "reasoning":
            assert item["encrypted_content"].startswith("fake-encrypted-reasoning-")


def agent_on(client: ls.AsyncClient | ls.Client, **options: Any) -> ls.Agent:
    return ls.Agent(client, "gpt-5", system="Answer briefly.", tools=[weather, add, multiply],
                    reasoning_effort="high", **options)  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "whole"])
async def test_an_async_run_over_a_socket_sends_only_what_the_api_accepts(streaming: bool) -> None:
    api = three_steps()
    with FakeServer(api) as server:
        async with ls.AsyncClient(server.provider()) as client:
            result = await agent_on(client, streaming=streaming).run("Weather in Rome, 2+3, 2*3?")
    check_run(api, result)
    assert [r.stream for r in api.requests] == [streaming] * 3


@pytest.mark.anyio
async def test_an_agent_stream_shows_the_reasoning_of_every_step() -> None:
    api = three_steps()
    with FakeServer(api) as server:
        async with ls.AsyncClient(server.provider()) as client:
            async with agent_on(client).stream("Weather in Rome, 2+3, 2*3?") as run:
                events = [event async for event in run]
    check_run(api, run.result)
    ends = [e.text for e in events if isinstance(e, ls.ReasoningEnd)]
    assert ends == ["I should look up the weather.", "Now the arithmetic, both at once.",
                    "I have everything."]  # fmt: skip


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "whole"])
def test_a_sync_run_sends_only_what_the_api_accepts(streaming: bool) -> None:
    api = three_steps()
    provider = api.provider("https://strict.invalid/v1")
    with ls.Client(provider, transport=FakeTransport(api)) as client:
        result = agent_on(client, streaming=streaming).run_sync("Weather in Rome, 2+3, 2*3?")
    check_run(api, result)


@pytest.mark.anyio
async def test_a_stored_run_replays_its_items_by_id() -> None:
    """With `store=True` the API keeps every item: the history goes back as received, ids and
    all, and the API finds each one."""
    api = three_steps()
    provider = api.provider("https://strict.invalid/v1")
    async with ls.AsyncClient(provider, transport=FakeTransport(api)) as client:
        result = await agent_on(client, store=True).run("Weather in Rome, 2+3, 2*3?")
    assert api.rejected == []
    assert result.text == ANSWER
    assert "include" not in api.requests[0].body
    replayed = [item for item in api.requests[2].input if item.get("type") == "reasoning"]
    assert [item["id"] for item in replayed] == ["rs_fake_0", "rs_fake_1"]


# -- previous_response_id -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_previous_response_id_continues_a_stored_conversation() -> None:
    api = StrictResponsesAPI(
        Reply(reasoning="Look it up.", tool_calls=[tool_call("weather", {"city": "Rome"})]),
        "It is sunny in Rome.",
        "You asked about Rome.",
    )
    provider = api.provider("https://strict.invalid/v1")
    async with ls.AsyncClient(provider, transport=FakeTransport(api)) as client:
        question = ls.user("Weather in Rome?")
        first = await client.generate(model="gpt-5", messages=[question], tools=[weather],
                                      store=True)  # fmt: skip
        call = first.tool_calls[0]
        history = [question, first, ls.tool_result(call, "sunny in Rome")]
        second = await client.generate(model="gpt-5", messages=history, tools=[weather],
                                       previous_response_id=first.id)  # fmt: skip
        third = await client.generate(
            model="gpt-5",
            messages=[ls.user("What did I ask?")],
            previous_response_id=second.id,
        )
    assert api.rejected == []
    assert second.text == "It is sunny in Rome."
    assert third.text == "You asked about Rome."
    sent = api.requests[1].body
    assert sent["previous_response_id"] == "resp_fake_0"
    assert sent["store"] is True
    assert [item["type"] for item in sent["input"]] == ["function_call_output"]
    assert api.requests[2].input == [
        {"role": "user", "content": [{"type": "input_text", "text": "What did I ask?"}]}
    ]


# -- the server refuses what the API refuses ----------------------------------------------------


def sync_client(api: StrictResponsesAPI) -> ls.Client:
    return ls.Client(api.provider("https://strict.invalid/v1"), transport=FakeTransport(api),
                     max_retries=0)  # fmt: skip


def test_items_sent_by_id_after_an_unstored_reply_are_not_found() -> None:
    api = StrictResponsesAPI(Reply(reasoning="Hmm.", tool_calls=[tool_call("weather", {})]), "x")
    with sync_client(api) as client:
        first = client.generate(model="gpt-5", messages=[ls.user("Hi")], tools=[weather])
        history = [ls.user("Hi"), first, ls.tool_result(first.tool_calls[0], "sunny")]
        with pytest.raises(ls.NotFoundError, match="Items are not persisted"):
            client.generate(model="gpt-5", messages=history, tools=[weather], store=True)


def test_reasoning_without_its_following_item_is_refused() -> None:
    api = StrictResponsesAPI(Reply(reasoning="Hmm.", tool_calls=[tool_call("weather", {})]), "x")
    with sync_client(api) as client:
        first = client.generate(model="gpt-5", messages=[ls.user("Hi")], tools=[weather])
        reasoning, call = first.provider_state["output_items"]
        reordered: list[Any] = [
            ls.user("Hi"),
            {k: v for k, v in call.items() if k not in ("id", "status")},
            {k: v for k, v in reasoning.items() if k not in ("id", "status")},
            ls.tool_result(first.tool_calls[0], "sunny"),
        ]
        with pytest.raises(ls.BadRequestError, match="without its required following item"):
            client.generate(model="gpt-5", messages=reordered, tools=[weather])
        dropped = [ls.user("Hi"), {k: v for k, v in reasoning.items() if k != "id"},
                   ls.user("never mind")]  # fmt: skip
        with pytest.raises(ls.BadRequestError, match="without its required following item"):
            client.generate(model="gpt-5", messages=dropped, tools=[weather])


def test_reasoning_the_api_cannot_read_is_refused() -> None:
    api = StrictResponsesAPI("x", "y")
    with sync_client(api) as client:
        forged = {"type": "reasoning", "summary": [], "encrypted_content": "made-up"}
        with pytest.raises(ls.BadRequestError, match="could not be verified"):
            client.generate(model="gpt-5", messages=[ls.user("Hi"), forged, ls.user("Go")])
        empty = {"type": "reasoning", "summary": []}
        with pytest.raises(ls.BadRequestError, match="encrypted_content"):
            client.generate(model="gpt-5", messages=[ls.user("Hi"), empty, ls.user("Go")])


def test_a_stored_call_without_its_reasoning_is_refused() -> None:
    api = StrictResponsesAPI(Reply(reasoning="Hmm.", tool_calls=[tool_call("weather", {})]), "x")
    with sync_client(api) as client:
        first = client.generate(model="gpt-5", messages=[ls.user("Hi")], tools=[weather],
                                store=True)  # fmt: skip
        _, call = first.provider_state["output_items"]
        history = [ls.user("Hi"), call, ls.tool_result(first.tool_calls[0], "sunny")]
        with pytest.raises(ls.BadRequestError, match="required 'reasoning' item: 'rs_fake_0'"):
            client.generate(model="gpt-5", messages=history, tools=[weather], store=True)


def test_a_conversation_that_is_not_stored_cannot_be_continued() -> None:
    api = StrictResponsesAPI("x", "y", "z")
    with sync_client(api) as client:
        first = client.generate(model="gpt-5", messages=[ls.user("Hi")])
        with pytest.raises(ls.NotFoundError, match="Previous response"):
            client.generate(model="gpt-5", messages=[ls.user("Go")], previous_response_id=first.id)
        stored = client.generate(model="gpt-5", messages=[ls.user("Hi")], store=True)
        item = stored.provider_state["output_items"][0]
        with pytest.raises(ls.BadRequestError, match="Duplicate item"):
            client.generate(model="gpt-5", messages=[item, ls.user("Go")],
                            previous_response_id=stored.id)  # fmt: skip


def test_an_output_for_no_call_is_refused() -> None:
    api = StrictResponsesAPI("x")
    with sync_client(api) as client:
        orphan = ls.ToolMessage(tool_call_id="call_nowhere", content="sunny")
        with pytest.raises(ls.BadRequestError, match="No tool call found"):
            client.generate(model="gpt-5", messages=[ls.user("Hi"), orphan])
