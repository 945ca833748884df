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
import functools
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import _callgrind as callgrind
import anyio
import httpx
from _chunks import text_of, text_stream, tool_pieces, tool_stream

import llmstream as ls

URL = "https://api.openai.com/v1/chat/completions"
MESSAGES = [ls.user("benchmark")]
# What a run covers; `--backend` and `--coalesce` change them (in main, before anything runs).
BACKENDS: tuple[str, ...] = ("asyncio", "trio")
READS = {"one event per read": 0, "16 KiB reads": 16384}
GOAL = 0.8


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "text" or "tool"
    n: int  # chunks of text or of arguments
    streams_per_sample: int

    def events(self, n: int | None = None) -> list[bytes]:
        return (text_stream if self.kind == "text" else tool_stream)(self.n if n is None else n)

    def expected(self, n: int | None = None) -> tuple[str, str]:
        """The text (or tool arguments) of the final message, and its finish reason."""
        n = self.n if n is None else n
        if self.kind == "text":
            return text_of(n), "stop"
        return "".join(tool_pieces(n)), "tool_calls"


class _Body(httpx.AsyncByteStream):
    def __init__(self, reads: list[bytes]) -> None:
        self._reads = reads

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for read in self._reads:
            yield read


def transport_for(reads: list[bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Body(reads)
        )

    return httpx.MockTransport(handler)


def coalesce(events: list[bytes], size: int) -> list[bytes]:
    if size <= 0:
        return events
    data = b"".join(events)
    return [data[i : i + size] for i in range(0, len(data), size)]


# -- the contenders: each returns (data events or typed events seen, text or arguments, finish)

Result = tuple[int, str | None, str | None]


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


Contender = Callable[[list[bytes]], Awaitable[Result]]
FLOOR, OURS, OPENAI = "floor", "llmstream", "openai-python + accumulator"


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
    data_events = len(events) - 1  # every data event but [DONE]
    if name == OURS:
        expected_text, expected_finish = scenario.expected(n)
        ok = text == expected_text and finish == expected_finish and count > 0
    elif name == OPENAI:
        expected_text, expected_finish = scenario.expected(n)
        ok = text == expected_text and finish == expected_finish and count == data_events
    else:
        ok = count == data_events
    if not ok:
        raise SystemExit(
            f"{name} read the {scenario.name} wrongly: {count} events, finish {finish!r}, "
            f"text {str(text)[:60]!r}"
        )


# -- the timed rounds ------------------------------------------------------------------------

Key = tuple[str, str, str, str]  # backend, scenario, reads, contender


@dataclass
class Plan:
    scenarios: list[Scenario]
    rounds: int
    openai_rounds: int
    contenders: dict[str, Contender]
    reads: dict[tuple[str, str], list[bytes]]  # (scenario, reads) -> the network reads
    events: dict[str, list[bytes]]
    openai_chunks: int  # openai-python reads a shorter stream of the same kind: it is ~30x
    openai_reads: dict[tuple[str, str], list[bytes]]
    openai_events: dict[str, list[bytes]]


async def _timed(contender: Contender, reads: list[bytes], times: int) -> tuple[float, Result]:
    gc.collect()
    start = time.process_time()
    for _ in range(times):
        result = await contender(reads)
    return time.process_time() - start, result


async def one_round(plan: Plan, round_number: int, samples: dict[Key, list[float]]) -> None:
    backend = "trio" if _running_trio() else "asyncio"
    names = list(plan.contenders)
    for scenario in plan.scenarios:
        for reads_name in READS:
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                reads, events, n = (
                    plan.reads[(scenario.name, reads_name)],
                    plan.events[scenario.name],
                    scenario.n,
                )
                times = scenario.streams_per_sample
                if name == OPENAI:
                    if round_number >= plan.openai_rounds:
                        continue
                    reads, events = (
                        plan.openai_reads[(scenario.name, reads_name)],
                        plan.openai_events[scenario.name],
                    )
                    n, times = min(scenario.n, plan.openai_chunks), 1
                seconds, result = await _timed(plan.contenders[name], reads, times)
                check(name, result, scenario, events, n)
                per_chunk = seconds / times / (len(events) - 1)
                samples.setdefault((backend, scenario.name, reads_name, name), []).append(per_chunk)


def _running_trio() -> bool:
    import sniffio

    return sniffio.current_async_library() == "trio"


async def warm_up(plan: Plan) -> None:
    """Every contender once on a short stream of each kind and read size, checked."""
    for scenario in plan.scenarios:
        events = scenario.events(200)
        for size in READS.values():
            for name, contender in plan.contenders.items():
                check(name, await contender(coalesce(events, size)), scenario, events, 200)


def run_micro(plan: Plan) -> dict[Key, list[float]]:
    samples: dict[Key, list[float]] = {}
    for backend in BACKENDS:
        anyio.run(warm_up, plan, backend=backend)
    for round_number in range(plan.rounds):
        order = BACKENDS if round_number % 2 == 0 else BACKENDS[::-1]
        for backend in order:
            anyio.run(one_round, plan, round_number, samples, backend=backend)
        print(f"  round {round_number + 1}/{plan.rounds} done", file=sys.stderr, flush=True)
    return samples


def ratios(samples: dict[Key, list[float]], key: Key) -> list[float]:
    """The contender's time over the floor's, round by round (openai-python: its rounds)."""
    floor = samples[(*key[:3], FLOOR)]
    return [mine / base for mine, base in zip(samples[key], floor, strict=False)]


def report_micro(plan: Plan, samples: dict[Key, list[float]]) -> list[tuple[str, float]]:
    modes = list(READS)
    print(
        f"\nMicro: CPU time per chunk over httpx.MockTransport, typed events and final message "
        f"for llmstream; x floor: median over {plan.rounds} rounds of the per-round ratio, "
        f"(min..max) its spread. openai-python: {plan.openai_rounds} round(s), "
        f"{plan.openai_chunks:,}-chunk streams of the same kind."
    )
    header = "".join(f"{mode:^37}" for mode in modes)
    print(f"\n  {'':30}{header}")
    print(f"  {'':30}" + f"{'us/chunk':>10} {'x floor':>8} {'(min..max)':>16} " * len(modes))
    verdicts: list[tuple[str, float]] = []
    for backend in BACKENDS:
        for scenario in plan.scenarios:
            print(f"  {scenario.name}, {backend}")
            for name in plan.contenders:
                cells = []
                for mode in modes:
                    key = (backend, scenario.name, mode, name)
                    if key not in samples:
                        cells.append(f"{'':37}")
                        continue
                    micros = statistics.median(samples[key]) * 1e6
                    if name == FLOOR:
                        cells.append(f"{micros:10.2f} {1:8.2f} {'':16} ")
                        continue
                    rs = ratios(samples, key)
                    median = statistics.median(rs)
                    spread = f"({min(rs):.2f}..{max(rs):.2f})"
                    cells.append(f"{micros:10.2f} {median:8.2f} {spread:>16} ")
                    if name == OURS:
                        verdicts.append((f"{scenario.kind}, {backend}, {mode}", median))
                print(f"    {name:28}" + "".join(cells))
    met = sum(ratio <= GOAL for _, ratio in verdicts)
    worst = max(verdicts, key=lambda verdict: verdict[1])
    best = min(verdicts, key=lambda verdict: verdict[1])
    print(
        f"\n  llmstream goal (<= {GOAL}x the floor, typed events + final message): met in "
        f"{met} of {len(verdicts)} combinations; best {best[1]:.2f}x ({best[0]}), worst "
        f"{worst[1]:.2f}x ({worst[0]})"
    )
    return verdicts


# -- instructions, under callgrind -----------------------------------------------------------


def callgrind_child(plan: Plan) -> None:
    """Under valgrind: for each combination and contender, a short and a long stream, each in a
    region of its own; the difference is the instructions of the extra chunks."""
    labels = []
    for backend in BACKENDS:
        anyio.run(warm_up, plan, backend=backend)
        for scenario in plan.scenarios:
            for reads_name, size in READS.items():
                for name in (FLOOR, OURS):
                    for n in (10, scenario.n):
                        reads = coalesce(scenario.events(n), size)
                        contender = plan.contenders[name]

                        result = callgrind.in_region(
                            functools.partial(anyio.run, contender, reads, backend=backend)
                        )
                        check(name, result, scenario, scenario.events(n), n)  # type: ignore[arg-type]
                        labels.append([backend, scenario.kind, reads_name, name, n])
    print(json.dumps(labels), flush=True)


def run_callgrind(args: argparse.Namespace, plan: Plan, samples: dict[Key, list[float]]) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per chunk (valgrind --tool=callgrind), floor and llmstream")
    print("  (a minute or two: everything runs ~50x slower under valgrind)", flush=True)
    child_args = [
        "--text-chunks", str(args.callgrind_chunks), "--tool-chunks", str(args.callgrind_chunks),
        "--backend", args.backend, "--coalesce", str(args.coalesce),
    ]  # fmt: skip
    counts: dict[tuple[str, ...], dict[int, int]] = {}
    for label, total in callgrind.count_regions(__file__, child_args):
        counts.setdefault(tuple(label[:4]), {})[label[4]] = total
    modes = list(READS)
    print(f"\n  {'':24}" + "".join(f"{mode:^36}" for mode in modes))
    print(f"  {'':24}" + f"{'Ir/chunk':>10} {'Ir x floor':>11} {'time x floor':>13} " * len(modes))
    for backend in BACKENDS:
        for scenario in plan.scenarios:
            long_n = args.callgrind_chunks
            extra = len(scenario.events(long_n)) - len(scenario.events(10))
            for name in (FLOOR, OURS):
                cells = []
                for mode in modes:
                    per = counts[(backend, scenario.kind, mode, name)]
                    base = counts[(backend, scenario.kind, mode, FLOOR)]
                    ir = (per[long_n] - per[10]) / extra
                    ir_floor = (base[long_n] - base[10]) / extra
                    key = (backend, scenario.name, mode, name)
                    timed = statistics.median(ratios(samples, key)) if key in samples else None
                    timed_text = f"{timed:.2f}" if timed is not None else "-"
                    cells.append(f"{ir:10,.0f} {ir / ir_floor:11.2f} {timed_text:>13} ")
                print(f"  {scenario.kind + ', ' + backend + ', ' + name:24}" + "".join(cells))


# -- the command -----------------------------------------------------------------------------


def make_plan(args: argparse.Namespace) -> Plan:
    scenarios = [
        Scenario(f"{args.text_chunks:,} text chunks", "text", args.text_chunks, 1),
        Scenario(
            f"{args.tool_chunks:,} tool-argument chunks", "tool", args.tool_chunks,
            max(1, round(args.text_chunks / args.tool_chunks)),
        ),
    ]  # fmt: skip
    events = {scenario.name: scenario.events() for scenario in scenarios}
    reads = {
        (scenario.name, name): coalesce(events[scenario.name], size)
        for scenario in scenarios
        for name, size in READS.items()
    }
    contenders = available(others=not args.callgrind_child)
    short = {s.name: s.events(min(s.n, args.openai_chunks)) for s in scenarios}
    short_reads = {
        (scenario.name, name): coalesce(short[scenario.name], size)
        for scenario in scenarios
        for name, size in READS.items()
    }
    return Plan(
        scenarios, args.rounds, args.openai_rounds, contenders, reads, events,
        args.openai_chunks, short_reads, short,
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 5,000 text chunks")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--openai-rounds", type=int, default=3, help="openai-python is slow")
    parser.add_argument(
        "--openai-chunks", type=int, default=2_000, help="the length of openai-python's streams"
    )
    parser.add_argument("--text-chunks", type=int, default=20_000)
    parser.add_argument("--tool-chunks", type=int, default=2_000)
    parser.add_argument(
        "--backend", choices=["asyncio", "trio", "both"], default="both", help="both by default"
    )
    parser.add_argument(
        "--coalesce", type=int, default=16384, help="bytes per read of the coalesced case"
    )
    parser.add_argument("--no-scale", action="store_true", help="skip bench_scale.py")
    parser.add_argument("--no-micro", action="store_true", help="only the scale run")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--callgrind-chunks", type=int, default=1_000)
    parser.add_argument("--callgrind-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    parser = build_parser()
    args = parser.parse_args()
    if args.quick:  # new defaults: flags given still win
        parser.set_defaults(rounds=3, openai_rounds=1, text_chunks=5_000)
        args = parser.parse_args()
    global BACKENDS, READS
    if args.backend != "both":
        BACKENDS = (args.backend,)
    READS = {"one event per read": 0, f"{args.coalesce / 1024:g} KiB reads": args.coalesce}
    if args.callgrind_child:
        callgrind_child(make_plan(args))
        return 0
    import pydantic
    import pydantic_core

    print(
        f"python {sys.version.split()[0]}, httpx {httpx.__version__}, pydantic "
        f"{pydantic.VERSION} (core {pydantic_core.__version__}), llmstream {ls.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start"
    )
    status = 0
    samples: dict[Key, list[float]] = {}
    plan = make_plan(args)
    if not args.no_micro:
        started = time.perf_counter()
        samples = run_micro(plan)
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
