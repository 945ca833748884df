"""How a response's bytes are read off httpx.

Without a content encoding the raw bytes are the body, and reading them skips httpx's decoding
layer: one generator less per read, on the hottest loop of a stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator

import httpx

__all__ = ["async_body", "sync_body"]


def _raw_is_body(response: httpx.Response) -> bool:
    """No content encoding, and not already read into memory (a mock response built with
    `content=` has been)."""
    encoding = str(response.headers.get("content-encoding", "identity"))
    return encoding == "identity" and not response.is_stream_consumed


def async_body(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    body = response.aiter_raw() if _raw_is_body(response) else response.aiter_bytes()
    assert isinstance(body, AsyncGenerator)
    return body


def sync_body(response: httpx.Response) -> Iterator[bytes]:
    return response.iter_raw() if _raw_is_body(response) else response.iter_bytes()
