"""OpenAI-shaped SSE bytes for the benchmarks, standard library only (the scale server uses it).

Every chunk is what api.openai.com sends for gpt-4o-mini, byte for byte in shape: the same keys
in the same order, compact JSON, one `data:` line and a blank line per event, and the random
`obfuscation` padding OpenAI appends to every chunk (a different string each time, so no two
chunks share their last bytes).

The Responses API streams (`responses_text_stream`, `responses_tool_stream`) are what
api.openai.com sends on `/v1/responses` for gpt-5, in shape: an `event:` line before each `data:`
line, keys in OpenAI's order, the `obfuscation` padding and a `sequence_number` that changes on
every delta, and the whole text again in the `.done` events and the completed response.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "SCALE_WORDS",
    "chunk",
    "ending",
    "http_chunk",
    "responses_text_stream",
    "responses_tool_stream",
    "scale_pieces",
    "scale_stream",
    "scale_text",
    "text_stream",
    "tool_stream",
]

_PAD = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
_count = 0


def obfuscation() -> str:
    """OpenAI's padding: letters and digits of a varying length (deterministic here)."""
    global _count
    _count += 1
    return _PAD[_count % 7 : _count % 7 + 2 + _count % 11]


WORDS = ["Hello", " world", ",", " this", " is", " a", " streamed", " answer", " ol\u00e1", "."]


def chunk(delta: dict[str, object], finish: str | None = None, chat_id: str = "bench") -> bytes:
    body = {
        "id": f"chatcmpl-{chat_id}",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
        "obfuscation": obfuscation(),
    }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def ending(n_out: int, chat_id: str = "bench") -> list[bytes]:
    """The usage chunk (`stream_options.include_usage`) and `[DONE]`."""
    usage = {
        "id": f"chatcmpl-{chat_id}",
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
    """A role chunk, n text chunks, the finish chunk, usage and [DONE]: n + 3 data events."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": WORDS[i % len(WORDS)]}) for i in range(n)]
    events.append(chunk({}, "stop"))
    return events + ending(n)


def text_of(n: int) -> str:
    return "".join(WORDS[i % len(WORDS)] for i in range(n))


def tool_stream(n: int) -> list[bytes]:
    """A tool call whose arguments arrive in n pieces: n + 3 data events."""
    first = {
        "index": 0,
        "id": "call_bench",
        "type": "function",
        "function": {"name": "write_file", "arguments": ""},
    }
    events = [chunk({"role": "assistant", "content": None, "tool_calls": [first]})]
    events += [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for piece in tool_pieces(n)
    ]
    events.append(chunk({}, "tool_calls"))
    return events + ending(n)


def tool_pieces(n: int) -> list[str]:
    return ['{"path": "a.txt", "text": "', *["lorem ipsum "] * (n - 2), '"}']


# -- the scale run: one stream per request, told apart by its number ----------------------------

SCALE_WORDS = [
    " Hello",
    " world",
    ",",
    " this",
    " is",
    " a",
    " streamed",
    " answer",
    " ol\u00e1",
    ".",
]


def scale_pieces(stream_id: int, n_chunks: int) -> list[str]:
    """The text pieces of stream `stream_id`: n_chunks data events in all are a role chunk, these
    n_chunks - 3 pieces, the finish chunk and usage. The first piece names the stream and the
    words rotate by its number, so a stream that got another's bytes is caught."""
    n_text = n_chunks - 3
    return [f"<{stream_id}>"] + [
        SCALE_WORDS[(stream_id + k) % len(SCALE_WORDS)] for k in range(1, n_text)
    ]


def scale_text(stream_id: int, n_chunks: int) -> str:
    return "".join(scale_pieces(stream_id, n_chunks))


def scale_stream(stream_id: int, n_chunks: int) -> list[bytes]:
    """The SSE events of stream `stream_id`, [DONE] included (n_chunks + 1 events). Only the
    first text chunk is rendered per stream; the rest are shared bytes, so a server can answer
    a thousand requests at once without spending its time in json.dumps."""
    shared = _scale_shared(n_chunks)
    words = shared["words"]
    rotation = [words[(stream_id + k) % len(words)] for k in range(1, n_chunks - 3)]
    return [
        shared["role"],
        chunk({"content": f"<{stream_id}>"}, chat_id="scale"),
        *rotation,
        *shared["end"],
    ]


_SHARED: dict[int, dict[str, Any]] = {}


def _scale_shared(n_chunks: int) -> dict[str, Any]:
    if n_chunks not in _SHARED:
        _SHARED[n_chunks] = {
            "role": chunk({"role": "assistant", "content": ""}, chat_id="scale"),
            "words": [chunk({"content": w}, chat_id="scale") for w in SCALE_WORDS],
            "end": [chunk({}, "stop", chat_id="scale"), *ending(n_chunks - 3, chat_id="scale")],
        }
    return _SHARED[n_chunks]


def http_chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk of a `Transfer-Encoding: chunked` body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


# -- the Responses API --------------------------------------------------------------------------

_RESPONSE_ID = "resp_0f80f320b6d3bc2b016a3c121983f08192898904ff92319f9f"
_MESSAGE_ID = "msg_0f80f320b6d3bc2b016a3c121b2bf481929859fbd5c84b5199"
_CALL_ITEM_ID = "fc_0967f4efea4061d0016a3c1223286481a0b6b3834cdd7c6574"


def _event(body: dict[str, Any]) -> bytes:
    data = json.dumps(body, separators=(",", ":"))
    return f"event: {body['type']}\ndata: {data}\n\n".encode()


def _response(status: str, output: list[dict[str, Any]], n_out: int | None) -> dict[str, Any]:
    usage = None
    if n_out is not None:
        usage = {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": n_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 10 + n_out,
        }
    return {
        "id": _RESPONSE_ID,
        "object": "response",
        "created_at": 1782321689,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-5-2025-08-07",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": None},
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }


def _opening() -> list[dict[str, Any]]:
    started = _response("in_progress", [], None)
    return [
        {"type": "response.created", "response": started, "sequence_number": 0},
        {"type": "response.in_progress", "response": started, "sequence_number": 1},
    ]


def responses_text_stream(n: int) -> list[bytes]:
    """A message streamed in n text deltas: n + 8 events, from `response.created` to
    `response.completed`."""
    events = _opening()
    item = {
        "id": _MESSAGE_ID,
        "type": "message",
        "status": "in_progress",
        "content": [],
        "role": "assistant",
    }
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    events.append({"type": "response.output_item.added", "item": item, "output_index": 0})
    events.append(
        {
            "type": "response.content_part.added",
            "content_index": 0,
            "item_id": _MESSAGE_ID,
            "output_index": 0,
            "part": part,
        }
    )
    for i in range(n):
        events.append(
            {
                "type": "response.output_text.delta",
                "content_index": 0,
                "delta": WORDS[i % len(WORDS)],
                "item_id": _MESSAGE_ID,
                "logprobs": [],
                "obfuscation": obfuscation(),
                "output_index": 0,
            }
        )
    text = text_of(n)
    done_part = {**part, "text": text}
    done_item = {**item, "status": "completed", "content": [done_part]}
    events.append(
        {
            "type": "response.output_text.done",
            "content_index": 0,
            "item_id": _MESSAGE_ID,
            "logprobs": [],
            "output_index": 0,
            "text": text,
        }
    )
    events.append(
        {
            "type": "response.content_part.done",
            "content_index": 0,
            "item_id": _MESSAGE_ID,
            "output_index": 0,
            "part": done_part,
        }
    )
    events.append({"type": "response.output_item.done", "item": done_item, "output_index": 0})
    events.append(
        {"type": "response.completed", "response": _response("completed", [done_item], n)}
    )
    return _numbered(events)


def responses_tool_stream(n: int) -> list[bytes]:
    """A function call whose arguments arrive in n deltas: n + 6 events."""
    events = _opening()
    item = {
        "id": _CALL_ITEM_ID,
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": "call_bench",
        "name": "write_file",
    }
    events.append({"type": "response.output_item.added", "item": item, "output_index": 0})
    for piece in tool_pieces(n):
        events.append(
            {
                "type": "response.function_call_arguments.delta",
                "delta": piece,
                "item_id": _CALL_ITEM_ID,
                "obfuscation": obfuscation(),
                "output_index": 0,
            }
        )
    arguments = "".join(tool_pieces(n))
    done_item = {**item, "status": "completed", "arguments": arguments}
    events.append(
        {
            "type": "response.function_call_arguments.done",
            "arguments": arguments,
            "item_id": _CALL_ITEM_ID,
            "output_index": 0,
        }
    )
    events.append({"type": "response.output_item.done", "item": done_item, "output_index": 0})
    events.append(
        {"type": "response.completed", "response": _response("completed", [done_item], n)}
    )
    return _numbered(events)


def _numbered(events: list[dict[str, Any]]) -> list[bytes]:
    return [_event({**event, "sequence_number": number}) for number, event in enumerate(events)]
