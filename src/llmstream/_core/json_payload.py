"""A JSON payload (an SSE event's data, a whole reply) read as `json.loads` reads it, fast.

Input: the payload's bytes. Output: the Python value, or a `MalformedChunkError` that names what
was wrong and carries the message as it stood (`partial`).

jiter (pydantic-core's JSON parser, in Rust) reads a chunk in about a third of json.loads's
time, from bytes, with no text decoding first. Whatever it refuses goes to json.loads, whose
reading is then the one that counts: lone surrogate escapes (`"\\ud800"`), which jiter rejects
and json.loads keeps, read the same as before, and a payload json.loads refuses too is malformed
with json's own message. Both wires read their payloads here, and error bodies too
(`json_value`).

No value read here is nested deeper than jiter reads (`MAX_DEPTH`): json.loads would read a
thousand levels, which everything after it that walks a value (the redactor, `repr`, copies,
pydantic) would then fail on with a RecursionError instead of a typed error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pydantic_core

from ..errors import MalformedChunkError

if TYPE_CHECKING:
    from .accumulator import MessageAccumulator
    from .provider import ProviderSpec

__all__ = ["MAX_DEPTH", "from_json", "json_value", "loads"]

from_json = pydantic_core.from_json
"""jiter alone: for a caller that falls back to `loads` itself when it raises ValueError."""


MAX_DEPTH = 200
"""How deep a value read here may nest: about what jiter reads (its own limit)."""

_TOO_DEEP = "nested too deeply"


def json_value(data: bytes) -> Any:
    """`data` parsed, as `json.loads` reads it; ValueError when it is not JSON, or nested
    deeper than `MAX_DEPTH`."""
    try:
        return from_json(data)
    except ValueError:
        pass
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    if _deeper_than(value, MAX_DEPTH):
        raise ValueError(_TOO_DEEP)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` deep in `value`, walked one level at
    a time without recursion (json.loads reads as deep as Python's stack allows)."""
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for holder in level
            for child in (holder.values() if isinstance(holder, dict) else holder)
            if isinstance(child, (dict, list))
        ]
    return False


def loads(data: bytes, accumulator: MessageAccumulator, provider: ProviderSpec) -> Any:
    """`data` parsed; malformed JSON (or JSON nested deeper than `MAX_DEPTH`) is a
    `MalformedChunkError` with the message read so far as `partial`."""
    try:
        return json_value(data)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        text = data.decode("utf-8", "replace")
        raise MalformedChunkError(
            f"a chunk is not valid JSON ({exc}): {text[:200]!r}",
            data=text,
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        ) from None
