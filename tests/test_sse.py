"""The SSE decoder against the WHATWG event-stream rules, fed in one piece and byte by byte."""

from __future__ import annotations

import pytest

from llmstream._core.sse import SSEDecoder, SSELineTooLong


def decode(*pieces: bytes, flush: bool = True) -> list[tuple[str, bytes]]:
    decoder = SSEDecoder()
    events = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    if flush:
        events.extend(decoder.flush())
    return events


def decode_all_ways(body: bytes) -> list[tuple[str, bytes]]:
    """Decode whole and byte by byte; both must agree."""
    whole = decode(body)
    assert decode(*[body[i : i + 1] for i in range(len(body))]) == whole
    return whole


def test_data_lines_and_blank_line_dispatch() -> None:
    assert decode_all_ways(b"data: one\n\ndata: two\n\n") == [("", b"one"), ("", b"two")]


def test_multiple_data_lines_are_joined_with_newlines() -> None:
    assert decode_all_ways(b"data: a\ndata: b\ndata:\ndata: c\n\n") == [("", b"a\nb\n\nc")]


def test_only_one_leading_space_is_stripped() -> None:
    assert decode_all_ways(b"data:  two spaces\n\ndata:none\n\n") == [
        ("", b" two spaces"),
        ("", b"none"),
    ]


def test_field_without_colon_is_a_field_with_empty_value() -> None:
    # "data" alone adds an empty line of data; "event" alone resets to the default type.
    assert decode_all_ways(b"data\ndata\n\n") == [("", b"\n")]
    assert decode_all_ways(b"event\ndata: x\n\n") == [("", b"x")]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_line_endings(ending: bytes) -> None:
    body = b"data: a" + ending + b"data: b" + ending + ending + b"data: c" + ending + ending
    assert decode_all_ways(body) == [("", b"a\nb"), ("", b"c")]


def test_crlf_split_across_reads_is_one_line_ending() -> None:
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [("", b"a\nb")]


def test_mixed_line_endings() -> None:
    assert decode_all_ways(b"data: a\r\ndata: b\rdata: c\n\r\n") == [("", b"a\nb\nc")]


def test_comments_are_ignored_and_counted() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b": keep-alive\n\n:another\ndata: x\n\n: OPENROUTER PROCESSING\n\n")
    assert events == [("", b"x")]
    assert decoder.comments == 3


def test_event_field_sets_the_type_for_one_event() -> None:
    assert decode_all_ways(b"event: error\ndata: {}\n\ndata: next\n\n") == [
        ("error", b"{}"),
        ("", b"next"),
    ]


def test_id_and_retry_fields_are_ignored_safely() -> None:
    body = b"id: 7\nretry: 1000\ndata: x\nid\nretry: not-a-number\n\nid: only\n\n"
    assert decode_all_ways(body) == [("", b"x")]


def test_unknown_fields_are_ignored() -> None:
    assert decode_all_ways(b"foo: bar\ndata: x\n\n") == [("", b"x")]


def test_a_blank_line_without_data_dispatches_nothing() -> None:
    assert decode_all_ways(b"\n\n\nevent: ping\n\ndata: x\n\n") == [("", b"x")]


def test_byte_order_mark_at_the_start_is_dropped() -> None:
    assert decode_all_ways(b"\xef\xbb\xbfdata: x\n\n") == [("", b"x")]
    # Only at the very start: later it is part of the data.
    assert decode(b"data: \xef\xbb\xbfx\n\n") == [("", b"\xef\xbb\xbfx")]


def test_byte_order_mark_split_across_reads() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n") == [("", b"x")]


def test_utf8_split_inside_a_character_is_kept_whole() -> None:
    body = 'data: {"content":"olá 😀"}\n\n'.encode()
    cut = body.index("😀".encode()) + 2
    assert decode(body[:cut], body[cut:]) == [("", '{"content":"olá 😀"}'.encode())]


def test_unterminated_last_event_is_kept_at_the_end_of_input() -> None:
    assert decode(b"data: last") == [("", b"last")]
    assert decode(b"data: last\n") == [("", b"last")]
    assert decode(b"data: last", flush=False) == []


def test_an_endless_line_is_refused() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    decoder.feed(b"data: " + b"x" * 900)
    with pytest.raises(SSELineTooLong, match="1000 bytes"):
        decoder.feed(b"x" * 200)


@pytest.mark.parametrize("line", [b"data: " + b"x" * 90 + b"\n", b"data:\n", b"data: x\r\n"])
@pytest.mark.parametrize("read", [1, 7, 4096])
def test_an_endless_event_is_refused_and_holds_no_more_than_its_bound(
    line: bytes, read: int
) -> None:
    """`data:` lines forever and no blank line: one event that never ends. It is refused once
    its lines together pass the limit, however the bytes are cut and however short the lines,
    and the decoder holds the open event as one buffer, not a list of lines."""
    decoder = SSEDecoder(max_line_bytes=10_000)
    held = len(line.rstrip(b"\r\n").removeprefix(b"data:").removeprefix(b" ")) + 1
    enough = (10_000 // held + 1) * len(line)  # the bytes that make the event too long
    stream = line * (2 * enough // len(line))
    with pytest.raises(SSELineTooLong, match="a server-sent event grew past 10000 bytes"):
        for start in range(0, len(stream), read):
            assert decoder.feed(stream[start : start + read]) == []
            assert len(decoder._data) <= 2  # what an open event costs is its size
    assert start < enough + 2 * len(line) + read  # refused at the bound, not at the end


def test_an_event_of_many_lines_across_many_reads_is_whole() -> None:
    lines = [b"%d" % n for n in range(1000)]
    stream = b"".join(b"data: " + line + b"\n" for line in lines) + b"\n"
    decoder = SSEDecoder(max_line_bytes=len(stream))
    events = []
    for start in range(0, len(stream), 13):
        events += decoder.feed(stream[start : start + 13])
    assert events == [("", b"\n".join(lines))]
    assert all(type(data) is bytes for _, data in events)


def test_a_long_line_within_the_limit_is_fine() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    for _ in range(9):
        assert decoder.feed(b"x" * 100) == []
    assert decoder.feed(b"\n\n") == []  # "xxxx..." is a field named xxx: ignored
