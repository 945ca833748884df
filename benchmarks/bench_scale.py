"""Many concurrent streams through one client, against a loopback server in another process.

1, 100 and 1,000 concurrent streams of 200 chunks each go through ONE `ls.AsyncClient`
(`ls.OpenAICompatible("http://127.0.0.1:PORT/v1")`, its own connection pool), and the same
number of concurrent readers of the floor (httpx `stream()` + `aiter_lines()` + `json.loads` of
every data line) through one `httpx.AsyncClient` with the same pool limits. Each measurement
runs in a fresh client process, so its peak RSS is its own, and measures only that process:

- CPU per chunk: `time.process_time()` (every thread of the client process, not the server)
  over the concurrent run, divided by streams x 200;
- wall time, beside the time the server's pacing alone takes;
- in flight: streams open at once, on average over the run (from the response to its end);
- peak RSS and its growth over the start (after imports and one warm-up stream): VmHWM from
  /proc/self/status, reset at the start through /proc/self/clear_refs (ru_maxrss where not);
- exactness: every llmstream stream's final message must be exactly the text its server sent,
  with `finish_reason == "stop"`, the usage, and as many events as the same bytes give through
  `httpx.MockTransport`; every floor stream must read 200 data lines, the last the usage. Any
  difference fails the run (exit status 1).

The server (`--serve`, started here with `subprocess`) is a single-threaded non-blocking
raw-socket HTTP/1.1 server on 127.0.0.1 with pre-rendered bytes. The request whose user message
is "stream I of N" gets stream I, once all N requests of the run are in (so that the N streams
really are in flight together, rather than the first finishing before the last is sent), one
SSE event per `send()` as one HTTP chunk, paced: one event per stream every
max(1 ms, N / 20,000 s), i.e. 20,000 events/s in all at 100 and 1,000 streams, which a client
on a quiet 2-core machine keeps up with, so it reads about one event per read, as from a real
provider (`--rate`, `--min-interval-ms`; `--rate 0` sends as fast as the sockets take it).
After each measurement the server reports its CPU time and how late its latest event went out.

    python benchmarks/bench_scale.py [--streams 1,100,1000] [--rounds 3] [--backend asyncio]
    python benchmarks/bench_scale.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import heapq
import http.client
import itertools
import json
import re
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _chunks import http_chunk, scale_stream, scale_text, tool_stream

N_CHUNKS = 200
CONTENDERS = ("floor", "llmstream")
WARMUP_ID = 1_000_000


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the server ------------------------------------------------------------------------------

_REQUEST = re.compile(rb"stream (\d+) of (\d+)")
_TOOL_RESULT = re.compile(rb'"role":\s*"tool"')
_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\nx-request-id: req_%d\r\ntransfer-encoding: chunked\r\n\r\n"
)


class _Connection:
    __slots__ = ("events", "inbox", "interval", "next", "outbox", "server", "sock", "waiting")

    def __init__(self, server: _Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.inbox = b""
        self.outbox = b""
        self.events: list[bytes] = []  # of the stream being sent; empty between requests
        self.next = 0
        self.interval = 0.0
        self.waiting = False  # for the other streams of its run to arrive

    def readable(self) -> None:
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.server.close(self)
            return
        self.inbox += data
        self.take_request()

    def take_request(self) -> None:
        """Take the next complete request, if one is in and none is being answered."""
        if self.events:
            return
        end = self.inbox.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.inbox[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.inbox) < end + 4 + length:
            return
        body = self.inbox[end + 4 : end + 4 + length]
        self.inbox = self.inbox[end + 4 + length :]
        if head.startswith("GET /stats"):
            stats = json.dumps(self.server.take_stats()).encode()
            self.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(stats), stats))
            self.take_request()
            return
        found = _REQUEST.search(body)
        stream_id, of = (int(found.group(1)), int(found.group(2))) if found else (0, 1)
        reply = self.server.reply(body, stream_id)
        self.events = [_HEAD % stream_id + http_chunk(reply[0])]
        self.events += [http_chunk(event) for event in reply[1:]]
        self.events.append(b"0\r\n\r\n")
        self.next = 0
        self.server.arrived(self, of)

    def send_next(self, due: float) -> None:
        self.write(self.events[self.next])
        self.next += 1
        self.server.events_sent += 1
        if self.next == len(self.events):
            self.events = []
            self.take_request()  # a pipelined request waits for the end of this one
        else:
            self.server.schedule(due + self.interval, self)

    def write(self, data: bytes) -> None:
        if self.outbox:
            self.outbox += data
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self.server.close(self)
            return
        if sent < len(data):
            self.outbox = data[sent:]
            self.server.selector.modify(
                self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, self
            )

    def writable(self) -> None:
        try:
            sent = self.sock.send(self.outbox)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.server.close(self)
            return
        self.outbox = self.outbox[sent:]
        if not self.outbox:
            self.server.selector.modify(self.sock, selectors.EVENT_READ, self)


class _Server:
    """Answers "stream I of N" once all N requests of the run are in, so that the N streams
    really are in flight together; then sends one event of each stream every `interval`, where
    interval = max(min_interval, N / rate), the streams' schedules spread over the interval
    (rate 0: as fast as the sockets take the bytes, the streams in turn)."""

    def __init__(
        self, rate: float, min_interval: float, n_chunks: int, agent: bool = False
    ) -> None:
        self.rate = rate
        self.agent = agent
        self.min_interval = min_interval
        self.n_chunks = n_chunks
        self.selector = selectors.DefaultSelector()
        self.heap: list[tuple[float, int, _Connection]] = []
        self.order = itertools.count()
        self.connections: set[_Connection] = set()
        self.waiting: dict[int, list[_Connection]] = {}
        self.max_late = 0.0
        self.late = 0
        self.events_sent = 0
        self.cpu_start = time.process_time()

    def stream(self, stream_id: int) -> list[bytes]:
        return scale_stream(stream_id, self.n_chunks)

    def reply(self, body: bytes, stream_id: int) -> list[bytes]:
        """The events that answer a request. An agent's server (`--agent`) scripts a
        two-step run: a request without a tool result gets a tool call (`write_file`, its
        arguments in 4 pieces); one with a tool result gets the text stream."""
        if self.agent and _TOOL_RESULT.search(body) is None:
            return tool_stream(4)
        return self.stream(stream_id)

    def interval(self, streams: int) -> float:
        return max(self.min_interval, streams / self.rate) if self.rate > 0 else 0.0

    def arrived(self, connection: _Connection, of: int) -> None:
        waiting = self.waiting.setdefault(of, [])
        waiting.append(connection)
        connection.waiting = True
        if len(waiting) < of:
            return
        del self.waiting[of]
        now = time.monotonic()
        interval = self.interval(of)
        for position, ready in enumerate(waiting):
            ready.waiting = False
            ready.interval = interval
            self.schedule(now + interval * position / of, ready)

    def schedule(self, due: float, connection: _Connection) -> None:
        heapq.heappush(self.heap, (due, next(self.order), connection))

    def close(self, connection: _Connection) -> None:
        if connection in self.connections:
            self.connections.discard(connection)
            self.selector.unregister(connection.sock)
            connection.sock.close()
            connection.events = []
            if connection.waiting:  # a client that gave up: its run will not complete
                for waiting in self.waiting.values():
                    if connection in waiting:
                        waiting.remove(connection)

    def take_stats(self) -> dict[str, Any]:
        stats = {
            "max_late_ms": round(self.max_late * 1000, 2),
            "late_events": self.late,
            "events_sent": self.events_sent,
            "cpu_s": round(time.process_time() - self.cpu_start, 3),
        }
        self.max_late, self.late, self.events_sent = 0.0, 0, 0
        self.cpu_start = time.process_time()
        return stats

    def serve(self, listener: socket.socket) -> None:
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, None)
        while True:
            timeout = max(0.0, self.heap[0][0] - time.monotonic()) if self.heap else None
            for key, mask in self.selector.select(timeout):
                if key.data is None:
                    self.accept(listener)
                    continue
                connection: _Connection = key.data
                if mask & selectors.EVENT_WRITE:
                    connection.writable()
                if mask & selectors.EVENT_READ:
                    connection.readable()
            now = time.monotonic()
            # At most one pass over the due streams between two looks at the sockets.
            for _ in range(len(self.heap)):
                if not self.heap or self.heap[0][0] > now:
                    break
                due, _, connection = heapq.heappop(self.heap)
                if connection in self.connections and connection.events:
                    late = now - due
                    if late > 0.005 and connection.interval > 0:
                        self.late += 1
                    self.max_late = max(self.max_late, late if connection.interval > 0 else 0.0)
                    connection.send_next(max(due, now) if connection.interval <= 0 else due)

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(self, sock)
            self.connections.add(connection)
            self.selector.register(sock, selectors.EVENT_READ, connection)


def serve(rate: float, min_interval: float, n_chunks: int, agent: bool = False) -> None:
    _raise_nofile()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    print(listener.getsockname()[1], flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        _Server(rate, min_interval, n_chunks, agent).serve(listener)


class ServerProcess:
    """The server in its own process, for the lifetime of a `with` block."""

    def __init__(
        self, rate: float, min_interval_ms: float, n_chunks: int, *, agent: bool = False
    ) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", "--rate", str(rate)]
        command += ["--min-interval-ms", str(min_interval_ms), "--chunks", str(n_chunks)]
        command += ["--agent"] if agent else []
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.process.kill()
            raise SystemExit("the scale server did not start")
        self.port = int(line)

    def stats(self) -> dict[str, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/stats")
            result: dict[str, Any] = json.loads(connection.getresponse().read())
            return result
        finally:
            connection.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- one measurement: a fresh client process -----------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _peak_kib(reset: bool) -> int:
    hwm = _status_kib("VmHWM") if reset else None
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _current_kib() -> int:
    rss = _status_kib("VmRSS")
    return rss if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _expected_llmstream_events(n_chunks: int) -> int:
    """How many events llmstream makes of one stream's bytes, without a network."""
    import httpx

    import llmstream as ls

    body = b"".join(scale_stream(0, n_chunks))
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=body
        )
    )
    async with ls.AsyncClient(
        ls.OpenAICompatible("http://x.localhost/v1"), transport=transport
    ) as c:
        async with c.stream(model="bench", messages=[ls.user("stream 0")]) as stream:
            count = sum([1 async for _ in stream])
        assert stream.message.text == scale_text(0, n_chunks)
    return count


def _limits() -> Any:
    import httpx

    # The pool llmstream's AsyncClient makes for itself (llmstream._client._connection_limits).
    return httpx.Limits(max_connections=None, max_keepalive_connections=64)


# Each reader notes when its response started and when it ended: how many streams were really in
# flight at once (two clock reads per stream, none per chunk).
Spans = list[tuple[float, float]]


def _floor_reader(url: str, spans: Spans) -> tuple[Any, Any]:
    import httpx

    http = httpx.AsyncClient(limits=_limits(), timeout=None)

    async def read(stream_id: int, of: int) -> tuple[int, Any]:
        body = {
            "model": "bench",
            "messages": [{"role": "user", "content": f"stream {stream_id} of {of}"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        count = 0
        last = None
        async with http.stream("POST", url + "/chat/completions", json=body) as response:
            opened = time.perf_counter()
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    last = json.loads(line[6:])
                    count += 1
        spans.append((opened, time.perf_counter()))
        return count, last

    return http, read


def _llmstream_reader(url: str, spans: Spans) -> tuple[Any, Any]:
    import llmstream as ls

    client = ls.AsyncClient(ls.OpenAICompatible(url))

    async def read(stream_id: int, of: int) -> tuple[int, Any]:
        count = 0
        messages = [ls.user(f"stream {stream_id} of {of}")]
        async with client.stream(model="bench", messages=messages) as s:
            opened = time.perf_counter()
            async for _event in s:
                count += 1
        message = s.message
        spans.append((opened, time.perf_counter()))
        usage = message.usage.output_tokens if message.usage is not None else None
        return count, (message.text, message.finish_reason, usage)

    return client, read


def _max_overlap(spans: Spans) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    return max(itertools.accumulate(step for _, step in edges), default=0)


def _check(
    contender: str, stream_id: int, result: tuple[int, Any], n_chunks: int, events: int
) -> str | None:
    """What is wrong with one stream's result, or None."""
    count, detail = result
    if contender == "floor":
        if count != n_chunks:
            return f"stream {stream_id}: {count} data lines, expected {n_chunks}"
        usage = (detail or {}).get("usage") or {}
        if usage.get("completion_tokens") != n_chunks - 3:
            return f"stream {stream_id}: last data line is not the usage chunk: {detail!r:.200}"
        return None
    text, finish, usage = detail
    if text != scale_text(stream_id, n_chunks):
        return f"stream {stream_id}: text {text[:40]!r}... differs from what the server sent"
    if finish != "stop":
        return f"stream {stream_id}: finish_reason {finish!r}, expected 'stop'"
    if usage != n_chunks - 3:
        return f"stream {stream_id}: output_tokens {usage!r}, expected {n_chunks - 3}"
    if count != events:
        return f"stream {stream_id}: {count} events, expected {events}"
    return None


async def _client_run(args: argparse.Namespace) -> dict[str, Any]:
    import anyio

    url = f"http://127.0.0.1:{args.port}/v1"
    events = await _expected_llmstream_events(args.chunks) if args.client == "llmstream" else 0
    make = _llmstream_reader if args.client == "llmstream" else _floor_reader
    spans: Spans = []
    owner, read = make(url, spans)
    errors: list[str] = []
    # One warm-up stream: connection code, lazy imports and first-use caches are loaded before
    # the start is measured.
    problem = _check(args.client, WARMUP_ID, await read(WARMUP_ID, 1), args.chunks, events)
    if problem:
        errors.append("warm-up " + problem)
    results: list[tuple[int, Any] | None] = [None] * args.streams
    spans.clear()

    async def one(stream_id: int) -> None:
        results[stream_id] = await read(stream_id, args.streams)

    gc.collect()
    reset = _reset_peak()
    rss_start = _current_kib()
    usage_start = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for stream_id in range(args.streams):
            group.start_soon(one, stream_id)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_peak = _peak_kib(reset)
    for stream_id, result in enumerate(results):
        if result is None:
            errors.append(f"stream {stream_id}: no result")
            continue
        problem = _check(args.client, stream_id, result, args.chunks, events)
        if problem:
            errors.append(problem)
    await owner.aclose()
    return {
        "mean_in_flight": sum(end - start for start, end in spans) / wall,
        "max_in_flight": _max_overlap(spans),
        "contender": args.client,
        "streams": args.streams,
        "chunks": args.streams * args.chunks,
        "cpu_s": cpu,
        "user_s": usage.ru_utime - usage_start.ru_utime,
        "sys_s": usage.ru_stime - usage_start.ru_stime,
        "switches": usage.ru_nvcsw - usage_start.ru_nvcsw,
        "preempted": usage.ru_nivcsw - usage_start.ru_nivcsw,
        "wall_s": wall,
        "rss_start_kib": rss_start,
        "rss_peak_kib": rss_peak,
        "peak_reset": reset,
        "errors": errors[:10],
        "n_errors": len(errors),
    }


def client_main(args: argparse.Namespace) -> int:
    import anyio

    _raise_nofile()
    result = anyio.run(_client_run, args, backend=args.backend)
    print(json.dumps(result), flush=True)
    return 0


# -- the orchestra ---------------------------------------------------------------------------


def measure(
    server: ServerProcess, contender: str, streams: int, n_chunks: int, backend: str
) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--client", contender]
    command += ["--port", str(server.port), "--streams", str(streams)]
    command += ["--chunks", str(n_chunks), "--backend", backend]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"the {contender} client ({streams} streams) hung for 10 minutes"
        ) from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {contender} client ({streams} streams) failed: {done.returncode}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["server"] = server.stats()
    return result


def _mib(kib: float) -> float:
    return kib / 1024


def run_all(args: argparse.Namespace) -> int:
    levels = [int(level) for level in args.streams.split(",")]
    _raise_nofile()
    runs: dict[tuple[int, str], list[dict[str, Any]]] = {}
    pacing = (
        f"one event per stream every max({args.min_interval_ms:g} ms, streams / "
        f"{args.rate:,.0f} per s)"
        if args.rate > 0
        else "events sent as fast as the sockets take them"
    )
    print(
        f"\nScale: {args.chunks} chunks per stream, all streams through one client, "
        f"{args.backend}; a loopback server in another process, one send() per event, "
        f"{pacing}; each measurement a fresh client process; median of {args.rounds} round(s)",
        flush=True,
    )
    with ServerProcess(args.rate, args.min_interval_ms, args.chunks) as server:
        for round_number in range(args.rounds):
            for level in levels:
                order = CONTENDERS if (round_number + level) % 2 == 0 else CONTENDERS[::-1]
                for contender in order:
                    result = measure(server, contender, level, args.chunks, args.backend)
                    runs.setdefault((level, contender), []).append(result)
            print(f"  round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    return report(runs, levels, args)


def report(
    runs: dict[tuple[int, str], list[dict[str, Any]]], levels: list[int], args: argparse.Namespace
) -> int:
    print(
        f"\n  {'streams':>7} {'':10} {'CPU us/chunk':>12} {'x floor':>7} {'(min..max)':>12} "
        f"{'wall s':>7} {'(paced)':>7} {'in flight':>10} {'peak RSS':>9} {'growth':>8} "
        f"{'(max)':>7} {'server CPU':>10} {'late':>6}  exact"
    )
    failures: list[str] = []
    summary: dict[tuple[int, str], tuple[float, float]] = {}
    for level in levels:
        floor_runs = runs[(level, "floor")]
        interval = max(args.min_interval_ms / 1000, level / args.rate) if args.rate > 0 else 0
        paced = (args.chunks + 1) * interval
        for contender in CONTENDERS:
            samples = runs[(level, contender)]
            per_chunk = statistics.median(r["cpu_s"] / r["chunks"] * 1e6 for r in samples)
            ratios = [r["cpu_s"] / f["cpu_s"] for r, f in zip(samples, floor_runs, strict=True)]
            growths = [_mib(r["rss_peak_kib"] - r["rss_start_kib"]) for r in samples]
            peak = statistics.median(_mib(r["rss_peak_kib"]) for r in samples)
            wall = statistics.median(r["wall_s"] for r in samples)
            in_flight = statistics.median(r["mean_in_flight"] for r in samples)
            most = max(r["max_in_flight"] for r in samples)
            server_cpu = statistics.median(r["server"]["cpu_s"] for r in samples)
            late = max(r["server"]["max_late_ms"] for r in samples)
            n_errors = sum(r["n_errors"] for r in samples)
            for r in samples:
                failures += [f"{contender}, {level} streams: {e}" for e in r["errors"]]
            summary[(level, contender)] = (statistics.median(ratios), max(growths))
            if contender == "floor":
                ratio = spread = ""
            else:
                ratio = f"{statistics.median(ratios):.2f}"
                spread = f"({min(ratios):.2f}..{max(ratios):.2f})"
            print(
                f"  {level:>7,} {contender:10} {per_chunk:12.2f} {ratio:>7} {spread:>12} "
                f"{wall:7.2f} {paced:7.2f} {f'{in_flight:.0f}/{most}':>10} {peak:7.1f}Mi "
                f"{statistics.median(growths):6.1f}Mi {max(growths):5.1f}Mi {server_cpu:9.2f}s "
                f"{late:4.0f}ms  {'yes' if n_errors == 0 else f'NO ({n_errors} wrong)'}"
            )
    top = max(levels)
    ratio, growth = summary[(top, "llmstream")]
    print(
        f"\n  at {top:,} streams: llmstream CPU per chunk {ratio:.2f}x the floor (goal <= 1.1x: "
        f"{'meets' if ratio <= 1.1 else 'misses'}); RSS growth at most {growth:.1f} MiB (goal "
        f"< 40 MiB: {'meets' if growth < 40 else 'misses'}); every result exact: "
        f"{'yes' if not failures else 'NO'}"
    )
    if failures:
        print("\nWRONG RESULTS:", *failures[:20], sep="\n  ", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", default="1,100,1000", help="concurrency levels")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunks", type=int, default=N_CHUNKS, help="data events per stream")
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    parser.add_argument(
        "--rate", type=float, default=20_000, help="events per second, all streams together"
    )
    parser.add_argument(
        "--min-interval-ms", type=float, default=1.0, help="between two events of a stream"
    )
    parser.add_argument("--quick", action="store_true", help="one round")
    # Internal: the server and the client processes.
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--agent", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick:  # new defaults: flags given still win
        parser.set_defaults(rounds=1)
        args = parser.parse_args(argv)
    if args.serve:
        serve(args.rate, args.min_interval_ms / 1000, args.chunks, args.agent)
        return 0
    if args.client:
        args.streams = int(args.streams)
        return client_main(args)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    return run_all(args)


if __name__ == "__main__":
    raise SystemExit(main())
