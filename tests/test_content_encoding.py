"""The core's `ContentDecoder`: gzip and deflate undone in pieces of bounded size, whatever a
body expands to, and every other coding refused by name."""

from __future__ import annotations

import gzip
import itertools
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmstream._core.content_encoding import (
    ACCEPT_ENCODING,
    PIECE_BYTES,
    ContentDecoder,
    ContentDecodingError,
)

BODY = b"".join(b'data: {"n": %d, "text": "word %d"}\n\n' % (n, n) for n in range(2000))


def decode(encoding: str, reads: list[bytes]) -> list[bytes]:
    decoder = ContentDecoder(encoding)
    pieces = [piece for data in reads for piece in decoder.feed(data)]
    return pieces + list(decoder.end())


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


ENCODED = {
    "gzip": gzip.compress(BODY),
    "x-gzip": gzip.compress(BODY),
    "deflate": zlib.compress(BODY),  # zlib data, as RFC 9110 says
    "Deflate": raw_deflate(BODY),  # raw deflate, as some servers send it
    "gzip, deflate": zlib.compress(gzip.compress(BODY)),  # gzip first, then deflate
    "identity, gzip": gzip.compress(BODY),
}


@pytest.mark.parametrize("encoding", list(ENCODED))
@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_any_split_of_an_encoded_body_decodes_to_the_body(encoding: str, cuts: list[int]) -> None:
    assert b"".join(decode(encoding, split(ENCODED[encoding], cuts))) == BODY


def test_one_byte_at_a_time_decodes_to_the_body() -> None:
    for encoding in ("gzip", "deflate", "Deflate"):
        reads = [bytes([byte]) for byte in ENCODED[encoding]]
        assert b"".join(decode(encoding, reads)) == BODY, encoding


def test_several_gzip_members_are_one_body() -> None:
    members = gzip.compress(BODY[:1000]) + gzip.compress(BODY[1000:])
    assert b"".join(decode("gzip", [members])) == BODY
    assert b"".join(decode("gzip", split(members, [5, 900, 1100]))) == BODY


def test_a_body_that_expands_a_thousandfold_comes_in_bounded_pieces_made_one_at_a_time() -> None:
    bomb = gzip.compress(b"a" * (64 << 20), compresslevel=9)  # 64 MiB from about 64 KiB
    assert len(bomb) < 128 << 10
    decoder = ContentDecoder("gzip")
    tracemalloc.start()
    try:
        pieces = decoder.feed(bomb)
        first = [next(pieces) for _ in range(4)]  # a reader that stops early pays for no more
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [len(piece) for piece in first] == [PIECE_BYTES] * 4
    assert peak < 2 << 20, f"decoding held {peak} bytes"
    sizes = [len(piece) for piece in pieces]  # the rest, read to the end
    assert max(sizes) <= PIECE_BYTES
    assert sum(sizes) + 4 * PIECE_BYTES == 64 << 20


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br", "made-up"])
def test_a_coding_that_was_not_asked_for_is_refused_by_name(encoding: str) -> None:
    with pytest.raises(ContentDecodingError) as caught:
        ContentDecoder(encoding)
    refused = [coding.strip() for coding in encoding.split(",") if coding.strip() != "gzip"]
    assert repr(", ".join(refused)) in str(caught.value)
    assert ACCEPT_ENCODING in str(caught.value)
    assert "Accept-Encoding" in str(caught.value)  # how a caller came to ask for it


@pytest.mark.parametrize(
    ("encoding", "body", "says"),
    [
        ("gzip", b"this is not gzip at all", "the gzip body is corrupt"),
        ("deflate", zlib.compress(BODY)[:-4] + b"\x00\x00\x00\x00", "the deflate body is corrupt"),
        ("deflate", zlib.compress(BODY) + b"more", "goes on past its end"),
        ("gzip", gzip.compress(BODY) + b"junk that is no gzip member", "the gzip body is corrupt"),
    ],
)
def test_a_body_that_is_not_what_its_coding_says_is_an_error(
    encoding: str, body: bytes, says: str
) -> None:
    with pytest.raises(ContentDecodingError, match=says):
        decode(encoding, [body])


def test_a_deflate_body_of_one_byte_is_an_error_and_no_coding_is_identity() -> None:
    with pytest.raises(ContentDecodingError, match="ended after one byte"):
        decode("deflate", [b"\x78"])
    assert ContentDecoder("identity").identity
    assert ContentDecoder("").identity
    assert not ContentDecoder("gzip").identity
    assert decode("identity", [b"ab", b"", b"c"]) == [b"ab", b"c"]
