"""The deliberate body differences declared in tests/cassettes/DEVIATIONS.md."""

from __future__ import annotations

import re
from collections import defaultdict

from .corpus import SEEDS

_ROW = re.compile(
    r"^\|\s*((?:corpus|seeds|gateways|responses)/[^|]+?)\s*\|\s*(\d+)\s*\|\s*(\$[^|]*?)\s*\|"
)


def declared() -> dict[str, dict[int, set[str]]]:
    """cassette id -> interaction number -> tolerated body paths."""
    table: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in (SEEDS / "DEVIATIONS.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            cassette, interaction, path = match.groups()
            table[cassette][int(interaction)].add(path)
    return {cassette: dict(paths) for cassette, paths in table.items()}
