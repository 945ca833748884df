"""Reasoning written inside the answer between `<think>` and `</think>`, split back out.

DeepSeek-R1-style models served without a reasoning parser (Groq with `reasoning_format:
"raw"`, Ollama, vLLM) stream their reasoning as part of `content`. `ThinkTagSplitter` takes the
content as it arrives and returns it as pieces of reasoning and of answer. A tag may be split
across deltas (`<th` + `ink>`): text that could be the start of a tag is held back until the
next delta shows whether it is one, so no piece of a tag ever reaches the answer. Sans-IO.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Piece", "ThinkTagSplitter"]

Piece = tuple[Literal["reasoning", "text"], str]


class ThinkTagSplitter:
    """Splits content into reasoning (between `open` and `close`) and answer text.

    `feed(text)` returns the pieces it can be sure of; `flush()` returns what was held back at
    the end (an unfinished tag is text after all).
    """

    def __init__(self, open: str = "<think>", close: str = "</think>") -> None:
        self._tags = {False: open, True: close}
        self._inside = False
        self._held = ""  # the end of the last delta, which may be the start of a tag

    def feed(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        text = self._held + text
        self._held = ""
        while text:
            tag = self._tags[self._inside]
            at = text.find(tag)
            if at >= 0:
                self._emit(pieces, text[:at])
                text = text[at + len(tag) :]
                self._inside = not self._inside
                continue
            keep = _partial_tag_at_end(text, tag)
            self._emit(pieces, text[: len(text) - keep])
            self._held = text[len(text) - keep :]
            break
        return pieces

    def flush(self) -> list[Piece]:
        pieces: list[Piece] = []
        self._emit(pieces, self._held)
        self._held = ""
        return pieces

    def _emit(self, pieces: list[Piece], text: str) -> None:
        if text:
            pieces.append(("reasoning" if self._inside else "text", text))


def _partial_tag_at_end(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the beginning of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
