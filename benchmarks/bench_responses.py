"""Per-event cost of a Responses API stream: llmstream against the floor and openai-python.

The same bytes (what api.openai.com sends on `/v1/responses`: an `event:` line before every
`data:` line, `obfuscation` padding and a `sequence_number` on every delta) go through each
contender over `httpx.MockTransport`, each timed to its last event and its final response:

- floor: httpx `aiter_lines()` and `json.loads` of every `data:` line, no events, no message;
- llmstream: `ls.AsyncClient(ls.OpenAI(api="responses"))`, every typed event, then
  `stream.message`;
- openai-python: `AsyncOpenAI(...).responses.stream(...)`, every event, then
  `get_final_response()`.

Combinations: {20,000 text deltas, 2,000 function-call argument deltas} x {asyncio, trio} x
{one SSE event per network read, 16 KiB reads}. Timing as bench_stream.py does it: CPU time per
sample (`time.process_time`), rounds that rotate the contenders, the per-round ratio to the
floor, its median over the rounds and its spread; openai-python reads 2,000-event streams in the
first rounds only. Every result is checked outside the timed region. `--callgrind` also counts
the instructions per event of the floor and llmstream. See benchmarks/README.md.

    python benchmarks/bench_responses.py              # about 2 minutes on 2 cores
    python benchmarks/bench_responses.py --quick      # fewer rounds and events
    python benchmarks/bench_responses.py --callgrind  # also instructions per event
"""

from __future__ import annotations

import argparse
import json
import os
import time

import _callgrind as callgrind
import _micro as micro
import _rounds as rounds
import httpx
from _chunks import responses_text_stream, responses_tool_stream
from _micro import Contender, Result, Scenario, transport_for
from _rounds import FLOOR, OURS

import llmstream as ls

URL = "https://api.openai.com/v1/responses"
GOAL = 0.8
OPENAI = "openai-python responses.stream()"


async def via_floor(reads: list[bytes]) -> Result:
    async with httpx.AsyncClient(transport=transport_for(reads)) as http:
        async with http.stream("POST", URL, json={}) as response:
            count = 0
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    json.loads(line[6:])
                    count += 1
    return count, None, None


async def via_llmstream(reads: list[bytes]) -> Result:
    provider = ls.OpenAI(api_key="sk-bench", api="responses")
    async with ls.AsyncClient(provider, transport=transport_for(reads)) as client:
        async with client.stream(model="gpt-5", messages=[ls.user("benchmark")]) as stream:
            count = 0
            async for _event in stream:
                count += 1
        message = stream.message
    text = message.tool_calls[0].arguments if message.tool_calls else message.text
    return count, text, message.finish_reason


async def via_openai_python(reads: list[bytes]) -> Result:
    from openai import AsyncOpenAI

    http = httpx.AsyncClient(transport=transport_for(reads))
    client = AsyncOpenAI(api_key="sk-bench", http_client=http, max_retries=0)
    count = 0
    async with client.responses.stream(model="gpt-5", input="benchmark") as stream:
        async for _event in stream:
            count += 1
        final = await stream.get_final_response()
    await http.aclose()
    calls = [item for item in final.output if item.type == "function_call"]
    text = calls[0].arguments if calls else final.output_text
    return count, text, "tool_calls" if calls else "stop"


def contenders(others: bool = True) -> dict[str, Contender]:
    found: dict[str, Contender] = {FLOOR: via_floor, OURS: via_llmstream}
    if others:
        try:
            import openai  # noqa: F401

            found[OPENAI] = via_openai_python
        except ImportError:
            pass
    return found


def check(name: str, result: Result, scenario: Scenario, events: list[bytes], n: int) -> None:
    count, text, finish = result
    if name == FLOOR:
        ok = count == len(events)
    else:
        ok = (text, finish) == scenario.expected(n) and count > 0
    if not ok:
        raise micro.misread(name, result, scenario)


# -- the report --------------------------------------------------------------------------------


def report(plan: micro.Plan, samples: micro.Samples) -> None:
    print(
        f"\nResponses API: CPU time per event over httpx.MockTransport (typed events and final "
        f"message for llmstream, every event and the final response for openai-python); "
        f"x floor: median over {plan.rounds} rounds of the per-round ratio, (min..max) its "
        f"spread. openai-python: {plan.slow_rounds} round(s), {plan.slow_n:,}-delta "
        "streams of the same kind."
    )
    medians = micro.report(plan, samples, "us/event", 36)
    verdicts = micro.verdicts(plan, medians)
    met = sum(ratio <= GOAL for _, ratio in verdicts)
    worst = max(verdicts, key=lambda verdict: verdict[1])
    print(
        f"\n  llmstream goal (<= {GOAL}x the floor): met in {met} of {len(verdicts)} "
        f"combinations; worst {worst[1]:.2f}x ({worst[0]})"
    )
    versus_openai = [
        medians[(*key[:3], OURS)] / median for key, median in medians.items() if key[3] == OPENAI
    ]
    if versus_openai:
        print(
            f"  llmstream per event against openai-python's: {min(versus_openai):.3f}x .. "
            f"{max(versus_openai):.3f}x"
        )


def run_callgrind(args: argparse.Namespace, plan: micro.Plan) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per event (valgrind --tool=callgrind), floor and llmstream")
    long_n = args.callgrind_events
    child_args = [
        "--callgrind-events", str(long_n), "--backend", args.backend,
        "--coalesce", str(args.coalesce),
    ]  # fmt: skip
    micro.callgrind_report(__file__, child_args, plan, long_n, "Ir/event", 26)


# -- the command ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rounds.add_common_arguments(parser, quick="3 rounds, 5,000 text deltas")
    parser.add_argument("--openai-rounds", type=int, default=3, help="openai-python is slow")
    parser.add_argument("--openai-events", type=int, default=2_000)
    parser.add_argument("--text-events", type=int, default=20_000)
    parser.add_argument("--tool-events", type=int, default=2_000)
    parser.add_argument("--coalesce", type=int, default=16384)
    parser.add_argument("--callgrind-events", type=int, default=1_000)
    return parser


def main() -> int:
    args = rounds.parse(
        build_parser(), quick={"rounds": 3, "openai_rounds": 1, "text_events": 5_000}
    )
    plan = micro.Plan(
        scenarios=micro.text_and_tool(
            (args.text_events, "text deltas", responses_text_stream),
            (args.tool_events, "argument deltas", responses_tool_stream),
        ),
        backends=rounds.backends(args),
        reads={"one event per read": 0, f"{args.coalesce / 1024:g} KiB reads": args.coalesce},
        contenders=contenders(others=not args.callgrind_child),
        check=check,
        rounds=args.rounds,
        slow=OPENAI,
        slow_rounds=args.openai_rounds,
        slow_n=args.openai_events,
    )
    if args.callgrind_child:
        micro.callgrind_child(plan, args.callgrind_events)
        return 0
    print(rounds.environment())
    started = time.perf_counter()
    samples = micro.run(plan)
    report(plan, samples)
    print(f"  ({time.perf_counter() - started:.0f} s)")
    if args.callgrind:
        run_callgrind(args, plan)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
