"""Provider state: what a provider streams that the next request must carry back, unchanged.

Gateways and some providers send opaque data beside the answer and verify it on the next turn:

- `reasoning_details` on the delta or message (OpenRouter, the Vercel AI Gateway): blocks of
  `{type, index, format, text | summary | data, signature?, id?}` (`reasoning.text`,
  `reasoning.summary`, `reasoning.encrypted`) that arrive in pieces. Pieces with the same
  `index` and `type` are one block: their `text`, `summary`, `data` and `signature` are joined,
  and their other fields taken from the first piece that has them. Anthropic signatures and
  Gemini's encrypted reasoning are checked by the provider when they come back.
- `extra_content` on a tool call (Gemini's OpenAI-compatible endpoint:
  `{"google": {"thought_signature": "..."}}`), merged as objects.
- `output_items` on a message from the Responses API: every output item of the response, as
  received (the final one of each, from `response.output_item.done` or the completed response),
  in order: reasoning items with their `encrypted_content`, messages, function calls, built-in
  tool calls. The Responses wire sends them back in that order; chat completions cannot carry
  them and drops them (with a `RequestWarning` for what it loses).

The rule is generic, for any server: what was received in this form is replayed in this form.
Nothing here knows a provider; the accumulator keeps the state on the message and the request
builder sends it back.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "MESSAGE_STATE_FIELDS",
    "OUTPUT_ITEMS",
    "TOOL_CALL_STATE_FIELDS",
    "ReasoningDetails",
    "copy_objects",
    "merge_into",
]

MESSAGE_STATE_FIELDS = ("reasoning_details",)
"""Fields of an assistant delta (or whole message) that go back on the assistant message."""

TOOL_CALL_STATE_FIELDS = ("extra_content",)
"""Fields of a tool-call fragment that go back on that tool call."""

OUTPUT_ITEMS = "output_items"
"""The provider-state key of a Responses API reply's output items (see the module docstring)."""

# The fields of a reasoning block that arrive in pieces and are joined.
_JOINED = ("text", "summary", "data", "signature")


class ReasoningDetails:
    """`reasoning_details` blocks merged from their pieces, in the order they began.

    The joined fields of a block are kept as lists of pieces and joined in `blocks()`: a block
    that arrives in many pieces costs time linear in its size, not quadratic."""

    __slots__ = ("_blocks", "_by_key", "_pieces")

    def __init__(self) -> None:
        self._blocks: list[dict[str, Any]] = []
        self._by_key: dict[tuple[Any, Any], int] = {}  # a block's place in `_blocks`
        # The pieces of each joined field after the block's first, by (place, field).
        self._pieces: dict[tuple[int, str], list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._blocks)

    def add(self, pieces: list[Any]) -> str:
        """Merge a delta's pieces; returns the readable reasoning they carried (the text of
        `reasoning.text` and `reasoning.summary` pieces), for a provider that sends no plain
        reasoning field beside them."""
        readable = []
        for piece in pieces:
            if not isinstance(piece, dict):
                continue  # not a block: nothing a provider could verify
            key = (piece.get("index"), piece.get("type"))
            place = self._by_key.get(key)
            if place is None:
                self._by_key[key] = len(self._blocks)
                self._blocks.append(dict(piece))
            else:
                block = self._blocks[place]
                for name, value in piece.items():
                    if name in _JOINED and isinstance(value, str):
                        if not isinstance(block.get(name), str):
                            block[name] = ""
                        self._pieces.setdefault((place, name), []).append(value)
                    elif value not in (None, "") and block.get(name) in (None, ""):
                        block[name] = value
            for name in ("text", "summary"):
                value = piece.get(name)
                if isinstance(value, str):
                    readable.append(value)
        return "".join(readable)

    def blocks(self) -> list[dict[str, Any]]:
        built = []
        for place, block in enumerate(self._blocks):
            copy = dict(block)
            for name in _JOINED:
                pieces = self._pieces.get((place, name))
                if pieces:
                    copy[name] = copy[name] + "".join(pieces)
            built.append(copy)
        return built


def merge_into(old: Any, new: Any) -> Any:
    """`new` merged into `old`: objects key by key (recursively), anything else replaced.
    `old` is changed in place when both are objects, so merging many pieces costs time linear
    in their size; it must be the caller's own (`copy_objects` it before showing it to anyone).
    Returns the result."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in new.items():
            old[key] = merge_into(old[key], value) if key in old else copy_objects(value)
        return old
    return copy_objects(new)


def copy_objects(value: Any) -> Any:
    """`value` with every object in it copied (lists too), so that a later `merge_into` of
    the original never changes the copy."""
    if isinstance(value, dict):
        return {key: copy_objects(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_objects(item) for item in value]
    return value
