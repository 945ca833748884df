"""The bytes a provider repeats around every chunk's delta, found once and then skipped.

A provider streams chunks that differ only in their delta:

    {"id":"chatcmpl-1","object":"chat.completion.chunk",...,"choices":[{"index":0,"delta":
    {"content":"Hel"}
    ,"logprobs":null,"finish_reason":null}],"usage":null}

The first line is the frame's `head`, the last its `tail`. When the next chunk starts with the
same head and ends with the same tail, everything but its delta is byte for byte the chunk
before it: reading only the delta's JSON (a tenth of the chunk) and handing it to the
interpreter gives the events and the message that reading the whole chunk gives, since the
interpreter's work on everything else would repeat what it did for the last chunk and change
nothing (see `ResponseParser`). JSON is read the same way whatever precedes a value, so the
delta read alone is the delta read in place.

`find_frame` works out a chunk's frame from its bytes and its parsed value, and proves it: the
head parsed with the delta's value replaced by `null` and the frame closed must be an object
whose last field is `choices`, a list of one object whose last field is `delta`; the delta's
bytes must parse to the chunk's delta. Any doubt, and there is no frame: the chunk is read whole.
A choice that carries `logprobs` has none either: its tokens are its own, outside the delta, and
two chunks with the same token and the same log probabilities would otherwise read as one.

One field may change from chunk to chunk inside a frame: a field the provider says means nothing
(`Provider.ignored_chunk_fields`, OpenAI's random `obfuscation` padding), when it is the chunk's
last field and its value a plain string. The frame's tail then stops after that field's name
(`Frame.varies`), and a chunk matches when it ends with such a string and `}`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pydantic_core

__all__ = ["Frame", "find_frame"]


class Frame(NamedTuple):
    """The bytes around a chunk's delta."""

    head: bytes
    """Everything up to the delta's value (`...,"delta":`)."""
    tail: bytes
    """Everything after it; when `varies`, up to the varying field's value only."""
    varies: bool
    """Whether the chunk ends with a field whose plain string value changes (after `tail`)."""


def _plain_string_at_end(payload: bytes, start: int) -> bool:
    """Whether `payload[start:]` is a JSON string without escapes or quotes inside, then `}`."""
    return (
        payload.endswith(b'"}')
        and len(payload) - start >= 3
        and payload[start] == 34  # `"`
        and payload.find(b'"', start + 1) == len(payload) - 2
        and payload.find(b"\\", start) < 0
    )


_DELTA_KEY = b'"delta":'
_MAX_TRIES = 64  # closing braces tried as the end of the delta before giving up


def find_frame(payload: bytes, chunk: Any, ignored_fields: frozenset[str]) -> Frame | None:
    """The frame around the delta of `chunk`, parsed from `payload`; None when the chunk has no
    such frame (more than one choice, no delta object, a delta key written with spaces,
    anything this reading cannot prove). `ignored_fields` may vary as the chunk's last field."""
    if type(chunk) is not dict:
        return None
    choices = chunk.get("choices")
    if type(choices) is not list or len(choices) != 1 or type(choices[0]) is not dict:
        return None
    if choices[0].get("index", 0) != 0:  # the interpreter's test for choice 0, as it makes it
        return None
    if choices[0].get("logprobs"):  # each chunk's own tokens, outside its delta: read whole
        return None
    delta = choices[0].get("delta")
    if type(delta) is not dict:
        return None
    start = payload.find(_DELTA_KEY)
    if start < 0:
        return None
    start += len(_DELTA_KEY)
    head = payload[:start]
    if not _head_opens_the_delta(head):
        return None
    end = start
    for _ in range(_MAX_TRIES):
        end = payload.find(b"}", end) + 1
        if end == 0:
            return None
        try:
            value = pydantic_core.from_json(payload[start:end])
        except ValueError:
            continue  # not the delta's own closing brace yet
        # The first closing brace after which the bytes parse is the delta's end: no proper
        # prefix of a JSON object is itself a JSON value.
        if value != delta:
            return None
        return _with_varying_end(Frame(head, payload[end:], varies=False), chunk, ignored_fields)
    return None


def _with_varying_end(frame: Frame, chunk: dict[str, Any], ignored_fields: frozenset[str]) -> Frame:
    """The frame with its tail cut after the name of an ignored last field, when there is one
    whose value is a plain string."""
    last = next(reversed(chunk))
    if last not in ignored_fields or type(chunk[last]) is not str:
        return frame
    key = b'"' + last.encode() + b'":'
    cut = frame.tail.rfind(key) + len(key)
    if cut < len(key) or not _plain_string_at_end(frame.tail, cut):
        return frame
    return Frame(frame.head, frame.tail[:cut], varies=True)


def _head_opens_the_delta(head: bytes) -> bool:
    """Whether `head` leaves a parser inside choice 0 of `choices`, its `delta` key read: the
    head closed with a null delta must read as exactly that, `delta` and `choices` last."""
    try:
        shape = pydantic_core.from_json(head + b"null}]}")
    except ValueError:
        return False
    if type(shape) is not dict or not shape or next(reversed(shape)) != "choices":
        return False
    choices = shape["choices"]
    if type(choices) is not list or len(choices) != 1 or type(choices[0]) is not dict:
        return False
    choice = choices[0]
    return bool(choice) and next(reversed(choice)) == "delta" and choice["delta"] is None
