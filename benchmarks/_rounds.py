"""Timed rounds, shared by the benchmarks that compare contenders by CPU time in one run.

A round runs every contender once per combination, back to back, in an order that rotates from
round to round (`rotated`), the backends alternating (`run_rounds`), so drift in the machine's
load hits them all alike. A sample is CPU time of this process (`time.process_time`), after a
`gc.collect()` (`timed`). A contender's number is the median over the rounds of its per-round
ratio to the floor measured in the same round (`ratios`), shown with its spread (`spread`).

Also the command boilerplate the benchmarks share: the common flags and `--quick` defaults
(`parse`), the line that says what ran where (`environment`), and cProfile of one contender
(`profile`).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

import anyio

__all__ = [
    "FLOOR",
    "OURS",
    "add_common_arguments",
    "backends",
    "current_backend",
    "environment",
    "parse",
    "per_round",
    "profile",
    "ratios",
    "rotated",
    "run_rounds",
    "spread",
    "timed",
]

FLOOR, OURS = "floor", "llmstream"

T = TypeVar("T")
A = TypeVar("A")


# -- the rounds ------------------------------------------------------------------------------


def current_backend() -> str:
    """ "asyncio" or "trio": the backend the calling task runs under."""
    import sniffio

    return sniffio.current_async_library()


def rotated(items: Sequence[T], number: int) -> list[T]:
    """`items` in the order of round `number`: each round starts one further along."""
    shift = number % len(items)
    return [*items[shift:], *items[:shift]]


async def timed(function: Callable[[A], Awaitable[T]], argument: A, times: int) -> tuple[float, T]:
    """CPU seconds of `times` awaits of `function(argument)`, and the last result."""
    gc.collect()
    start = time.process_time()
    for _ in range(times):
        result = await function(argument)
    return time.process_time() - start, result


def run_rounds(
    rounds: int, backends: Sequence[str], one_round: Callable[[int], Awaitable[None]]
) -> None:
    """`one_round(number)` under each backend, for every round; the backends alternate in order
    from round to round. Progress goes to stderr."""
    for number in range(rounds):
        for backend in backends if number % 2 == 0 else backends[::-1]:
            anyio.run(one_round, number, backend=backend)
        print(f"  round {number + 1}/{rounds} done", file=sys.stderr, flush=True)


# -- the ratios ------------------------------------------------------------------------------


def per_round(mine: Sequence[float], base: Sequence[float]) -> list[float]:
    """`mine` over `base`, round by round. A contender that ran in the first rounds only (a
    slow peer) is compared with `base` in those rounds."""
    if len(mine) > len(base):
        raise ValueError(f"{len(mine)} rounds against {len(base)}: the base missed rounds")
    return [m / b for m, b in zip(mine, base, strict=False)]


def ratios(samples: dict[Any, list[float]], key: tuple[Hashable, ...]) -> list[float]:
    """The per-round ratios of the samples under `key` to the floor's: the key whose last part,
    the contender, is `FLOOR`."""
    return per_round(samples[key], samples[(*key[:-1], FLOOR)])


def spread(values: Sequence[float]) -> str:
    """`(min..max)`, two decimals: how far the per-round ratios moved."""
    return f"({min(values):.2f}..{max(values):.2f})"


# -- the command -----------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser, quick: str, rounds: int = 5) -> None:
    """--quick (its help says what it changes), --rounds, --backend, --callgrind and the hidden
    --callgrind-child."""
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument(
        "--backend", choices=["asyncio", "trio", "both"], default="both", help="both by default"
    )
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--callgrind-child", action="store_true", help=argparse.SUPPRESS)


def parse(
    parser: argparse.ArgumentParser, quick: dict[str, Any], argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """The arguments; with --quick, `quick` are the defaults, and flags given still win. Also
    makes stdout line-buffered, so progress and tables interleave in order."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    args = parser.parse_args(argv)
    if args.quick:
        parser.set_defaults(**quick)
        args = parser.parse_args(argv)
    return args


def backends(args: argparse.Namespace) -> tuple[str, ...]:
    """The backends `--backend` asks for."""
    return ("asyncio", "trio") if args.backend == "both" else (args.backend,)


def environment() -> str:
    """Versions, CPUs and load: what a table's numbers depend on."""
    import httpx
    import pydantic
    import pydantic_core

    import llmstream

    return (
        f"python {sys.version.split()[0]}, httpx {httpx.__version__}, pydantic "
        f"{pydantic.VERSION} (core {pydantic_core.__version__}), llmstream "
        f"{llmstream.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the start"
    )


class _Closing(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=_Closing)


def profile(
    open_contender: Callable[[], C],
    once: Callable[[C], Awaitable[object]],
    times: int,
    backend: str,
) -> None:
    """cProfile of `times` calls of `once` on one contender, after 5 to warm it, sorted by own
    time."""
    import cProfile
    import pstats

    async def main() -> None:
        contender = open_contender()
        for _ in range(5):
            await once(contender)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(times):
            await once(contender)
        profiler.disable()
        await contender.close()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)

    anyio.run(main, backend=backend)
