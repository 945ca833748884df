"""What OpenTelemetry tracing costs a stream, per chunk, measured in one run.

The same llmstream stream (OpenAI-shaped bytes from `_chunks.py` over `httpx.MockTransport`,
every typed event and the final message) runs in three worker processes, each set up as an
application would be:

- no opentelemetry: the package cannot be imported at all (an import hook refuses it), as when
  it is not installed;
- opentelemetry-api, no SDK: the API is imported and no tracer provider is set, so the global
  one is the API's no-op default; llmstream records nothing;
- SDK: a real `TracerProvider` set as the global one, spans exported by a `SimpleSpanProcessor`
  to an `InMemorySpanExporter` (checked, then cleared, after each sample).

Two shapes of stream: one of 20,000 text chunks (the per-chunk cost, where tracing must add
nothing) and 500 streams of 20 chunks (where the per-call cost of a span shows). A sample is the
worker's CPU time (`time.process_time`) for the streams; a round runs every case once in each
worker, the workers in an order that rotates, the backends alternating. `x none` is the median
over the rounds (9) of the per-round ratio to the no-opentelemetry worker, `(min..max)` its
spread. Every sample's results are checked outside the timed region: the final text and finish
reason, and in the SDK worker one span per stream with the stream's usage on it.

    python benchmarks/bench_tracing.py                # about 30 seconds on 2 cores
    python benchmarks/bench_tracing.py --rounds 11 --backend asyncio
"""

from __future__ import annotations

import argparse
import gc
import importlib.abc
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

WORKERS = {
    "none": "no opentelemetry",
    "api": "opentelemetry-api, no SDK",
    "sdk": "SDK, in-memory exporter",
}
URL = "https://api.openai.com/v1/chat/completions"


# -- a worker: one way of setting up an application, streams on request ------------------------


class _NotInstalled(importlib.abc.MetaPathFinder):
    """Refuses `opentelemetry`, as if it were not installed."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None  # noqa: RET501 - the finder's protocol: None means "not mine"


def setup(kind: str) -> Any:
    """Set the process up as `kind`; returns the SDK's exporter for `sdk`."""
    if kind == "none":
        sys.meta_path.insert(0, _NotInstalled())
        try:
            import opentelemetry  # noqa: F401
        except ModuleNotFoundError:
            return None
        raise SystemExit("the import hook did not hide opentelemetry")
    from opentelemetry import trace

    if kind == "api":
        assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
        return None
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


def worker(kind: str) -> None:
    exporter = setup(kind)
    import anyio
    import httpx
    from _chunks import text_of, text_stream

    import llmstream as ls

    class Body(httpx.AsyncByteStream):
        def __init__(self, reads: list[bytes]) -> None:
            self._reads = reads

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for read in self._reads:
                yield read

    def transport(reads: list[bytes]) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, headers=headers, stream=Body(reads))

        return httpx.MockTransport(handler)

    async def streams(reads: list[bytes], count: int) -> ls.AssistantMessage:
        client = ls.AsyncClient(ls.OpenAI(api_key="sk-bench"), transport=transport(reads))
        async with client:
            for _ in range(count):
                async with client.stream(
                    model="gpt-4o-mini", messages=[ls.user("benchmark")]
                ) as stream:
                    async for _event in stream:
                        pass
                message = stream.message
        return message

    warm: set[tuple[str, int]] = set()
    for line in sys.stdin:
        backend, chunks, count = line.split()
        n, times = int(chunks), int(count)
        reads = text_stream(n)
        if (backend, n) not in warm:  # first use: caches, imports, the backend's own start
            warm.add((backend, n))
            anyio.run(streams, reads, 1, backend=backend)
            if exporter is not None:
                exporter.clear()
        gc.collect()
        start = time.process_time()
        message = anyio.run(streams, reads, times, backend=backend)
        seconds = time.process_time() - start
        if message.text != text_of(n) or message.finish_reason != "stop":
            raise SystemExit(f"{kind}: the stream was read wrongly")
        if exporter is not None:
            spans = exporter.get_finished_spans()
            usage = dict(spans[-1].attributes or {}).get("gen_ai.usage.output_tokens")
            if len(spans) != times or usage != n:
                raise SystemExit(f"sdk: {len(spans)} spans for {times} streams, usage {usage}")
            exporter.clear()
        print(seconds, flush=True)


# -- the run -----------------------------------------------------------------------------------


def start_workers() -> dict[str, subprocess.Popen[str]]:
    script = str(Path(__file__).resolve())
    return {
        kind: subprocess.Popen(
            [sys.executable, script, "--worker", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for kind in WORKERS
    }


def sample(process: subprocess.Popen[str], backend: str, chunks: int, count: int) -> float:
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(f"{backend} {chunks} {count}\n")
    answer = process.stdout.readline()
    if not answer:
        raise SystemExit(f"a worker died (exit code {process.wait()})")
    return float(answer)


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--chunks", type=int, default=20_000, help="chunks of the long stream")
    parser.add_argument("--short", type=int, default=20, help="chunks of each short stream")
    parser.add_argument("--short-streams", type=int, default=500)
    parser.add_argument("--backend", choices=["asyncio", "trio", "both"], default="both")
    parser.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0

    backends = ("asyncio", "trio") if args.backend == "both" else (args.backend,)
    shapes = {
        f"one stream of {args.chunks:,} chunks": (args.chunks, 1),
        f"{args.short_streams} streams of {args.short} chunks": (args.short, args.short_streams),
    }
    workers = start_workers()
    names = list(WORKERS)
    # (backend, shape, worker) -> CPU seconds per chunk, one per round
    samples: dict[tuple[str, str, str], list[float]] = {}
    try:
        for number in range(args.rounds):
            order = backends if number % 2 == 0 else backends[::-1]
            for backend in order:
                for shape, (chunks, count) in shapes.items():
                    shift = number % len(names)
                    for kind in names[shift:] + names[:shift]:
                        seconds = sample(workers[kind], backend, chunks, count)
                        per_chunk = seconds / (count * (chunks + 3))  # + role, finish, usage
                        samples.setdefault((backend, shape, kind), []).append(per_chunk)
            print(f"  round {number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        for process in workers.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait()

    print(
        f"\nTracing: CPU time per chunk of an llmstream stream (typed events + final message), "
        f"one worker process per setup; x none: median over {args.rounds} rounds of the "
        f"per-round ratio to the worker without opentelemetry, (min..max) its spread.\n"
    )
    print(f"  {'':34}{'us/chunk':>10} {'x none':>8} {'(min..max)':>14} {'us/call':>9}")
    for backend in backends:
        for shape, (chunks, count) in shapes.items():
            print(f"  {shape}, {backend}")
            base = samples[(backend, shape, "none")]
            for kind, label in WORKERS.items():
                mine = samples[(backend, shape, kind)]
                micros = statistics.median(mine) * 1e6
                ratios = [a / b for a, b in zip(mine, base, strict=True)]
                extra = (statistics.median(mine) - statistics.median(base)) * (chunks + 3) * 1e6
                spread = f"({min(ratios):.2f}..{max(ratios):.2f})" if kind != "none" else ""
                call = f"{extra:+9.1f}" if kind != "none" and count > 1 else ""
                print(
                    f"    {label:32}{micros:10.3f} {statistics.median(ratios):8.2f} "
                    f"{spread:>14} {call:>9}"
                )
    print(
        "\n  us/call: on short streams, the difference per stream from the worker without "
        "opentelemetry (a span costs per call, not per chunk)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
