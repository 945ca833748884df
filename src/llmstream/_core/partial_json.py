"""An incremental reader for one JSON value (RFC 8259) whose text arrives in pieces.

Structured output streams the JSON text of an object a few characters at a time. Re-parsing the
whole buffer on every piece costs time quadratic in the object's size; `PartialJSONReader` keeps
its parse state between pieces instead, so reading the text costs time linear in its length, and
every partial value it shows is a consistent prefix of the final one. Pieces may be split
anywhere, including inside an escape, a number or a literal. Standard library only.

    reader = PartialJSONReader()
    for delta in deltas:
        if reader.feed(delta):
            show(reader.value)
    final = reader.finish()

The partial value (`value`), the contract:

* Nothing is shown until something is representable: `value` is None before that (and also
  for a complete top-level `null`; `feed()` returning True tells the two apart).
* Strings grow: a partial string is a prefix of the final one. An escape is decoded only once
  it is whole (`\\u00e9` arriving as `\\u0` + `0e9`, `\\` + `n`), and a high surrogate escape
  is held back until the next character shows whether a low-surrogate escape completes the
  pair, so no half-decoded character is ever shown.
* Numbers, `true`, `false` and `null` appear only once complete. A literal is complete at its
  last letter; a number when the character after it arrives (or at `finish()`), so `12` is
  never shown for a final `123`.
* A container appears as soon as it opens (`{}` / `[]`) and grows with its members. An object
  member appears once its key is complete and its value is representable: a string from its
  opening quote (as its prefix so far), an object or array from its opening bracket (as parsed
  so far), a scalar once complete. Array elements appear by the same rule.
* Hence every partial is consistent with the final value: the partial's containers hold the
  first members of the final ones, in order, all equal to the final members except the last
  member along the rightmost open path, which is itself a consistent partial; strings are
  prefixes; scalars are equal. (`tests/support/json_consistency.py` states this as code.)
  The one exception: with a duplicate key (last wins, as in `json.loads`) the earlier value
  is replaced once the duplicate's value appears.
* `feed()` returns True when `value` changed. A costly snapshot (see Cost) is not taken at every
  change; one is shown once enough input arrived, and always once the value is complete.
* Every snapshot is independent of later feeds: completed sub-values are shared between
  snapshots and the final value (treat them as read-only), and only the containers on the open
  path are copied. Taking `value` twice without a change in between returns the same object.

Strictness, as `json.loads`: leading whitespace is skipped; no NaN/Infinity, comments, trailing
commas, single quotes, leading zeros or `+`; control characters (U+0000-U+001F) in strings are
rejected. Duplicate keys: the last wins, in the position of the first. Integers are exact Python
ints (subject to Python's int digit limit, like `json.loads`); other numbers are `float(text)`
(so `1e400` is inf, as in `json.loads`). Lone surrogate escapes (`\\ud800` not followed by a low
surrogate escape, or `\\udc00` alone) are accepted and kept as lone surrogates, as `json.loads`
does. After the top-level value ends only whitespace may follow: any other character raises,
unless the reader was made with `ignore_trailing=True` (then the rest of the text is skipped).

Errors: `PartialJSONError` (a `ValueError`) at the first character that cannot begin or continue
valid JSON, raised by the `feed()` that brings it, with its 0-based character offset in the whole
input; the offset does not depend on how the text was cut. (So `[1.]` fails at `]`, the first
character that cannot follow `1.`.) An integer past Python's digit limit fails at its first
digit, once it ends. `finish()` raises it for input that ended early, with the offset where more
was needed. After an error the reader is spent: `feed()` and `finish()` raise the same error.

Cost. `feed(text)` is O(len(text)) amortized: runs of plain string characters, whitespace and
digits are scanned with compiled regular expressions, and structural characters take a few
Python steps each. Taking a snapshot costs O(length of the open string + number of open
containers + total number of members of the open containers), because each open container is
copied (shallowly) so that snapshots stay independent; completed members are shared, never
copied. Taken after every change, snapshots of one long string or of one wide array would cost
time quadratic in its size (each a copy of everything so far), so `feed()` paces them:

* a snapshot that costs little (at most `CHEAP_SNAPSHOT` units: a member copied is a unit, an
  open container 32, 32 characters of the open string one; 1,024 units is about 10 microseconds)
  is shown at every feed that changed the value, exactly as if there were no pacing;
* a costlier one is shown only once the text read since the last snapshot shown is at least an
  eighth of its cost (in characters: a 64K-member array every 8K characters, a 1M-character
  string every 4K characters). The changes in between are not lost: the next snapshot shows
  them all, and `feed()` returns False until then;
* once the top-level value is complete, the snapshot is the value itself (nothing to copy),
  shown at once: the last partial always equals the final value.

The cost is the exact size of the next snapshot (the open string's counted by the input it
took), kept up to date in O(1) as containers open and close, so no shape of input escapes the
pacing: every costly snapshot is paid for by fresh input at 8 units a character, and a cheap one
costs a bounded amount per feed. The total cost of the snapshots of a text of n characters read
in d feeds is thus at most 8n + 1024d units, O(n) (each feed that changes the value brings a
character at least), whichever way it is cut. `PartialJSONReader(cheap_snapshot=0)` paces every
snapshot, and `cheap_snapshot=sys.maxsize` none; `CountingReader` counts what its snapshots copy
(both for tests and benchmarks). `benchmarks/bench_partial_json.py` measures a report, a wide
array and a long string, paced and not, against re-parsing every delta. Deep nesting has no
recursion limit.

Optional: `PartialJSONReader(items_at=("records",))` also collects the items of the array at that
path (keys and indices from the top; `()` is a top-level array) as each one completes;
`take_items()` returns those completed since the last call (a paced `value` may not hold them
yet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final, cast

__all__ = ["CountingReader", "PartialJSONError", "PartialJSONReader"]


class PartialJSONError(ValueError):
    """The input is not valid JSON (or ended early): what was wrong, and where."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at character offset {offset}")
        self.reason = reason
        self.offset = offset
        """0-based offset of the offending character in all the text fed so far (for input that
        ended early: the length of the input)."""

    def __reduce__(self) -> tuple[type[PartialJSONError], tuple[str, int]]:
        return (type(self), (self.reason, self.offset))


# Parser states. A state says what the next character may be.
_VALUE: Final = 0  # a value (after ':' or ',' in an array, or at the very start)
_FIRST_ITEM: Final = 1  # after '[': a value or ']'
_FIRST_KEY: Final = 2  # after '{': a key or '}'
_KEY: Final = 3  # after ',' in an object: a key
_COLON: Final = 4  # after a key
_AFTER: Final = 5  # after a member's value: ',' or the closing bracket
_STRING: Final = 6  # inside a string (a key or a value)
_ESCAPE: Final = 7  # inside an escape sequence, `_esc` holding what came so far
_NUMBER: Final = 8
_LITERAL: Final = 9  # inside true, false or null
_DONE: Final = 10  # the top-level value has ended: whitespace only

# Character classes are spelled out ([0-9], not \d): \d matches any Unicode digit. Patterns that
# can match the empty string never return None; the cast says so to the type checker (the escape
# prefix is only ever matched at a backslash).
_Matcher = Callable[..., re.Match[str]]
_skip_whitespace = cast(_Matcher, re.compile(r"[ \t\n\r]*").match)
_plain_run = cast(_Matcher, re.compile(r'[^"\\\x00-\x1f]*').match)
_escape = re.compile(r'\\(?:(["\\/bfnrt])|u([0-9a-fA-F]{4}))').match
_escape_prefix = cast(_Matcher, re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?").match)
_number_run = cast(_Matcher, re.compile(r"[0-9eE.+-]*").match)
# Fast paths, for a whole token inside one piece: a string without escapes (a key with its colon
# and the whitespace around it), a number with the character that ends it.
_simple_string = re.compile(r'"([^"\\\x00-\x1f]*)"').match
_simple_key = re.compile(r'"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*').match
_whole_number = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?(?=[^0-9eE.+-])").match
# Matches the longest prefix of its input that can still grow into a valid number.
_number_prefix = cast(
    _Matcher,
    re.compile(
        r"-?(?:(?:0|[1-9][0-9]*)(?:\.(?:[0-9]+(?:[eE][+-]?[0-9]*)?)?|[eE][+-]?[0-9]*)?)?"
    ).match,
)

_WHITESPACE: Final = " \t\n\r"
_SIMPLE_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: Final[dict[str, tuple[str, Any]]] = {
    "t": ("true", True),
    "f": ("false", False),
    "n": ("null", None),
}
# A number's state in its grammar, each named by the shortest text that reaches it: a new run of
# number characters is checked against that text plus the run, never the whole number again.
_INTEGER_STATES: Final = ("0", "1")  # "0": after a leading 0 (no digit may follow); "1": digits
_ACCEPTING: Final = ("0", "1", "0.0", "0e0")
# The state after a run of digits, from the states where any digits may follow.
_DIGITS_CONTINUE: Final = {
    "1": "1",
    "0.": "0.0",
    "0.0": "0.0",
    "0e": "0e0",
    "0e-": "0e0",
    "0e0": "0e0",
}
_ENDED_INSIDE: Final = {
    _VALUE: "expected a value",
    _FIRST_ITEM: "expected a value or ']'",
    _FIRST_KEY: "expected a key or '}'",
    _KEY: "expected a key",
    _COLON: "expected ':'",
    _STRING: "unterminated string",
    _ESCAPE: "unterminated escape sequence",
    _NUMBER: "expected a digit",
    _LITERAL: "unterminated literal",
}
_NOTHING: Final[Any] = object()  # no partial value (distinct from a parsed null)

# What a snapshot costs, in units of about one member copied (a pointer and its reference count,
# ~10 ns): each open container is copied (an allocation and a loop step, ~30 members' worth), its
# members are copied, and the open string is joined (a memory copy: 32 characters a unit, a
# margin over what it takes).
_CONTAINER_COST: Final = 32
_CHARS_PER_UNIT_SHIFT: Final = 5  # 32 characters of the open string cost one unit
# A snapshot costing at most this many units (about 10 microseconds: 1,024 members, 32 levels of
# nesting, or a 32K-character string, or a mix) is shown after every feed that changed the value;
# a costlier one waits until the text read since the last one is at least 1/_GROWTH of its cost.
CHEAP_SNAPSHOT: Final = 1024
_GROWTH: Final = 8


def _number_state(text: str) -> str:
    """The state reached by a valid number prefix, named as in `_ACCEPTING`."""
    last = text[-1]
    if last in "eE":
        return "0e"
    if last == "-":
        return "-" if len(text) == 1 else "0e-"
    if last == "+":
        return "0e-"
    if last == ".":
        return "0."
    if "e" in text or "E" in text:
        return "0e0"
    if "." in text:
        return "0.0"
    return "0" if text in ("0", "-0") else "1"


class _Frame:
    """An open object or array: its members so far, and where the open member goes."""

    __slots__ = ("container", "is_list", "items", "key", "match")

    def __init__(self, container: dict[str, Any] | list[Any], match: int, items: bool) -> None:
        self.container = container
        self.is_list = type(container) is list
        self.key = ""  # an object's current key, once read
        self.match = match  # this frame's depth when its path is a prefix of `items_at`, else -1
        self.items = items  # this is the array whose items are reported


class PartialJSONReader:
    """Reads one JSON value (RFC 8259) from text arriving in pieces, split anywhere."""

    # Slots: attribute access is the reader's inner loop, and an instance with more than 30
    # attributes in its __dict__ no longer shares its keys with the class, which slows every one.
    __slots__ = (
        "_below",
        "_changed",
        "_cheap",
        "_cheap_until",
        "_error",
        "_esc",
        "_esc_start",
        "_high",
        "_ignore_trailing",
        "_is_key",
        "_items",
        "_items_at",
        "_literal",
        "_literal_seen",
        "_literal_value",
        "_num_parts",
        "_num_start",
        "_num_state",
        "_offset",
        "_parts",
        "_pending",
        "_shown_at",
        "_snapshot",
        "_stack",
        "_stale",
        "_state",
        "_steps",
        "_string_start",
        "_top",
    )

    def __init__(
        self,
        *,
        items_at: Sequence[str | int] | None = None,
        ignore_trailing: bool = False,
        cheap_snapshot: int = CHEAP_SNAPSHOT,
    ) -> None:
        self._items_at = None if items_at is None else tuple(items_at)
        self._ignore_trailing = ignore_trailing
        self._items: list[Any] = []
        self._state = _VALUE
        self._stack: list[_Frame] = []
        self._top: Any = _NOTHING
        self._offset = 0  # characters fed before the current piece
        self._error: PartialJSONError | None = None
        self._changed = False  # the partial value changed during this feed
        self._snapshot: Any = None
        self._stale = False  # `_snapshot` predates a change shown by `feed()`
        # Pacing (see Cost in the module docstring): a change not shown yet, the input read when
        # the last snapshot was shown, and the members of the open containers below the top one
        # (which change only while on top), so a snapshot's cost is known in O(1).
        self._cheap = cheap_snapshot
        # Up to this offset the next snapshot is surely cheap, with no need to work out its
        # cost: a character adds at most one unit to it, except one that opens a container,
        # which takes _CONTAINER_COST off this offset.
        self._cheap_until = cheap_snapshot
        self._pending = False
        self._shown_at = 0
        self._below = 0
        self._string_start = 0  # where the open value string began, in the whole input
        # The open string: decoded pieces, whether it is a key, a pending high surrogate.
        self._parts: list[str] = []
        self._is_key = False
        self._high = 0
        self._esc = ""  # an escape split across pieces, from its backslash
        self._esc_start = 0
        # The open number (its pieces, its grammar state, its offset) or literal.
        self._num_parts: list[str] = []
        self._num_state = ""
        self._num_start = 0
        self._literal = ""
        self._literal_seen = 0
        self._literal_value: Any = None
        self._steps: tuple[Callable[[str, int], int], ...] = (
            self._read_value,
            self._read_value,
            self._read_key,
            self._read_key,
            self._read_colon,
            self._read_after,
            self._read_string,
            self._read_escape,
            self._read_number,
            self._read_literal,
            self._read_trailing,
        )

    # -- public API -------------------------------------------------------------------------

    def feed(self, text: str) -> bool:
        """Read the next piece of text; True when the partial value changed."""
        if self._error is not None:
            raise self._error
        self._changed = False
        steps = self._steps
        pos, end = 0, len(text)
        try:
            while pos < end:
                pos = steps[self._state](text, pos)
        except PartialJSONError as exc:
            self._error = exc
            raise
        finally:
            self._offset += end
        if not (self._changed or self._pending):
            return False
        if self._offset > self._cheap_until and self._state != _DONE and self._costly():
            self._pending = True  # shown once paid for by more input
            return False
        self._pending = False
        self._stale = True
        self._shown_at = self._offset
        return True

    @property
    def value(self) -> Any:
        """The partial value (see the module docstring); None before anything shows. It changes
        only after a `feed()` that returned True: the first read after one takes a snapshot of
        the value then."""
        if self._stale:
            self._snapshot = self._build_snapshot()
            self._stale = False
        return self._snapshot

    @property
    def complete(self) -> bool:
        """The top-level value has ended (a top-level number ends only at `finish()` or at the
        first character after it)."""
        return self._state == _DONE

    def finish(self) -> Any:
        """The input is over: the final value, or PartialJSONError if it is incomplete."""
        if self._error is not None:
            raise self._error
        if self._state == _NUMBER and not self._stack and self._num_state in _ACCEPTING:
            try:
                self._end_number(self._offset)  # a top-level number ends with the input
            except PartialJSONError as exc:
                self._error = exc
                raise
            self._pending = False
            self._stale = True
        if self._state == _DONE:
            return self._top
        if self._state == _VALUE and not self._stack:
            reason = "no JSON value in the input"
        elif self._stack and self._state in (_NUMBER, _LITERAL, _AFTER):
            reason = "unterminated " + ("array" if self._stack[-1].is_list else "object")
        else:
            reason = _ENDED_INSIDE[self._state]
        self._error = PartialJSONError(f"input ended early: {reason}", self._offset)
        raise self._error

    def take_items(self) -> list[Any]:
        """The items of the `items_at` array completed since the last call, in order."""
        items, self._items = self._items, []
        return items

    # -- snapshots --------------------------------------------------------------------------

    def _costly(self) -> bool:
        """The next snapshot costs more than `cheap_snapshot` units and the input read since
        the last one has not paid for it yet (see Cost). Its cost is exact for the containers,
        and for the open string counts the input it took (escapes and all, at least its
        length)."""
        stack = self._stack
        cost = 0
        if stack:
            cost = _CONTAINER_COST * len(stack) + self._below + len(stack[-1].container)
        if self._state in (_STRING, _ESCAPE) and not self._is_key:
            cost += (self._offset - self._string_start) >> _CHARS_PER_UNIT_SHIFT
        if cost <= self._cheap:
            self._cheap_until = self._offset + self._cheap - cost
            return False
        return cost > _GROWTH * (self._offset - self._shown_at)

    def _build_snapshot(self) -> Any:
        if self._state == _DONE:
            return self._top
        # The innermost visible piece: an open value string, else nothing beyond the frames.
        partial = _NOTHING
        if self._state in (_STRING, _ESCAPE) and not self._is_key:
            partial = self._string_so_far()
        # Copy each open container (completed members are shared) and put the partial member in.
        # (`is_list` tells the container's type; an isinstance() here would cost in a hot path.)
        for frame in reversed(self._stack):
            copy = frame.container.copy()
            if partial is not _NOTHING:
                if frame.is_list:
                    copy.append(partial)  # type: ignore[union-attr]
                else:
                    copy[frame.key] = partial  # type: ignore[call-overload]
            partial = copy
        return None if partial is _NOTHING else partial

    def _string_so_far(self) -> str:
        parts = self._parts
        if len(parts) > 1:
            # Keep the join, so the next snapshot joins it with only the newer pieces.
            self._parts = parts = ["".join(parts)]
        return parts[0] if parts else ""

    # -- completed values -------------------------------------------------------------------

    def _deliver(self, value: Any) -> None:
        """A value ended: it becomes a member of the open container, or the top-level value."""
        if self._stack:
            frame = self._stack[-1]
            if frame.is_list:
                frame.container.append(value)  # type: ignore[union-attr]
                if frame.items:
                    self._items.append(value)
            else:
                frame.container[frame.key] = value  # type: ignore[call-overload]
            self._state = _AFTER
        else:
            self._top = value
            self._state = _DONE

    def _fail(self, reason: str, pos: int) -> PartialJSONError:
        return PartialJSONError(reason, self._offset + pos)

    def _unexpected(self, text: str, pos: int, expected: str) -> PartialJSONError:
        return self._fail(f"unexpected {text[pos]!r}: {expected}", pos)

    # -- one step per state: each consumes what it can from text[pos:] and returns the new pos -

    def _read_value(self, text: str, pos: int) -> int:
        char = text[pos]
        if char == '"':
            return self._start_string(text, pos)
        if char in _WHITESPACE:
            return _skip_whitespace(text, pos).end()
        if char == "{" or char == "[":
            self._open(char)
            return pos + 1
        if char in "-0123456789":
            return self._start_number(text, pos)
        if char in _LITERALS:
            self._literal, self._literal_value = _LITERALS[char]
            self._literal_seen = 0
            self._state = _LITERAL
            return pos
        if char == "]" and self._state == _FIRST_ITEM:
            self._close()
            return pos + 1
        expected = "expected a value or ']'" if self._state == _FIRST_ITEM else "expected a value"
        raise self._unexpected(text, pos, expected)

    def _open(self, bracket: str) -> None:
        container: dict[str, Any] | list[Any] = {} if bracket == "{" else []
        match = self._child_match()
        items = match == len(self._items_at or ()) and bracket == "["
        if self._stack:
            self._below += len(self._stack[-1].container)
        self._stack.append(_Frame(container, match, items))
        self._cheap_until -= _CONTAINER_COST
        self._state = _FIRST_KEY if bracket == "{" else _FIRST_ITEM
        self._changed = True  # {} or [] shows at once

    def _child_match(self) -> int:
        """The depth of a container opening now, if its path is a prefix of `items_at`."""
        path = self._items_at
        if path is None:
            return -1
        if not self._stack:
            return 0
        parent = self._stack[-1]
        depth = parent.match
        if depth < 0 or depth >= len(path):
            return -1
        key = len(parent.container) if parent.is_list else parent.key
        return depth + 1 if path[depth] == key else -1

    def _close(self) -> None:
        # No change to the partial value: the container already showed as parsed so far.
        closed = self._stack.pop().container
        if self._stack:
            self._below -= len(self._stack[-1].container)
        self._deliver(closed)

    def _read_key(self, text: str, pos: int) -> int:
        char = text[pos]
        if char == '"':
            whole = _simple_key(text, pos)
            if whole is not None:
                self._stack[-1].key = whole.group(1)
                self._state = _VALUE
                return whole.end()
            self._begin_string(is_key=True)
            return pos + 1
        if char in _WHITESPACE:
            return _skip_whitespace(text, pos).end()
        if char == "}" and self._state == _FIRST_KEY:
            self._close()
            return pos + 1
        expected = "expected a key or '}'" if self._state == _FIRST_KEY else "expected a key"
        raise self._unexpected(text, pos, expected)

    def _read_colon(self, text: str, pos: int) -> int:
        char = text[pos]
        if char == ":":
            self._state = _VALUE
            return _skip_whitespace(text, pos + 1).end()
        if char in _WHITESPACE:
            return _skip_whitespace(text, pos).end()
        raise self._unexpected(text, pos, "expected ':'")

    def _read_after(self, text: str, pos: int) -> int:
        char = text[pos]
        is_list = self._stack[-1].is_list
        if char == ",":
            self._state = _VALUE if is_list else _KEY
            return _skip_whitespace(text, pos + 1).end()
        if char in _WHITESPACE:
            return _skip_whitespace(text, pos).end()
        if char == ("]" if is_list else "}"):
            self._close()
            return pos + 1
        raise self._unexpected(text, pos, "expected ',' or " + ("']'" if is_list else "'}'"))

    def _read_trailing(self, text: str, pos: int) -> int:
        if self._ignore_trailing:  # a closing code fence, a sentence after the object
            return len(text)
        end = _skip_whitespace(text, pos).end()
        if end < len(text):
            raise self._unexpected(text, end, "extra data after the JSON value")
        return end

    # -- strings ----------------------------------------------------------------------------

    def _start_string(self, text: str, pos: int) -> int:
        self._changed = True  # "" shows at once
        whole = _simple_string(text, pos)
        if whole is not None:
            self._deliver(whole.group(1))
            return whole.end()
        self._string_start = self._offset + pos
        self._begin_string(is_key=False)
        return pos + 1

    def _begin_string(self, *, is_key: bool) -> None:
        self._parts = []
        self._is_key = is_key
        self._state = _STRING

    def _read_string(self, text: str, pos: int) -> int:
        # Runs of plain characters are taken whole; the loop only turns at escapes.
        parts, size = self._parts, len(text)
        while True:
            end = _plain_run(text, pos).end()
            if end > pos:
                if self._high:
                    self._flush_high()
                parts.append(text[pos:end])
                if not self._is_key:
                    self._changed = True
            if end == size:
                return end
            char = text[end]
            if char == '"':
                self._end_string()
                return end + 1
            if char != "\\":
                raise self._fail(f"control character U+{ord(char):04X} in a string", end)
            whole = _escape(text, end)
            if whole is None:  # split across pieces, or invalid: the escape state sorts it out
                self._esc = ""
                self._esc_start = self._offset + end
                self._state = _ESCAPE
                return end
            self._decode(whole)
            pos = whole.end()

    def _read_escape(self, text: str, pos: int) -> int:
        held = self._esc
        sequence = held + text[pos : pos + 6]  # an escape is at most 6 characters: \uXXXX
        whole = _escape(sequence)
        if whole is not None:
            self._esc = ""
            self._state = _STRING
            self._decode(whole)
            return pos + whole.end() - len(held)
        valid = _escape_prefix(sequence).end()  # always matches the backslash
        if valid < len(sequence):
            raise PartialJSONError("invalid escape sequence", self._esc_start + valid)
        self._esc = sequence  # the piece ended inside the escape: wait for the rest
        return len(text)

    def _decode(self, escape: re.Match[str]) -> None:
        simple = escape.group(1)
        if simple is not None:
            if self._high:
                self._flush_high()
            self._append(_SIMPLE_ESCAPES[simple])
            return
        code = int(escape.group(2), 16)
        if self._high:
            if 0xDC00 <= code <= 0xDFFF:  # the low half: one character for the pair
                pair = 0x10000 + ((self._high - 0xD800) << 10) + (code - 0xDC00)
                self._high = 0
                self._append(chr(pair))
                return
            self._flush_high()
        if 0xD800 <= code <= 0xDBFF:
            self._high = code  # held until the next character shows whether a pair follows
        else:
            self._append(chr(code))

    def _flush_high(self) -> None:
        """The held high surrogate has no low half after it: it stays lone, as in json.loads."""
        high, self._high = self._high, 0
        self._append(chr(high))

    def _append(self, decoded: str) -> None:
        self._parts.append(decoded)
        if not self._is_key:
            self._changed = True

    def _end_string(self) -> None:
        if self._high:
            self._flush_high()
        parts = self._parts
        string = parts[0] if len(parts) == 1 else "".join(parts)
        self._parts = []
        if self._is_key:
            self._stack[-1].key = string
            self._state = _COLON
        else:
            self._deliver(string)  # no change: the string showed as it grew

    # -- numbers and literals ---------------------------------------------------------------

    def _start_number(self, text: str, pos: int) -> int:
        whole = _whole_number(text, pos)
        if whole is not None:
            is_float = whole.group(1) is not None or whole.group(2) is not None
            self._deliver_number(whole.group(), is_float, self._offset + pos)
            return whole.end()
        self._num_parts = []
        self._num_state = ""
        self._num_start = self._offset + pos
        self._state = _NUMBER
        return pos  # the number state reads it, split or not

    def _read_number(self, text: str, pos: int) -> int:
        end = _number_run(text, pos).end()
        if end > pos:
            run = text[pos:end]
            # Most runs are more digits where digits may follow: no need to re-check the grammar.
            # (The run holds only [0-9eE.+-], so isdigit() means ASCII digits here.)
            state = _DIGITS_CONTINUE.get(self._num_state) if run.isdigit() else None
            if state is None:
                state = self._check_number_run(text, pos, run)
            self._num_parts.append(run)
            self._num_state = state
        if end < len(text):  # the character after the number ends it
            self._end_number(self._offset + end)
        return end

    def _check_number_run(self, text: str, pos: int, run: str) -> str:
        """The state after `run`, or PartialJSONError at its first character no number has."""
        probe = self._num_state + run
        valid = _number_prefix(probe).end()
        if valid < len(probe):
            raise self._unexpected(text, pos + valid - len(self._num_state), "invalid number")
        return _number_state(probe)

    def _end_number(self, offset: int) -> None:
        if self._num_state not in _ACCEPTING:
            raise PartialJSONError("expected a digit", offset)
        is_float = self._num_state not in _INTEGER_STATES
        self._deliver_number("".join(self._num_parts), is_float, self._num_start)

    def _deliver_number(self, text: str, is_float: bool, start: int) -> None:
        if is_float:
            number: int | float = float(text)
        else:
            try:
                number = int(text)
            except ValueError as exc:  # more digits than Python's int limit, as in json.loads
                raise PartialJSONError(f"integer too long ({exc})", start) from None
        self._changed = True
        self._deliver(number)

    def _read_literal(self, text: str, pos: int) -> int:
        rest = self._literal[self._literal_seen :]
        got = text[pos : pos + len(rest)]
        if not rest.startswith(got):
            wrong = next(i for i, (a, b) in enumerate(zip(got, rest, strict=False)) if a != b)
            raise self._unexpected(text, pos + wrong, f"expected {self._literal!r}")
        if len(got) < len(rest):
            self._literal_seen += len(got)
        else:
            self._changed = True
            self._deliver(self._literal_value)
        return pos + len(got)


class CountingReader(PartialJSONReader):
    """A `PartialJSONReader` that counts what its snapshots copy, for tests and benchmarks (the
    reader itself keeps no tally: its snapshots are on the stream's hot path)."""

    # No __slots__: the tallies start as these class attributes, and an instance gets its own
    # at its first snapshot, so the reader's constructor serves as it is.
    snapshots = 0
    """Snapshots taken (the complete value, shown as it is, is not one)."""
    copied_containers = 0
    """Open containers copied, over all snapshots."""
    copied_members = 0
    """Members of those containers copied (pointers)."""
    copied_chars = 0
    """Characters of open strings joined."""

    def _build_snapshot(self) -> Any:
        if self._state != _DONE:
            self.snapshots += 1
            self.copied_containers += len(self._stack)
            self.copied_members += sum(len(frame.container) for frame in self._stack)
        value = super()._build_snapshot()
        if self._state in (_STRING, _ESCAPE) and not self._is_key and self._parts:
            self.copied_chars += len(self._parts[0])  # the string so far, joined into one
        return value
