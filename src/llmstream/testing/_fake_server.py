"""`FakeServer`: a `FakeLLM` served over real HTTP/1.1 on 127.0.0.1.

It runs its own asyncio loop in a thread, so sync, asyncio and trio clients all talk to it the
same way, and a stall on one connection holds up no other. Bodies go out chunked, each planned
piece flushed on its own (with TCP_NODELAY, so split bytes leave as separate packets); a dropped
connection is a TCP reset. A client that goes away during a stall ends the response at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
from http import HTTPStatus
from types import TracebackType
from typing import Any

import llmstream as ls

from .._public import publish
from ._render import Cut, Pause, Plan, Send
from ._responder import Responder

__all__ = ["FakeServer"]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


class FakeServer:
    """A `FakeLLM` on 127.0.0.1: `with fake.serve() as server:` then `server.async_client()`.

    `url` is `http://127.0.0.1:<port>`; `base_url` (`url + "/v1"`) is what a provider takes.
    `abandoned` counts the responses a client went away from before their end (a stream
    closed or cancelled part way), as the server saw them: the connection closed under it.
    """

    def __init__(self, fake: Responder) -> None:
        self.fake = fake
        self.port = 0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self.abandoned = 0
        """How many responses the client went away from before their end."""

    def __repr__(self) -> str:
        return f"FakeServer({self.url if self.port else 'stopped'})"

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        if not self.port:
            raise RuntimeError("the fake server is not running: use fake.serve()")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL to give a provider: `http://127.0.0.1:<port>/v1`."""
        return f"{self.url}/v1"

    def provider(self, **options: Any) -> ls.OpenAICompatible:
        """An `ls.OpenAICompatible` provider pointed at this server (see `FakeLLM.provider`)."""
        return self.fake.provider(self.base_url, **options)

    def async_client(self, **options: Any) -> ls.AsyncClient:
        """An `ls.AsyncClient` talking to this server over a real socket."""
        return ls.AsyncClient(self.provider(), **options)

    def client(self, **options: Any) -> ls.Client:
        """The sync twin of `async_client()`."""
        return ls.Client(self.provider(), **options)

    # -- running ------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        """Start serving (in a daemon thread); returns the server once it accepts connections."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="llmstream-fake-llm", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._failure is not None:
            raise RuntimeError(f"the fake server did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection. Safe to call more than once."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join(10)
        self.port = 0

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start()
            self._failure = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            current = asyncio.current_task()
            tasks = [task for task in asyncio.all_tasks() if task is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- one connection -----------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:  # keep-alive: a client may send several requests on one connection
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                try:
                    plan = self.fake.respond(method, path, headers, body)
                except AssertionError as exc:  # ScriptExhausted: tell the client why
                    document = {"error": {"message": str(exc), "type": "script_exhausted"}}
                    payload = json.dumps(document).encode()
                    plan = Plan(400, [("content-type", "application/json")], [Send(payload)], False)
                try:
                    if not await _carry_out(plan, reader, writer):
                        return
                except (ConnectionError, OSError):
                    self.abandoned += 1  # only this thread counts: no lock needed
                    raise
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target = request_line.split(" ")[:2]
    headers = [
        (name.strip(), value.strip())
        for name, _, value in (line.partition(":") for line in lines if line)
    ]
    length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
    body = await reader.readexactly(length)
    return method, target.split("?")[0], headers, body


async def _carry_out(
    plan: Plan, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bool:
    """Write the response; True when it ended cleanly (the connection is reusable), False when
    the plan cut it. A client that goes away shows up as a failed write, or, during a pause, as
    the end of its stream: either raises `ConnectionError`."""
    head = [f"HTTP/1.1 {plan.status} {_reason(plan.status)}"]
    head += [f"{name}: {value}" for name, value in plan.headers]
    if plan.chunked:
        head.append("Transfer-Encoding: chunked")
    else:
        size = sum(len(step.data) for step in plan.steps if isinstance(step, Send))
        head.append(f"Content-Length: {size}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    for step in plan.steps:
        if isinstance(step, Send):
            if not step.data:
                continue  # an empty chunk would end the chunked body
            chunk = b"%x\r\n%b\r\n" % (len(step.data), step.data)
            writer.write(chunk if plan.chunked else step.data)
            await writer.drain()
        elif isinstance(step, Pause):
            # Nothing can come from a client waiting for this response but its going away, so
            # reading here loses nothing (outside pauses it could eat the next request's bytes).
            gone = asyncio.ensure_future(reader.read(1))
            done, _ = await asyncio.wait({gone}, timeout=step.seconds)
            gone.cancel()
            # Wait for the read to be cancelled: until then the reader is still in use, and the
            # next request on this connection could not be read.
            await asyncio.gather(gone, return_exceptions=True)
            if done:
                raise ConnectionResetError("the client went away during a pause")
        elif isinstance(step, Cut):
            _reset(writer)
            return False
    if plan.chunked:
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    return True


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (RST), as a crashed server or a proxy timeout does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


publish(globals(), "llmstream.testing")
