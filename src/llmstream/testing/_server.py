"""A replay server: cassettes served over real HTTP on 127.0.0.1.

Requests take the same path as a real provider's (sockets, chunked HTTP/1.1, SSE flushed event
by event), which is what the offline demo and the examples use. An interaction recorded at
`https://api.x.ai/v1/chat/completions` is served at `http://127.0.0.1:<port>/api.x.ai/v1/chat/completions`;
`server.base_url("https://api.x.ai/v1")` gives the base URL to hand to a provider.

A request matches as it does through `ReplayTransport`, the host and port being those in its
path (`match_on=(..., "host")` tells interactions recorded for two hosts apart).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from .._public import publish
from ._cassette import Cassette
from ._replay import (
    DEFAULT_MATCH_ON,
    CassetteMismatch,
    InteractionMatcher,
    check_match_on,
    split_events,
)

__all__ = ["ReplayServer"]

_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class ReplayServer:
    """Cassettes served over HTTP on 127.0.0.1 until the `with` block ends: each interaction at
    `/<recorded host>/<recorded path>`, streamed bodies flushed event by event.

    ```python
    with ReplayServer(Cassette.load("tests/cassettes/xai-simple_streaming.yaml")) as server:
        provider = ls.XAI(api_key="replay", base_url=server.base_url("https://api.x.ai/v1"))
    ```
    """

    def __init__(
        self,
        *cassettes: Cassette,
        event_delay: float = 0.0,
        match_on: Collection[str] = DEFAULT_MATCH_ON,
        match_body: bool = True,
        tolerate: Mapping[int, Collection[str]] | None = None,
    ):
        """`event_delay` pauses between SSE events, to watch a replay stream like the real thing;
        `match_on`, `match_body` and `tolerate` are as for `ReplayTransport` (but for
        `"scheme"`: a request served here over http does not say which scheme it stands for)."""
        if "scheme" in check_match_on(match_on):
            raise ValueError("a ReplayServer cannot match on the scheme: its requests are all http")
        self.matcher = InteractionMatcher(
            cassettes, match_on=match_on, match_body=match_body, tolerate=tolerate
        )
        self._event_delay = event_delay
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the replay server is not running: use `with ReplayServer(...)`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def base_url(self, recorded_base_url: str) -> str:
        """Where the interactions recorded under `recorded_base_url` are served."""
        parts = urlsplit(recorded_base_url)
        return f"{self.url}/{parts.netloc}{parts.path}".rstrip("/")

    def start(self) -> ReplayServer:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll: stop() waits for it, and tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="llmstream-replay",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _recorded_url(served: str) -> str:
    """The URL a served path stands for: `/api.x.ai/v1/chat/completions` is
    `http://api.x.ai/v1/chat/completions` (the scheme is not in the path)."""
    host, _, rest = served.lstrip("/").partition("/")
    return f"http://{host}/{rest}"


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                interaction = server.matcher.match("POST", _recorded_url(self.path), body)
            except CassetteMismatch as exc:
                self._send_whole(400, {"error": {"message": str(exc), "type": "cassette_mismatch"}})
                return
            response = interaction.response
            self.send_response(response.status)
            for name, value in response.header_pairs():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            payload = response.body.encode("utf-8")
            chunks = split_events(payload) if response.is_stream else [payload]
            for chunk in chunks:
                if server._event_delay and response.is_stream:
                    time.sleep(server._event_delay)
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _send_whole(self, status: int, document: object) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


publish(globals(), "llmstream.testing")
