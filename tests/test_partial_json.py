"""The incremental JSON reader (`llmstream._core.partial_json`): its partial-value contract,
its strictness, and snapshots that later pieces never change.

Hypothesis serialises random JSON values in several styles, cuts the text anywhere and checks
every partial against the final value (`tests/support/json_consistency.py` defines
"consistent"); hand-written cases pin each rule; mutated texts are compared with `json.loads`.
"""

from __future__ import annotations

import copy
import itertools
import json
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmstream._core.partial_json import (
    CHEAP_SNAPSHOT,
    CountingReader,
    PartialJSONError,
    PartialJSONReader,
)

from .support.json_consistency import is_consistent, strict_equal

# -- helpers ---------------------------------------------------------------------------------


def cut(text: str, points: list[int]) -> list[str]:
    edges = [0, *sorted({min(max(p, 0), len(text)) for p in points}), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges)]


def read(pieces: list[str], **options: Any) -> tuple[list[Any], Any]:
    """Feed the pieces; the partial after each feed that changed it, and the final value."""
    reader = PartialJSONReader(**options)
    partials = []
    for piece in pieces:
        if reader.feed(piece):
            partials.append(reader.value)
    return partials, reader.finish()


def every_split(text: str) -> list[list[str]]:
    """The text whole, one character at a time, and cut at every one and every two points."""
    n = len(text)
    splits = [[text], list(text)]
    splits += [cut(text, [i]) for i in range(1, n)]
    splits += [cut(text, [i, j]) for i in range(1, n) for j in range(i + 1, n)]
    return splits


def strict_loads(text: str) -> Any:
    """json.loads without its NaN/Infinity extension, which the reader rejects."""

    def reject(name: str) -> Any:
        raise json.JSONDecodeError(f"{name} is not JSON", text, text.find(name))

    return json.loads(text, parse_constant=reject)


def check_stream(text: str, pieces: list[str], **options: Any) -> None:
    """The whole contract on one cut of one text."""
    expected = strict_loads(text)
    reader = PartialJSONReader(**options)
    partials: list[Any] = []
    frozen: list[Any] = []
    before = reader.value
    for piece in pieces:
        changed = reader.feed(piece)
        now = reader.value
        if changed:
            # A change shows a different value (the first may go from nothing, None, to null).
            assert partials == [] or not strict_equal(now, before), (piece, now)
            partials.append(now)
            frozen.append(copy.deepcopy(now))
        else:
            assert now is before
        before = now
    final = reader.finish()
    assert strict_equal(final, expected)
    assert reader.complete
    assert strict_equal(reader.value, expected), "the last partial is the value, exactly"
    for partial in partials:
        assert is_consistent(partial, expected), (partial, expected)
    for earlier, later in itertools.pairwise(partials):
        assert is_consistent(earlier, later), "partials only grow"
    for partial, snapshot in zip(partials, frozen, strict=True):
        assert strict_equal(partial, snapshot), "a later feed changed an earlier partial"


# -- hypothesis: any value, any style, any cut ---------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(alphabet=st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7féü€😀\u2028 ab'))
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=40,
)
STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":")},
    "default": {},
    "indented": {"indent": 2},
    "tabs, unicode": {"indent": "\t", "ensure_ascii": False},
    "compact, unicode": {"separators": (",", ":"), "ensure_ascii": False},
}


@settings(derandomize=True, max_examples=400, deadline=None)
@given(value=json_values, style=st.sampled_from(sorted(STYLES)), data=st.data())
def test_any_value_cut_anywhere(value: Any, style: str, data: st.DataObject) -> None:
    text = json.dumps(value, **STYLES[style])
    if data.draw(st.booleans(), label="one character at a time"):
        pieces = list(text)
    else:
        cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=40), label="cuts")
        pieces = cut(text, cuts)
    check_stream(text, pieces)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(value=json_values, style=st.sampled_from(sorted(STYLES)), data=st.data())
def test_paced_snapshots_keep_the_contract(value: Any, style: str, data: st.DataObject) -> None:
    """With every snapshot counted as costly (`cheap_snapshot=0`), partials are fewer but each
    is still consistent, none changes later, and the last is the value."""
    text = json.dumps(value, **STYLES[style])
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=60), label="cuts")
    check_stream(text, cut(text, cuts), cheap_snapshot=0)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(value=json_values, data=st.data())
def test_mutated_text_agrees_with_json_loads(value: Any, data: st.DataObject) -> None:
    """Insert, delete or replace one character: the reader accepts exactly what json.loads does
    (without NaN/Infinity), when both accept they agree, and when the text is invalid the error
    names the same offset however the text is cut."""
    text = json.dumps(value, separators=(",", ":"))
    at = data.draw(st.integers(0, len(text)), label="at")
    new = data.draw(st.sampled_from("{}[]:,\"\\ -+.0123456789eEtrufalsnNI'\x00x/"), label="char")
    how = data.draw(st.sampled_from(["insert", "delete", "replace"]), label="how")
    if how == "insert":
        mutated = text[:at] + new + text[at:]
    else:
        mutated = text[:at] + (new if how == "replace" else "") + text[at + 1 :]
    cuts = data.draw(st.lists(st.integers(0, len(mutated)), max_size=10), label="cuts")
    splits = [[mutated], list(mutated), cut(mutated, cuts)]
    try:
        expected = strict_loads(mutated)
    except ValueError:
        offsets = set()
        for pieces in splits:
            with pytest.raises(PartialJSONError) as caught:
                read(pieces)
            offsets.add(caught.value.offset)
        assert len(offsets) == 1, offsets
        return
    for pieces in splits:
        assert strict_equal(read(pieces)[1], expected)


# -- strings and escapes ---------------------------------------------------------------------

ESCAPED_TEXTS = [
    r'"\u00e9"',
    r'"a\nb\tc\"d\\e\/f\bg\fh\ri"',
    r'"x\ud83d\ude00y"',  # a surrogate pair
    r'"\ud83d\ude00\ud83d\ude00"',
    r'"\ud800x"',  # a lone high surrogate, then a character
    r'"\ud800\u0041"',  # a lone high surrogate, then a non-surrogate escape
    r'"\ud800\n"',
    r'"\ud800\ud800\udc00"',  # a lone high surrogate, then a pair
    r'"\udc00\ud800"',  # a lone low surrogate; a high one at the very end
    r'{"\ud83d\ude00\u00e9": "\u00E9\u00e9"}',  # escapes in a key; upper-case hex
    r'["\u0000\u001f", "\\u0041"]',
]


@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_escapes_are_never_shown_half_decoded(text: str) -> None:
    for pieces in every_split(text):
        check_stream(text, pieces)


def test_a_split_unicode_escape_waits_for_its_last_digit() -> None:
    reader = PartialJSONReader()
    assert reader.feed('"caf\\u0')
    assert reader.value == "caf"
    assert not reader.feed("0e")
    assert reader.feed('9"')
    assert reader.value == "café"


def test_a_surrogate_pair_split_between_its_halves() -> None:
    reader = PartialJSONReader()
    reader.feed('"\\ud83d')
    assert reader.value == "", "the high half is held back"
    assert not reader.feed("\\ude")
    assert reader.feed('00"')
    assert reader.value == "\U0001f600"
    assert reader.finish() == json.loads('"\\ud83d\\ude00"')


def test_a_lone_surrogate_is_kept_like_json_loads() -> None:
    reader = PartialJSONReader()
    reader.feed('"\\ud800')
    assert reader.value == ""
    reader.feed("!")
    assert reader.value == "\ud800!"
    reader.feed('"')
    assert reader.finish() == json.loads('"\\ud800!"') == "\ud800!"


def test_a_backslash_alone_shows_nothing_until_its_escape_ends() -> None:
    reader = PartialJSONReader()
    reader.feed('"a\\')
    assert reader.value == "a"
    reader.feed('n"')
    assert reader.finish() == "a\n"


def test_strings_grow_and_show_from_the_opening_quote() -> None:
    reader = PartialJSONReader()
    assert reader.value is None
    assert reader.feed(' "')
    assert reader.value == ""
    assert reader.feed("hé")
    assert reader.value == "hé"
    assert not reader.complete
    assert not reader.feed('"')  # closing adds nothing
    assert reader.complete
    assert reader.finish() == "hé"


# -- numbers and literals ----------------------------------------------------------------------


def test_a_number_shows_only_after_the_character_that_ends_it() -> None:
    reader = PartialJSONReader()
    assert reader.feed("[")
    assert not reader.feed("12")
    assert reader.value == []
    assert not reader.feed("3")
    assert reader.feed(",")
    assert reader.value == [123]
    assert not reader.feed("4.5e")
    assert not reader.feed("-1")
    assert reader.feed("]")
    assert reader.finish() == [123, 4.5e-1]


def test_a_top_level_number_ends_at_finish() -> None:
    reader = PartialJSONReader()
    assert not reader.feed("-12")
    assert not reader.feed("3")
    assert reader.value is None
    assert not reader.complete
    assert reader.finish() == -123
    assert reader.complete
    assert reader.value == -123
    assert reader.finish() == -123  # finish() may be called again


@pytest.mark.parametrize(
    "text",
    ["0", "-0", "0.5", "-0.0", "1e5", "1E+5", "1e-05", "10.25e3", "123456789012345678901234567890"],
)
def test_numbers_match_json_loads(text: str) -> None:
    for pieces in every_split(text + " "):
        check_stream(text, pieces)
    assert strict_equal(read([text])[1], json.loads(text))


def test_big_integers_are_exact_and_floats_are_float_of_the_text() -> None:
    text = f"[{2**100}, {-(2**64) - 1}, {2**53 + 1}, 0.1, 1e400, 2.5e-324]"
    value = read(list(text))[1]
    assert strict_equal(value, json.loads(text))
    assert value[0] == 2**100
    assert value[4] == float("inf")  # float("1e400"), as json.loads gives


def test_an_integer_past_pythons_digit_limit_is_an_error_like_json_loads() -> None:
    text = "[" + "9" * 5000 + "]"
    with pytest.raises(ValueError, match="digits"):
        json.loads(text)
    with pytest.raises(PartialJSONError, match="integer too long") as caught:
        read([text])
    assert caught.value.offset == 1


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("null", None)])
def test_literals_show_at_their_last_letter(text: str, value: Any) -> None:
    reader = PartialJSONReader()
    reader.feed('{"k": ')
    for letter in text[:-1]:
        assert not reader.feed(letter)
        assert reader.value == {}
    assert reader.feed(text[-1])
    assert reader.value == {"k": value}


# -- containers ------------------------------------------------------------------------------


def test_a_key_shows_once_its_value_is_representable() -> None:
    steps = [
        ("{", {}),
        ('"na', {}),
        ('me"', {}),
        (": ", {}),
        ('"', {"name": ""}),
        ('Ada"', {"name": "Ada"}),
        (', "age": 3', {"name": "Ada"}),
        ("6", {"name": "Ada"}),
        (', "tags": [', {"name": "Ada", "age": 36, "tags": []}),
        ("tr", {"name": "Ada", "age": 36, "tags": []}),
        ("ue, {", {"name": "Ada", "age": 36, "tags": [True, {}]}),
        ('"x": nu', {"name": "Ada", "age": 36, "tags": [True, {}]}),
        ("ll}]", {"name": "Ada", "age": 36, "tags": [True, {"x": None}]}),
        (', "o": {"p": {', {"name": "Ada", "age": 36, "tags": [True, {"x": None}], "o": {"p": {}}}),
    ]
    reader = PartialJSONReader()
    for piece, expected in steps:
        reader.feed(piece)
        assert strict_equal(reader.value, expected), piece


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "{}",
        "[[]]",
        "[{}]",
        '{"a": {}}',
        '{"a": []}',
        "[[], {}, [[]], [{}], {}]",
        '{"a": {"b": {"c": [[[]]]}}, "d": []}',
        ' [ 1 , "two" , [ ] , { "k" : null } ] ',
        '\n\t{\r\n"a" :\t[ ]\n}\n',
    ],
)
def test_nested_and_empty_containers(text: str) -> None:
    for pieces in every_split(text):
        check_stream(text, pieces)


def test_duplicate_keys_last_wins_like_json_loads() -> None:
    text = '{"a": 1, "b": 2, "a": [3]}'
    final = read(list(text))[1]
    assert strict_equal(final, json.loads(text))
    assert list(final) == ["a", "b"]


def test_snapshots_never_change_after_later_feeds() -> None:
    text = json.dumps(
        {
            "title": "Report",
            "rows": [{"id": i, "tags": ["a", "b"], "note": "x" * i} for i in range(6)],
        }
    )
    reader = PartialJSONReader()
    kept: list[tuple[Any, Any]] = []
    for char in text:
        if reader.feed(char):
            kept.append((reader.value, copy.deepcopy(reader.value)))
    reader.finish()
    assert len(kept) > 50
    for snapshot, at_the_time in kept:
        assert strict_equal(snapshot, at_the_time)


def test_completed_members_are_shared_not_copied() -> None:
    reader = PartialJSONReader()
    reader.feed('{"done": {"a": [1, 2]}, "open": "x')
    first = reader.value
    reader.feed("y")
    second = reader.value
    assert first is not second
    assert first["done"] is second["done"]
    assert (first["open"], second["open"]) == ("x", "xy")
    assert reader.value is second, "no change: the same snapshot"


def test_feed_reports_changes_only() -> None:
    reader = PartialJSONReader()
    assert not reader.feed("  ")
    assert reader.feed("{")
    assert not reader.feed('"key"')
    assert not reader.feed(" : ")
    assert not reader.feed("")
    assert reader.feed('"v')
    assert not reader.feed('"')
    assert not reader.feed(" }")
    assert reader.complete
    assert not reader.feed("\n")


# -- errors ----------------------------------------------------------------------------------

INVALID = [
    # (text, offset of the first bad character, part of the reason)
    ("x", 0, "expected a value"),
    ("\ufeff{}", 0, "expected a value"),  # a byte-order mark is not whitespace
    ("\f1", 0, "expected a value"),
    ("\xa0[]", 0, "expected a value"),
    ("[1,]", 3, "expected a value"),
    ("[1 2]", 3, "expected ',' or ']'"),
    ("[1}", 2, "expected ',' or ']'"),
    ('{"a":1,}', 7, "expected a key"),
    ('{"a":1]', 6, "expected ',' or '}'"),
    ("{,}", 1, "expected a key or '}'"),
    ("{'a': 1}", 1, "expected a key or '}'"),
    ("{a: 1}", 1, "expected a key or '}'"),
    ('{"a" 1}', 5, "expected ':'"),
    ('{"a":}', 5, "expected a value"),
    ("['a']", 1, "expected a value or ']'"),
    ("[,1]", 1, "expected a value or ']'"),
    ("NaN", 0, "expected a value"),
    ("[Infinity]", 1, "expected a value"),
    ("-Infinity", 1, "expected a digit"),
    ("+1", 0, "expected a value"),
    (".5", 0, "expected a value"),
    ("01", 1, "invalid number"),
    ("-01", 2, "invalid number"),
    ("[1.]", 3, "expected a digit"),
    ("[1.e5]", 3, "invalid number"),
    ("[1e]", 3, "expected a digit"),
    ("[1e+]", 4, "expected a digit"),
    ("[--1]", 2, "invalid number"),
    ("[1-2]", 2, "invalid number"),
    ("[1.5.2]", 4, "invalid number"),
    ("[1e5e5]", 4, "invalid number"),
    ("[-]", 2, "expected a digit"),
    ("[1x]", 2, "expected ',' or ']'"),
    ("tru", 3, "input ended early"),
    ("trUe", 2, "expected 'true'"),
    ("nul1", 3, "expected 'null'"),
    ("[fals]", 5, "expected 'false'"),
    ("truex", 4, "extra data"),
    ('"a\\x"', 3, "invalid escape"),
    ('"\\u12g4"', 5, "invalid escape"),
    ('"\\U0041"', 2, "invalid escape"),
    ('"\\ud800\\uzzzz"', 9, "invalid escape"),
    ('"a\tb"', 2, "control character U+0009"),
    ('"a\nb"', 2, "control character U+000A"),
    ('"\x00"', 1, "control character U+0000"),
    ('{"k\x1f": 1}', 3, "control character U+001F"),
    ("{} x", 3, "extra data"),
    ("[]]", 2, "extra data"),
    ("1 2", 2, "extra data"),
    ('"a""b"', 3, "extra data"),
    ("", 0, "no JSON value"),
    ("   ", 3, "no JSON value"),
    ("[", 1, "input ended early"),
    ('{"a": 1', 7, "unterminated object"),
    ('{"a": [1, 2', 11, "unterminated array"),
    ('"abc', 4, "unterminated string"),
    ('"ab\\u00', 7, "unterminated escape"),
    ('{"a"', 4, "expected ':'"),
    ("-", 1, "expected a digit"),
    ("1e+", 3, "expected a digit"),
]


@pytest.mark.parametrize(("text", "offset", "reason"), INVALID)
def test_invalid_input_fails_at_the_first_bad_character(
    text: str, offset: int, reason: str
) -> None:
    with pytest.raises(json.JSONDecodeError):  # json.loads agrees that it is invalid
        strict_loads(text)
    for pieces in [[text], list(text)]:
        reader = PartialJSONReader()
        fed = 0
        with pytest.raises(PartialJSONError) as caught:
            for piece in pieces:
                reader.feed(piece)
                fed += len(piece)
            reader.finish()
        assert caught.value.offset == offset
        assert reason in caught.value.reason
        assert f"offset {offset}" in str(caught.value)
        if len(pieces) > 1 and offset < len(text):
            assert fed == offset, "raised by the feed that brought the bad character"


def test_an_error_is_sticky() -> None:
    reader = PartialJSONReader()
    reader.feed("[1,")
    with pytest.raises(PartialJSONError) as first:
        reader.feed("]")
    with pytest.raises(PartialJSONError) as again:
        reader.feed("2]")
    assert again.value is first.value
    with pytest.raises(PartialJSONError):
        reader.finish()


def test_trailing_whitespace_is_fine_after_the_value() -> None:
    reader = PartialJSONReader()
    reader.feed('{"a": 1} \n')
    assert reader.complete
    reader.feed("\t\r\n ")
    assert reader.finish() == {"a": 1}


def test_the_error_is_a_value_error_that_pickles() -> None:
    error = PartialJSONError("expected ':'", 7)
    assert isinstance(error, ValueError)
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.reason, copied.offset, str(copied)) == (error.reason, 7, str(error))


# -- completed array items -------------------------------------------------------------------


def test_items_of_a_top_level_array_are_reported_as_they_complete() -> None:
    reader = PartialJSONReader(items_at=())
    reader.feed('[1, {"a": [2')
    assert reader.take_items() == [1]  # the comma ended 1; the object is still open
    reader.feed("]}, ")
    assert reader.take_items() == [{"a": [2]}]
    reader.feed('"x"')
    assert reader.take_items() == ["x"]
    reader.feed("]")
    assert reader.take_items() == []
    assert reader.finish() == [1, {"a": [2]}, "x"]


def test_items_at_a_field_of_the_top_level_object() -> None:
    text = '{"meta": {"records": [9]}, "records": [{"id": 1}, {"id": 2}], "n": [3]}'
    reader = PartialJSONReader(items_at=["records"])
    seen = []
    for char in text:
        reader.feed(char)
        seen.extend(reader.take_items())
    reader.finish()
    assert seen == [{"id": 1}, {"id": 2}]


def test_items_at_a_nested_path() -> None:
    text = '{"a": [{"b": [1]}, {"b": [2, 3]}]}'
    reader = PartialJSONReader(items_at=("a", 1, "b"))
    reader.feed(text)
    assert reader.take_items() == [2, 3]


@settings(derandomize=True, max_examples=100, deadline=None)
@given(items=st.lists(json_values, max_size=8), data=st.data())
def test_every_item_is_reported_once_in_order(items: list[Any], data: st.DataObject) -> None:
    text = json.dumps({"before": items[:1], "items": items, "after": [items]})
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=30), label="cuts")
    reader = PartialJSONReader(items_at=["items"])
    seen = []
    for piece in cut(text, cuts):
        reader.feed(piece)
        seen.extend(reader.take_items())
        # An item is reported only once the partial value holds it whole.
        assert strict_equal(seen, (reader.value or {}).get("items", [])[: len(seen)])
    reader.finish()
    assert strict_equal(seen, items)


# -- pacing: what snapshots cost ---------------------------------------------------------------
# A snapshot copies the open containers and the open string. Cheap ones are shown after every
# change; costly ones once the text read since the last is an eighth of their cost (in units:
# a member, 32 per container, 32 characters of string), so all the snapshots of a text cost
# O(its length). The counts below are of what snapshots really copied.


def units(reader: CountingReader) -> int:
    """What the reader's snapshots copied, in the units the pacing counts."""
    return reader.copied_members + 32 * reader.copied_containers + reader.copied_chars // 32


def paced_read(pieces: list[str], limit: int) -> tuple[CountingReader, int, Any]:
    """Feed every piece, taking the snapshot after each feed that shows one (at most `limit`:
    a snapshot after every piece fails fast instead of taking quadratic time)."""
    reader = CountingReader()
    shown = 0
    for piece in pieces:
        if reader.feed(piece):
            shown += 1
            assert shown <= limit, f"{shown} snapshots: paced, there would be far fewer"
            reader.value  # noqa: B018 - taking the snapshot is what is counted
    return reader, shown, reader.value


def test_a_long_string_costs_a_linear_number_of_copies() -> None:
    size = 4 << 20
    text = '{"essay": "' + "ab" * (size // 2) + '"}'
    pieces = [text[i : i + 4] for i in range(0, len(text), 4)]  # about a million deltas
    reader, _, last = paced_read(pieces, limit=20_000)
    assert units(reader) <= 16 * len(text)
    assert reader.copied_chars <= 512 * len(text)  # a snapshot after each would be 2**41
    assert last == reader.finish() == json.loads(text)


def test_a_wide_array_with_an_item_per_delta_costs_linear_copies() -> None:
    items = 200_000
    pieces = ["[", *(["1,"] * (items - 1)), "1]"]
    reader, _, last = paced_read(pieces, limit=5_000)
    text = "".join(pieces)
    assert reader.copied_members <= 16 * len(text)  # a snapshot after each would be 2 * 10**10
    assert last == reader.finish() == [1] * items


@pytest.mark.parametrize(
    ("label", "pieces", "limit"),
    [
        # A record per delta in the array of an object.
        ("records", ['{"rows": [', *(['{"id": 7, "ok": true},'] * 50_000), "{}]}"], 5000),
        # A key repeated inside a wide array: each delta replaces a value, the width stays.
        ("duplicate keys", ["[" + "0," * 3000 + "{", *(['"a": 1,'] * 100_000), '"a": 2}]'], 5000),
        # A container opened per delta: the open path gets deeper by one each time (32 units a
        # character, more than input pays for: nothing shows until the path gets shorter).
        ("nesting", [*(["["] * 50_000), "]" * 50_000], 1000),
        # Objects opened and closed inside an open one: an item per delta, the depth repeating.
        ("nested items", ['{"a": [[', *(['{"b": [{"c": [1]}]}, '] * 50_000), "0]]}"], 5000),
    ],
)
def test_structural_changes_are_paced_by_the_same_rule(
    label: str, pieces: list[str], limit: int
) -> None:
    reader, _, last = paced_read(pieces, limit)
    text = "".join(pieces)
    assert units(reader) <= 16 * len(text), label
    # The last partial is the final value itself (json.loads cannot read 50,000 levels).
    assert last is reader.finish()
    if label != "nesting":
        assert last == json.loads(text)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    value=json_values,
    cheap=st.sampled_from([0, 8, 64, 300]),
    style=st.sampled_from(sorted(STYLES)),
    data=st.data(),
)
def test_every_snapshot_shown_is_cheap_or_paid_for(
    value: Any, cheap: int, style: str, data: st.DataObject
) -> None:
    """What each snapshot really copied: at most `cheap_snapshot` units, or at most 8 units a
    character of the input read since the last one."""
    text = json.dumps(value, **STYLES[style])
    pieces = cut(text, data.draw(st.lists(st.integers(0, len(text)), max_size=60), label="cuts"))
    reader = CountingReader(cheap_snapshot=cheap)
    read = last_shown = spent = 0
    for piece in pieces:
        read += len(piece)
        if reader.feed(piece):
            reader.value  # noqa: B018 - the snapshot
            cost, spent = units(reader) - spent, units(reader)
            assert cost <= cheap or cost <= 8 * (read - last_shown), (piece, cost)
            last_shown = read
    final = reader.finish()
    assert strict_equal(reader.value, final)


def test_small_values_show_a_snapshot_after_every_change() -> None:
    """Below `CHEAP_SNAPSHOT`, pacing changes nothing: the same partials as a reader that never
    paces, one per feed that changed the value."""
    value = {
        "title": "Report",
        "summary": "word " * 1500,  # a 7,500-character string: about 240 units
        "rows": [{"id": i, "tags": ["a", "b"], "note": "x" * i} for i in range(200)],
    }
    text = json.dumps(value)
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    paced, unpaced = read(pieces), read(pieces, cheap_snapshot=CHEAP_SNAPSHOT * 10**9)
    assert strict_equal(paced, unpaced)
    changed = 0
    reader = PartialJSONReader()
    for piece in pieces:
        before = copy.deepcopy(reader.value)
        reader.feed(piece)
        reader._stale = True  # the value now, whatever feed() said
        changed += not strict_equal(reader.value, before)
    assert len(paced[0]) == changed > 1000


def test_a_paced_change_shows_once_the_snapshot_is_cheap_again() -> None:
    reader = PartialJSONReader()
    reader.feed('{"big": [')
    items = 0
    while True:  # up to a costly array and an item not shown
        shown = reader.feed("1,")
        items += 1
        if shown:
            reader.value  # noqa: B018 - the snapshot shown
            assert items < 20_000, "paced, an item would have waited long before"
        elif items > 5000:
            break
    assert len(reader.value["big"]) < items, "the last item waits: the array is costly"
    assert reader.feed("1]"), "closed, the object is cheap again: the items show"
    assert reader.value["big"] == [1] * (items + 1)
    assert reader.feed(', "x": "a'), "and the next change shows at once"
    assert reader.value["x"] == "a"
    assert reader.feed("b")
    assert reader.value["x"] == "ab"


def test_the_complete_value_always_shows() -> None:
    reader = PartialJSONReader(cheap_snapshot=0)
    assert reader.feed('{"a": "xy')  # nothing shown yet: the first change is paid for
    assert reader.value == {"a": "xy"}
    assert not reader.feed("zzz")  # 32 units for the object: more than 8 per character
    assert reader.value == {"a": "xy"}
    assert reader.feed('"}')
    assert reader.value == {"a": "xyzzz"} == reader.finish()
    assert reader.value is reader.finish(), "the value itself: nothing copied"
    top = PartialJSONReader(cheap_snapshot=0)
    assert not top.feed("12")  # a top-level number ends at finish()
    assert top.finish() == 12 == top.value
