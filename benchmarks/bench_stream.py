"""Per-chunk cost of llmstream's streaming path against the floor, every combination in one run.

The micro benchmark streams the same bytes through each contender over `httpx.MockTransport`
(no network) and times it to the last event and the final message:

- floor: httpx `aiter_lines()` and `json.loads` of every data line, no events, no message: the
  least a hand-written loop does with the same bytes;
- llmstream: `ls.AsyncClient(ls.OpenAI(...), transport=...)`, every typed event, then
  `stream.message`;
- httpx-sse + json.loads, and openai-python's `AsyncStream[ChatCompletionChunk]` with its
  `ChatCompletionStreamState` accumulator and final completion, when installed.

Combinations: {20,000 text chunks, 2,000 tool-argument chunks} x {asyncio, trio} x {one SSE
event per network read, 16 KiB reads}. A sample is CPU time of this process
(`time.process_time`, so that other work on a shared machine disturbs it less) for at least
20,000 chunks (the tool stream is read 10 times per sample). Each round runs every contender
once per combination, back to back in an order that rotates, so a noisy neighbour hits them
alike; the ratio to the floor is taken per round, and the table shows its median over the
rounds (5) and its spread (min..max). openai-python, ~35x the floor, reads 2,000-chunk streams
in the first 3 rounds only. Every result is checked (text, tool arguments, finish reason,
counts) outside the timed region. Then the scale run (`bench_scale.py`) follows, unless
`--no-scale`. See benchmarks/README.md.

    python benchmarks/bench_stream.py                 # everything, under 3 minutes on 2 cores
    python benchmarks/bench_stream.py --quick         # fewer rounds and chunks, about 1 minute
    python benchmarks/bench_stream.py --no-scale --rounds 11
    python benchmarks/bench_stream.py --callgrind --no-scale   # also instructions per chunk
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import _callgrind as callgrind
import _micro as micro
import _rounds as rounds
import httpx
from _chunks import text_stream, tool_stream
from _micro import Contender, Result, Scenario, transport_for
from _rounds import FLOOR, OURS

import llmstream as ls

URL = "https://api.openai.com/v1/chat/completions"
MESSAGES = [ls.user("benchmark")]
GOAL = 0.8


# -- the contenders: each returns (data events or typed events seen, text or arguments, finish)


async def via_floor(reads: list[bytes]) -> Result:
    async with httpx.AsyncClient(transport=transport_for(reads)) as http:
        async with http.stream("POST", URL, json={}) as response:
            count = 0
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])
                    count += 1
    return count, None, None


async def via_llmstream(reads: list[bytes]) -> Result:
    client = ls.AsyncClient(ls.OpenAI(api_key="sk-bench"), transport=transport_for(reads))
    async with client:
        async with client.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
            count = 0
            async for _event in stream:
                count += 1
        message = stream.message
    text = message.tool_calls[0].arguments if message.tool_calls else message.text
    return count, text, message.finish_reason


async def via_httpx_sse(reads: list[bytes]) -> Result:
    from httpx_sse import aconnect_sse

    async with httpx.AsyncClient(transport=transport_for(reads)) as http:
        async with aconnect_sse(http, "POST", URL, json={}) as source:
            count = 0
            async for sse in source.aiter_sse():
                if sse.data != "[DONE]":
                    json.loads(sse.data)
                    count += 1
    return count, None, None


async def via_openai_python(reads: list[bytes]) -> Result:
    from openai import AsyncOpenAI
    from openai.lib.streaming.chat import ChatCompletionStreamState

    http = httpx.AsyncClient(transport=transport_for(reads))
    client = AsyncOpenAI(api_key="sk-bench", http_client=http, max_retries=0)
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    count = 0
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "benchmark"}], stream=True
    )
    async for chunk in stream:
        state.handle_chunk(chunk)
        count += 1
    choice = state.get_final_completion().choices[0]
    await http.aclose()
    calls = choice.message.tool_calls
    text = calls[0].function.arguments if calls else choice.message.content
    return count, text, choice.finish_reason


OPENAI = "openai-python + accumulator"


def available(others: bool = True) -> dict[str, Contender]:
    contenders: dict[str, Contender] = {FLOOR: via_floor, OURS: via_llmstream}
    if not others:
        return contenders
    try:
        import httpx_sse  # noqa: F401

        contenders["httpx-sse + json.loads"] = via_httpx_sse
    except ImportError:
        pass
    try:
        import openai  # noqa: F401

        contenders[OPENAI] = via_openai_python
    except ImportError:
        pass
    return contenders


def check(name: str, result: Result, scenario: Scenario, events: list[bytes], n: int) -> None:
    """Fail loudly when a contender did not read the stream exactly."""
    count, text, finish = result
    data_events = micro.data_events(events)
    if name == OURS:
        expected_text, expected_finish = scenario.expected(n)
        ok = text == expected_text and finish == expected_finish and count > 0
    elif name == OPENAI:
        expected_text, expected_finish = scenario.expected(n)
        ok = text == expected_text and finish == expected_finish and count == data_events
    else:
        ok = count == data_events
    if not ok:
        raise micro.misread(name, result, scenario)


# -- the report ------------------------------------------------------------------------------


def report_micro(plan: micro.Plan, samples: micro.Samples) -> list[tuple[str, float]]:
    print(
        f"\nMicro: CPU time per chunk over httpx.MockTransport, typed events and final message "
        f"for llmstream; x floor: median over {plan.rounds} rounds of the per-round ratio, "
        f"(min..max) its spread. openai-python: {plan.slow_rounds} round(s), "
        f"{plan.slow_n:,}-chunk streams of the same kind."
    )
    verdicts = micro.verdicts(plan, micro.report(plan, samples, "us/chunk", 30))
    met = sum(ratio <= GOAL for _, ratio in verdicts)
    worst = max(verdicts, key=lambda verdict: verdict[1])
    best = min(verdicts, key=lambda verdict: verdict[1])
    print(
        f"\n  llmstream goal (<= {GOAL}x the floor, typed events + final message): met in "
        f"{met} of {len(verdicts)} combinations; best {best[1]:.2f}x ({best[0]}), worst "
        f"{worst[1]:.2f}x ({worst[0]})"
    )
    return verdicts


def run_callgrind(args: argparse.Namespace, plan: micro.Plan, samples: micro.Samples) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per chunk (valgrind --tool=callgrind), floor and llmstream")
    print("  (a minute or two: everything runs ~50x slower under valgrind)", flush=True)
    child_args = [
        "--callgrind-chunks", str(args.callgrind_chunks), "--backend", args.backend,
        "--coalesce", str(args.coalesce),
    ]  # fmt: skip
    micro.callgrind_report(
        __file__, child_args, plan, args.callgrind_chunks, "Ir/chunk", 24, samples
    )


# -- the command -----------------------------------------------------------------------------


def make_plan(args: argparse.Namespace) -> micro.Plan:
    scenarios = micro.text_and_tool(
        (args.text_chunks, "text chunks", text_stream),
        (args.tool_chunks, "tool-argument chunks", tool_stream),
    )
    return micro.Plan(
        scenarios=scenarios,
        backends=rounds.backends(args),
        reads={"one event per read": 0, f"{args.coalesce / 1024:g} KiB reads": args.coalesce},
        contenders=available(others=not args.callgrind_child),
        check=check,
        rounds=args.rounds,
        slow=OPENAI,  # ~35x the floor
        slow_rounds=args.openai_rounds,
        slow_n=args.openai_chunks,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rounds.add_common_arguments(parser, quick="3 rounds, 5,000 text chunks")
    parser.add_argument("--openai-rounds", type=int, default=3, help="openai-python is slow")
    parser.add_argument(
        "--openai-chunks", type=int, default=2_000, help="the length of openai-python's streams"
    )
    parser.add_argument("--text-chunks", type=int, default=20_000)
    parser.add_argument("--tool-chunks", type=int, default=2_000)
    parser.add_argument(
        "--coalesce", type=int, default=16384, help="bytes per read of the coalesced case"
    )
    parser.add_argument("--no-scale", action="store_true", help="skip bench_scale.py")
    parser.add_argument("--no-micro", action="store_true", help="only the scale run")
    parser.add_argument("--callgrind-chunks", type=int, default=1_000)
    return parser


def main() -> int:
    args = rounds.parse(
        build_parser(), quick={"rounds": 3, "openai_rounds": 1, "text_chunks": 5_000}
    )
    plan = make_plan(args)
    if args.callgrind_child:
        micro.callgrind_child(plan, args.callgrind_chunks)
        return 0
    print(rounds.environment())
    status = 0
    samples: micro.Samples = {}
    if not args.no_micro:
        started = time.perf_counter()
        samples = micro.run(plan)
        report_micro(plan, samples)
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    if args.callgrind:
        run_callgrind(args, plan, samples)
    if not args.no_scale:
        import bench_scale

        started = time.perf_counter()
        status = bench_scale.main(["--quick"] if args.quick else [])
        print(f"  ({time.perf_counter() - started:.0f} s)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
