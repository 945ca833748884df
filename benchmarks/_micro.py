"""The micro benchmark's harness: contenders read the same SSE bytes over `httpx.MockTransport`.

Shared by bench_stream.py (chat completions) and bench_responses.py (the Responses API); each
keeps its own streams, contenders and checks and gives them here in a `Plan`. Input: the plan.
Output: CPU seconds per data event (a stream's events but `[DONE]`) for every backend, scenario,
read size and contender, one sample a round (`run`); the table of the per-round ratios to the
floor (`report`); instructions per data event under callgrind (`callgrind_child`,
`callgrind_report`). The rounds themselves are `_rounds.py`'s.
"""

from __future__ import annotations

import functools
import json
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import _callgrind as callgrind
import _rounds as rounds
import anyio
import httpx
from _chunks import text_of, tool_pieces
from _rounds import FLOOR, OURS

DONE = b"data: [DONE]\n\n"

Result = tuple[int, str | None, str | None]  # events seen, text or tool arguments, finish
Contender = Callable[[list[bytes]], Awaitable[Result]]
Key = tuple[str, str, str, str]  # backend, scenario, reads, contender
Samples = dict[Key, list[float]]


# -- the bytes -------------------------------------------------------------------------------


class _Body(httpx.AsyncByteStream):
    def __init__(self, reads: list[bytes]) -> None:
        self._reads = reads

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for read in self._reads:
            yield read


def transport_for(reads: list[bytes]) -> httpx.MockTransport:
    """A transport that answers every request with an event stream of these network reads."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Body(reads)
        )

    return httpx.MockTransport(handler)


def coalesce(events: list[bytes], size: int) -> list[bytes]:
    """The events cut into reads of `size` bytes; 0 keeps one event per read."""
    if size <= 0:
        return events
    data = b"".join(events)
    return [data[i : i + size] for i in range(0, len(data), size)]


def data_events(events: list[bytes]) -> int:
    """The events a per-event time is divided by: every one but `[DONE]`."""
    return sum(event != DONE for event in events)


# -- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "text" or "tool"
    n: int  # chunks (deltas) of text or of arguments
    streams_per_sample: int
    stream: Callable[[int], list[bytes]]  # the events of a stream of n

    def events(self, n: int | None = None) -> list[bytes]:
        return self.stream(self.n if n is None else n)

    def expected(self, n: int | None = None) -> tuple[str, str]:
        """The text (or tool arguments) of the final message, and its finish reason."""
        n = self.n if n is None else n
        if self.kind == "text":
            return text_of(n), "stop"
        return "".join(tool_pieces(n)), "tool_calls"


def text_and_tool(
    text: tuple[int, str, Callable[[int], list[bytes]]],
    tool: tuple[int, str, Callable[[int], list[bytes]]],
) -> list[Scenario]:
    """The two scenarios, each (n, what a piece is called, its stream): the tool stream is read
    as many times per sample as makes it as long as the text stream."""
    (text_n, text_unit, text_stream), (tool_n, tool_unit, tool_stream) = text, tool
    return [
        Scenario(f"{text_n:,} {text_unit}", "text", text_n, 1, text_stream),
        Scenario(
            f"{tool_n:,} {tool_unit}", "tool", tool_n, max(1, round(text_n / tool_n)), tool_stream
        ),
    ]


Check = Callable[[str, Result, Scenario, list[bytes], int], None]


def misread(name: str, result: Result, scenario: Scenario) -> SystemExit:
    """The error a check raises: what the contender read instead."""
    count, text, finish = result
    return SystemExit(
        f"{name} read the {scenario.name} wrongly: {count} events, finish {finish!r}, "
        f"text {str(text)[:60]!r}"
    )


@dataclass
class Plan:
    scenarios: list[Scenario]
    backends: tuple[str, ...]
    reads: dict[str, int]  # read size's name -> bytes per read, 0: one event per read
    contenders: dict[str, Contender]
    check: Check  # raises when a contender read a stream wrongly
    rounds: int
    slow: str  # a peer so slow it reads shorter streams of the same kind, in its rounds only
    slow_rounds: int
    slow_n: int

    def n_for(self, scenario: Scenario, name: str) -> int:
        return min(scenario.n, self.slow_n) if name == self.slow else scenario.n


# -- the timed rounds ------------------------------------------------------------------------

Streams = dict[tuple[str, int], list[bytes]]  # (scenario, n) -> events
Reads = dict[tuple[str, str, int], list[bytes]]  # (scenario, read size, n) -> network reads


async def one_round(
    plan: Plan, streams: Streams, reads: Reads, samples: Samples, number: int
) -> None:
    backend = rounds.current_backend()
    for scenario in plan.scenarios:
        for mode in plan.reads:
            for name in rounds.rotated(list(plan.contenders), number):
                if name == plan.slow and number >= plan.slow_rounds:
                    continue
                n = plan.n_for(scenario, name)
                times = 1 if name == plan.slow else scenario.streams_per_sample
                seconds, result = await rounds.timed(
                    plan.contenders[name], reads[(scenario.name, mode, n)], times
                )
                events = streams[(scenario.name, n)]
                plan.check(name, result, scenario, events, n)
                per_event = seconds / times / data_events(events)
                samples.setdefault((backend, scenario.name, mode, name), []).append(per_event)


async def warm_up(plan: Plan) -> None:
    """Every contender once on a short stream of each kind and read size, checked."""
    for scenario in plan.scenarios:
        events = scenario.events(200)
        for size in plan.reads.values():
            for name, contender in plan.contenders.items():
                plan.check(name, await contender(coalesce(events, size)), scenario, events, 200)


def run(plan: Plan) -> Samples:
    """The streams made once, every contender warmed, then the rounds."""
    streams: Streams = {}
    reads: Reads = {}
    for scenario in plan.scenarios:
        for n in {plan.n_for(scenario, name) for name in plan.contenders}:
            events = streams[(scenario.name, n)] = scenario.events(n)
            for mode, size in plan.reads.items():
                reads[(scenario.name, mode, n)] = coalesce(events, size)
    samples: Samples = {}
    for backend in plan.backends:
        anyio.run(warm_up, plan, backend=backend)
    rounds.run_rounds(
        plan.rounds, plan.backends, functools.partial(one_round, plan, streams, reads, samples)
    )
    return samples


def report(plan: Plan, samples: Samples, unit: str, width: int) -> dict[Key, float]:
    """The table: per backend and scenario a row per contender, for each read size its median
    time per data event, and (but the floor's) the median and spread of its per-round ratio to
    the floor. Returns those medians, in the table's order."""
    modes = list(plan.reads)
    print(f"\n  {'':{width}}" + "".join(f"{mode:^37}" for mode in modes))
    print(f"  {'':{width}}" + f"{unit:>10} {'x floor':>8} {'(min..max)':>16} " * len(modes))
    medians: dict[Key, float] = {}
    for backend in plan.backends:
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
                    per_round = rounds.ratios(samples, key)
                    medians[key] = statistics.median(per_round)
                    spread = rounds.spread(per_round)
                    cells.append(f"{micros:10.2f} {medians[key]:8.2f} {spread:>16} ")
                print(f"    {name:{width - 2}}" + "".join(cells))
    return medians


def verdicts(plan: Plan, medians: dict[Key, float]) -> list[tuple[str, float]]:
    """llmstream's median ratios, each named by its kind, backend and read size."""
    kinds = {scenario.name: scenario.kind for scenario in plan.scenarios}
    return [
        (f"{kinds[scenario]}, {backend}, {mode}", median)
        for (backend, scenario, mode, name), median in medians.items()
        if name == OURS
    ]


# -- instructions, under callgrind -----------------------------------------------------------


def callgrind_child(plan: Plan, long_n: int) -> None:
    """Under valgrind: for each combination, the floor and llmstream on a 10-event and a
    `long_n`-event stream, each in a region of its own; the difference is the instructions of
    the extra events. The labels, last, say which dump is which."""
    labels = []
    for backend in plan.backends:
        anyio.run(warm_up, plan, backend=backend)
        for scenario in plan.scenarios:
            for mode, size in plan.reads.items():
                for name in (FLOOR, OURS):
                    for n in (10, long_n):
                        events = scenario.events(n)
                        call = functools.partial(
                            anyio.run,
                            plan.contenders[name],
                            coalesce(events, size),
                            backend=backend,
                        )
                        result = callgrind.in_region(call)
                        plan.check(name, result, scenario, events, n)  # type: ignore[arg-type]
                        labels.append([backend, scenario.kind, mode, name, n])
    print(json.dumps(labels), flush=True)


def callgrind_report(
    script: str,
    child_args: Sequence[str],
    plan: Plan,
    long_n: int,
    unit: str,
    width: int,
    samples: Samples | None = None,
) -> None:
    """Run `script`'s callgrind child and print instructions per data event of the floor and
    llmstream, and their ratio; with `samples`, the time ratio of this run beside it."""
    counts: dict[tuple[str, ...], dict[int, int]] = {}
    for label, total in callgrind.count_regions(script, child_args):
        counts.setdefault(tuple(label[:4]), {})[label[4]] = total
    modes = list(plan.reads)
    if samples is None:
        print(f"\n  {'':{width}}" + "".join(f"{mode:^24}" for mode in modes))
        print(f"  {'':{width}}" + f"{unit:>10} {'Ir x floor':>11}   " * len(modes))
    else:
        print(f"\n  {'':{width}}" + "".join(f"{mode:^36}" for mode in modes))
        print(
            f"  {'':{width}}" + f"{unit:>10} {'Ir x floor':>11} {'time x floor':>13} " * len(modes)
        )
    for backend in plan.backends:
        for scenario in plan.scenarios:
            extra = len(scenario.events(long_n)) - len(scenario.events(10))
            for name in (FLOOR, OURS):
                cells = []
                for mode in modes:
                    per = counts[(backend, scenario.kind, mode, name)]
                    base = counts[(backend, scenario.kind, mode, FLOOR)]
                    ir = (per[long_n] - per[10]) / extra
                    ir_floor = (base[long_n] - base[10]) / extra
                    cell = f"{ir:10,.0f} {ir / ir_floor:11.2f}"
                    if samples is None:
                        cells.append(f"{cell}   ")
                        continue
                    key = (backend, scenario.name, mode, name)
                    timed = (
                        f"{statistics.median(rounds.ratios(samples, key)):.2f}"
                        if key in samples
                        else "-"
                    )
                    cells.append(f"{cell} {timed:>13} ")
                print(f"  {scenario.kind + ', ' + backend + ', ' + name:{width}}" + "".join(cells))
