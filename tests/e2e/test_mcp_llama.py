"""End to end: an agent on a real model (SmolLM2-135M on llama.cpp) whose tool comes from a real
MCP server (tests/support/mcp_server.py, the SDK's `MCPServer`, started over stdio by the
toolset). The model is tiny: step 1 forces the call, step 2 answers in words, and the test
asserts what llmstream must get right whatever the model says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import llmstream as ls

from .launcher import RunningServer
from .test_llama_server import MODEL, SETTINGS, async_client

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).parents[1] / "support" / "mcp_server.py"


def only_weather(number: int, steps: Any) -> ls.StepSettings:
    """The server offers many tools: this template and model get one, the call forced on step 1
    ("auto" cannot be used with this template: see tool_template.jinja)."""
    return ls.StepSettings(
        tool_choice="required" if number == 1 else "none", active_tools=["weather"]
    )


@pytest.mark.anyio
async def test_an_agent_calls_a_tool_from_an_mcp_server(
    tool_llama_server: RunningServer, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    server = ls.MCPToolset.stdio(sys.executable, [str(MCP_SERVER), str(marks)])
    async with async_client(tool_llama_server) as client:
        agent = ls.Agent(
            client,
            MODEL,
            tools=[server],
            prepare_step=only_weather,
            max_steps=3,
            parallel_tool_calls=False,
            **SETTINGS,
        )
        async with agent.stream("What is the weather in Paris?") as run:
            kinds = [event.type async for event in run]
    result = run.result

    assert result.stop_reason == "done"
    first, second = result.steps
    [call] = first.message.tool_calls
    assert call.name == "weather"
    [outcome] = first.tool_results
    assert not outcome.is_error, outcome.output
    assert outcome.output == "Sunny, 24 C"  # what the MCP server answered
    location = call.parsed_arguments["location"]
    # The server ran the call with the model's own arguments, once.
    assert marks.read_text(encoding="utf-8") == f"server started\nlisted\nweather {location}\n"
    assert second.message.tool_calls == []
    assert result.text.strip()
    assert kinds.count("tool_result") == 1
    assert kinds[-1] == "run_finish"
