"""How a response's bytes are read off httpx.

Without a content encoding the raw bytes are the body. Then the transport's own byte stream is
read directly, without `Response.aiter_raw()`'s layers (a generator, a chunker and a byte count
per read, on the hottest loop of a stream): httpx's default transports already turn httpcore's
errors into httpx's inside that stream. The response is marked consumed, as `aiter_raw()` would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

__all__ = ["async_body", "sync_body"]


def _raw_is_body(response: httpx.Response) -> bool:
    """No content encoding, and not already read into memory (a mock response built with
    `content=` has been)."""
    encoding = str(response.headers.get("content-encoding", "identity"))
    return encoding == "identity" and not response.is_stream_consumed


def async_body(response: httpx.Response) -> AsyncIterator[bytes]:
    if _raw_is_body(response) and isinstance(response.stream, httpx.AsyncByteStream):
        response.is_stream_consumed = True
        return response.stream.__aiter__()
    return response.aiter_bytes()


def sync_body(response: httpx.Response) -> Iterator[bytes]:
    if _raw_is_body(response) and isinstance(response.stream, httpx.SyncByteStream):
        response.is_stream_consumed = True
        return response.stream.__iter__()
    return response.iter_bytes()
