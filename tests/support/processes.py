"""What this test process has left behind: child processes (at any depth, zombies included),
TCP connections and pipes, read from /proc. The MCP tests count them around every test."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

PROC = Path("/proc")


def descendants(root: int | None = None) -> set[int]:
    """Every process below `root` (this one by default), however deep, reaped or not."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone since the listing
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after it.
        parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    todo = [os.getpid() if root is None else root]
    while todo:
        current = todo.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found.update(children)
        todo += children
    return found


def _tcp_inodes() -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        inodes.update(line.split()[9] for line in lines)
    return inodes


def open_handles() -> Counter[str]:
    """This process's open TCP sockets and pipes, counted by kind (an event loop's own wake-up
    socket pair is a Unix socket, and not counted)."""
    tcp = _tcp_inodes()
    counts: Counter[str] = Counter()
    for fd in (PROC / "self" / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("pipe:"):
            counts["pipe"] += 1
        elif target.startswith("socket:[") and target[8:-1] in tcp:
            counts["tcp"] += 1
    return counts


def settled(
    expected: set[int], handles: Counter[str], timeout: float = 5.0
) -> tuple[set[int], Counter[str]]:
    """The processes beyond `expected`, and the handles beyond `handles`, once they have had
    `timeout` seconds to go (a process is reaped a moment after it exits)."""
    deadline = time.monotonic() + timeout
    while True:
        extra = descendants() - expected
        more = open_handles() - handles
        if (not extra and not more) or time.monotonic() > deadline:
            return extra, more
        time.sleep(0.05)
