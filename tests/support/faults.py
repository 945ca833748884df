"""A fault-injection HTTP server on 127.0.0.1 for the reliability tests.

It runs its own asyncio loop in a thread, whatever backend the test client uses, and answers
each request with a scripted behaviour chosen by the first path segment:
`POST /<scenario>/v1/chat/completions`. A scenario is a list of behaviours, one per attempt (the
last one repeats), so "429, then success" is `[status(429, ...), stream()]`. The server counts the
attempts it saw and notes when each client connection closed.

The behaviours speak the API the request was sent to, by its path: chat completions chunks (and
`[DONE]`), or, for `POST /<scenario>/v1/responses`, the Responses API's named events (from
`response.created` to `response.completed`). Raw bytes (`raw`, `status`) are sent as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Behaviour = Callable[["Exchange"], Awaitable[None]]


@dataclass
class Exchange:
    """One request being answered; behaviours write the response through it."""

    scenario: str
    attempt: int
    body: Any
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    headers_sent: bool = False
    chunked: bool = True
    sent: int = 0  # bytes of body sent so far
    api: str = "chat"  # the API of the request: "chat" or "responses"
    said: list[str] = field(default_factory=list)  # the text sent so far

    async def start(
        self,
        status: int = 200,
        headers: dict[str, str] | None = None,
        *,
        content_type: str = "text/event-stream",
        length: int | None = None,
    ) -> None:
        lines = [f"HTTP/1.1 {status} Status"]
        merged = {
            "Content-Type": content_type,
            "x-request-id": f"req_{self.scenario}_{self.attempt}",
        }
        merged.update(headers or {})
        lines += [f"{name}: {value}" for name, value in merged.items()]
        if length is None:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {length}")
            self.chunked = False
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        self.headers_sent = True

    async def send(self, data: bytes) -> None:
        if not data:
            return
        self.sent += len(data)
        if self.chunked:
            self.writer.write(b"%x\r\n%b\r\n" % (len(data), data))
        else:
            self.writer.write(data)
        await self.writer.drain()

    async def event(self, payload: Any, *, event: str | None = None) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        prefix = f"event: {event}\n" if event else ""
        await self.send(f"{prefix}data: {data}\n\n".encode())

    # -- the reply, in the request's API ---------------------------------------------------
    async def opening(self) -> None:
        """What comes before the text: the role (chat), or the response and its message item
        (the Responses API). Neither is an event the caller sees."""
        if self.api == "chat":
            await self.event(chunk({"role": "assistant", "content": ""}))
            return
        for kind, fields in (
            ("response.created", {"response": RESPONSE_STARTED}),
            ("response.in_progress", {"response": RESPONSE_STARTED}),
            ("response.output_item.added", {"output_index": 0, "item": MESSAGE_ITEM}),
            (
                "response.content_part.added",
                {"output_index": 0, "item_id": "msg_fault", "content_index": 0, "part": TEXT_PART},
            ),
        ):
            await self.event({"type": kind, **fields}, event=kind)

    async def text(self, word: str) -> None:
        """One piece of the answer."""
        self.said.append(word)
        await self.send(text_event(word, self.api))

    async def finish(self) -> None:
        """The reply is over: the finish chunk, usage and `[DONE]` (chat), or the completed
        response with its output and usage (the Responses API)."""
        if self.api == "chat":
            await self.event(chunk({}, "stop"))
            await self.event(chunk(choices=[], usage=USAGE))
            await self.send(b"data: [DONE]\n\n")
            return
        kind = "response.completed"
        await self.event(
            {"type": kind, "response": response_object("".join(self.said))}, event=kind
        )

    async def end(self) -> None:
        if self.chunked:
            self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()

    def reset(self) -> None:
        """Close with a TCP reset (RST), not a clean FIN."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def whole(
        self, status: int, document: Any, headers: dict[str, str] | None = None
    ) -> None:
        payload = document if isinstance(document, bytes) else json.dumps(document).encode()
        content_type = "application/json" if not isinstance(document, bytes) else "text/html"
        await self.start(status, headers, content_type=content_type, length=len(payload))
        await self.send(payload)


# -- chunks in OpenAI's shape ---------------------------------------------------------------


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "model": "m",
        **top,
    }
    body.setdefault("choices", [{"index": 0, "delta": delta or {}, "finish_reason": finish}])
    return body


USAGE = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}

# -- events in the Responses API's shape ----------------------------------------------------------

RESPONSE_STARTED = {
    "id": "resp_fault",
    "object": "response",
    "status": "in_progress",
    "model": "m",
    "output": [],
}
MESSAGE_ITEM = {
    "id": "msg_fault",
    "type": "message",
    "role": "assistant",
    "status": "in_progress",
    "content": [],
}
TEXT_PART = {"type": "output_text", "text": "", "annotations": []}
RESPONSES_USAGE = {
    "input_tokens": 3,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 8,
}


def response_object(text: str, status: str = "completed") -> dict[str, Any]:
    """A final response whose one message says `text`."""
    item = {
        **MESSAGE_ITEM,
        "status": "completed",
        "content": [{**TEXT_PART, "text": text}] if text else [],
    }
    return {**RESPONSE_STARTED, "status": status, "output": [item], "usage": RESPONSES_USAGE}


def text_event(word: str, api: str) -> bytes:
    """One piece of text as the API streams it."""
    if api == "chat":
        return f"data: {json.dumps(chunk({'content': word}))}\n\n".encode()
    kind = "response.output_text.delta"
    delta = {
        "type": kind,
        "item_id": "msg_fault",
        "output_index": 0,
        "content_index": 0,
        "delta": word,
    }
    return f"event: {kind}\ndata: {json.dumps(delta)}\n\n".encode()


def words(n: int) -> list[str]:
    return [f"w{i} " for i in range(n)]


# -- behaviours -------------------------------------------------------------------------------


def stream(
    n: int = 5,
    *,
    delay: float = 0.0,
    headers: dict[str, str] | None = None,
    before_headers: float = 0.0,
) -> Behaviour:
    """A clean stream: `n` text chunks, finish, usage, [DONE] (or the Responses API's events
    for the same)."""

    async def behave(exchange: Exchange) -> None:
        await asyncio.sleep(before_headers)
        await exchange.start(headers=headers)
        await exchange.opening()
        for word in words(n):
            if delay:
                await asyncio.sleep(delay)
            await exchange.text(word)
        await exchange.finish()
        await exchange.end()

    return behave


def text_of(n: int) -> str:
    return "".join(words(n))


def status(code: int, document: Any, headers: dict[str, str] | None = None) -> Behaviour:
    async def behave(exchange: Exchange) -> None:
        await exchange.whole(code, document, headers)

    return behave


WHOLE_COMPLETION = {
    "choices": [{"index": 0, "message": {"content": "whole"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def whole_reply(headers: dict[str, str] | None = None) -> Behaviour:
    """A whole JSON reply saying "whole", in the request's API (what a server that ignores
    `stream: true` sends)."""

    async def behave(exchange: Exchange) -> None:
        document = WHOLE_COMPLETION if exchange.api == "chat" else response_object("whole")
        await exchange.whole(200, document, headers)

    return behave


def stall(after_events: int, *, then: float = 30.0) -> Behaviour:
    """Stream `after_events` text chunks, then go silent (connection open) for `then` seconds."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(after_events):
            await exchange.text(word)
        await asyncio.sleep(then)

    return behave


def keepalives(
    *, every: float = 0.05, for_seconds: float = 30.0, after_events: int = 0
) -> Behaviour:
    """Optionally some events, then only SSE comments, forever (bytes, but no events)."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(after_events):
            await exchange.text(word)
        deadline = time.monotonic() + for_seconds
        while time.monotonic() < deadline:
            await exchange.send(b": keep-alive\n\n")
            await asyncio.sleep(every)

    return behave


def reset_after(n: int) -> Behaviour:
    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(n):
            await exchange.text(word)
        await asyncio.sleep(0.05)
        exchange.reset()

    return behave


def close_without_finish(n: int) -> Behaviour:
    """A clean end of the HTTP body after `n` text chunks: no finish_reason, no [DONE]."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(n):
            await exchange.text(word)
        await exchange.end()

    return behave


def eof_mid_body(n: int) -> Behaviour:
    """The TCP connection closes cleanly in the middle of the chunked body."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(n):
            await exchange.text(word)
        exchange.writer.close()

    return behave


def raw(after_events: int, data: bytes, *, finish: bool = False) -> Behaviour:
    """Some text chunks, then arbitrary bytes (garbage, an endless line, an error event)."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        for word in words(after_events):
            await exchange.text(word)
        await exchange.send(data)
        if finish:
            await exchange.finish()
        await exchange.end()

    return behave


def endless_lines(
    line: bytes = b"data: " + b"a" * 1018 + b"\n", *, up_to: int = 64 << 20
) -> Behaviour:
    """One server-sent event that never ends: the same `data:` line again and again, no blank
    line, until `up_to` bytes are sent or the client goes away (`Exchange.sent` says how many
    bytes went out)."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        block = line * max(1, (64 << 10) // len(line))
        while exchange.sent < up_to:
            await exchange.send(block)
        await exchange.end()

    return behave


def endless_chunks(*, up_to: int = 64 << 20) -> Behaviour:
    """A stream of valid text chunks that never finishes, until `up_to` bytes are sent or the
    client goes away."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start()
        event = text_event("word ", exchange.api)
        block = event * max(1, (64 << 10) // len(event))
        while exchange.sent < up_to:
            await exchange.send(block)
        await exchange.end()

    return behave


def head_then_stall(
    code: int = 200,
    *,
    content_type: str = "application/json",
    body: bytes = b"",
    then: float = 30.0,
) -> Behaviour:
    """The status line and headers (and maybe the start of a body), then silence."""

    async def behave(exchange: Exchange) -> None:
        await exchange.start(code, content_type=content_type)
        await exchange.send(body)
        await asyncio.sleep(then)

    return behave


def encoded(
    body: bytes, encoding: str, *, status: int = 200, content_type: str = "text/event-stream"
) -> Behaviour:
    """A body already encoded, sent as it is under `Content-Encoding: <encoding>`."""

    async def behave(exchange: Exchange) -> None:
        headers = {"Content-Encoding": encoding}
        await exchange.start(status, headers, content_type=content_type)
        await exchange.send(body)
        await exchange.end()

    return behave


def protocol_garbage() -> Behaviour:
    """Not HTTP at all."""

    async def behave(exchange: Exchange) -> None:
        exchange.writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await exchange.writer.drain()
        exchange.writer.close()

    return behave


# -- the server -----------------------------------------------------------------------------


@dataclass
class FaultServer:
    scenarios: dict[str, list[Behaviour]] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    requests: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    closed_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    exchanges: dict[str, list[Exchange]] = field(default_factory=lambda: defaultdict(list))
    port: int = 0

    def add(self, name: str, *behaviours: Behaviour) -> str:
        """Script a scenario; returns the base URL to give a provider."""
        self.scenarios[name] = list(behaviours)
        return self.base_url(name)

    def scenario(self, *behaviours: Behaviour) -> tuple[str, str]:
        """Script a scenario under a fresh name; returns the name and the base URL."""
        name = f"s{len(self.scenarios)}"
        return name, self.add(name, *behaviours)

    def base_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}/v1"

    def open_connections(self) -> int:
        return self._open

    def attempts_seen(self, scenario: str, expected: int, *, within: float = 5.0) -> int:
        """How many requests of `scenario` the server has read, once that is `expected` or
        `within` seconds have passed. The server reads a request on its own thread: a client
        whose time limit passed while the machine stalled can raise before the server has read
        the request it sent last (the bytes are in the socket, and are read all the same)."""
        deadline = time.monotonic() + within
        while self.attempts[scenario] < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.attempts[scenario]

    # -- running ------------------------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self._open = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open += 1
        try:
            while True:  # keep-alive: several requests may come on one connection
                exchange = await self._read_request(reader, writer)
                if exchange is None:
                    return
                behaviours = self.scenarios.get(exchange.scenario)
                if not behaviours:
                    message = f"no scenario {exchange.scenario}"
                    await exchange.whole(404, {"error": {"message": message}})
                    continue
                behaviour = behaviours[min(exchange.attempt, len(behaviours) - 1)]
                if not await self._respond(exchange, behaviour) or writer.is_closing():
                    return
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            self._open -= 1
            with contextlib.suppress(Exception):
                writer.close()

    async def _respond(self, exchange: Exchange, behaviour: Behaviour) -> bool:
        """Run the behaviour until it ends or the client goes away; True if the connection
        can serve another request."""
        acting = asyncio.ensure_future(behaviour(exchange))
        watching = asyncio.ensure_future(exchange.reader.read(1))
        try:
            await asyncio.wait({acting, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (acting, watching):
                task.cancel()
            results = await asyncio.gather(acting, watching, return_exceptions=True)
        # The client went away: its socket's end (FIN), or a reset, seen by the read; or a write
        # that failed on it. A client that closes with bytes still unread (trio reads on demand,
        # so a cancelled reader often leaves the next chunk in the socket) sends a reset.
        seen = results[1] if watching.done() and not watching.cancelled() else None
        if seen == b"" or isinstance(seen, ConnectionError) or isinstance(results[0], OSError):
            self.closed_at[exchange.scenario].append(time.monotonic())
            return False
        return not isinstance(results[0], BaseException)

    async def _read_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Exchange | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        path = request_line.split()[1]
        scenario = path.strip("/").split("/")[0]
        attempt = self.attempts[scenario]
        self.attempts[scenario] += 1
        self.requests[scenario].append(
            {"headers": headers, "body": json.loads(body) if body else None}
        )
        exchange = Exchange(
            scenario,
            attempt,
            json.loads(body) if body else None,
            reader,
            writer,
            api="responses" if path.rstrip("/").endswith("/responses") else "chat",
        )
        self.exchanges[scenario].append(exchange)
        return exchange
