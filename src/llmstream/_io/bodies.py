"""How a response's bytes are read off httpx.

The transport's own byte stream is read directly, without `Response.aiter_raw()`'s layers (a
generator, a chunker and a byte count per read, on the hottest loop of a stream): httpx's
default transports already turn httpcore's errors into httpx's inside that stream. The response
is marked consumed, as `aiter_raw()` would.

Without a content encoding those bytes are the body. With one, the core's `ContentDecoder`
undoes it in pieces of bounded size, never httpx's decoders, which decode each read whole (a
compressed read can expand a thousandfold or more before anything counts it). A decoding
failure is an `httpx.DecodingError`, as httpx would raise, which the call reports as a
malformed body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from .._core.content_encoding import ContentDecoder, ContentDecodingError

__all__ = ["async_body", "sync_body"]


def async_body(response: httpx.Response) -> AsyncIterator[bytes]:
    if response.is_stream_consumed:  # built in memory (a mock's `content=`), already decoded
        return response.aiter_bytes()
    if isinstance(response.stream, httpx.AsyncByteStream):
        raw = response.stream.__aiter__()
        response.is_stream_consumed = True
    else:
        raw = response.aiter_raw()
    encoding = response.headers.get("content-encoding")
    if encoding is None or encoding == "identity":
        return raw
    return _decoded_async(raw, encoding)


def sync_body(response: httpx.Response) -> Iterator[bytes]:
    if response.is_stream_consumed:
        return response.iter_bytes()
    if isinstance(response.stream, httpx.SyncByteStream):
        raw = response.stream.__iter__()
        response.is_stream_consumed = True
    else:
        raw = response.iter_raw()
    encoding = response.headers.get("content-encoding")
    if encoding is None or encoding == "identity":
        return raw
    return _decoded_sync(raw, encoding)


async def _decoded_async(raw: AsyncIterator[bytes], encoding: str) -> AsyncIterator[bytes]:
    try:
        decoder = ContentDecoder(encoding)
        async for data in raw:
            for piece in decoder.feed(data):
                yield piece
        for piece in decoder.end():
            yield piece
    except ContentDecodingError as error:
        raise httpx.DecodingError(str(error)) from None


def _decoded_sync(raw: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    try:
        decoder = ContentDecoder(encoding)
        for data in raw:
            yield from decoder.feed(data)
        yield from decoder.end()
    except ContentDecodingError as error:
        raise httpx.DecodingError(str(error)) from None
