"""`Recorder`: an httpx transport that records real calls into a cassette and replays them.

It sits where any httpx transport goes (`ls.AsyncClient(provider, transport=recorder)`, or the
sync `ls.Client`), in front of a real transport. Depending on the record mode it answers from the
cassette, or forwards the request and tees the response: each chunk is handed on the moment it
arrives (the stream is not held back to be recorded), and a copy is kept. When the response is
closed the exchange is redacted and appended to the cassette file.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx

from .._public import publish
from ._cassette import Cassette, Interaction
from ._modes import RECORD_MODE_ENV, RecordMode, record_mode
from ._redaction import Redactor
from ._replay import (
    DEFAULT_MATCH_ON,
    CassetteMismatch,
    InteractionMatcher,
    ReplayedBody,
    split_events,
)
from ._writer import Recording, pretty_body, read_interactions, write_cassette

__all__ = ["Recorder"]

Chunker = Callable[[bytes], Iterable[bytes]]

# Transport-level headers: they describe one connection, not the exchange, and would only add
# noise to every diff (content-length changes with any edit of the body).
_UNRECORDED_REQUEST_HEADERS = frozenset(
    {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}
)
_UNRECORDED_RESPONSE_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive"}
)


class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records a test's calls into a go-vcr cassette, and replays them on later runs.

    ```python
    recorder = Recorder("tests/cassettes/greeting.yaml")   # mode from LLMSTREAM_RECORD_MODE
    async with ls.AsyncClient(ls.Groq(), transport=recorder) as client:
        reply = await client.generate(model="...", messages=[ls.user("Hi")])
    ```

    - `path`: the cassette file.
    - `mode`: a `RecordMode` or its name; None reads `LLMSTREAM_RECORD_MODE` (default `none`).
    - `real`: the transport real calls go through; by default a new `httpx.HTTPTransport` or
      `httpx.AsyncHTTPTransport`, whichever the client needs. Closing the recorder closes it.
    - `secrets`: more strings to keep out of the file, beyond the credentials each request
      carries and the values of `*_API_KEY` environment variables (see `Redactor`).
    - `match_on`, `match_body`, `chunker`: as for `ReplayTransport`.

    Requests match recorded ones on method, path, query and a JSON-equal body (not the host or
    port: a cassette recorded against a local server replays against it on another port), each
    recorded interaction answering once, in order. The recorder asks the server for an
    unencoded response (`Accept-Encoding: identity`) so the cassette holds readable text.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        mode: RecordMode | str | None = None,
        real: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        secrets: Iterable[str] = (),
        match_on: Collection[str] = DEFAULT_MATCH_ON,
        match_body: bool = True,
        chunker: Chunker = split_events,
    ) -> None:
        self.path = Path(path)
        self.mode = record_mode(mode)
        self.redactor = Redactor(secrets)
        self._real = real
        self._owned: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None
        self._chunker = chunker
        self._lock = threading.Lock()
        existed = self.path.exists()
        replaying = existed and self.mode is not RecordMode.ALL
        self._recording = self.mode in (RecordMode.NEW_EPISODES, RecordMode.ALL) or (
            self.mode is RecordMode.ONCE and not existed
        )
        self._had_cassette = existed
        cassettes = [Cassette.load(self.path)] if replaying else []
        self.matcher = InteractionMatcher(cassettes, match_on=match_on, match_body=match_body)
        # What the file will hold: in `new_episodes` the old interactions, kept as they were.
        self._documents: list[dict[str, Any]] = (
            read_interactions(self.path) if existed and self.mode is RecordMode.NEW_EPISODES else []
        )
        self.recorded = 0
        """How many interactions this recorder wrote."""

    def __repr__(self) -> str:
        return f"Recorder({str(self.path)!r}, mode={self.mode.value!r})"

    @property
    def requests(self) -> list[Any]:
        """The JSON bodies of the requests the recorder saw (replayed or recorded), in order."""
        return self.matcher.requests

    @property
    def unused(self) -> list[Interaction]:
        """Interactions in the cassette that no request has asked for (yet)."""
        return self.matcher.unused

    # -- deciding ---------------------------------------------------------------------------
    def _replayed(self, request: httpx.Request, body: bytes) -> httpx.Response | None:
        """The recorded answer to `request`, or None when it is to be recorded."""
        # Every credential the request carries is learnt before anything of it is written, so
        # that an echo of it anywhere (a body, another header) is redacted by its value.
        self.redactor.learn_from_headers(_header_pairs(request.headers))
        self.redactor.learn_from_url(str(request.url))
        # The file holds redacted URLs and bodies, so the live request is compared redacted too.
        target = self.redactor.url(str(request.url))
        sent = self.redactor.text(body.decode("utf-8", "replace")).encode()
        try:
            interaction = self.matcher.match(request.method, target, sent)
        except CassetteMismatch as mismatch:
            if self._recording:
                return None
            raise CassetteMismatch(self._explain(mismatch)) from None
        response = interaction.response
        return httpx.Response(
            response.status,
            headers=response.header_pairs(),
            stream=ReplayedBody(list(self._chunker(response.body.encode("utf-8")))),
        )

    def _explain(self, mismatch: CassetteMismatch) -> str:
        if not self._had_cassette:
            return (
                f"no cassette at {self.path} (record mode {self.mode.value}): record it with "
                f"{RECORD_MODE_ENV}=once"
            )
        named = f"{self.path}" in str(mismatch)  # the nearest interaction's cassette
        return (
            f"{mismatch}\n({'' if named else f'cassette {self.path}, '}record mode "
            f"{self.mode.value}; {RECORD_MODE_ENV}=new_episodes records what is missing, =all "
            "re-records)"
        )

    # -- the two transports -----------------------------------------------------------------
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        replayed = self._replayed(request, body)
        if replayed is not None:
            return replayed
        real = self._sync_real()
        request.headers["Accept-Encoding"] = "identity"
        started = time.monotonic()
        response = real.handle_request(request)
        return self._teed(request, body, response, started)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        replayed = self._replayed(request, body)
        if replayed is not None:
            return replayed
        real = self._async_real()
        request.headers["Accept-Encoding"] = "identity"
        started = time.monotonic()
        response = await real.handle_async_request(request)
        return self._teed(request, body, response, started)

    def _teed(
        self, request: httpx.Request, body: bytes, response: httpx.Response, started: float
    ) -> httpx.Response:
        """`response`, with its body copied into the cassette as it is read."""
        if response.is_closed:
            # Made with `content=` (a mock transport): already read, and decoded, in full.
            duration = time.monotonic() - started
            self._save(request, body, response, response.content, duration, decoded=True)
            return response
        assert isinstance(response.stream, (httpx.SyncByteStream, httpx.AsyncByteStream))
        response.stream = _Tee(response.stream, self._finisher(request, body, response, started))
        return response

    def _sync_real(self) -> httpx.BaseTransport:
        real = self._real
        if real is None:
            with self._lock:
                if self._owned is None:
                    self._owned = httpx.HTTPTransport()
                real = self._owned
        if not isinstance(real, httpx.BaseTransport):
            raise TypeError(f"a sync client needs a sync real transport, got {real!r}")
        return real

    def _async_real(self) -> httpx.AsyncBaseTransport:
        real = self._real
        if real is None:
            with self._lock:
                if self._owned is None:
                    self._owned = httpx.AsyncHTTPTransport()
                real = self._owned
        if not isinstance(real, httpx.AsyncBaseTransport):
            raise TypeError(f"an async client needs an async real transport, got {real!r}")
        return real

    def close(self) -> None:
        """Close the real transport (a later request opens a new one, so several clients can
        share the recorder one after another)."""
        real, self._owned = self._owned, None
        for transport in (self._real, real):
            if isinstance(transport, httpx.BaseTransport):
                transport.close()

    async def aclose(self) -> None:
        """The async twin of `close()`."""
        real, self._owned = self._owned, None
        for transport in (self._real, real):
            if isinstance(transport, httpx.AsyncBaseTransport):
                await transport.aclose()

    # -- writing ----------------------------------------------------------------------------
    def _finisher(
        self, request: httpx.Request, body: bytes, response: httpx.Response, started: float
    ) -> Callable[[bytes], None]:
        def finish(received: bytes) -> None:
            duration = time.monotonic() - started
            self._save(request, body, response, received, duration, decoded=False)

        return finish

    def _save(
        self,
        request: httpx.Request,
        body: bytes,
        response: httpx.Response,
        received: bytes,
        duration: float,
        *,
        decoded: bool,
    ) -> None:
        redact = self.redactor
        headers = [
            (name, value)
            for name, value in _header_pairs(response.headers)
            if name.lower() not in _UNRECORDED_RESPONSE_HEADERS
        ]
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            # The cassette keeps the text, not compressed bytes (the server ignored `identity`,
            # or a mock transport sent them). A response httpx read in full is decoded already.
            if not decoded:
                received = _decompress(received, encoding)
            headers = [(n, v) for n, v in headers if n.lower() != "content-encoding"]
        length = response.headers.get("content-length")
        http_version = response.extensions.get("http_version", b"HTTP/1.1")
        recording = Recording(
            method=request.method,
            url=redact.url(str(request.url)),
            request_headers=redact.headers(
                (name, value)
                for name, value in _header_pairs(request.headers)
                if name.lower() not in _UNRECORDED_REQUEST_HEADERS
            ),
            request_body=redact.text(pretty_body(body)),
            request_length=len(body),
            status=response.status_code,
            response_headers=redact.headers(headers, response=True),
            response_body=redact.text(received.decode("utf-8", "replace")),
            response_length=int(length) if length and encoding == "identity" else -1,
            http_version=http_version.decode("ascii", "replace"),
            duration=duration,
        )
        with self._lock:
            self._documents.append(recording.document(len(self._documents)))
            write_cassette(self.path, self._documents)
            self.recorded += 1


def _header_pairs(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Headers with the names as they were written (httpx lowercases `multi_items`)."""
    encoding = headers.encoding
    return [(name.decode(encoding), value.decode(encoding)) for name, value in headers.raw]


def _decompress(data: bytes, encoding: str) -> bytes:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:  # some servers send raw deflate, without the zlib header
            return zlib.decompress(data, -zlib.MAX_WBITS)
    raise ValueError(
        f"cannot record a response encoded with {encoding!r}: the server ignored "
        "Accept-Encoding: identity"
    )


class _Tee(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Passes a response body through chunk by chunk, keeping a copy; `finish` gets the copy
    once, when the body is closed (read to its end or abandoned part way)."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, finish: Callable[[bytes], None]
    ) -> None:
        self._stream = stream
        self._finish: Callable[[bytes], None] | None = finish
        self._parts: list[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            self._parts.append(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            self._parts.append(chunk)
            yield chunk

    def _done(self) -> None:
        finish, self._finish = self._finish, None
        if finish is not None:
            finish(b"".join(self._parts))

    def close(self) -> None:
        try:
            assert isinstance(self._stream, httpx.SyncByteStream)
            self._stream.close()
        finally:
            self._done()

    async def aclose(self) -> None:
        try:
            assert isinstance(self._stream, httpx.AsyncByteStream)
            await self._stream.aclose()
        finally:
            self._done()


publish(globals(), "llmstream.testing")
