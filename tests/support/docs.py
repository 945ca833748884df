"""The fenced Python blocks of the documentation, as the docs tests read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)(.*)$")
# `<!-- needs-key: <recordings> -->` (or `needs-server`) on the line before a block.
MARKER = re.compile(r"^<!--\s*needs-(?:key|server):\s*(.+?)\s*-->$")
# A block that is a file starts with `# <name>.py`.
FILE_HEADER = re.compile(r"^# ([\w/]+\.py)\s*$")


@dataclass
class Block:
    page: Path
    line: int  # where the code starts, 1-based
    code: str
    recordings: list[Path]  # what answers it, when it is marked as needing a key
    file: str | None  # the file it is, when it starts with `# <name>.py`

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def python_blocks(page: Path) -> list[Block]:
    """The page's ```python blocks, with the marker on the line before each, if any."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    previous = ""
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        if fence.group(1) == "python":
            code = "\n".join(lines[index + 1 : end]) + "\n"
            marker = MARKER.match(previous)
            recordings = [ROOT / path for path in marker.group(1).split()] if marker else []
            header = FILE_HEADER.match(code.splitlines()[0]) if code.strip() else None
            blocks.append(
                Block(page, index + 2, code, recordings, header.group(1) if header else None)
            )
        previous = ""
        index = end + 1
    return blocks


def file_block(page: Path, name: str) -> str:
    """The code of the block of `page` that is the file `name`."""
    [block] = [block for block in python_blocks(page) if block.file == name]
    return block.code
