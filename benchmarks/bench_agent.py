"""Per-step cost of an agent: a two-step run through a reused client, against the floor.

The sibling of `bench_call.py` for the agent loop. A loopback server in another process
(`bench_scale.py --serve --agent`) scripts the run: a request without a tool result is answered
with a tool call (`write_file`, its arguments in 4 pieces, 7 data events), a request with one
with a 3-chunk text reply (6 data events). Each contender runs the same two steps one run after
another through ONE client it keeps:

- floor: the loop one writes by hand on httpx: `AsyncClient.stream()` + `aiter_lines()` +
  `json.loads`, the tool call's arguments joined from the deltas, the tool called, the
  assistant message and the tool result appended, the second request sent;
- llmstream: `ls.Agent(client, tools=[write_file]).run(prompt)`: typed events, arguments
  validated against the tool's signature, both messages, steps, usage and the result.

A sample is the CPU time of this (client) process over a batch of runs, divided by the number
of steps (two per run); the server's CPU is not counted. `x floor` is the median over the
rounds of the per-round ratio, `(min..max)` its spread, as in `bench_call.py`. Every run's
result is checked: the tool's arguments, the final text and the number of steps.

    python benchmarks/bench_agent.py                # about half a minute on 2 cores
    python benchmarks/bench_agent.py --callgrind    # also instructions per step (valgrind)
    python benchmarks/bench_agent.py --profile llmstream   # cProfile of one contender
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from typing import Any

import _callgrind as callgrind
import _rounds as rounds
import anyio
import bench_scale
import httpx
from _chunks import scale_text
from _rounds import FLOOR, OURS
from bench_call import base_url, data_events

import llmstream as ls

BACKENDS: tuple[str, ...] = ("asyncio", "trio")
TEXT_CHUNKS = 3  # of the second step's reply
STEPS = 2
EXPECTED_TEXT = scale_text(0, data_events(TEXT_CHUNKS))
WRITTEN: list[tuple[str, str]] = []  # what the tool was called with, by either contender


def _write_file(path: str, text: str) -> str:
    """Write a file.

    Args:
        path: where
        text: what
    """
    WRITTEN.append((path, text))
    return "written"


write_file = ls.tool(name="write_file")(_write_file)


TOOL_SCHEMA = {
    "type": "function",
    "function": {
        "name": "write_file",
        "description": "Write a file.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "text": {"type": "string"}},
            "required": ["path", "text"],
        },
    },
}


class Floor:
    name = FLOOR

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(timeout=None)
        self.url = url + "/chat/completions"

    async def run(self, prompt: str) -> tuple[str, int]:
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        for step in range(1, 10):
            body = {
                "model": "gpt-4o-mini",
                "messages": messages,
                "tools": [TOOL_SCHEMA],
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            text: list[str] = []
            calls: dict[int, dict[str, str]] = {}
            async with self.http.stream(
                "POST", self.url, json=body, headers={"Authorization": "Bearer sk-bench"}
            ) as response:
                async for line in response.aiter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    for choice in json.loads(line[6:])["choices"]:
                        delta = choice["delta"]
                        if delta.get("content"):
                            text.append(delta["content"])
                        for piece in delta.get("tool_calls") or ():
                            call = calls.setdefault(
                                piece["index"], {"id": "", "name": "", "arguments": ""}
                            )
                            call["id"] = piece.get("id") or call["id"]
                            function = piece.get("function") or {}
                            call["name"] += function.get("name") or ""
                            call["arguments"] += function.get("arguments") or ""
            if not calls:
                return "".join(text), step
            messages.append(
                {
                    "role": "assistant",
                    "content": "".join(text) or None,
                    "tool_calls": [
                        {
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["name"], "arguments": call["arguments"]},
                        }
                        for call in calls.values()
                    ],
                }
            )
            for call in calls.values():
                result = _write_file(**json.loads(call["arguments"]))
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        raise SystemExit("the floor's run did not end")

    async def close(self) -> None:
        await self.http.aclose()


class LLMStream:
    name = OURS

    def __init__(self, url: str) -> None:
        self.client = ls.AsyncClient(ls.OpenAI(api_key="sk-bench", base_url=url))
        self.agent = ls.Agent(self.client, model="gpt-4o-mini", tools=[write_file])

    async def run(self, prompt: str) -> tuple[str, int]:
        result = await self.agent.run(prompt)
        return result.text, len(result.steps)

    async def close(self) -> None:
        await self.client.aclose()


CLASSES: list[type[Floor] | type[LLMStream]] = [Floor, LLMStream]


async def checked_run(contender: Floor | LLMStream) -> None:
    """One run; fail loudly when it did not read the script exactly."""
    WRITTEN.clear()
    text, steps = await contender.run("write it")
    expected = [("a.txt", "lorem ipsum " * 2)]
    if (text, steps, WRITTEN) != (EXPECTED_TEXT, STEPS, expected):
        raise SystemExit(
            f"{contender.name} ran the script wrongly: {steps} steps, tool calls {WRITTEN}, "
            f"text {text[:60]!r}"
        )


# -- the timed rounds ------------------------------------------------------------------------


async def one_round(port: int, runs: int, cpu: dict[Any, list[float]], round_number: int) -> None:
    backend = rounds.current_backend()
    contenders = [cls(base_url(port)) for cls in CLASSES]
    try:
        for contender in contenders:  # warm: a connection in the pool, caches filled
            for _ in range(3):
                await checked_run(contender)
        for contender in rounds.rotated(contenders, round_number):
            seconds, _ = await rounds.timed(contender.run, "write it", runs)
            await checked_run(contender)
            cpu.setdefault((backend, contender.name), []).append(seconds / (runs * STEPS))
    finally:
        for contender in contenders:
            await contender.close()


def report(cpu: dict[Any, list[float]], n_rounds: int, runs: int) -> None:
    print(
        f"\nPer agent step: CPU of the client process per step of a two-step run (a tool call, "
        f"then a {TEXT_CHUNKS}-chunk answer) through a reused client, loopback server in "
        f"another process; x floor: median over {n_rounds} rounds of the per-round ratio, "
        "(min..max) its spread."
    )
    print(f"\n  {'':34}{'us/step':>9} {'x floor':>8} {'(min..max)':>13}")
    for backend in BACKENDS:
        print(f"  two-step runs ({runs} per sample), {backend}")
        floor = cpu[(backend, FLOOR)]
        for cls in CLASSES:
            mine = cpu[(backend, cls.name)]
            ratios = rounds.per_round(mine, floor)
            spread = rounds.spread(ratios)
            print(
                f"    {cls.name:30}{statistics.median(mine) * 1e6:9.0f} "
                f"{statistics.median(ratios):8.2f} {spread:>13}"
            )


# -- instructions, under callgrind -----------------------------------------------------------


async def _runs(cls: type[Floor] | type[LLMStream], port: int, counted: int) -> None:
    """A fresh client, three warm-up runs, then `counted` runs (see bench_call._calls)."""
    contender = cls(base_url(port))
    try:
        for _ in range(3):
            await checked_run(contender)
        for _ in range(counted - 1):
            await contender.run("write it")
        await checked_run(contender)
    finally:
        await contender.close()


def callgrind_child(args: argparse.Namespace) -> None:
    labels = []
    for backend in BACKENDS:  # outside any region: imports and caches loaded once
        for cls in CLASSES:
            anyio.run(_runs, cls, args.port, 3, backend=backend)
    for backend in BACKENDS:
        for cls in CLASSES:
            for counted in (args.callgrind_runs, 2 * args.callgrind_runs):
                callgrind.in_region(
                    functools.partial(anyio.run, _runs, cls, args.port, counted, backend=backend)
                )
                labels.append([backend, cls.name, counted])
    print(json.dumps(labels), flush=True)


def run_callgrind(args: argparse.Namespace, port: int) -> None:
    if not callgrind.available():
        return
    print("\nCallgrind: instructions per agent step (valgrind --tool=callgrind)", flush=True)
    child_args = ["--port", str(port), "--callgrind-runs", str(args.callgrind_runs)]
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for (backend, name, counted), total in callgrind.count_regions(__file__, child_args):
        counts.setdefault((backend, name), {})[counted] = total
    n = args.callgrind_runs
    print(f"\n  {'':36}{'Ir/step':>12} {'Ir x floor':>11}")
    for backend in BACKENDS:
        base = counts[(backend, FLOOR)]
        floor = (base[2 * n] - base[n]) / (n * STEPS)
        for name in (FLOOR, OURS):
            per = counts[(backend, name)]
            ir = (per[2 * n] - per[n]) / (n * STEPS)
            print(f"  {f'agent step, {backend}, {name}':36}{ir:12,.0f} {ir / floor:11.2f}")


# -- profile ---------------------------------------------------------------------------------


def profile(name: str, port: int, backend: str) -> None:
    """cProfile of many runs of one contender, sorted by own time."""
    cls = {c.name: c for c in CLASSES}[name]
    rounds.profile(lambda: cls(base_url(port)), lambda c: c.run("write it"), 500, backend)


# -- the command -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rounds.add_common_arguments(parser, quick="3 rounds, 50 runs per sample")
    parser.add_argument("--runs", type=int, default=100, help="two-step runs per sample")
    parser.add_argument("--callgrind-runs", type=int, default=10)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="CONTENDER", help="cProfile one contender")
    args = rounds.parse(parser, quick={"rounds": 3, "runs": 50})
    global BACKENDS
    BACKENDS = rounds.backends(args)
    if args.callgrind_child:
        callgrind_child(args)
        return 0
    with bench_scale.ServerProcess(0, 0, data_events(TEXT_CHUNKS), agent=True) as server:
        if args.profile:
            profile(args.profile, server.port, BACKENDS[0])
            return 0
        print(rounds.environment())
        started = time.perf_counter()
        cpu: dict[Any, list[float]] = {}
        rounds.run_rounds(
            args.rounds, BACKENDS, functools.partial(one_round, server.port, args.runs, cpu)
        )
        report(cpu, args.rounds, args.runs)
        print(f"  ({time.perf_counter() - started:.0f} s)")
        if args.callgrind:
            run_callgrind(args, server.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
