"""The Responses API recordings, read as a user's calls would make and read them.

`call_for_responses` builds, with llmstream's own API, the call that should produce a
recording's first request; `final_response` is the provider's own final response object (the
`response.completed` event's, or the whole reply); `expected_from_response` reads it plainly,
without llmstream's code, into what the message must say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import llmstream as ls
from llmstream._core.parser import ResponseParser
from llmstream.testing import RecordedResponse

from .corpus import ADD, MULTIPLY, TEST_KEY, WEATHER, Call, Recording

SEPARATOR = "\n\n"


def openai_responses(**options: Any) -> ls.Provider:
    """OpenAI, speaking the Responses API."""
    return ls.OpenAI(api_key=TEST_KEY, api="responses", **options)


def call_for_responses(recording: Recording) -> Call:
    """The typed call whose body should be the recording's first request."""
    recorded = recording.cassette().interactions[0].request.json
    options: dict[str, Any] = {}
    if "max_output_tokens" in recorded:
        options["max_tokens"] = recorded["max_output_tokens"]
    reasoning = recorded.get("reasoning") or {}
    if "effort" in reasoning:
        options["reasoning_effort"] = reasoning["effort"]
    if "summary" in reasoning:
        options["reasoning_summary"] = reasoning["summary"]
    messages: list[Any] = []
    for item in recorded["input"]:
        content = item["content"]
        if item["role"] in ("system", "developer"):
            messages.append(ls.system(content))
        else:
            messages.append(ls.user(*(part["text"] for part in content)))
    kind = recording.kind
    if kind in ("tool", "thinking"):
        options["tools"] = [WEATHER]
    elif kind == "multi_tool":
        options["tools"] = [ADD, MULTIPLY]
    elif kind in ("simple_object", "complex_object"):
        # What a user passes: the chat-completions response_format, which the Responses wire
        # writes as text.format.
        fmt = recorded["text"]["format"]
        options["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": fmt["name"], "schema": fmt["schema"]},
        }
    return Call(openai_responses(), recording.model, messages, options)


def events_of(body: str) -> list[dict[str, Any]]:
    """Every event's data in a recorded stream, read plainly."""
    found = []
    for line in body.splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            found.append(json.loads(line[5:]))
    return found


def final_response(response: RecordedResponse) -> dict[str, Any]:
    """The provider's own final response object."""
    if not response.is_stream:
        return json.loads(response.body)  # type: ignore[no-any-return]
    ends = ("response.completed", "response.incomplete")
    return next(e["response"] for e in events_of(response.body) if e.get("type") in ends)


@dataclass
class Expected:
    text: str = ""
    refusal: str = ""
    reasoning: str = ""
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)
    finish_reason: str = ""
    usage: dict[str, Any] = field(default_factory=dict)


def expected_from_response(response: dict[str, Any]) -> Expected:
    """What the message must say, read from the response object by hand."""
    expected = Expected()
    reasoning = []
    for item in response["output"]:
        if item["type"] == "message":
            for part in item["content"]:
                if part["type"] == "output_text":
                    expected.text += part["text"]
                elif part["type"] == "refusal":
                    expected.refusal += part["refusal"]
        elif item["type"] == "function_call":
            expected.tool_calls.append((item["call_id"], item["name"], item["arguments"]))
        elif item["type"] == "reasoning":
            parts = [p["text"] for p in item.get("summary") or [] if p["text"]]
            if parts:
                reasoning.append(SEPARATOR.join(parts))
    expected.reasoning = SEPARATOR.join(reasoning)
    if response["status"] == "completed":
        expected.finish_reason = "tool_calls" if expected.tool_calls else "stop"
    else:
        reason = (response.get("incomplete_details") or {}).get("reason")
        expected.finish_reason = {"max_output_tokens": "length"}.get(reason, str(reason))
    usage = response["usage"]
    expected.usage = {
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "total_tokens": usage["total_tokens"],
        "cached_input_tokens": usage["input_tokens_details"]["cached_tokens"],
        "reasoning_tokens": usage["output_tokens_details"]["reasoning_tokens"],
    }
    return expected


def read(
    provider: ls.Provider, pieces: list[bytes], content_type: str, **options: Any
) -> tuple[list[ls.StreamEvent], ls.AssistantMessage]:
    """Events and final message of a body fed in these pieces (errors raised)."""
    parser = ResponseParser(provider, headers={"content-type": content_type}, **options)
    events: list[ls.StreamEvent] = []
    for piece in pieces:
        events += parser.feed(piece)
    while not parser.finished:
        events += parser.end()
    return events, parser.partial()


def read_recorded(
    response: RecordedResponse, provider: ls.Provider | None = None, **options: Any
) -> tuple[list[ls.StreamEvent], ls.AssistantMessage]:
    return read(
        provider or openai_responses(), [response.body.encode()], response.content_type, **options
    )
