"""The citations of one message item of a Responses API reply.

Input: what the reader learns of a message item: where each of its `output_text` parts starts
in `message.text` (a `response.content_part.added` event, or the item's final parts), its
`response.output_text.annotation.added` events, and its final state (`annotations` on each
part). Output: each annotation once, as a `Citation` whose offsets count in `message.text`.

An annotation's offsets count in its part's text; the part's start in the message moves them.
A part whose start is not yet known (a server that announces no parts) keeps its annotations
until the item is done. An annotation is known by its part and its index in that part, so one
seen as an event and again in the item's final parts is one citation, and a whole reply yields
the citations of the same reply streamed.
"""

from __future__ import annotations

from typing import Any

from ....messages import Citation
from ...citations import annotation_citation

__all__ = ["ItemCitations", "has_annotations", "part_starts"]


class ItemCitations:
    """What one message item's citations need: its parts' starts, the annotations read."""

    __slots__ = ("pending", "read", "starts")

    def __init__(self) -> None:
        self.starts: dict[Any, int] = {}  # by content index: where the part starts in the text
        self.read: dict[Any, set[Any]] = {}  # by content index: the annotation indexes read
        self.pending: list[tuple[Any, Any, Any]] = []  # (part, index, annotation), start unknown

    def annotation(self, part: Any, index: Any, annotation: Any) -> Citation | None:
        """An `annotation.added` event's annotation: its citation, or None when it was read
        before or its part's start is not yet known (it is kept for `settle`)."""
        seen = self.read.setdefault(part, set())
        if type(index) is not int:  # no index: the next one of its part
            index = len(seen)
        if index in seen:
            return None
        seen.add(index)
        start = self.starts.get(part)
        if start is None:
            self.pending.append((part, index, annotation))
            return None
        return annotation_citation(annotation, start)

    def settle(self, content: Any, item_start: int) -> list[Citation]:
        """The item is done: its annotations not yet given (those kept, then those of its final
        parts), in order. `item_start` is where its text starts in the message."""
        starts = part_starts(content, item_start)
        for part, start in starts.items():
            self.starts.setdefault(part, start)
        citations = [
            annotation_citation(annotation, self.starts.get(part, item_start))
            for part, _, annotation in self.pending
        ]
        self.pending.clear()
        for position, part in enumerate(content if isinstance(content, list) else ()):
            annotations = part.get("annotations") if isinstance(part, dict) else None
            if not isinstance(annotations, list):
                continue
            seen = self.read.setdefault(position, set())
            for index, annotation in enumerate(annotations):
                if index not in seen:
                    seen.add(index)
                    start = self.starts.get(position, item_start)
                    citations.append(annotation_citation(annotation, start))
        return citations


def part_starts(content: Any, item_start: int) -> dict[int, int]:
    """Where each `output_text` part of a message item's `content` starts in the message's
    text, the item's text starting at `item_start` (refusal parts add no text)."""
    starts: dict[int, int] = {}
    at = item_start
    for position, part in enumerate(content if isinstance(content, list) else ()):
        if isinstance(part, dict) and part.get("type") == "output_text":
            starts[position] = at
            text = part.get("text")
            if isinstance(text, str):
                at += len(text)
    return starts


def has_annotations(content: Any) -> bool:
    """Whether any part of a message item's `content` has annotations."""
    return any(
        isinstance(part, dict) and part.get("annotations")
        for part in (content if isinstance(content, list) else ())
    )
