"""Chunks are parsed by jiter (`pydantic_core.from_json`); what it refuses goes to `json.loads`.

The rule (see `_core/json_payload.py`): a chunk reads exactly as `json.loads` reads it. jiter agrees
with `json.loads` on every valid chunk but one kind, lone surrogate escapes (`"\\ud800"`), which
jiter refuses and which then go to `json.loads`; a chunk both refuse is a `MalformedChunkError`
with `json`'s message. One bound applies to both: a value nested deeper than jiter reads
(`MAX_DEPTH`) is malformed, which json.loads alone would read. These tests read numbers,
repeated keys, surrogates and non-finite numbers both ways and compare, through what a user
sees (usage `raw`, `extras`, text).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.parser import ResponseParser

from .support.corpus import TEST_KEY

SSE = {"content-type": "text/event-stream"}


def stream_with(extra: bytes, content: bytes = b'"hi"') -> ls.AssistantMessage:
    """A stream of one chunk carrying `extra` as the value of an extra field and of usage's
    `x`, read by the parser; the message it gives."""
    body = (
        b'data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":'
        + content
        + b'},"finish_reason":"stop"}],"x_value":'
        + extra
        + b',"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"x":'
        + extra
        + b"}}\n\ndata: [DONE]\n\n"
    )
    parser = ResponseParser(ls.OpenAICompatible("https://x.test/v1", TEST_KEY), headers=SSE)
    parser.feed(body)
    while not parser.finished:
        parser.end()
    return parser.partial()


def read_both_ways(extra: bytes) -> tuple[Any, Any, Any]:
    message = stream_with(extra)
    assert message.usage is not None
    return message.extras["x_value"], message.usage.raw["x"], json.loads(extra)


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 == 1.0 == True is not enough here); NaN
    equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize(
    "text",
    [
        b"9007199254740993",  # 2**53 + 1: exact, not a float
        b"-18446744073709551617",  # beyond 64 bits
        b"1" * 400,  # longer than any machine integer
        b"0.1",
        b"1e400",  # too big for a float: inf, as json.loads reads it
        b"-0.0",
        b"2.2250738585072011e-308",  # the largest subnormal, a classic of bad float parsers
        b"123456789012345678901234567890.5",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b'{"a":1,"a":2}',  # repeated key: the last one wins, where the first one stood
        b'{"b":1,"a":2,"b":3}',
        b'"\\u00e9\\ud83d\\ude00"',  # escapes and a surrogate pair
        b'"\\ud800"',  # a lone surrogate: jiter refuses it, json.loads keeps it
        b'"x\\udc00y"',
        b"[1, 2.5, true, null]",
    ],
)
def test_values_read_as_json_loads_reads_them(text: bytes) -> None:
    in_extras, in_usage, expected = read_both_ways(text)
    assert same_value(in_extras, expected)
    assert same_value(in_usage, expected)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.one_of(st.floats(allow_nan=False), st.integers(min_value=-(2**200), max_value=2**200)))
def test_numbers_read_as_json_loads_reads_them(number: float | int) -> None:
    text = json.dumps(number).encode()
    in_extras, in_usage, expected = read_both_ways(text)
    assert same_value(in_extras, expected)
    assert same_value(in_usage, expected)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text())
def test_text_reads_as_json_loads_reads_it(text: str) -> None:
    # ensure_ascii escapes every non-ASCII character, lone surrogates included
    encoded = json.dumps(text).encode()
    message = stream_with(b"null", content=encoded)
    assert message.text == json.loads(encoded)


def test_a_chunk_both_refuse_is_malformed_with_jsons_message() -> None:
    with pytest.raises(ls.MalformedChunkError, match=r"not valid JSON \(Expecting"):
        stream_with(b"[1,]")


@pytest.mark.parametrize("surrogate", [False, True], ids=["deep", "deep-with-a-surrogate"])
def test_json_nested_deeper_than_jiter_reads_is_malformed(surrogate: bool) -> None:
    """json.loads reads a thousand levels (jiter two hundred); what comes after it walks a
    value by recursion (the redactor, `repr`), so past `MAX_DEPTH` a value is refused here, as
    jiter refuses it, whichever of the two read it (a lone surrogate sends it to json.loads)."""
    from llmstream._core.json_payload import MAX_DEPTH, json_value

    def nested(depth: int) -> bytes:
        head = b'["\\ud800",' if surrogate else b"["
        return head + b"[" * (depth - 1) + b"]" * depth

    assert json_value(nested(MAX_DEPTH)) is not None  # as deep as it may be: read
    with pytest.raises(ls.MalformedChunkError, match=r"not valid JSON \(nested too deeply\)"):
        stream_with(nested(600))
    if surrogate:  # read by json.loads, then refused one level past the bound
        with pytest.raises(ValueError, match="nested too deeply"):
            json_value(nested(MAX_DEPTH + 1))
