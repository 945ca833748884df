"""A response body's `Content-Encoding`, decoded in pieces of bounded size.

Input: the `Content-Encoding` header's value, then the body's bytes as they arrive
(`ContentDecoder.feed`), then the end of the body (`ContentDecoder.end`).
Output: the decoded bytes, in pieces of at most `PIECE_BYTES` each, each made only when the
one before it has been taken.

Why not httpx's decoders: they decode each network read whole, so one read (64 KiB) of a gzip
body can become 64 MiB before anything counts it, and a brotli or zstd body far more. Decoded
here, a body that expands without measure arrives as many small pieces, and the reader's own
bounds (`max_line_bytes`, `max_response_bytes`) stop it after a few of them.

Only gzip and deflate are decoded: they are what llmstream asks for (`ACCEPT_ENCODING`), and
zlib can bound what one call makes. Any other coding (br, zstd, compress...) was not asked for
and is refused with `ContentDecodingError`, as is a body that is not what its coding says.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["ACCEPT_ENCODING", "PIECE_BYTES", "ContentDecoder", "ContentDecodingError"]

ACCEPT_ENCODING = "gzip, deflate"
"""The request's `Accept-Encoding`: the codings `ContentDecoder` decodes."""

PIECE_BYTES = 64 * 1024
"""The most decoded bytes made at once."""

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_WBITS = {"gzip": _GZIP_WBITS, "x-gzip": _GZIP_WBITS, "deflate": zlib.MAX_WBITS}


class ContentDecodingError(ValueError):
    """The body's coding is not one llmstream decodes, or the body is not what it says."""


class ContentDecoder:
    """Decodes one body whose `Content-Encoding` is `content_encoding` (a list of codings, in
    the order they were applied; `identity` entries are no coding)."""

    __slots__ = ("_stages",)

    def __init__(self, content_encoding: str) -> None:
        codings = [coding.strip().lower() for coding in content_encoding.split(",")]
        codings = [coding for coding in codings if coding not in ("", "identity")]
        refused = [coding for coding in codings if coding not in _WBITS]
        if refused:
            raise ContentDecodingError(
                f"the server answered with Content-Encoding {', '.join(refused)!r}, which "
                f"llmstream did not ask for and does not decode (it asks for "
                f"{ACCEPT_ENCODING!r}, which it decodes within its memory bounds); if a header "
                "of your own (`Accept-Encoding`) asked for it, leave that header out"
            )
        # The last coding applied is the first undone.
        self._stages = [_Inflater(coding) for coding in reversed(codings)]

    @property
    def identity(self) -> bool:
        """Whether there is nothing to decode: the bytes are the body."""
        return not self._stages

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next bytes of the body."""
        return _through(self._stages, data)

    def end(self) -> Iterator[bytes]:
        """The last decoded pieces, once the body is over."""
        stages = self._stages
        for index, stage in enumerate(stages):
            for piece in stage.end():
                yield from _through(stages[index + 1 :], piece)


def _through(stages: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not stages:
        if data:
            yield data
        return
    first, rest = stages[0], stages[1:]
    for piece in first.feed(data):
        yield from _through(rest, piece)


class _Inflater:
    """One gzip or deflate coding undone. A gzip body may be several gzip members one after
    another (RFC 1952); a deflate body is zlib data (RFC 1950), or, as some servers send it,
    raw deflate data, told apart by its first two bytes."""

    __slots__ = ("_coding", "_head", "_zlib")

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._zlib = zlib.decompressobj(_WBITS[coding]) if coding != "deflate" else None
        self._head = b""  # deflate: the first byte, until the second says which kind it is

    def feed(self, data: bytes) -> Iterator[bytes]:
        inflate = self._zlib
        if inflate is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            inflate = self._zlib = zlib.decompressobj(_deflate_wbits(data))
        while True:
            if inflate.eof:
                data = inflate.unused_data + data
                if not data:
                    return
                inflate = self._zlib = self._next_member()
            try:
                piece = inflate.decompress(data, PIECE_BYTES)
            except zlib.error as error:
                raise ContentDecodingError(
                    f"the {self._coding} body is corrupt ({error})"
                ) from None
            data = inflate.unconsumed_tail
            if piece:
                yield piece
            # A full piece may leave more output held inside zlib: ask again, with no input.
            if not data and len(piece) < PIECE_BYTES and not inflate.eof:
                return

    def end(self) -> Iterator[bytes]:
        # `feed` leaves no input unread and no output held back: what a body cut short leaves
        # is nothing to add, and the reader above names what is missing.
        if self._zlib is None and self._head:
            raise ContentDecodingError(f"the {self._coding} body ended after one byte")
        return iter(())

    def _next_member(self) -> zlib._Decompress:
        if self._coding == "deflate":
            raise ContentDecodingError("the deflate body goes on past its end")
        return zlib.decompressobj(_GZIP_WBITS)


def _deflate_wbits(head: bytes) -> int:
    """zlib data starts with a header whose first byte names deflate (low nibble 8) and whose
    two bytes, read as a big-endian number, are a multiple of 31; anything else is raw."""
    wrapped = head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
