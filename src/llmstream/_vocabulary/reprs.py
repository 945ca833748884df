"""Reprs that fit on a screen: for messages, events and results.

A reply of 4,000 tokens printed whole buries everything else in a log line or a debugger. The
repr of these models shows the class name, leaves out what the class name already says (the
`type` or `role` discriminator) and fields still at their default, and shortens long text to
its start and its length. The attributes keep their full values; only the repr is short.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["SHOWN_CHARS", "Count", "ImageSource", "ShortRepr", "ShortText"]

# How much of a long string a repr shows: enough to recognise it, short enough for one line.
SHOWN_CHARS = 60
# The fields that only repeat the class name.
_DISCRIMINATORS = frozenset({"type", "role"})


class ShortText:
    """A long string as a repr shows it: `'The start of it…' (4,210 chars)`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"{self.text[:SHOWN_CHARS] + '…'!r} ({len(self.text):,} chars)"


class Count:
    """How many of something a repr stands in for: `<3 citations>`."""

    __slots__ = ("noun", "number")

    def __init__(self, number: int, noun: str) -> None:
        self.number = number
        self.noun = noun

    def __repr__(self) -> str:
        return f"<{self.number:,} {self.noun}{'' if self.number == 1 else 's'}>"


class ImageSource:
    """Where an image comes from, as a repr shows it: `inline image/png, 12,345 bytes` for a
    `data:` URL (never the base64 itself), or the URL without its query for a link (a signed
    URL's query is a credential)."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        if self.url.startswith("data:"):
            head, _, data = self.url.partition(",")
            media_type = head[len("data:") :].split(";")[0] or "unknown type"
            if head.endswith(";base64"):
                size = len(data) * 3 // 4 - data[-2:].count("=")
            else:
                size = len(data)
            return f"inline {media_type}, {size:,} bytes"
        link, query, _ = self.url.partition("?")
        return f"url={short(link + ('?…' if query else ''))!r}"


def short(value: Any) -> Any:
    """`value` as a repr should show it: a long string shortened, anything else as it is."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS + 20:
        return ShortText(value)
    return value


class ShortRepr(BaseModel):
    """A frozen model whose repr (and str) is short and always names its class."""

    model_config = ConfigDict(frozen=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            field = fields.get(name) if name is not None else None
            if name is not None and field is not None and _at_default(field, name, value):
                continue
            yield name, short(value)

    def __str__(self) -> str:
        # pydantic's str() drops the class name (`text='Hi'`); in a log line it is the first
        # thing a reader needs.
        return self.__repr__()


def _at_default(field: Any, name: str, value: Any) -> bool:
    """Whether a field says nothing the class name and its defaults do not already say."""
    if name in _DISCRIMINATORS and field.default == value:
        return True
    if field.is_required():
        return False
    default = field.get_default(call_default_factory=True)
    return bool(value == default and not value)
