"""`FakeLLM`: a scripted OpenAI-compatible model for unit tests, without any cassette.

Each request to `/chat/completions` or `/responses` takes the next entry of the script and gets
it streamed (or whole, for `"stream": false`) as real OpenAI-style bytes of that API, faults
included. The same script
is served through an httpx transport (`fake.transport`, no sockets) and through a loopback HTTP
server (`fake.serve()`), and every request received is kept in `fake.requests`.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable
from typing import Any

import llmstream as ls

from .._public import publish
from ._fake_server import FakeServer
from ._fake_transport import FakeTransport
from ._redaction import REDACTED, is_credential_header
from ._render import Plan, render
from ._script import Entry, FakeRequest, Reply, Status

__all__ = ["FakeLLM", "ScriptExhausted"]

DEFAULT_BASE_URL = "https://fake-llm.invalid/v1"
"""The base URL of `fake.provider()` on the transport: never resolved, nothing leaves the
process (`.invalid` is reserved for exactly that)."""
DEFAULT_KEY = "fake-key"
_PATHS = ("/chat/completions", "/responses")


class ScriptExhausted(AssertionError):
    """The fake received a request after every scripted entry was used."""


class FakeLLM:
    """A scripted model: `FakeLLM(Reply("Hello"), status(429, retry_after=0.1), "Hi")`.

    - `*script`: the entries, answered in order, one per request (`add()` appends more).
    - `reasoning_field`: the delta field reasoning is streamed in on chat completions:
      `reasoning_content` (OpenAI-compatible servers, xAI) or `reasoning` (Groq, Cerebras).
    - `api`: the API `fake.provider()` (and so every client made here) speaks: `"chat"` or
      `"responses"`. The fake answers both, each request in the API of its path.

    Use `fake.async_client()` / `fake.client()` for clients on the transport, or
    `with fake.serve() as server:` and `server.async_client()` for real sockets. A request after
    the script ran out raises `ScriptExhausted` through the transport, and gets a 400 whose
    message says so from the server.
    """

    def __init__(
        self, *script: Entry, reasoning_field: str = "reasoning_content", api: str = "chat"
    ) -> None:
        self.reasoning_field = reasoning_field
        self.api = api
        self.requests: list[FakeRequest] = []
        """Every request received, in order, through the transport or the server."""
        self._script: list[Entry] = list(script)
        self._lock = threading.Lock()
        self._call_ids = itertools.count(1)
        self._servers: list[FakeServer] = []
        self.transport = FakeTransport(self)
        """An httpx transport (sync and async) answering from the script, without a socket."""

    def __repr__(self) -> str:
        return f"FakeLLM({len(self._script)} entries left, {len(self.requests)} requests)"

    def add(self, *entries: Entry) -> FakeLLM:
        """Append entries to the script; returns the fake, to chain."""
        with self._lock:
            self._script.extend(entries)
        return self

    @property
    def pending(self) -> int:
        """How many scripted entries no request has used yet."""
        return len(self._script)

    # -- answering ----------------------------------------------------------------------------
    def respond(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Plan:
        """The plan answering one request (the transport and the server call this)."""
        request = FakeRequest(
            method=method,
            path=path,
            headers={
                name.lower(): REDACTED if is_credential_header(name) else value
                for name, value in headers
            },
            body=_parse(body),
        )
        with self._lock:
            number = len(self.requests)
            self.requests.append(request)
            if method != "POST" or not path.rstrip("/").endswith(_PATHS):
                message = (
                    "the fake LLM serves POST .../chat/completions and POST .../responses, "
                    f"not {method} {path}"
                )
                entry: Entry = Status(404, {"error": {"message": message, "type": "not_found"}})
            elif not self._script:
                raise ScriptExhausted(
                    f"the fake LLM got request #{number + 1} ({method} {path}) but its script "
                    "has no entry left: add one per request the code under test makes"
                )
            else:
                entry = self._script.pop(0)
        if callable(entry):
            entry = entry(request)
        if isinstance(entry, str):
            entry = Reply(text=entry)
        return render(
            entry,
            request,
            number=number,
            reasoning_field=self.reasoning_field,
            next_call_id=lambda: f"call_{next(self._call_ids)}",
        )

    # -- clients ------------------------------------------------------------------------------
    def provider(self, base_url: str = DEFAULT_BASE_URL, **options: Any) -> ls.OpenAICompatible:
        """An `ls.OpenAICompatible` provider pointed at `base_url` (the transport's by default),
        speaking the fake's `api`, with a dummy key so the `Authorization` header is sent as it
        would be for real."""
        options.setdefault("api_key", DEFAULT_KEY)
        options.setdefault("name", "fake")
        options.setdefault("api", self.api)
        return ls.OpenAICompatible(base_url, **options)

    def async_client(self, **options: Any) -> ls.AsyncClient:
        """An `ls.AsyncClient` on the transport; `options` go to the client (`timeouts`,
        `max_retries`, `retry_policy`...)."""
        return ls.AsyncClient(self.provider(), transport=self.transport, **options)

    def client(self, **options: Any) -> ls.Client:
        """The sync twin of `async_client()`."""
        return ls.Client(self.provider(), transport=self.transport, **options)

    def serve(self) -> FakeServer:
        """Start a loopback HTTP server answering from this script; returns the running
        `FakeServer` (also a context manager that stops it). `close()` stops any left running."""
        server = FakeServer(self).start()
        self._servers.append(server)
        return server

    def close(self) -> None:
        """Stop every server `serve()` started."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


publish(globals(), "llmstream.testing")
