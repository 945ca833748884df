"""Provider state and reasoning in odd places, without sockets: `reasoning_details` merged and
sent back, Gemini's `extra_content` on tool calls, `<think>` tags in content, Mistral's
`thinking` parts; and the OpenRouter and Azure adapters."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.body import build_body
from llmstream._core.parser import ResponseParser
from llmstream._core.request import ChatRequest
from llmstream._core.think_tags import ThinkTagSplitter

from .support.corpus import TEST_KEY

COMPATIBLE = ls.OpenAICompatible("http://127.0.0.1:1/v1")


def stream(
    provider: ls.Provider, *deltas: dict[str, Any], finish: str = "stop"
) -> tuple[ls.AssistantMessage, list[ls.StreamEvent]]:
    """The message and every event of a stream made of `deltas`, then a finish chunk."""
    parser = ResponseParser(provider)
    chunks = [{"choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    events = []
    for chunk in chunks:
        events += parser.feed(f"data: {json.dumps(chunk)}\n\n".encode())
    events += parser.end()
    return parser.partial(), events


def follow_up(provider: ls.Provider, reply: ls.AssistantMessage) -> dict[str, Any]:
    body, _ = build_body(
        ChatRequest(model="m", messages=[ls.user("hi"), reply]), provider, stream=False
    )
    return body["messages"][1]  # type: ignore[no-any-return]


# -- reasoning_details -------------------------------------------------------------------------


CLAUDE = {"type": "reasoning.text", "format": "anthropic-claude-v1", "index": 0}
SIGNED = [
    {"reasoning": "Let me", "reasoning_details": [{**CLAUDE, "text": "Let me"}]},
    {"reasoning": " think.", "reasoning_details": [{**CLAUDE, "text": " think."}]},
    {"reasoning_details": [{**CLAUDE, "signature": "sig=="}]},
    {"content": "Done."},
]


def test_pieces_merge_by_index_and_type_and_go_back_as_received() -> None:
    reply, _ = stream(ls.OpenRouter(api_key=TEST_KEY), *SIGNED)
    assert reply.reasoning == "Let me think."
    assert reply.provider_state == {
        "reasoning_details": [
            {
                "type": "reasoning.text",
                "text": "Let me think.",
                "signature": "sig==",
                "format": "anthropic-claude-v1",
                "index": 0,
            }
        ]
    }
    sent = follow_up(ls.OpenRouter(api_key=TEST_KEY), reply)
    assert sent["reasoning_details"] == reply.provider_state["reasoning_details"]
    assert "reasoning" not in sent  # the blocks replace the plain field


def test_blocks_of_different_types_at_one_index_stay_apart() -> None:
    deltas = [
        {"reasoning_details": [{"type": "reasoning.summary", "summary": "**Plan**", "index": 0}]},
        {"reasoning_details": [{"type": "reasoning.summary", "summary": " then act", "index": 0}]},
        {"reasoning_details": [{"type": "reasoning.encrypted", "data": "gAAA", "id": "rs_1",
                                "index": 0}]},
    ]  # fmt: skip
    reply, events = stream(COMPATIBLE, *deltas)
    assert [b["type"] for b in reply.provider_state["reasoning_details"]] == [
        "reasoning.summary",
        "reasoning.encrypted",
    ]
    # No plain reasoning field came: the readable blocks are the reasoning, as events too.
    assert reply.reasoning == "**Plan** then act"
    assert [type(e) for e in events] == [ls.ReasoningDelta, ls.ReasoningDelta, ls.ReasoningEnd,
                                         ls.Finish]  # fmt: skip
    # Encrypted reasoning must go back as the blocks, even to a generic compatible server.
    assert "reasoning_details" in follow_up(COMPATIBLE, reply)


def test_plain_text_blocks_go_back_to_a_compatible_server_as_its_plain_field() -> None:
    deltas = [
        {"reasoning_content": "The", "reasoning_details": [
            {"type": "reasoning.text", "text": "The", "format": "unknown", "index": 0}]},
        {"content": "Hi"},
    ]  # fmt: skip
    reply, _ = stream(COMPATIBLE, *deltas)
    sent = follow_up(COMPATIBLE, reply)
    assert sent["reasoning_content"] == "The"
    assert "reasoning_details" not in sent
    assert "reasoning_details" in follow_up(ls.OpenRouter(api_key=TEST_KEY), reply)


def test_nothing_is_invented_when_nothing_was_received() -> None:
    reply, _ = stream(COMPATIBLE, {"reasoning_content": "hmm"}, {"content": "Hi"})
    assert reply.provider_state == {}
    assert follow_up(COMPATIBLE, reply) == {
        "role": "assistant",
        "content": "Hi",
        "reasoning_content": "hmm",
    }


def test_a_whole_reply_keeps_its_blocks_too() -> None:
    body = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "content": "Hi",
                    "reasoning_details": [
                        {"type": "reasoning.encrypted", "data": "xyz", "index": 0},
                    ],
                },
            }
        ]
    }
    reply = ls._core.parser.parse_completion(json.dumps(body).encode(), COMPATIBLE)  # type: ignore[attr-defined]
    assert reply.provider_state["reasoning_details"][0]["data"] == "xyz"


def test_state_on_a_message_built_by_hand_goes_back() -> None:
    details = [{"type": "reasoning.encrypted", "data": "abc", "index": 0}]
    reply = ls.AssistantMessage(text="Hi", provider_state={"reasoning_details": details})
    assert follow_up(ls.OpenRouter(api_key=TEST_KEY), reply)["reasoning_details"] == details


# -- extra_content on tool calls (Gemini) -----------------------------------------------------


def test_a_thought_signature_on_a_tool_call_goes_back_unchanged() -> None:
    call = {
        "index": 0,
        "id": "c1",
        "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
        "extra_content": {"google": {"thought_signature": "CiQB+sig"}},
    }
    reply, _ = stream(COMPATIBLE, {"tool_calls": [call]}, finish="tool_calls")
    assert reply.tool_calls[0].provider_state == {
        "extra_content": {"google": {"thought_signature": "CiQB+sig"}}
    }
    sent = follow_up(COMPATIBLE, reply)["tool_calls"][0]
    assert sent["extra_content"] == {"google": {"thought_signature": "CiQB+sig"}}
    loaded = ls.AssistantMessage.model_validate_json(reply.model_dump_json())
    assert follow_up(COMPATIBLE, loaded) == follow_up(COMPATIBLE, reply)


# -- <think> tags ------------------------------------------------------------------------------


THINKING = "<think>\nFirst, the user says hi.\n</think>\n\nHello! How can I help?"


def _split(text: str, cuts: list[int]) -> list[tuple[str, str]]:
    splitter = ThinkTagSplitter()
    bounds = sorted({0, len(text), *(c for c in cuts if 0 < c < len(text))})
    pieces = []
    for start, end in itertools.pairwise(bounds):
        pieces += splitter.feed(text[start:end])
    return [*pieces, *splitter.flush()]


def _joined(pieces: list[tuple[str, str]], kind: str) -> str:
    return "".join(text for k, text in pieces if k == kind)


@settings(derandomize=True, max_examples=300)
@given(cuts=st.lists(st.integers(0, len(THINKING)), max_size=10))
def test_think_tags_split_anywhere_give_the_same_reasoning_and_answer(cuts: list[int]) -> None:
    pieces = _split(THINKING, cuts)
    assert _joined(pieces, "reasoning") == "\nFirst, the user says hi.\n"
    assert _joined(pieces, "text") == "\n\nHello! How can I help?"


def test_think_tags_at_every_byte_boundary() -> None:
    for cut in range(len(THINKING) + 1):
        for second in range(cut, len(THINKING) + 1):
            pieces = _split(THINKING, [cut, second])
            assert _joined(pieces, "reasoning") == "\nFirst, the user says hi.\n"
            assert "<" not in _joined(pieces, "text")


@settings(derandomize=True, max_examples=300)
@given(
    text=st.text(alphabet="ab<>/thinkT", max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
)
def test_nothing_is_lost_or_duplicated_by_the_splitter(text: str, cuts: list[int]) -> None:
    """Whatever the text, the pieces are the text minus the tags it really contains."""
    pieces = _split(text, cuts)
    assert _joined(pieces, "reasoning") + _joined(pieces, "text") == _without_tags(text)


def _without_tags(text: str) -> str:
    out, inside, rest = [], False, text
    while rest:
        tag = "</think>" if inside else "<think>"
        at = rest.find(tag)
        if at < 0:
            out.append(rest)
            break
        out.append(rest[:at])
        rest, inside = rest[at + len(tag) :], not inside
    return "".join(out)


def test_a_compatible_server_with_think_tags_streams_reasoning_events() -> None:
    provider = ls.OpenAICompatible("http://127.0.0.1:1/v1", think_tags=True)
    deltas = [{"content": piece} for piece in ["<th", "ink>Hmm", ", hi.</thi", "nk>Hel", "lo"]]
    reply, _ = stream(provider, *deltas)
    assert (reply.reasoning, reply.text) == ("Hmm, hi.", "Hello")
    assert "<think>" not in follow_up(provider, reply)["content"]


def test_think_tags_are_off_by_default() -> None:
    reply, _ = stream(COMPATIBLE, {"content": "<think>x</think>y"})
    assert (reply.reasoning, reply.text) == ("", "<think>x</think>y")


def test_mistral_thinking_parts_are_reasoning() -> None:
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "Let me count."}]},
        {"type": "text", "text": "Three."},
    ]
    reply, events = stream(COMPATIBLE, {"content": content})
    assert (reply.reasoning, reply.text) == ("Let me count.", "Three.")
    assert isinstance(events[-1], ls.Finish)


# -- the OpenRouter and Azure adapters ---------------------------------------------------------


def _body(provider: ls.Provider, model: str = "m", **fields: Any) -> dict[str, Any]:
    body, _ = build_body(
        ChatRequest(model=model, messages=[ls.user("hi")], **fields), provider, stream=True
    )
    return body


def test_openrouter_asks_for_usage_and_maps_reasoning_effort() -> None:
    body = _body(ls.OpenRouter(api_key=TEST_KEY), reasoning_effort="high")
    assert body["reasoning"] == {"effort": "high"}
    assert "reasoning_effort" not in body
    assert body["usage"] == {"include": True}


def test_openrouter_routing_fallback_models_and_attribution() -> None:
    provider = ls.OpenRouter(
        api_key=TEST_KEY,
        app_url="https://example.com",
        app_name="My app",
        routing={"order": ["anthropic"], "allow_fallbacks": False},
        models=["anthropic/claude-sonnet-4", "openai/gpt-5"],
    )
    body = _body(provider)
    assert body["provider"] == {"order": ["anthropic"], "allow_fallbacks": False}
    assert body["models"] == ["anthropic/claude-sonnet-4", "openai/gpt-5"]
    headers = provider.request_headers()
    assert (headers["HTTP-Referer"], headers["X-Title"]) == ("https://example.com", "My app")


@pytest.mark.parametrize(
    ("model", "field"),
    [("openai/gpt-5", "max_completion_tokens"), ("anthropic/claude-sonnet-4", "max_tokens")],
)
def test_openrouter_output_limit_field(model: str, field: str) -> None:
    assert field in _body(ls.OpenRouter(api_key=TEST_KEY), model=model, max_tokens=100)


def test_openrouter_usage_cost_lands_in_extras() -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7, "cost": 0.0022}
    parser = ResponseParser(ls.OpenRouter(api_key=TEST_KEY))
    choices = [{"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}]
    parser.feed(f"data: {json.dumps({'choices': choices, 'usage': usage})}\n\n".encode())
    parser.end()
    assert parser.partial().extras["cost"] == 0.0022


def test_azure_v1_and_deployment_urls_and_the_api_key_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    v1 = ls.AzureOpenAI(api_key=TEST_KEY, endpoint="https://res.openai.azure.com/")
    assert v1.url == "https://res.openai.azure.com/openai/v1/chat/completions"
    headers = v1.request_headers()
    assert headers["api-key"] == TEST_KEY
    assert "Authorization" not in headers
    old = ls.AzureOpenAI(
        api_key=TEST_KEY, endpoint="https://res.openai.azure.com", deployment="prod-gpt"
    )
    assert old.url == (
        "https://res.openai.azure.com/openai/deployments/prod-gpt/chat/completions"
        "?api-version=2024-10-21"
    )
    assert old.display_url.endswith("/chat/completions")  # no query in errors and logs
    entra = ls.AzureOpenAI(endpoint="https://res.openai.azure.com", azure_ad_token="eyJ0-token")
    assert entra.request_headers()["Authorization"] == "Bearer eyJ0-token"
    assert _body(v1, model="gpt-5-mini", max_tokens=100)["max_completion_tokens"] == 100
    with pytest.raises(ls.ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        ls.AzureOpenAI(api_key=TEST_KEY)


def test_what_was_built_does_not_change_as_more_pieces_arrive() -> None:
    """Provider extras, `extra_content` and `reasoning_details` are merged in place as pieces
    arrive (time linear in their size); a message built before more pieces came stays as it
    was."""

    def chunk(n: int) -> bytes:
        body = {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1" if n == 0 else None,
                                "function": {"name": "f" if n == 0 else None, "arguments": "x"},
                                "extra_content": {"google": {f"k{n}": n}},
                            }
                        ],
                        "reasoning_details": [
                            {"type": "reasoning.text", "index": 0, "text": f"r{n} "}
                        ],
                    },
                }
            ],
            "x_gateway": {f"seen_{n}": n},
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    parser = ResponseParser(ls.OpenAICompatible("https://example.com/v1"))
    parser.feed(chunk(0))
    early = parser.partial()
    for n in range(1, 50):
        parser.feed(chunk(n))
    late = parser.partial()
    assert early.extras == {"x_gateway": {"seen_0": 0}}
    assert early.tool_calls[0].provider_state == {"extra_content": {"google": {"k0": 0}}}
    assert early.provider_state["reasoning_details"][0]["text"] == "r0 "
    assert late.extras["x_gateway"] == {f"seen_{n}": n for n in range(50)}
    assert late.tool_calls[0].provider_state["extra_content"]["google"] == {
        f"k{n}": n for n in range(50)
    }
    assert late.provider_state["reasoning_details"] == [
        {"type": "reasoning.text", "index": 0, "text": "".join(f"r{n} " for n in range(50))}
    ]
    assert late.tool_calls[0].arguments == "x" * 50
