"""What every wire format's rendering makes of a scripted `Reply` alike: its JSON, the pieces a
text streams in, its tool calls with their ids. Sans-IO, shared by `_render_chat` and
`_render_responses`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..messages import Citation
from ._script import ErrorEvent, FakeRequest, FakeToolCall, Reply

__all__ = ["CREATED", "Format", "annotations_of", "calls", "pieces", "to_json"]

CREATED = 1_700_000_000
"""The fixed creation time of every reply, so two runs of the same script send the same bytes."""


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def pieces(text: str | Sequence[str]) -> list[str]:
    """A string streams a word at a time (each piece keeps its trailing space); a sequence is
    taken as the pieces themselves."""
    if not isinstance(text, str):
        return list(text)
    if not text:
        return []
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + [words[-1]]


def calls(reply: Reply, next_call_id: Callable[[], str]) -> list[tuple[FakeToolCall, str]]:
    """The reply's tool calls, each with its id (scripted, or the next `call_<n>`)."""
    found: list[tuple[FakeToolCall, str]] = []
    for call in reply.tool_calls:
        assert isinstance(call, FakeToolCall)  # Reply.__post_init__ made them so
        found.append((call, call.id or next_call_id()))
    return found


def annotations_of(reply: Reply, *, nested: bool = False) -> list[dict[str, Any]]:
    """The reply's citations as annotations: a `Citation`'s `raw` annotation as it is, else a
    `url_citation` (or a `file_citation` for a file), its fields on the annotation (the
    Responses API) or, `nested`, under its type (chat completions)."""
    found = []
    for citation in reply.citations:
        assert isinstance(citation, Citation)  # Reply.__post_init__ made them so
        if citation.raw:
            found.append(dict(citation.raw))
            continue
        fields: dict[str, Any]
        if citation.file_id is not None and citation.url is None:
            kind = "file_citation"
            fields = {"file_id": citation.file_id, "filename": citation.filename or ""}
            fields["index"] = citation.start or 0
        else:
            kind = "url_citation"
            fields = {"url": citation.url or "", "title": citation.title or ""}
            if citation.start is not None and citation.end is not None:
                fields["start_index"] = citation.start
                fields["end_index"] = citation.end
        found.append({"type": kind, kind: fields} if nested else {"type": kind, **fields})
    return found


class ReplyRenderer(Protocol):
    def __call__(
        self,
        reply: Reply,
        request: FakeRequest,
        *,
        number: int,
        reasoning_field: str,
        next_call_id: Callable[[], str],
    ) -> Any: ...


@dataclass(frozen=True)
class Format:
    """How one wire format sends a scripted reply."""

    stream_events: ReplyRenderer
    """The reply's SSE events, each as the bytes of one event (a list of bytes)."""
    whole_reply: ReplyRenderer
    """The reply as one JSON body (bytes)."""
    error_event: Callable[[ErrorEvent, int], bytes]
    """An `ErrorEvent` fault as one SSE event, given the number of events sent before it."""
    whole_error: Callable[[ErrorEvent], bytes]
    """An `ErrorEvent` fault as the body sent in place of a whole reply."""
