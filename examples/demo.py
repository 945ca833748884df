"""llmstream's demo: a streamed conversation with reasoning and a tool call.

    python examples/demo.py                 # offline, from recorded traffic
    XAI_API_KEY=... python examples/demo.py # the same demo against the real provider

Offline, llmstream starts a replay server on 127.0.0.1 over the seed cassettes in
tests/cassettes/ (real traffic recorded from xAI and Cerebras) and the demo talks to it over HTTP
and SSE, the same code path as a real provider. With OPENAI_API_KEY, GROQ_API_KEY,
CEREBRAS_API_KEY or XAI_API_KEY set, it talks to that provider instead (--offline forces replay).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio

import llmstream as ls
from llmstream.testing import Cassette, ReplayServer

CASSETTES = Path(__file__).resolve().parents[1] / "tests" / "cassettes"
DIM, BOLD, RESET = ("\033[2m", "\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "", "")

WEATHER = ls.ToolSpec(
    name="weather",
    description="Get weather information for a location",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
)


def weather(location: str) -> str:
    return "40 C"


@dataclass
class Setup:
    """Who answers each part of the demo."""

    chat: ls.Provider
    chat_model: str
    tools: ls.Provider
    tools_model: str
    where: str


LIVE: dict[str, tuple[str, Callable[[], ls.Provider], str]] = {
    # key variable: (name, provider, a model that streams reasoning where the provider can)
    "XAI_API_KEY": ("xai", ls.XAI, "grok-code-fast-1"),
    "GROQ_API_KEY": ("groq", ls.Groq, "openai/gpt-oss-20b"),
    "CEREBRAS_API_KEY": ("cerebras", ls.Cerebras, "gpt-oss-120b"),
    "OPENAI_API_KEY": ("openai", ls.OpenAI, "gpt-5-mini"),
}


def live_setup(choice: str | None) -> Setup | None:
    for variable, (name, make, model) in LIVE.items():
        if os.environ.get(variable) and choice in (None, name):
            provider = make()
            return Setup(provider, model, provider, model, f"live: {name} ({model})")
    return None


def replay_setup(server: ReplayServer) -> Setup:
    # The key is a placeholder: the replay server ignores it, and it goes to 127.0.0.1 only.
    xai = ls.XAI(api_key="replay", base_url=server.base_url("https://api.x.ai/v1"))
    cerebras = ls.Cerebras(api_key="replay", base_url=server.base_url("https://api.cerebras.ai/v1"))
    return Setup(
        xai,
        "grok-code-fast-1",
        cerebras,
        "qwen-3-coder-480b",
        f"offline: replaying recorded xAI and Cerebras traffic from {server.url}",
    )


async def print_stream(stream: ls.AsyncChatStream) -> ls.AssistantMessage:
    """Print every event as it arrives; return the final message."""
    async for event in stream:
        match event:
            case ls.ReasoningDelta(text=text):
                print(f"{DIM}{text}{RESET}", end="", flush=True)
            case ls.ReasoningEnd():
                print(f"{DIM}[reasoning done]{RESET}\n")
            case ls.TextDelta(text=text):
                print(text, end="", flush=True)
            case ls.ToolCallStart(name=name):
                print(f"{BOLD}-> calling {name}{RESET}(", end="", flush=True)
            case ls.ToolCallDelta(arguments=arguments):
                print(arguments, end="", flush=True)
            case ls.ToolCallEnd():
                print(")")
            case ls.Usage(input_tokens=tokens_in, output_tokens=tokens_out):
                print(f"\n{DIM}[usage: {tokens_in} in, {tokens_out} out]{RESET}", end="")
            case ls.Finish(reason=reason):
                print(f"{DIM} [finish: {reason}]{RESET}")
            case ls.RequestWarning(message=message):
                print(f"{DIM}[warning: {message}]{RESET}")
    return stream.message


async def demo(setup: Setup) -> None:
    print(f"{BOLD}llmstream demo{RESET} ({setup.where})\n")
    system = ls.system("You are a helpful assistant")

    print(f"{BOLD}> Say hi in Portuguese{RESET}")
    async with ls.AsyncClient(setup.chat) as client:
        messages: list[ls.MessageLike] = [system, ls.user("Say hi in Portuguese")]
        async with client.stream(model=setup.chat_model, messages=messages, max_tokens=4000) as s:
            await print_stream(s)

    print(f"\n{BOLD}> What's the weather in Florence,Italy?{RESET}")
    async with ls.AsyncClient(setup.tools) as client:
        messages = [system, ls.user("What's the weather in Florence,Italy?")]
        options: ls.CallOptions = {"tools": [WEATHER], "max_tokens": 4000}
        async with client.stream(model=setup.tools_model, messages=messages, **options) as s:
            reply = await print_stream(s)
        messages.append(reply)  # the reply goes back into the history as it is
        for call in reply.tool_calls:
            result = weather(**call.parsed_arguments)
            print(f"{BOLD}<- {call.name} returned{RESET} {result!r}")
            messages.append(ls.tool_result(call, result))
        async with client.stream(model=setup.tools_model, messages=messages, **options) as s:
            await print_stream(s)


def main() -> int:
    parser = argparse.ArgumentParser(description="Stream a conversation with llmstream.")
    parser.add_argument("--offline", action="store_true", help="replay even if an API key is set")
    parser.add_argument("--provider", choices=[name for name, _, _ in LIVE.values()])
    parser.add_argument("--delay", type=float, default=0.03, help="seconds between replayed events")
    args = parser.parse_args()

    setup = None if args.offline else live_setup(args.provider)
    if setup is not None:
        anyio.run(demo, setup)
        return 0
    cassettes = [
        Cassette.load(CASSETTES / name)
        for name in ("xai-simple_streaming.yaml", "cerebras-tool_streaming.yaml")
    ]
    with ReplayServer(*cassettes, event_delay=args.delay) as server:
        anyio.run(demo, replay_setup(server))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
