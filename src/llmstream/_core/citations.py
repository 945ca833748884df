"""A provider's citations read as `Citation`s, for both wires.

Input: one annotation as a provider sent it (any JSON value), and where the text it refers to
starts in `message.text`; or one entry of a top-level `citations` list. Output: a `Citation`,
never an error: an annotation of a type llmstream does not know keeps what it recognises (a
`url`, a `title`, a span...) and the whole annotation in `raw`.

The shapes read:

- chat completions: `{"type": "url_citation", "url_citation": {"url", "title",
  "start_index", "end_index"}}` (the fields under a key named after the type);
- the Responses API: the same fields on the annotation itself (`url_citation`;
  `container_file_citation` with `file_id`, `filename` and a span; `file_citation` with
  `file_id`, `filename` and the `index` where the citation goes, read as an empty span there;
  `file_path` with a `file_id` and the `index` of the file in a list, which is no place in the
  text);
- a top-level `citations` list (xAI, Perplexity): bare URLs, with no span.
"""

from __future__ import annotations

from typing import Any

from ..messages import Citation

__all__ = ["annotation_citation", "listed_citation"]

# The annotation types whose `index` is a place in the text (OpenAI: "the index in the output
# text at which to insert the file citation"); a `file_path`'s is its place in a list of files.
_INDEX_IN_TEXT = frozenset({"file_citation"})


def annotation_citation(annotation: Any, shift: int = 0) -> Citation:
    """One annotation as a `Citation`, its offsets moved by `shift` (where the text they count
    in starts in `message.text`)."""
    if not isinstance(annotation, dict):
        return Citation(raw={"annotation": annotation})
    kind = annotation.get("type")
    fields = annotation
    nested = annotation.get(kind) if isinstance(kind, str) else None
    if isinstance(nested, dict):  # chat completions: the fields under the type's own key
        fields = {**annotation, **nested}
    start = _offset(fields.get("start_index"))
    end = _offset(fields.get("end_index"))
    if start is None and end is None and kind in _INDEX_IN_TEXT:
        start = end = _offset(fields.get("index"))
    return Citation(
        url=_text(fields.get("url")),
        title=_text(fields.get("title")),
        start=None if start is None else start + shift,
        end=None if end is None else end + shift,
        file_id=_text(fields.get("file_id")),
        filename=_text(fields.get("filename")),
        raw=dict(annotation),  # a copy: the annotation is also in the item that goes back
    )


def listed_citation(entry: Any) -> Citation:
    """One entry of a top-level `citations` list: a URL (or an object with one)."""
    if isinstance(entry, str):
        return Citation(url=entry, raw={"url": entry})
    if isinstance(entry, dict):
        return annotation_citation(entry)
    return Citation(raw={"url": entry})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _offset(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None
