"""A JSON payload (an SSE event's data, a whole reply) read as `json.loads` reads it, fast.

Input: the payload's bytes. Output: the Python value, or a `MalformedChunkError` that names what
was wrong and carries the message as it stood (`partial`).

jiter (pydantic-core's JSON parser, in Rust) reads a chunk in about a third of json.loads's
time, from bytes, with no text decoding first. Whatever it refuses goes to json.loads, whose
reading is then the one that counts: lone surrogate escapes (`"\\ud800"`), which jiter rejects
and json.loads keeps, read the same as before, and a payload json.loads refuses too is malformed
with json's own message. Both wires read their payloads here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pydantic_core

from ..errors import MalformedChunkError

if TYPE_CHECKING:
    from .accumulator import MessageAccumulator
    from .provider import ProviderSpec

__all__ = ["from_json", "loads"]

from_json = pydantic_core.from_json
"""jiter alone: for a caller that falls back to `loads` itself when it raises ValueError."""


def loads(data: bytes, accumulator: MessageAccumulator, provider: ProviderSpec) -> Any:
    """`data` parsed; malformed JSON (or JSON nested deeper than Python can hold) is a
    `MalformedChunkError` with the message read so far as `partial`."""
    try:
        return from_json(data)
    except ValueError:
        pass
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are
        # both ValueErrors; a RecursionError is JSON nested deeper than Python can hold
        text = data.decode("utf-8", "replace")
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise MalformedChunkError(
            f"a chunk is not valid JSON ({reason}): {text[:200]!r}",
            data=text,
            provider=provider.name,
            request_id=accumulator.request_id,
            partial=accumulator.build(),
        ) from None
