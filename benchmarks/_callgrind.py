"""Instruction counts under callgrind, shared by the benchmarks' `--callgrind` options.

A benchmark re-runs itself under valgrind with `--callgrind-child` (and its own arguments); the
child calls each measured function through `in_region`, and prints, as its last line, the JSON
list of the labels of those regions in order. `count_regions` runs that child and gives each
label's instruction count. Everything runs ~50x slower under valgrind; counts are what no other
load on a shared machine disturbs.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["available", "count_regions", "in_region"]


def available() -> bool:
    """Whether valgrind is installed; says so when it is not."""
    if shutil.which("valgrind") is None:
        print("\n(--callgrind: valgrind is not installed; skipped)")
        return False
    return True


def in_region(function: Callable[[], object]) -> object:
    """Call `function` inside a C callback: callgrind, told --zero-before=closure_fcn and
    --dump-after=closure_fcn, then counts exactly the instructions of this call, in a dump of
    its own. (ctypes would only print an exception raised in a callback: it is passed on.)
    The cyclic collector is run first, outside the region."""
    outcome: list[object] = []
    # Every region starts from the same collector state: a pass owed to earlier allocations
    # would otherwise run inside whichever region comes next, a large share of a short one.
    gc.collect()

    def call() -> None:
        try:
            outcome.append(function())
        except BaseException as exc:
            outcome.append(exc)

    ctypes.CFUNCTYPE(None)(call)()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def count_regions(script: str, child_args: Sequence[str]) -> list[tuple[Any, int]]:
    """Run `script --callgrind-child *child_args` under callgrind: each region's label (from the
    child's last line) with the instructions it executed, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            "--zero-before=closure_fcn", "--dump-after=closure_fcn",
            sys.executable, str(Path(script).resolve()), "--callgrind-child", *child_args,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-3000:])
            raise SystemExit("the callgrind run failed")
        labels = json.loads(done.stdout.strip().splitlines()[-1])
        counted = []
        for part, label in enumerate(labels, start=1):
            text = Path(f"{out}.{part}").read_text()
            total = next(
                int(line.split()[1]) for line in text.splitlines() if line.startswith("summary:")
            )
            counted.append((label, total))
        return counted
