"""What `import llmstream` costs, beside `import httpx, pydantic, anyio`, measured in one run.

Each measurement is a fresh interpreter timing its own imports (interpreter start-up excluded),
rounds interleaved so that a noisy neighbour hits every case alike; medians are printed.

    python benchmarks/bench_import.py [--rounds 21]

Cases:
- baseline: `import httpx, pydantic, anyio` (our three runtime dependencies);
- `import llmstream`: public names load on first use, so this is the package alone;
- streaming names: `import llmstream` and the names a streaming program touches
  (`AsyncClient`, the events, the message helpers), which loads the client, the core and
  pydantic's models;
- agent names: the above plus `Agent` and `tool`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

CASES = {
    "baseline: import httpx, pydantic, anyio": "import httpx, pydantic, anyio",
    "import llmstream": "import llmstream",
    "import llmstream + streaming names": (
        "import llmstream as ls; ls.AsyncClient; ls.TextDelta; ls.Finish; ls.user; ls.OpenAI"
    ),
    "import llmstream + agent names": (
        "import llmstream as ls; ls.AsyncClient; ls.TextDelta; ls.user; ls.Agent; ls.tool"
    ),
}

_TIMER = "import time; _t = time.perf_counter(); {statement}; print(time.perf_counter() - _t)"


def measure(statement: str) -> float:
    output = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    rounds = parser.parse_args().rounds
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for statement in CASES.values():  # one warm-up each: the file cache, .pyc files
        measure(statement)
    for _ in range(rounds):
        for name, statement in CASES.items():
            times[name].append(measure(statement))
    baseline = statistics.median(next(iter(times.values())))
    print(f"median of {rounds} rounds, fresh interpreter each, Python {sys.version.split()[0]}")
    print(f"{'case':<44} {'ms':>8} {'x baseline':>11}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<44} {median * 1000:>8.1f} {median / baseline:>11.2f}")


if __name__ == "__main__":
    main()
