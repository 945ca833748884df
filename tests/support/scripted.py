"""A scripted OpenAI-compatible model for agent tests: it answers each request with the next
reply in its script (streamed or whole, as asked) and keeps every request body it received."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx


@dataclass
class Reply:
    text: str = ""
    reasoning: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON arguments)
    usage: tuple[int, int] = (10, 5)
    delay: float = 0.0  # between streamed chunks


def call(name: str, arguments: Any) -> tuple[str, str]:
    return (name, arguments if isinstance(arguments, str) else json.dumps(arguments))


class _Body(httpx.AsyncByteStream, httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes], delay: float, closed: list[bool]) -> None:
        self._chunks = chunks
        self._delay = delay
        self._closed = closed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for chunk in self._chunks:
                if self._delay:
                    await anyio.sleep(self._delay)
                yield chunk
        finally:
            self._closed.append(True)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def aclose(self) -> None:
        self._closed.append(True)


class ScriptedModel:
    def __init__(self, *replies: Reply | Callable[[dict[str, Any]], Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.closed: list[bool] = []
        self.transport = httpx.MockTransport(self._answer)
        self._ids = 0

    def _answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        self.requests.append(body)
        if not self.replies:
            raise AssertionError("the model was asked one time too many")
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(body)
        ids = [f"call_{self._next_id()}" for _ in reply.calls]
        if body.get("stream"):
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                stream=_Body(self._stream(reply, ids), reply.delay, self.closed),
            )
        return httpx.Response(200, json=self._whole(reply, ids))

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    @staticmethod
    def _usage(reply: Reply) -> dict[str, int]:
        prompt, completion = reply.usage
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _stream(self, reply: Reply, ids: list[str]) -> list[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
            body = {"id": "scripted", "model": "scripted", **top}
            body.setdefault("choices", [{"index": 0, "delta": delta, "finish_reason": finish}])
            return b"data: " + json.dumps(body).encode() + b"\n\n"

        chunks = [chunk({"role": "assistant", "content": ""})]
        # Both reasoning fields: each provider reads its own (Groq `reasoning`, xAI the other).
        chunks += [
            chunk({"reasoning_content": word, "reasoning": word})
            for word in _pieces(reply.reasoning)
        ]
        chunks += [chunk({"content": word}) for word in _pieces(reply.text)]
        for index, ((name, arguments), call_id) in enumerate(zip(reply.calls, ids, strict=True)):
            first = {"index": index, "id": call_id, "type": "function",
                     "function": {"name": name, "arguments": ""}}  # fmt: skip
            chunks.append(chunk({"tool_calls": [first]}))
            half = len(arguments) // 2
            for piece in (arguments[:half], arguments[half:]):
                fragment = {"index": index, "function": {"arguments": piece}}
                chunks.append(chunk({"tool_calls": [fragment]}))
        chunks.append(chunk({}, "tool_calls" if reply.calls else "stop"))
        chunks.append(chunk({}, choices=[], usage=self._usage(reply)))
        return [*chunks, b"data: [DONE]\n\n"]

    def _whole(self, reply: Reply, ids: list[str]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.reasoning:
            message["reasoning_content"] = reply.reasoning
        if reply.calls:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
                for (name, args), call_id in zip(reply.calls, ids, strict=True)
            ]
        finish = "tool_calls" if reply.calls else "stop"
        return {
            "id": "scripted",
            "model": "scripted",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": self._usage(reply),
        }


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return (
        [word + (" " if i < len(words) - 1 else "") for i, word in enumerate(words)] if text else []
    )
