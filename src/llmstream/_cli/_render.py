"""How the CLI shows a stream: as a transcript for people, or as JSON lines for programs.

The transcript is written for a terminal first: reasoning dimmed as it arrives, folded into one
line when the answer (or a tool call) begins, tool calls as `→ name({...})`, the sources the
answer cites numbered after it, and one line of usage after each reply. Written to a pipe or a
file, it is plain text: no escape sequences, and the reasoning stays, followed by the same
one-line summary as a separator.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TextIO

import llmstream as ls

__all__ = [
    "JsonRenderer",
    "ReasoningMode",
    "Renderer",
    "Style",
    "TranscriptRenderer",
    "clean",
    "rows_of",
    "source_lines",
    "summary_line",
]

ReasoningMode = Literal["fold", "show", "hide"]

DIM = "\033[2m"
BOLD = "\033[1m"
RESET = "\033[0m"
ERASE_BELOW = "\033[J"

# Everything a model could write that a terminal would obey instead of print: C0 controls but
# newline and tab, DEL, and the C1 controls (some terminals read \x9b as CSI). A model's text
# must never move the cursor, retitle the window or rewrite the clipboard.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Model text, safe to print: terminal control characters removed."""
    return _CONTROLS.sub("", text)


def _cell_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def rows_of(text: str, columns: int) -> int:
    """How many terminal rows `text` fills when printed from column 0 of a `columns`-wide
    terminal that wraps long lines; the cursor ends on the last of them."""
    columns = max(columns, 1)
    rows = 0
    for line in text.split("\n"):
        width = sum(_cell_width(char) for char in line)
        # A line exactly as wide as the terminal leaves the cursor on its own row (the wrap is
        # pending until the next character), so it is ceil(width / columns) rows, at least 1.
        rows += max(1, math.ceil(width / columns))
    return rows


@dataclass(frozen=True)
class Style:
    """What the output stream can take: escape sequences at all, and colour."""

    terminal: bool
    color: bool

    @classmethod
    def detect(cls, stream: TextIO) -> Style:
        """A terminal that is not `TERM=dumb`; colour unless `NO_COLOR` is set (no-color.org)."""
        terminal = stream.isatty() and os.environ.get("TERM") != "dumb"
        return cls(terminal=terminal, color=terminal and not os.environ.get("NO_COLOR"))

    def dim(self, text: str) -> str:
        return f"{DIM}{text}{RESET}" if self.color else text

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.color else text


def summary_line(message: ls.AssistantMessage) -> str:
    """`[in 12, out 34, reasoning 5, cost 0.0001 USD]`: what one reply used."""
    parts: list[str] = []
    usage = message.usage
    if usage is not None:
        parts.append(f"in {usage.input_tokens}")
        if usage.cached_input_tokens:
            parts.append(f"cached {usage.cached_input_tokens}")
        parts.append(f"out {usage.output_tokens}")
        if usage.reasoning_tokens:
            parts.append(f"reasoning {usage.reasoning_tokens}")
    else:
        parts.append("no usage reported")
    cost = _cost_text(getattr(message, "cost", None))
    if cost:
        parts.append(cost)
    if message.finish_reason not in (None, "stop", "tool_calls"):
        parts.append(f"finish {message.raw_finish_reason or message.finish_reason}")
    return "[" + ", ".join(parts) + "]"


def source_lines(citations: list[ls.Citation]) -> list[str]:
    """`[1] Title <https://...>`: each source the answer cites, once, in the order first cited
    (a page cited for several spans is one source)."""
    lines: list[str] = []
    seen: set[str] = set()
    for citation in citations:
        key = citation.url or citation.file_id or ""
        if key and key in seen:
            continue
        seen.add(key)
        if citation.url:
            shown = f"{citation.title} <{citation.url}>" if citation.title else citation.url
        elif citation.file_id:
            shown = (
                f"{citation.filename} ({citation.file_id})"
                if citation.filename
                else (citation.file_id)
            )
        else:  # a kind of annotation llmstream does not know: its type, at least
            shown = f"({citation.raw.get('type') or 'unknown'} annotation)"
        lines.append(clean(f"[{len(lines) + 1}] {shown}"))
    return lines


def _one_line(call: ls.ToolCall) -> str:
    """A call's arguments on one line (some servers indent them), or as written if not JSON."""
    try:
        return json.dumps(call.parsed_arguments, ensure_ascii=False)
    except ValueError:
        return call.arguments


def _cost_text(cost: Any) -> str | None:
    # `AssistantMessage.cost` (`total`, `currency`) is newer than this CLI: read it if present.
    total = getattr(cost, "total", None)
    if total is None:
        return None
    currency = getattr(cost, "currency", None) or "USD"
    try:
        amount = format(total, ".6g")
    except (TypeError, ValueError):
        amount = str(total)
    return f"cost {amount} {currency}"


class Renderer(Protocol):
    """Shows one reply after another."""

    def begin(self) -> None:
        """A reply is about to stream."""

    def event(self, event: ls.StreamEvent) -> None:
        """One event of the reply."""

    def end(self, message: ls.AssistantMessage) -> None:
        """The reply ended normally."""

    def stopped(self, note: str) -> None:
        """The reply was cut short (Ctrl-C or an error); `note` says why, for stderr."""

    def note(self, text: str) -> None:
        """A message for the person at the terminal, not part of the conversation."""


class JsonRenderer:
    """Every event as one JSON line on stdout, and nothing else there; notes go to stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def begin(self) -> None:
        pass

    def event(self, event: ls.StreamEvent) -> None:
        self.out.write(event.model_dump_json() + "\n")
        self.out.flush()

    def end(self, message: ls.AssistantMessage) -> None:
        pass

    def stopped(self, note: str) -> None:
        self.note(note)

    def note(self, text: str) -> None:
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()


class TranscriptRenderer:
    """The conversation as people read it, on a terminal or in a file."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        style: Style,
        reasoning: ReasoningMode = "fold",
        columns: Callable[[], int] = lambda: 80,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.err = err
        self.style = style
        self.reasoning = reasoning
        self.columns = columns
        self.clock = clock
        self._at_line_start = True
        self._thinking_since: float | None = None
        self._shown: list[str] = []  # the reasoning block as printed, to know what to erase

    # -- output ---------------------------------------------------------------------------------
    def _write(self, text: str, *, plain: str | None = None) -> None:
        """Write `text`; `plain` is what it looks like without escapes (to track the column)."""
        if not text:
            return
        self.out.write(text)
        self.out.flush()
        visible = text if plain is None else plain
        if visible:
            self._at_line_start = visible.endswith("\n")

    def _newline(self) -> None:
        if not self._at_line_start:
            self._write("\n")

    def note(self, text: str) -> None:
        self._newline()
        self.err.write(self.style.dim(text) + "\n")
        self.err.flush()

    # -- a reply --------------------------------------------------------------------------------
    def begin(self) -> None:
        self._newline()

    def event(self, event: ls.StreamEvent) -> None:
        if isinstance(event, ls.ReasoningDelta):
            self._reasoning(event.text)
        elif isinstance(event, ls.ReasoningEnd):
            self._fold(len(event.text))
        elif isinstance(event, (ls.TextDelta, ls.RefusalDelta)):
            self._write(clean(event.text))
        elif isinstance(event, ls.ToolCallEnd):
            call = event.tool_call
            self._newline()
            line = f"→ {clean(call.name)}({clean(_one_line(call))})"
            self._write(self.style.bold(line) + "\n", plain=line + "\n")
        elif isinstance(event, ls.RequestWarning):
            self.note(f"[warning: {event.message}]")

    def end(self, message: ls.AssistantMessage) -> None:
        self._newline()
        sources = source_lines(message.citations)
        if sources:
            self._write("\n" + "\n".join(sources) + "\n")
        line = summary_line(message)
        self._write(self.style.dim(line) + "\n", plain=line + "\n")

    def stopped(self, note: str) -> None:
        if self.style.color:
            self.out.write(RESET)  # an interrupt may have struck between DIM and RESET
        self._thinking_since = None
        self._shown = []
        self.note(note)

    # -- reasoning ------------------------------------------------------------------------------
    def _reasoning(self, text: str) -> None:
        if self._thinking_since is None:
            self._thinking_since = self.clock()
            self._shown = []
            if self.reasoning != "hide":
                self._newline()
        if self.reasoning == "hide":
            return
        # Tabs would make the width of what was printed depend on tab stops: spaces instead.
        text = clean(text).expandtabs(4)
        self._shown.append(text)
        self._write(self.style.dim(text), plain=text)

    def _fold(self, characters: int) -> None:
        """The reasoning block ended: one summary line, which replaces the block on a terminal."""
        if self._thinking_since is None:
            return
        seconds = self.clock() - self._thinking_since
        summary = f"[thought for {seconds:.1f}s, {characters} chars]"
        shown = "".join(self._shown)
        self._thinking_since = None
        self._shown = []
        if self.reasoning == "fold" and self.style.terminal and shown:
            self._erase(shown)
        else:
            self._newline()
        self._write(self.style.dim(summary) + "\n", plain=summary + "\n")

    def _erase(self, shown: str) -> None:
        """Move the cursor back to where the block began and clear everything below it.

        The block began at column 0. Rows that scrolled off the top cannot be taken back: the
        cursor stops at the top row, and what scrolled away stays in the scrollback.
        """
        up = rows_of(shown, self.columns()) - 1
        self.out.write("\r" + (f"\033[{up}A" if up else "") + ERASE_BELOW)
        self._at_line_start = True
