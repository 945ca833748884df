"""An agent run, streamed: reasoning, a tool call, the tool's result, the answer, the usage.

    python examples/agent.py                  # offline, from recorded traffic
    XAI_API_KEY=... python examples/agent.py  # the same agent against the real provider

Offline it replays a recorded run on a server llmstream starts on 127.0.0.1: xAI's grok-3-mini
thinking, then calling `weather` (`--bundled` replays a Cerebras recording instead: a tool call
without visible reasoning). Both recordings are in tests/cassettes/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

import llmstream as ls
from llmstream.testing import Cassette, ReplayServer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests/cassettes/corpus"
THINKING = CORPUS / "TestOpenAICompatibleThinking/xai-grok-3-mini/thinking-streaming.yaml"
SEED = ROOT / "tests/cassettes/cerebras-tool_streaming.yaml"
DIM, BOLD, RESET = ("\033[2m", "\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location

    Args:
        location: the city
    """
    return "40 C"


async def show(agent: ls.Agent, prompt: str) -> None:
    print(f"{BOLD}> {prompt}{RESET}")
    async with agent.stream(prompt) as run:
        async for event in run:
            match event:
                case ls.StepStart(step=step):
                    print(f"{DIM}--- step {step}{RESET}")
                case ls.ReasoningDelta(text=text):
                    print(f"{DIM}{text}{RESET}", end="", flush=True)
                case ls.ReasoningEnd():
                    print()
                case ls.TextDelta(text=text):
                    print(text, end="", flush=True)
                case ls.ToolCallEnd(tool_call=call):
                    print(f"{BOLD}-> {call.name}({call.arguments}){RESET}")
                case ls.ToolResult(call=call, output=output, is_error=is_error):
                    mark = "failed" if is_error else "returned"
                    print(f"{BOLD}<- {call.name} {mark}:{RESET} {output}")
                case ls.StepFinish(
                    usage=ls.Usage(input_tokens=tokens_in, output_tokens=tokens_out)
                ):
                    print(f"\n{DIM}[step usage: {tokens_in} in, {tokens_out} out]{RESET}")
                case ls.RunFinish(result=result):
                    total = result.usage
                    print(
                        f"{BOLD}answer:{RESET} {result.text}\n{DIM}[{len(result.steps)} steps, "
                        f"{total.input_tokens} tokens in, {total.output_tokens} out]{RESET}"
                    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Stream an agent run with llmstream.")
    parser.add_argument("--offline", action="store_true", help="replay even if XAI_API_KEY is set")
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between replayed events")
    parser.add_argument("--bundled", action="store_true", help="replay the Cerebras recording")
    args = parser.parse_args()

    if os.environ.get("XAI_API_KEY") and not args.offline:
        agent = ls.Agent(
            ls.AsyncClient(ls.XAI()), "grok-3-mini", system="You are a helpful assistant",
            tools=[weather], reasoning_effort="high",
        )  # fmt: skip
        anyio.run(show, agent, "What's the weather in Florence, Italy?")
        return 0

    if not args.bundled:
        cassette, base, model = Cassette.load(THINKING), "https://api.x.ai/v1", "grok-3-mini"
        provider_class: type[ls.Provider] = ls.XAI
        prompt, options = "What's the weather in Florence, Italy?", {"reasoning_effort": "high"}
    else:
        cassette, base, model = (
            Cassette.load(SEED),
            "https://api.cerebras.ai/v1",
            "qwen-3-coder-480b",
        )
        provider_class = ls.Cerebras
        prompt, options = "What's the weather in Florence,Italy?", {"max_tokens": 4000}
    with ReplayServer(cassette, event_delay=args.delay) as server:
        print(f"{DIM}offline: replaying {cassette.path.name} from {server.url}{RESET}")
        provider = provider_class(api_key="replay", base_url=server.base_url(base))
        agent = ls.Agent(
            ls.AsyncClient(provider), model, system="You are a helpful assistant",
            tools=[weather], **options,
        )  # fmt: skip
        anyio.run(show, agent, prompt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
