"""Per-chunk overhead of llmstream's streaming path, against a floor measured in the same run.

Two streams go through `ls.AsyncClient` over `httpx.MockTransport` (no network): 20,000 text
chunks, and 2,000 tool-argument chunks. Each is timed to the last event and the final message.

The floor is the least any Python client must do with the same bytes: httpx `aiter_lines()` and
`json.loads` of every data line, with no events and no message. For context the script also
times httpx-sse and openai-python's own stream (`AsyncStream[ChatCompletionChunk]` plus its
`ChatCompletionStreamState` accumulator) when they are installed.

Bytes reach the client the way providers flush them, one SSE event per network read; pass
`--coalesce N` to deliver N-byte reads instead. The goal: llmstream at most 1.5x the floor.

    python benchmarks/bench_stream.py [--repeat 7] [--coalesce 16384]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import httpx

import llmstream as ls

URL = "https://api.openai.com/v1/chat/completions"
MESSAGES = [ls.user("benchmark")]


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def _ending(n_out: int) -> list[bytes]:
    usage = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": n_out, "total_tokens": 10 + n_out},
    }
    return [
        b"data: " + json.dumps(usage, separators=(",", ":")).encode() + b"\n\n",
        b"data: [DONE]\n\n",
    ]


def text_stream(n: int) -> list[bytes]:
    words = ["Hello", " world", ",", " this", " is", " a", " streamed", " answer", " ol\u00e1", "."]
    events = [_chunk({"role": "assistant", "content": ""})]
    events += [_chunk({"content": words[i % len(words)]}) for i in range(n)]
    events.append(_chunk({}, "stop"))
    return events + _ending(n)


def tool_stream(n: int) -> list[bytes]:
    first = {
        "index": 0,
        "id": "call_bench",
        "type": "function",
        "function": {"name": "write_file", "arguments": ""},
    }
    events = [_chunk({"role": "assistant", "content": None, "tool_calls": [first]})]
    pieces = ['{"path": "a.txt", "text": "', *["lorem ipsum "] * (n - 2), '"}']
    events += [
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}) for piece in pieces
    ]
    events.append(_chunk({}, "tool_calls"))
    return events + _ending(n)


class _Body(httpx.AsyncByteStream):
    def __init__(self, reads: list[bytes]) -> None:
        self._reads = reads

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for read in self._reads:
            yield read


def transport_for(reads: list[bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Body(reads)
        )

    return httpx.MockTransport(handler)


def coalesce(events: list[bytes], size: int) -> list[bytes]:
    if size <= 0:
        return events
    data = b"".join(events)
    return [data[i : i + size] for i in range(0, len(data), size)]


# -- the contenders ------------------------------------------------------------------------


async def via_floor(reads: list[bytes]) -> int:
    async with httpx.AsyncClient(transport=transport_for(reads)) as http:
        async with http.stream("POST", URL, json={}) as response:
            count = 0
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])
                    count += 1
    return count


async def via_llmstream(reads: list[bytes]) -> int:
    client = ls.AsyncClient(ls.OpenAI(api_key="sk-bench"), transport=transport_for(reads))
    async with client:
        async with client.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
            count = 0
            async for _event in stream:
                count += 1
        message = stream.message
    assert message.finish_reason in ("stop", "tool_calls")
    return count


async def via_httpx_sse(reads: list[bytes]) -> int:
    from httpx_sse import aconnect_sse

    async with httpx.AsyncClient(transport=transport_for(reads)) as http:
        async with aconnect_sse(http, "POST", URL, json={}) as source:
            count = 0
            async for sse in source.aiter_sse():
                if sse.data != "[DONE]":
                    json.loads(sse.data)
                    count += 1
    return count


async def via_openai_python(reads: list[bytes]) -> int:
    from openai import AsyncOpenAI
    from openai.lib.streaming.chat import ChatCompletionStreamState

    http = httpx.AsyncClient(transport=transport_for(reads))
    client = AsyncOpenAI(api_key="sk-bench", http_client=http, max_retries=0)
    state = ChatCompletionStreamState()
    count = 0
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "benchmark"}], stream=True
    )
    async for chunk in stream:
        state.handle_chunk(chunk)
        count += 1
    state.get_final_completion()
    await http.aclose()
    return count


Contender = Callable[[list[bytes]], Awaitable[int]]


def _available() -> dict[str, Contender]:
    contenders: dict[str, Contender] = {"floor": via_floor, "llmstream": via_llmstream}
    try:
        import httpx_sse  # noqa: F401

        contenders["httpx-sse + json.loads"] = via_httpx_sse
    except ImportError:
        pass
    try:
        import openai  # noqa: F401

        contenders["openai-python + accumulator"] = via_openai_python
    except ImportError:
        pass
    return contenders


async def measure(contender: Contender, reads: list[bytes]) -> float:
    gc.collect()
    start = time.perf_counter()
    await contender(reads)
    return time.perf_counter() - start


async def run(repeat: int, coalesce_bytes: int) -> dict[str, dict[str, float]]:
    contenders = _available()
    scenarios = {
        "20,000 text chunks": text_stream(20_000),
        "2,000 tool-argument chunks": tool_stream(2_000),
    }
    results: dict[str, dict[str, float]] = {}
    for scenario, events in scenarios.items():
        reads = coalesce(events, coalesce_bytes)
        n_chunks = len(events) - 1  # every data event but [DONE]
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        for contender in contenders.values():  # warm up
            await contender(reads)
        for _ in range(repeat):  # interleaved, so drift hits every contender alike
            for name, contender in contenders.items():
                samples[name].append(await measure(contender, reads))
        per_chunk = {
            name: statistics.median(times) / n_chunks * 1e6 for name, times in samples.items()
        }
        results[scenario] = per_chunk
        base = per_chunk["floor"]
        print(f"\n{scenario} ({len(reads)} network reads, median of {repeat})")
        print(f"  {'':32} {'us/chunk':>9} {'x floor':>8}")
        for name, micros in per_chunk.items():
            print(f"  {name:32} {micros:9.2f} {micros / base:8.2f}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--coalesce", type=int, default=0, help="deliver N-byte network reads")
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    parser.add_argument("--goal", type=float, default=1.5)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}, backend {args.backend}")
    results = anyio.run(run, args.repeat, args.coalesce, backend=args.backend)
    worst = max(r["llmstream"] / r["floor"] for r in results.values())
    verdict = "meets" if worst <= args.goal else "misses"
    print(f"\nllmstream: worst {worst:.2f}x the floor; {verdict} the {args.goal}x goal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
