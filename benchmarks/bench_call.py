"""Per-call cost: one whole streamed call through a reused client, against the floor and peers.

Most calls are short and applications reuse one client, so what a call costs besides its
chunks (building the request, the retry and time-limit machinery, the final message) matters as
much as the cost per chunk. Each contender makes calls one after another through ONE client it
keeps, against a loopback server in another process (`bench_scale.py --serve`: pre-rendered
OpenAI-shaped SSE, one `send()` per event, chunked HTTP/1.1, keep-alive), and each call is read
to its end:

- floor: `httpx.AsyncClient.stream()` + `aiter_lines()` + `json.loads` of every data line;
- llmstream: `ls.AsyncClient(ls.OpenAI(base_url=...))`, every typed event, then
  `stream.message` (its cost is not read: what no caller asked for should cost nothing);
- openai-python: `AsyncOpenAI(...).chat.completions.stream(...)`, every event, then
  `get_final_completion()`.

Replies of 3 and 200 text chunks (6 and 203 data events with the role, finish and usage
chunks), under asyncio and trio. A sample is the CPU time of this (client) process
(`time.process_time()`) over a batch of calls, divided by the number of calls; the server's CPU
is not counted. A round runs every contender once per combination in an order that rotates;
`x floor` is the median over the rounds of the per-round ratio, `(min..max)` its spread. Time to
first event (wall, median over the calls of the last round) is shown beside it. Every call's
result is checked: the text, the finish reason and the number of data events.

    python benchmarks/bench_call.py                # about a minute on 2 cores
    python benchmarks/bench_call.py --quick        # fewer rounds and calls
    python benchmarks/bench_call.py --callgrind    # also instructions per call (valgrind)
    python benchmarks/bench_call.py --profile llmstream:3   # cProfile of one contender
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import statistics
import time
from dataclasses import dataclass, field

import _callgrind as callgrind
import _rounds as rounds
import anyio
import bench_scale
import httpx
from _chunks import scale_text
from _rounds import FLOOR, OURS

import llmstream as ls

BACKENDS: tuple[str, ...] = ("asyncio", "trio")
REPLIES = (3, 200)  # text chunks per reply
OPENAI = "openai-python"
GOALS = {3: 1.1, 200: 0.9}


def data_events(text_chunks: int) -> int:
    """Data events of a reply (role, text, finish, usage), [DONE] not counted."""
    return text_chunks + 3


# -- the contenders: one client each, reused for every call -------------------------------------


@dataclass
class Outcome:
    """What one call read: data events (or typed events), text, finish reason, seconds to the
    first event."""

    count: int
    text: str | None
    finish: str | None
    first: float


class Contender:
    name = ""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def call(self, prompt: str) -> Outcome:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class Floor(Contender):
    name = FLOOR

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.http = httpx.AsyncClient(timeout=None)
        self.url = base_url + "/chat/completions"

    async def call(self, prompt: str) -> Outcome:
        body = {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        start = time.perf_counter()
        first = 0.0
        count = 0
        async with self.http.stream(
            "POST", self.url, json=body, headers={"Authorization": "Bearer sk-bench"}
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])
                    if not count:
                        first = time.perf_counter() - start
                    count += 1
        return Outcome(count, None, None, first)

    async def close(self) -> None:
        await self.http.aclose()


class LLMStream(Contender):
    name = OURS

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.client = ls.AsyncClient(ls.OpenAI(api_key="sk-bench", base_url=base_url))

    async def call(self, prompt: str) -> Outcome:
        start = time.perf_counter()
        first = 0.0
        count = 0
        async with self.client.stream(model="gpt-4o-mini", messages=[ls.user(prompt)]) as stream:
            async for _event in stream:
                if not count:
                    first = time.perf_counter() - start
                count += 1
        message = stream.message
        return Outcome(count, message.text, message.finish_reason, first)

    async def close(self) -> None:
        await self.client.aclose()


class OpenAIPython(Contender):
    name = OPENAI

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        from openai import AsyncOpenAI

        self.client = AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0)

    async def call(self, prompt: str) -> Outcome:
        start = time.perf_counter()
        first = 0.0
        count = 0
        async with self.client.chat.completions.stream(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
            stream_options={"include_usage": True},
        ) as stream:
            async for event in stream:
                if event.type == "chunk":
                    if not count:
                        first = time.perf_counter() - start
                    count += 1
            completion = await stream.get_final_completion()
        choice = completion.choices[0]
        return Outcome(count, choice.message.content, choice.finish_reason, first)

    async def close(self) -> None:
        await self.client.close()


def contender_classes(others: bool) -> list[type[Contender]]:
    classes: list[type[Contender]] = [Floor, LLMStream]
    if others:
        try:
            import openai  # noqa: F401

            classes.append(OpenAIPython)
        except ImportError:
            pass
    return classes


def check(name: str, outcome: Outcome, text_chunks: int) -> None:
    """Fail loudly when a contender did not read the reply exactly."""
    events = data_events(text_chunks)
    expected = scale_text(0, events)
    if name == FLOOR:
        ok = outcome.count == events
    elif name == OPENAI:
        ok = outcome.count == events and outcome.text == expected and outcome.finish == "stop"
    else:  # llmstream's typed events: one per text chunk, then Usage and Finish
        ok = outcome.text == expected and outcome.finish == "stop" and outcome.count >= text_chunks
    if not ok:
        raise SystemExit(
            f"{name} read a {text_chunks}-chunk reply wrongly: {outcome.count} events, finish "
            f"{outcome.finish!r}, text {str(outcome.text)[:60]!r}"
        )


# -- the timed rounds ------------------------------------------------------------------------

Key = tuple[str, int, str]  # backend, text chunks, contender


@dataclass
class Results:
    cpu: dict[Key, list[float]] = field(default_factory=dict)  # seconds per call, per round
    first: dict[Key, list[float]] = field(default_factory=dict)  # seconds to first event


@dataclass
class Plan:
    ports: dict[int, int]  # text chunks -> server port
    calls: dict[int, int]  # text chunks -> calls per sample
    rounds: int
    classes: list[type[Contender]]


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1"


async def _sample(contender: Contender, calls: int, text_chunks: int) -> tuple[float, list[float]]:
    gc.collect()
    firsts = []
    start = time.process_time()
    for _ in range(calls):
        outcome = await contender.call("stream 0 of 1")
        firsts.append(outcome.first)
    seconds = time.process_time() - start
    check(contender.name, outcome, text_chunks)
    return seconds / calls, firsts


async def one_round(plan: Plan, results: Results, round_number: int) -> None:
    backend = rounds.current_backend()
    for text_chunks, port in plan.ports.items():
        contenders = [cls(base_url(port)) for cls in plan.classes]
        try:
            for contender in contenders:  # warm: a connection in the pool, caches filled
                for _ in range(3):
                    check(contender.name, await contender.call("stream 0 of 1"), text_chunks)
            for contender in rounds.rotated(contenders, round_number):
                per_call, firsts = await _sample(contender, plan.calls[text_chunks], text_chunks)
                key = (backend, text_chunks, contender.name)
                results.cpu.setdefault(key, []).append(per_call)
                results.first[key] = firsts
        finally:
            for contender in contenders:
                await contender.close()


def run(plan: Plan) -> Results:
    results = Results()
    rounds.run_rounds(plan.rounds, BACKENDS, functools.partial(one_round, plan, results))
    return results


def report(plan: Plan, results: Results) -> int:
    print(
        f"\nPer call: CPU of the client process per whole streamed call through a reused "
        f"client, loopback server in another process; x floor: median over {plan.rounds} "
        "rounds of the per-round ratio, (min..max) its spread; first event: wall time to the "
        "first event, median over the last round's calls."
    )
    print(
        f"\n  {'':34}{'us/call':>9} {'x floor':>8} {'(min..max)':>13} {'x openai':>9} "
        f"{'first event us':>15}"
    )
    verdicts = []
    for backend in BACKENDS:
        for text_chunks in plan.ports:
            calls = plan.calls[text_chunks]
            print(f"  {text_chunks} text chunks ({calls} calls per sample), {backend}")
            floor = results.cpu[(backend, text_chunks, FLOOR)]
            theirs = results.cpu.get((backend, text_chunks, OPENAI))
            for cls in plan.classes:
                key = (backend, text_chunks, cls.name)
                mine = results.cpu[key]
                per_round = rounds.per_round(mine, floor)
                median = statistics.median(per_round)
                spread = rounds.spread(per_round)
                versus = ""
                if theirs is not None:
                    versus = f"{statistics.median(rounds.per_round(mine, theirs)):.2f}"
                first = statistics.median(results.first[key]) * 1e6
                print(
                    f"    {cls.name:30}{statistics.median(mine) * 1e6:9.0f} {median:8.2f} "
                    f"{spread:>13} {versus:>9} {first:15.0f}"
                )
                if cls.name == OURS:
                    verdicts.append((text_chunks, backend, median))
    met = [v for v in verdicts if v[2] <= GOALS[v[0]]]
    goals = ", ".join(f"{n} chunks <= {goal}x" for n, goal in GOALS.items())
    print(f"\n  llmstream goal ({goals}): met in {len(met)} of {len(verdicts)} combinations")
    return 0


# -- instructions, under callgrind -----------------------------------------------------------


async def _calls(cls: type[Contender], port: int, text_chunks: int, counted: int) -> None:
    """A fresh client, three warm-up calls, then `counted` calls: measured with N and 2N
    calls, the difference is N warm calls and nothing else."""
    contender = cls(base_url(port))
    try:
        for _ in range(3):
            check(cls.name, await contender.call("stream 0 of 1"), text_chunks)
        for _ in range(counted):
            outcome = await contender.call("stream 0 of 1")
        check(cls.name, outcome, text_chunks)
    finally:
        await contender.close()


def _counted_calls(args: argparse.Namespace, text_chunks: int) -> int:
    """How many calls a region counts. How many turns of the event loop a call takes depends
    on when the server's bytes arrive: a 3-chunk call's count moved by 10% from run to run over
    20 calls, so short calls are counted over five times as many (the long ones vary little)."""
    return args.callgrind_calls * (5 if text_chunks < 20 else 1)


def callgrind_child(args: argparse.Namespace) -> None:
    """Under valgrind: for each backend, reply size and contender, a region of N calls and one
    of 2N; the labels say which dump is which."""
    labels = []
    ports = json.loads(args.ports)
    for backend in BACKENDS:  # outside any region: imports, caches and price lists loaded once
        for text_chunks, port in ports.items():
            for cls in contender_classes(others=False):
                anyio.run(_calls, cls, port, int(text_chunks), 3, backend=backend)
    for backend in BACKENDS:
        for text_chunks, port in ports.items():
            for cls in contender_classes(others=False):
                n = _counted_calls(args, int(text_chunks))
                for counted in (n, 2 * n):
                    run = functools.partial(
                        anyio.run, _calls, cls, port, int(text_chunks), counted, backend=backend
                    )
                    callgrind.in_region(run)
                    labels.append([backend, int(text_chunks), cls.name, counted])
    print(json.dumps(labels), flush=True)


def run_callgrind(args: argparse.Namespace, ports: dict[int, int]) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per call (valgrind --tool=callgrind), floor and llmstream")
    print("  (a few minutes: everything runs ~50x slower under valgrind)", flush=True)
    child_args = ["--ports", json.dumps(ports), "--callgrind-calls", str(args.callgrind_calls)]
    counts: dict[tuple[str, int, str], dict[int, int]] = {}
    for (backend, text_chunks, name, counted), total in callgrind.count_regions(
        __file__, child_args
    ):
        counts.setdefault((backend, text_chunks, name), {})[counted] = total
    print(f"\n  {'':36}{'Ir/call':>12} {'Ir x floor':>11}")
    for backend in BACKENDS:
        for text_chunks in ports:
            n = _counted_calls(args, text_chunks)
            base = counts[(backend, text_chunks, FLOOR)]
            floor = (base[2 * n] - base[n]) / n
            for name in (FLOOR, OURS):
                per = counts[(backend, text_chunks, name)]
                ir = (per[2 * n] - per[n]) / n
                label = f"{text_chunks} chunks, {backend}, {name}"
                print(f"  {label:36}{ir:12,.0f} {ir / floor:11.2f}")


# -- profile ---------------------------------------------------------------------------------


def profile(spec: str, ports: dict[int, int], backend: str) -> None:
    """cProfile of many calls of one contender (`name:text_chunks`), sorted by own time."""
    name, _, size = spec.partition(":")
    text_chunks = int(size or 3)
    cls = {c.name: c for c in contender_classes(others=True)}[name]
    rounds.profile(
        lambda: cls(base_url(ports[text_chunks])),
        lambda contender: contender.call("stream 0 of 1"),
        2000 if text_chunks < 50 else 200,
        backend,
    )


# -- the command -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rounds.add_common_arguments(parser, quick="3 rounds, fewer calls")
    parser.add_argument("--calls", type=int, default=300, help="3-chunk calls per sample")
    parser.add_argument("--long-calls", type=int, default=40, help="200-chunk calls per sample")
    parser.add_argument("--callgrind-calls", type=int, default=20)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="CONTENDER:CHUNKS", help="cProfile one contender")
    return parser


def main() -> int:
    args = rounds.parse(build_parser(), quick={"rounds": 3, "calls": 150, "long_calls": 20})
    global BACKENDS
    BACKENDS = rounds.backends(args)
    if args.callgrind_child:
        callgrind_child(args)
        return 0
    with contextlib.ExitStack() as stack:
        ports = {
            text_chunks: stack.enter_context(
                bench_scale.ServerProcess(0, 0, data_events(text_chunks))
            ).port
            for text_chunks in REPLIES
        }
        if args.profile:
            profile(args.profile, ports, BACKENDS[0])
            return 0
        print(rounds.environment())
        plan = Plan(
            ports=ports,
            calls={3: args.calls, 200: args.long_calls},
            rounds=args.rounds,
            classes=contender_classes(others=True),
        )
        started = time.perf_counter()
        results = run(plan)
        status = report(plan, results)
        print(f"  ({time.perf_counter() - started:.0f} s)")
        if args.callgrind:
            run_callgrind(args, ports)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
