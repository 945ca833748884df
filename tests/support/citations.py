"""Replies that cite their sources, written by hand in the documented shapes (OpenAI's chat
completions annotations and Responses API annotation events and parts, xAI's and Perplexity's
top-level `citations` lists), with what `message.citations` must then say.

The answer is the same on every wire: two sentences, each cited by a web page, then a file and
a kind of annotation llmstream does not know. On the Responses API the two sentences are two
`output_text` parts of one message item, after a reasoning item, so each annotation's offsets
count in its own part's text and must be moved to `message.text`.
"""

from __future__ import annotations

import json
from typing import Any

FIRST = "Tokyo has 14 million people. "
SECOND = "Paris has 2 million."
TEXT = FIRST + SECOND
TOKYO = {"url": "https://example.org/tokyo", "title": "Tokyo in numbers"}
PARIS = {"url": "https://example.org/paris", "title": "Paris"}
UNKNOWN = {"type": "page_citation", "page": 3, "url": "https://example.org/book"}

# What each citation must read as: (url, title, the cited text or None, file_id, filename).
EXPECTED = [
    (TOKYO["url"], TOKYO["title"], "Tokyo has 14 million people", None, None),
    (PARIS["url"], PARIS["title"], "Paris has 2 million", None, None),
    ("https://example.org/book", None, None, None, None),
]
FILE_CITED = (None, None, "", "file-abc", "report.pdf")  # a place in the text: an empty span


def cited(citations: list[Any], text: str) -> list[tuple[Any, ...]]:
    """Citations as `EXPECTED` writes them."""
    return [
        (
            c.url,
            c.title,
            None if c.start is None else text[c.start : c.end],
            c.file_id,
            c.filename,
        )
        for c in citations
    ]


# -- chat completions -------------------------------------------------------------------------


def _chat_url(fields: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    return {
        "type": "url_citation",
        "url_citation": {**fields, "start_index": start, "end_index": end},
    }


CHAT_ANNOTATIONS = [
    _chat_url(TOKYO, 0, len(FIRST) - 2),
    _chat_url(PARIS, len(FIRST), len(TEXT) - 1),
    {"type": "page_citation", "page_citation": {"page": 3, "url": "https://example.org/book"}},
]


def chat_chunks(
    deltas: list[dict[str, Any]], top: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [
        {**head, **(top or {}), "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        for delta in deltas
    ]
    chunks[-1]["choices"][0]["finish_reason"] = "stop"
    return chunks


def chat_sse(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + (
        b"data: [DONE]\n\n"
    )


def chat_stream(*, one_chunk: bool = False) -> bytes:
    """OpenAI's search models: the text, then annotations in the deltas; here in two chunks
    (the second with the text's last piece), or all in one chunk after the text
    (`one_chunk`, what openai-python's accumulator can read: it takes a list of objects
    without an `index` in only one delta)."""
    if one_chunk:
        deltas = [{"content": FIRST}, {"content": SECOND}, {"annotations": CHAT_ANNOTATIONS}]
    else:
        deltas = [
            {"content": FIRST},
            {"annotations": CHAT_ANNOTATIONS[:1]},
            {"content": SECOND, "annotations": CHAT_ANNOTATIONS[1:]},
        ]
    return chat_sse(chat_chunks([{"role": "assistant", "content": ""}, *deltas, {}]))


def chat_whole() -> bytes:
    message = {"role": "assistant", "content": TEXT, "annotations": CHAT_ANNOTATIONS}
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    ).encode()


LISTED = ["https://example.org/a", "https://example.org/b"]


def listed_stream(lists: list[list[str] | None]) -> bytes:
    """Perplexity's way: the whole `citations` list on every chunk (None: a chunk without)."""
    pieces = [FIRST, SECOND] + [""] * (len(lists) - 2)
    chunks = []
    for piece, urls in zip(pieces, lists, strict=True):
        [chunk] = chat_chunks([{"content": piece}], {} if urls is None else {"citations": urls})
        chunk["choices"][0]["finish_reason"] = None
        chunks.append(chunk)
    chunks[-1]["choices"][0]["finish_reason"] = "stop"
    return chat_sse(chunks)


# -- the Responses API -----------------------------------------------------------------------


def _url(fields: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    return {"type": "url_citation", **fields, "start_index": start, "end_index": end}


# Each part's annotations, their offsets in that part's text.
PART_ANNOTATIONS = [
    [_url(TOKYO, 0, len(FIRST) - 2)],
    [
        _url(PARIS, 0, len(SECOND) - 1),
        UNKNOWN,
        {"type": "file_citation", "file_id": "file-abc", "filename": "report.pdf", "index": 3},
    ],
]
FILE_AT = len(FIRST) + 3  # where the file citation is, in message.text


def _part(text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}


REASONING = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "Look it up."}],
}
MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "content": [_part(FIRST, PART_ANNOTATIONS[0]), _part(SECOND, PART_ANNOTATIONS[1])],
}
SEARCH = {"id": "ws_1", "type": "web_search_call", "status": "completed"}


def response(output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-5",
        "output": output,
        "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
    }


def responses_events(*, parts_announced: bool = True, final: bool = True) -> list[dict[str, Any]]:
    """The stream OpenAI sends: each part announced, its text, its annotations as events
    (after the text they cite), the item done with every annotation, the final response.
    `parts_announced=False`: no `content_part` events; `final=False`: the item's final state
    and the response's output carry no annotations."""
    at = {"item_id": "msg_1", "output_index": 2}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**response([]), "status": "in_progress"}},
        {"type": "response.output_item.added", "output_index": 0, "item": REASONING},
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "item_id": "rs_1",
            "summary_index": 0,
            "delta": "Look it up.",
        },
        {"type": "response.output_item.done", "output_index": 0, "item": REASONING},
        {"type": "response.output_item.added", "output_index": 1, "item": SEARCH},
        {"type": "response.web_search_call.completed", "output_index": 1, "item_id": "ws_1"},
        {"type": "response.output_item.done", "output_index": 1, "item": SEARCH},
        {"type": "response.output_item.added", **at, "item": {**MESSAGE, "content": []}},
    ]
    for index, (text, notes) in enumerate(zip((FIRST, SECOND), PART_ANNOTATIONS, strict=True)):
        part_at = {**at, "content_index": index}
        if parts_announced:
            events.append({"type": "response.content_part.added", **part_at, "part": _part("", [])})
        half = len(text) // 2
        for piece in (text[:half], text[half:]):
            events.append({"type": "response.output_text.delta", **part_at, "delta": piece})
        for number, annotation in enumerate(notes):
            events.append(
                {
                    "type": "response.output_text.annotation.added",
                    **part_at,
                    "annotation_index": number,
                    "annotation": annotation,
                }
            )
        events.append({"type": "response.output_text.done", **part_at, "text": text})
        if parts_announced:
            part = _part(text, notes if final else [])
            events.append({"type": "response.content_part.done", **part_at, "part": part})
    message = MESSAGE if final else {**MESSAGE, "content": [_part(FIRST, []), _part(SECOND, [])]}
    events.append({"type": "response.output_item.done", **at, "item": message})
    events.append(
        {"type": "response.completed", "response": response([REASONING, SEARCH, message])}
    )
    return events


def responses_sse(events: list[dict[str, Any]]) -> bytes:
    out = b""
    for number, event in enumerate(events):
        event = {**event, "sequence_number": number}
        out += f"event: {event['type']}\n".encode()
        out += b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"
    return out


def responses_whole() -> bytes:
    return json.dumps(response([REASONING, SEARCH, MESSAGE])).encode()
