"""An agent whose tools come from an MCP server: the server runs in a child process, the agent
lists its tools, calls them, and answers.

    python examples/mcp_agent.py                  # offline: a scripted model
    XAI_API_KEY=... python examples/mcp_agent.py  # the same agent and server with a real model

The server is examples/mcp_notes_server.py (the official MCP SDK's `MCPServer`), started over
stdio by `ls.MCPToolset.stdio` and stopped when the run ends. Offline, `FakeLLM` from
llmstream.testing plays the model: it asks for the notes, reads one, and answers from what the
server returned. Needs `pip install 'llmstream[mcp]'`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

import llmstream as ls
from llmstream.testing import FakeLLM, FakeRequest, Reply, tool_call

SERVER = Path(__file__).resolve().parent / "mcp_notes_server.py"
PROMPT = "What do I need to buy?"
DIM, BOLD, RESET = ("\033[2m", "\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


def answer(request: FakeRequest) -> Reply:
    """The scripted model's last step: it answers from the note the server returned."""
    note = request.messages[-1]["content"]
    return Reply(f"You need {note}.")


def scripted_model() -> ls.AsyncClient:
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("list_notes", {})]),
        Reply(tool_calls=[tool_call("read_note", {"name": "shopping"})]),
        answer,
    )
    return fake.async_client()


async def show(agent: ls.Agent, notes: ls.MCPToolset, delay: float) -> None:
    async with notes:  # one session for the listing and the run
        offered = ", ".join(tool.name for tool in await notes.list_tools())
        print(f"{DIM}tools from the MCP server: {offered}{RESET}")
        print(f"{BOLD}> {PROMPT}{RESET}")
        async with agent.stream(PROMPT) as run:
            async for event in run:
                match event:
                    case ls.TextDelta(text=text):
                        print(text, end="", flush=True)
                        await anyio.sleep(delay)
                    case ls.ToolCallEnd(tool_call=call):
                        print(f"{BOLD}-> {call.name}({call.arguments}){RESET}")
                    case ls.ToolResult(call=call, output=output, is_error=is_error):
                        mark = "failed" if is_error else "returned"
                        print(f"{BOLD}<- {call.name} {mark}:{RESET} {output}")
                    case ls.RunFinish(result=result):
                        print(f"\n{BOLD}answer:{RESET} {result.text}")
                        print(f"{DIM}[{len(result.steps)} steps]{RESET}")


def main() -> int:
    parser = argparse.ArgumentParser(description="An agent with tools from an MCP server.")
    parser.add_argument("--offline", action="store_true", help="script the model even with a key")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between text pieces")
    args = parser.parse_args()

    notes = ls.MCPToolset.stdio(sys.executable, [str(SERVER)])
    if os.environ.get("XAI_API_KEY") and not args.offline:
        client, model = ls.AsyncClient(ls.XAI()), "grok-3-mini"
    else:
        print(f"{DIM}offline: a scripted model, a real MCP server{RESET}")
        client, model = scripted_model(), "scripted"
    agent = ls.Agent(client, model, system="You are a helpful assistant", tools=[notes])
    anyio.run(show, agent, notes, args.delay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
