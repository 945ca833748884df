"""The recorded cassettes, and how to replay each one as a user would have made the call.

Every recording lives in `tests/cassettes/`: the seeds at its top, the third-party corpus,
gateway and Responses recordings in `corpus/`, `gateways/` and `responses/`, listed by
`INDEX.tsv` (see tests/cassettes/README.md for where each group came from).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llmstream as ls
from llmstream.testing import Cassette, Interaction, RecordedResponse

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes"
SEEDS = CASSETTES

TEST_KEY = "sk-test-5f1c8e2a9b7d4c3e1f0a6b8d"
"""The fake API key every test uses; a test searches all output for it."""

# -- providers, as a user would configure them -------------------------------------------------


@dataclass(frozen=True)
class ProviderSetup:
    make: Callable[[], ls.Provider]
    options: dict[str, Any] = field(default_factory=dict)


PROVIDERS: dict[str, ProviderSetup] = {
    "openai": ProviderSetup(lambda: ls.OpenAI(api_key=TEST_KEY)),
    "groq": ProviderSetup(lambda: ls.Groq(api_key=TEST_KEY)),
    "cerebras": ProviderSetup(lambda: ls.Cerebras(api_key=TEST_KEY)),
    "xai": ProviderSetup(lambda: ls.XAI(api_key=TEST_KEY)),
    # Z.ai's objects were recorded as forced tool calls, so the provider asks in tool mode (an
    # OpenAICompatible asks through a json_schema response_format by default).
    "openai-compatible (z.ai)": ProviderSetup(
        lambda: ls.OpenAICompatible(
            "https://api.z.ai/api/coding/paas/v4", TEST_KEY, name="zai", output_mode="tool"
        )
    ),
    "openai-compatible (huggingface router)": ProviderSetup(
        lambda: ls.OpenAICompatible("https://router.huggingface.co/v1", TEST_KEY, name="hf")
    ),
    "openai-compatible (avian)": ProviderSetup(
        lambda: ls.OpenAICompatible("https://api.avian.io/v1", TEST_KEY, name="avian")
    ),
    # The llama.cpp recordings were made by a client that sends max_completion_tokens, which
    # llama.cpp also accepts; a user asks for that field by name (see DEVIATIONS.md).
    "openai-compatible (llama.cpp server)": ProviderSetup(
        lambda: ls.OpenAICompatible("http://localhost:8080/v1", name="llama.cpp"),
        options={"limit_field": "max_completion_tokens"},
    ),
}

# -- tools, as a user would declare them ---------------------------------------------------------

WEATHER = ls.ToolSpec(
    name="weather",
    description="Get weather information for a location",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
)


def _number_tool(name: str, description: str) -> ls.ToolSpec:
    return ls.ToolSpec(
        name=name,
        description=description,
        parameters={
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "first number"},
                "b": {"type": "integer", "description": "second number"},
            },
            "required": ["a", "b"],
        },
    )


ADD = _number_tool("add", "Add two numbers")
MULTIPLY = _number_tool("multiply", "Multiply two numbers")


def run_tool(call: ls.ToolCall) -> str:
    """What the scenario's tools return: the follow-up request carries these results."""
    args = call.parsed_arguments
    if call.name == "weather":
        return "40 C"
    if call.name == "add":
        return str(args["a"] + args["b"])
    if call.name == "multiply":
        return str(args["a"] * args["b"])
    raise AssertionError(f"the scenario has no tool {call.name!r}")


# -- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    path: Path
    provider: str
    model: str
    scenario: str
    streamed: bool
    interactions: int

    @property
    def id(self) -> str:
        """`corpus/...` (or `gateways/...`, `responses/...`) for an indexed recording,
        `seeds/...` for one of the project's seeds."""
        if self.path.parent == SEEDS:
            return f"seeds/{self.path.stem}"
        return str(self.path.relative_to(CASSETTES)).removesuffix(".yaml")

    @property
    def kind(self) -> str:
        """simple, tool, multi_tool, thinking, simple_object, complex_object or image."""
        if self.scenario.startswith("openai-gpt-5"):
            return "image"
        return self.scenario.removesuffix("_streaming").removesuffix("-streaming")

    def cassette(self) -> Cassette:
        return Cassette.load(self.path)


def corpus() -> list[Recording]:
    """The recordings of tests/cassettes/corpus/."""
    return _indexed("corpus/")


def gateways() -> list[Recording]:
    """The two-step conversations recorded through OpenRouter, the Vercel AI Gateway and Azure
    (tests/cassettes/gateways/)."""
    return _indexed("gateways/")


def responses() -> list[Recording]:
    """The Responses API recordings (tests/cassettes/responses/): OpenAI, streamed and whole."""
    return _indexed("responses/")


def _indexed(folder: str) -> list[Recording]:
    """The recordings INDEX.tsv lists under `folder`."""
    index = CASSETTES / "INDEX.tsv"
    with index.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        Recording(
            path=CASSETTES / row["path"],
            provider=row["provider"],
            model=row["model"],
            scenario=row["scenario"],
            streamed=row["response"] == "stream",
            interactions=int(row["interactions"]),
        )
        for row in rows
        if row["path"].startswith(folder)
    ]


def seeds() -> list[Path]:
    return sorted(SEEDS.glob("*.yaml"))


# -- building the call a user would make for a recording --------------------------------------


@dataclass
class Call:
    provider: ls.Provider
    model: str
    messages: list[Any]
    options: dict[str, Any]


def call_for(recording: Recording) -> Call:
    """The typed call that should produce the recording's first request body.

    Prompts and the object scenarios' JSON schemas are read from the recording (they are the
    user's data); tools, messages, limits and choices are built with llmstream's own API.
    """
    setup = PROVIDERS[recording.provider]
    recorded = recording.cassette().interactions[0].request.json
    options: dict[str, Any] = {}
    limit = recorded.get("max_tokens", recorded.get("max_completion_tokens"))
    if limit is not None:
        options[setup.options.get("limit_field", "max_tokens")] = limit
    if "reasoning_effort" in recorded:
        options["reasoning_effort"] = recorded["reasoning_effort"]

    messages: list[Any] = []
    for message in recorded["messages"]:
        content = message["content"]
        if message["role"] == "system":
            messages.append(ls.system(content))
        elif isinstance(content, str):
            messages.append(ls.user(content))
        else:  # text and an inline image
            parts = [
                part["text"] if part["type"] == "text" else ls.image(part["image_url"]["url"])
                for part in content
            ]
            messages.append(ls.user(*parts))

    kind = recording.kind
    if kind in ("tool", "thinking"):
        options["tools"] = [WEATHER]
    elif kind == "multi_tool":
        options["tools"] = [ADD, MULTIPLY]
    elif kind in ("simple_object", "complex_object"):
        if "response_format" in recorded:
            options["response_format"] = recorded["response_format"]
        else:  # the object is asked for as a forced tool call
            tool = recorded["tools"][0]["function"]
            spec = ls.ToolSpec(
                name=tool["name"], description=tool["description"], parameters=tool["parameters"]
            )
            options["tools"] = [spec]
            options["tool_choice"] = spec
    return Call(setup.make(), recording.model, messages, options)


def follow_up(call: Call, reply: ls.AssistantMessage) -> list[Any]:
    """The second request's messages: the history, our own reply as it is, the tool results."""
    return [*call.messages, reply, *(ls.tool_result(c, run_tool(c)) for c in reply.tool_calls)]


# -- an independent reading of a recorded response, to check ours against -----------------------


@dataclass
class Expected:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, arguments
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None


def expected_from_stream(body: str, reasoning_fields: tuple[str, ...]) -> Expected:
    """A deliberately plain reading of an SSE body, line by line, without llmstream's code."""
    expected = Expected()
    calls: dict[int, list[str]] = {}
    for line in body.splitlines():
        if not line.startswith("data:") or line.strip() == "data: [DONE]":
            continue
        chunk = json.loads(line[5:])
        if chunk.get("usage"):
            expected.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            expected.text += delta.get("content") or ""
            for name in reasoning_fields:
                if delta.get(name):
                    expected.reasoning += delta[name]
                    break
            for fragment in delta.get("tool_calls") or []:
                function = fragment.get("function") or {}
                call = calls.setdefault(fragment["index"], [fragment.get("id"), "", ""])
                call[1] = call[1] or function.get("name") or ""
                call[2] += function.get("arguments") or ""
            if choice.get("finish_reason") and expected.finish_reason is None:
                expected.finish_reason = choice["finish_reason"]
    expected.tool_calls = [tuple(calls[index]) for index in sorted(calls)]  # type: ignore[misc]
    return expected


def expected_from_whole(body: str, reasoning_fields: tuple[str, ...]) -> Expected:
    reply = json.loads(body)
    choice = reply["choices"][0]
    message = choice["message"]
    reasoning = next((message[name] for name in reasoning_fields if message.get(name)), "")
    return Expected(
        text=message.get("content") or "",
        reasoning=reasoning,
        tool_calls=[
            (call["id"], call["function"]["name"], call["function"]["arguments"])
            for call in message.get("tool_calls") or []
        ],
        finish_reason=choice["finish_reason"],
        usage=reply.get("usage"),
    )


def expected_usage(provider: ls.Provider, raw: dict[str, Any]) -> dict[str, Any]:
    """The provider's numbers after llmstream's documented normalisation, computed by hand."""
    prompt, completion = raw["prompt_tokens"], raw["completion_tokens"]
    reasoning = (raw.get("completion_tokens_details") or {}).get("reasoning_tokens")
    cached = (raw.get("prompt_tokens_details") or {}).get("cached_tokens")
    excludes = provider.completion_excludes_reasoning
    if excludes is None:
        excludes = bool(reasoning) and raw["total_tokens"] == prompt + completion + reasoning
    return {
        "input_tokens": prompt,
        "output_tokens": completion + ((reasoning or 0) if excludes else 0),
        "total_tokens": raw["total_tokens"],
        "cached_input_tokens": cached,
        "reasoning_tokens": reasoning,
    }


Check = Callable[[int, RecordedResponse, ls.AssistantMessage], object]


async def converse(
    call: Call,
    interactions: Sequence[Interaction],
    ask: Callable[[Call], Awaitable[ls.AssistantMessage]],
    check: Check,
) -> None:
    """The recorded conversation, asked step by step as a user would: `ask(call)` for each
    recorded interaction, `check(step, recorded response, reply)` on what came back, and the
    next call built from the history, that reply as it is and the tool results."""
    for step, interaction in enumerate(interactions):
        reply = await ask(call)
        check(step, interaction.response, reply)
        if step + 1 < len(interactions):
            call = Call(call.provider, call.model, follow_up(call, reply), call.options)


def converse_sync(
    call: Call,
    interactions: Sequence[Interaction],
    ask: Callable[[Call], ls.AssistantMessage],
    check: Check,
) -> None:
    """The sync twin of `converse`."""
    for step, interaction in enumerate(interactions):
        reply = ask(call)
        check(step, interaction.response, reply)
        if step + 1 < len(interactions):
            call = Call(call.provider, call.model, follow_up(call, reply), call.options)
