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
import functools
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import _callgrind as callgrind
import anyio
import httpx
from _chunks import responses_text_stream, responses_tool_stream, text_of, tool_pieces
from bench_stream import _running_trio, _timed, coalesce, transport_for

import llmstream as ls

URL = "https://api.openai.com/v1/responses"
BACKENDS: tuple[str, ...] = ("asyncio", "trio")
READS = {"one event per read": 0, "16 KiB reads": 16384}
GOAL = 0.8
FLOOR, OURS, OPENAI = "floor", "llmstream", "openai-python responses.stream()"


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "text" or "tool"
    n: int  # deltas
    streams_per_sample: int

    def events(self, n: int | None = None) -> list[bytes]:
        make = responses_text_stream if self.kind == "text" else responses_tool_stream
        return make(self.n if n is None else n)

    def expected(self, n: int) -> tuple[str, str]:
        if self.kind == "text":
            return text_of(n), "stop"
        return "".join(tool_pieces(n)), "tool_calls"


Result = tuple[int, str | None, str | None]  # events seen, text or arguments, finish


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


Contender = Callable[[list[bytes]], Awaitable[Result]]


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
        raise SystemExit(
            f"{name} read the {scenario.name} wrongly: {count} events, finish {finish!r}, "
            f"text {str(text)[:60]!r}"
        )


# -- the timed rounds ----------------------------------------------------------------------------

Key = tuple[str, str, str, str]  # backend, scenario, reads, contender


@dataclass
class Plan:
    scenarios: list[Scenario]
    rounds: int
    openai_rounds: int
    openai_events: int
    contenders: dict[str, Contender]


def _stream_for(plan: Plan, scenario: Scenario, name: str) -> int:
    return min(scenario.n, plan.openai_events) if name == OPENAI else scenario.n


async def one_round(
    plan: Plan,
    number: int,
    reads: dict[tuple[str, str, int], list[bytes]],
    samples: dict[Key, list[float]],
) -> None:
    backend = "trio" if _running_trio() else "asyncio"
    names = list(plan.contenders)
    for scenario in plan.scenarios:
        for mode in READS:
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                if name == OPENAI and number >= plan.openai_rounds:
                    continue
                n = _stream_for(plan, scenario, name)
                times = 1 if name == OPENAI else scenario.streams_per_sample
                seconds, result = await _timed(
                    plan.contenders[name], reads[(scenario.name, mode, n)], times
                )
                events = scenario.events(n)
                check(name, result, scenario, events, n)
                per_event = seconds / times / len(events)
                samples.setdefault((backend, scenario.name, mode, name), []).append(per_event)


async def warm_up(plan: Plan) -> None:
    for scenario in plan.scenarios:
        events = scenario.events(200)
        for size in READS.values():
            for name, contender in plan.contenders.items():
                check(name, await contender(coalesce(events, size)), scenario, events, 200)


def run(plan: Plan) -> dict[Key, list[float]]:
    reads = {}
    for scenario in plan.scenarios:
        for name in plan.contenders:
            n = _stream_for(plan, scenario, name)
            for mode, size in READS.items():
                reads.setdefault((scenario.name, mode, n), coalesce(scenario.events(n), size))
    samples: dict[Key, list[float]] = {}
    for backend in BACKENDS:
        anyio.run(warm_up, plan, backend=backend)
    for number in range(plan.rounds):
        for backend in BACKENDS if number % 2 == 0 else BACKENDS[::-1]:
            anyio.run(one_round, plan, number, reads, samples, backend=backend)
        print(f"  round {number + 1}/{plan.rounds} done", file=sys.stderr, flush=True)
    return samples


def ratios(samples: dict[Key, list[float]], key: Key) -> list[float]:
    floor = samples[(*key[:3], FLOOR)]
    return [mine / base for mine, base in zip(samples[key], floor, strict=False)]


def report(plan: Plan, samples: dict[Key, list[float]]) -> None:
    modes = list(READS)
    print(
        f"\nResponses API: CPU time per event over httpx.MockTransport (typed events and final "
        f"message for llmstream, every event and the final response for openai-python); "
        f"x floor: median over {plan.rounds} rounds of the per-round ratio, (min..max) its "
        f"spread. openai-python: {plan.openai_rounds} round(s), {plan.openai_events:,}-delta "
        "streams of the same kind."
    )
    print(f"\n  {'':36}" + "".join(f"{mode:^37}" for mode in modes))
    print(f"  {'':36}" + f"{'us/event':>10} {'x floor':>8} {'(min..max)':>16} " * len(modes))
    verdicts: list[tuple[str, float]] = []
    versus_openai: list[float] = []
    for backend in BACKENDS:
        for scenario in plan.scenarios:
            print(f"  {scenario.name}, {backend}")
            for name in plan.contenders:
                cells = []
                for mode in modes:
                    key = (backend, scenario.name, mode, name)
                    micros = statistics.median(samples[key]) * 1e6
                    if name == FLOOR:
                        cells.append(f"{micros:10.2f} {1:8.2f} {'':16} ")
                        continue
                    rs = ratios(samples, key)
                    median = statistics.median(rs)
                    cells.append(
                        f"{micros:10.2f} {median:8.2f} {f'({min(rs):.2f}..{max(rs):.2f})':>16} "
                    )
                    if name == OURS:
                        verdicts.append((f"{scenario.kind}, {backend}, {mode}", median))
                    if name == OPENAI:
                        ours = statistics.median(ratios(samples, (*key[:3], OURS)))
                        versus_openai.append(ours / median)
                print(f"    {name:34}" + "".join(cells))
    met = sum(ratio <= GOAL for _, ratio in verdicts)
    worst = max(verdicts, key=lambda verdict: verdict[1])
    print(
        f"\n  llmstream goal (<= {GOAL}x the floor): met in {met} of {len(verdicts)} "
        f"combinations; worst {worst[1]:.2f}x ({worst[0]})"
    )
    if versus_openai:
        print(
            f"  llmstream per event against openai-python's: {min(versus_openai):.3f}x .. "
            f"{max(versus_openai):.3f}x"
        )


# -- instructions, under callgrind ---------------------------------------------------------------


def callgrind_child(plan: Plan, long_n: int) -> None:
    labels = []
    for backend in BACKENDS:
        anyio.run(warm_up, plan, backend=backend)
        for scenario in plan.scenarios:
            for mode, size in READS.items():
                for name in (FLOOR, OURS):
                    for n in (10, long_n):
                        events = scenario.events(n)
                        call = functools.partial(
                            anyio.run,
                            plan.contenders[name],
                            coalesce(events, size),
                            backend=backend,
                        )
                        check(name, callgrind.in_region(call), scenario, events, n)  # type: ignore[arg-type]
                        labels.append([backend, scenario.kind, mode, name, n])
    print(json.dumps(labels), flush=True)


def run_callgrind(args: argparse.Namespace, plan: Plan) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per event (valgrind --tool=callgrind), floor and llmstream")
    long_n = args.callgrind_events
    child_args = [
        "--callgrind-events", str(long_n), "--backend", args.backend,
        "--coalesce", str(args.coalesce),
    ]  # fmt: skip
    counts: dict[tuple[str, ...], dict[int, int]] = {}
    for label, total in callgrind.count_regions(__file__, child_args):
        counts.setdefault(tuple(label[:4]), {})[label[4]] = total
    modes = list(READS)
    print(f"\n  {'':26}" + "".join(f"{mode:^24}" for mode in modes))
    print(f"  {'':26}" + f"{'Ir/event':>10} {'Ir x floor':>11}   " * len(modes))
    for backend in BACKENDS:
        for scenario in plan.scenarios:
            extra = len(scenario.events(long_n)) - len(scenario.events(10))
            for name in (FLOOR, OURS):
                cells = []
                for mode in modes:
                    per = counts[(backend, scenario.kind, mode, name)]
                    base = counts[(backend, scenario.kind, mode, FLOOR)]
                    ir = (per[long_n] - per[10]) / extra
                    ir_floor = (base[long_n] - base[10]) / extra
                    cells.append(f"{ir:10,.0f} {ir / ir_floor:11.2f}   ")
                print(f"  {scenario.kind + ', ' + backend + ', ' + name:26}" + "".join(cells))


# -- the command ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 5,000 text deltas")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--openai-rounds", type=int, default=3, help="openai-python is slow")
    parser.add_argument("--openai-events", type=int, default=2_000)
    parser.add_argument("--text-events", type=int, default=20_000)
    parser.add_argument("--tool-events", type=int, default=2_000)
    parser.add_argument("--backend", choices=["asyncio", "trio", "both"], default="both")
    parser.add_argument("--coalesce", type=int, default=16384)
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--callgrind-events", type=int, default=1_000)
    parser.add_argument("--callgrind-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    parser = build_parser()
    args = parser.parse_args()
    if args.quick:
        parser.set_defaults(rounds=3, openai_rounds=1, text_events=5_000)
        args = parser.parse_args()
    global BACKENDS, READS
    if args.backend != "both":
        BACKENDS = (args.backend,)
    READS = {"one event per read": 0, f"{args.coalesce / 1024:g} KiB reads": args.coalesce}
    scenarios = [
        Scenario(f"{args.text_events:,} text deltas", "text", args.text_events, 1),
        Scenario(
            f"{args.tool_events:,} argument deltas",
            "tool",
            args.tool_events,
            max(1, round(args.text_events / args.tool_events)),
        ),
    ]
    plan = Plan(
        scenarios,
        args.rounds,
        args.openai_rounds,
        args.openai_events,
        contenders(others=not args.callgrind_child),
    )
    if args.callgrind_child:
        callgrind_child(plan, args.callgrind_events)
        return 0
    print(
        f"python {sys.version.split()[0]}, httpx {httpx.__version__}, llmstream "
        f"{ls.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    started = time.perf_counter()
    samples = run(plan)
    report(plan, samples)
    print(f"  ({time.perf_counter() - started:.0f} s)")
    if args.callgrind:
        run_callgrind(args, plan)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
