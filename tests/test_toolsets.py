"""Toolsets in the agent loop, without MCP: opened once per run in the run's task and closed
however the run ends, asked for their tools before every step, clashing names refused."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import pytest

import llmstream as ls
from llmstream.testing import FakeLLM, Reply, tool_call
from llmstream.toolsets import CurrentTools


class Shelf(ls.Toolset):
    """A toolset whose tools a test can change between steps; it logs its life."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.log: list[str] = []

    def __repr__(self) -> str:
        return "Shelf()"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[CurrentTools]:
        self.log.append("open")
        task = anyio.get_current_task().id

        async def current() -> Sequence[ls.Tool[Any]]:
            self.log.append("listed")
            return [self._tool(name) for name in self.names]

        try:
            yield current
        finally:
            assert anyio.get_current_task().id == task  # closed by the task that opened it
            self.log.append("closed")

    def _tool(self, name: str) -> ls.Tool[str]:
        def run() -> str:
            return f"{name} ran"

        return ls.Tool.from_schema(name, {"type": "object", "properties": {}}, run)


def offered(fake: FakeLLM, request: int) -> list[str]:
    return [tool["function"]["name"] for tool in fake.requests[request].body.get("tools") or []]


@ls.tool
def weather(location: str) -> str:
    """Get the weather."""
    return "40 C"


@pytest.mark.anyio
async def test_a_toolset_is_opened_for_the_run_and_asked_before_each_step() -> None:
    shelf = Shelf("lookup")
    fake = FakeLLM(Reply(tool_calls=[tool_call("lookup", {})]), "done", "again")

    def grow(number: int, steps: Sequence[ls.Step]) -> None:
        if number == 2:
            shelf.names.append("later")

    agent = ls.Agent(fake.async_client(), "m", tools=[weather, shelf], prepare_step=grow)
    result = await agent.run("go")
    assert result.steps[0].tool_results[0].output == "lookup ran"
    assert offered(fake, 0) == ["weather", "lookup"]
    assert shelf.log == ["open", "listed", "listed", "closed"]
    # prepare_step runs after the listing: the tool it added is offered from the next run on
    assert offered(fake, 1) == ["weather", "lookup"]
    await agent.run("go")
    assert offered(fake, 2) == ["weather", "lookup", "later"]


@pytest.mark.anyio
async def test_a_toolset_is_closed_when_the_run_fails_or_is_cancelled() -> None:
    shelf = Shelf("lookup", "weather")
    agent = ls.Agent(FakeLLM("never").async_client(), "m", tools=[weather, shelf])
    with pytest.raises(ls.ConfigurationError, match="two tools are named 'weather'"):
        await agent.run("go")
    assert shelf.log == ["open", "listed", "closed"]

    slow = FakeLLM(Reply(text="word " * 100))
    shelf = Shelf("lookup")
    with anyio.move_on_after(0.5):
        async with ls.Agent(slow.async_client(), "m", tools=[shelf]).stream("go") as run:
            async for _ in run:
                await anyio.sleep(1)  # the caller is slow: the block is cancelled mid-run
    assert shelf.log == ["open", "listed", "closed"]


def test_a_toolset_in_the_sync_agent() -> None:
    shelf = Shelf("lookup")
    fake = FakeLLM(Reply(tool_calls=[tool_call("lookup", {})]), "done")
    agent = ls.Agent(fake.client(), "m", tools=[shelf])
    assert agent.run_sync("go").steps[0].tool_results[0].output == "lookup ran"
    assert shelf.log == ["open", "listed", "listed", "closed"]


def test_anything_else_in_tools_is_refused() -> None:
    client = FakeLLM().async_client()
    with pytest.raises(ls.ConfigurationError, match="or pass a toolset"):
        ls.Agent(client, "m", tools=[object()])  # type: ignore[list-item]
