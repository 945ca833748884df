"""Request bodies per provider, built through the public client and captured at the transport."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import httpx
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY

REPLY = (
    b'data: {"id":"x","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


class Capture:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=REPLY)
        whole = {"choices": [{"index": 0, "message": {"content": "ok"}, "finish_reason": "stop"}]}
        return httpx.Response(200, json=whole)

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.requests[-1].content))


def stream_body(
    provider: ls.Provider, model: str = "m", **options: Any
) -> tuple[dict[str, Any], list[ls.StreamEvent]]:
    capture = Capture()
    messages = options.pop("messages", [ls.user("hi")])
    with ls.Client(provider, transport=capture.transport) as client:
        with client.stream(model=model, messages=messages, **options) as stream:
            events = list(stream)
    return capture.body, events


def test_streaming_always_asks_for_usage() -> None:
    body, _ = stream_body(ls.Groq(api_key=TEST_KEY), max_tokens=10)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 10


def test_generate_sends_no_stream_fields() -> None:
    capture = Capture()
    with ls.Client(ls.Groq(api_key=TEST_KEY), transport=capture.transport) as client:
        reply = client.generate(model="m", messages=[ls.user("hi")])
    assert reply.text == "ok"
    assert "stream" not in capture.body
    assert "stream_options" not in capture.body


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.1"])
def test_openai_reasoning_models_take_max_completion_tokens(model: str) -> None:
    body, _ = stream_body(ls.OpenAI(api_key=TEST_KEY), model, max_tokens=100)
    assert body["max_completion_tokens"] == 100
    assert "max_tokens" not in body


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5-chat-latest"])
def test_other_openai_models_take_max_tokens(model: str) -> None:
    body, events = stream_body(ls.OpenAI(api_key=TEST_KEY), model, max_tokens=100, temperature=0.2)
    assert body["max_tokens"] == 100
    assert body["temperature"] == 0.2
    assert not any(isinstance(e, ls.RequestWarning) for e in events)


def test_openai_reasoning_models_drop_sampling_parameters_with_a_warning() -> None:
    body, events = stream_body(
        ls.OpenAI(api_key=TEST_KEY), "o4-mini", temperature=0.2, top_p=0.9, stop=["END"], seed=7
    )
    assert "temperature" not in body
    assert "top_p" not in body
    assert "stop" not in body
    assert body["seed"] == 7
    warnings = [e for e in events[:3] if isinstance(e, ls.RequestWarning)]
    assert {w.parameter for w in warnings} == {"temperature", "top_p", "stop"}
    assert all(isinstance(e, ls.RequestWarning) for e in events[:3])  # they come first
    assert "o4-mini is a reasoning model" in warnings[0].message


def test_the_default_temperature_is_not_a_problem_for_reasoning_models() -> None:
    body, events = stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-5", temperature=1)
    assert body["temperature"] == 1
    assert not any(isinstance(e, ls.RequestWarning) for e in events)


def test_extra_body_is_sent_as_given_and_last() -> None:
    body, _ = stream_body(
        ls.OpenAI(api_key=TEST_KEY),
        "o4-mini",
        temperature=0.5,
        extra_body={"temperature": 0.5, "reasoning_format": "parsed", "stream_options": None},
    )
    assert body["temperature"] == 0.5  # the escape hatch wins over the rule
    assert body["reasoning_format"] == "parsed"
    assert body["stream_options"] is None


def _history_with_reasoning() -> list[Any]:
    reply = ls.AssistantMessage(
        text="",
        reasoning="I should call the tool.",
        tool_calls=[ls.ToolCall(id="c1", name="weather", arguments='{"location":"Rome"}')],
    )
    return [ls.user("weather?"), reply, ls.tool_result("c1", "20 C")]


@pytest.mark.parametrize(
    ("provider", "field"),
    [
        (ls.Groq(api_key=TEST_KEY), "reasoning"),
        (ls.Cerebras(api_key=TEST_KEY), "reasoning"),
        (ls.XAI(api_key=TEST_KEY), "reasoning_content"),
        (ls.OpenAICompatible("http://127.0.0.1:8080/v1"), "reasoning_content"),
        (ls.OpenAI(api_key=TEST_KEY), None),
        (ls.OpenAICompatible("http://127.0.0.1:8080/v1", reasoning_history_field=None), None),
    ],
    ids=["groq", "cerebras", "xai", "compatible", "openai", "compatible-off"],
)
def test_reasoning_is_replayed_only_in_the_field_each_provider_reads(
    provider: ls.Provider, field: str | None
) -> None:
    body, _ = stream_body(provider, messages=_history_with_reasoning())
    assistant = body["messages"][1]
    assert assistant == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"location":"Rome"}'},
            }
        ],
        **({field: "I should call the tool."} if field else {}),
    }
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": "20 C"}


def test_an_empty_assistant_message_still_has_content() -> None:
    body, _ = stream_body(
        ls.Groq(api_key=TEST_KEY), messages=[ls.user("a"), ls.assistant(), ls.user("b")]
    )
    assert body["messages"][1] == {"role": "assistant", "content": ""}


def test_tools_and_tool_choice() -> None:
    spec = ls.ToolSpec(
        name="f", description="Does f", parameters={"type": "object", "properties": {}}
    )
    raw = {"type": "function", "function": {"name": "g", "parameters": {"type": "object"}}}
    body, _ = stream_body(ls.Groq(api_key=TEST_KEY), tools=[spec, raw])
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "f",
                "strict": False,
                "description": "Does f",
                "parameters": {"type": "object", "properties": {}},
            },
        },
        raw,
    ]
    assert body["tool_choice"] == "auto"
    forced = {"type": "function", "function": {"name": "f"}}
    assert (
        stream_body(ls.Groq(api_key=TEST_KEY), tools=[spec], tool_choice="f")[0]["tool_choice"]
        == forced
    )
    assert (
        stream_body(ls.Groq(api_key=TEST_KEY), tools=[spec], tool_choice=spec)[0]["tool_choice"]
        == forced
    )
    body, _ = stream_body(
        ls.Groq(api_key=TEST_KEY), tools=[spec], tool_choice="required", parallel_tool_calls=False
    )
    assert (body["tool_choice"], body["parallel_tool_calls"]) == ("required", False)


def test_sampling_and_format_parameters_pass_through() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "P", "schema": {"type": "object"}}}
    body, _ = stream_body(
        ls.Cerebras(api_key=TEST_KEY),
        temperature=0.3,
        top_p=0.5,
        stop="END",
        seed=1,
        reasoning_effort="low",
        response_format=schema,
    )
    assert {k: body[k] for k in ("temperature", "top_p", "stop", "seed", "reasoning_effort")} == {
        "temperature": 0.3,
        "top_p": 0.5,
        "stop": "END",
        "seed": 1,
        "reasoning_effort": "low",
    }
    assert body["response_format"] == schema


def test_images_and_raw_messages() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    messages = [
        {"role": "system", "content": "raw dicts pass through"},
        ls.user(
            "What is this?", ls.image(png), ls.image("https://example.com/a.jpg", detail="low")
        ),
    ]
    body, _ = stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", messages=messages)
    assert body["messages"][0] == {"role": "system", "content": "raw dicts pass through"}
    parts = body["messages"][1]["content"]
    assert parts[0] == {"type": "text", "text": "What is this?"}
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert parts[2] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/a.jpg", "detail": "low"},
    }


def test_image_media_type_must_be_known() -> None:
    with pytest.raises(ValueError, match="media_type"):
        ls.image(b"not an image")
    assert ls.image(b"not an image", media_type="image/x-test").url.startswith("data:image/x-test;")


def test_headers_carry_the_key_and_extra_headers() -> None:
    capture = Capture()
    with ls.Client(
        ls.XAI(api_key=TEST_KEY, headers={"X-Team": "a"}), transport=capture.transport
    ) as client:
        with client.stream(
            model="m", messages=[ls.user("hi")], extra_headers={"X-Trace": "t"}
        ) as s:
            s.collect()
    request = capture.requests[0]
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert (request.headers["x-team"], request.headers["x-trace"]) == ("a", "t")
    assert str(request.url) == "https://api.x.ai/v1/chat/completions"


class _Reads(dict[str, Any]):
    """Options that remember which keys were read."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def test_each_option_is_listed_once() -> None:
    """`CallOptions` lists every option (for type checkers); what a request asks is the fields
    of `ChatRequest`; the rest, how the call is made, is derived, and every one of them is
    read when a call is prepared: none is accepted and then forgotten."""
    import dataclasses

    from llmstream import _client
    from llmstream._core.request import ChatRequest

    listed = set(ls.CallOptions.__optional_keys__)
    request = {field.name for field in dataclasses.fields(ChatRequest)} - {"model", "messages"}
    assert request == _client._REQUEST_OPTIONS
    assert request <= listed
    call_options = listed - request
    assert call_options == _client._CALL_OPTIONS
    assert set(ls.ModelOptions.__optional_keys__) == listed - {"tools", "tool_choice", "output"}
    options = _Reads({})
    ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY))._prepare("m", [ls.user("hi")], options, stream=True)
    assert call_options <= options.read


def test_an_unknown_option_is_refused() -> None:
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY))
    unknown = r"unknown option\(s\) top_k for a call; .*extra_body"  # no typo of top_p
    with pytest.raises(ls.ConfigurationError, match=unknown):
        client.stream(model="m", messages=[ls.user("hi")], top_k=5)  # type: ignore[call-arg]


def test_a_local_server_needs_no_key() -> None:
    capture = Capture()
    with ls.Client(
        ls.OpenAICompatible("http://127.0.0.1:8080/v1"), transport=capture.transport
    ) as client:
        client.generate(model="m", messages=[ls.user("hi")])
    assert "authorization" not in capture.requests[0].headers


def test_unknown_options_are_refused_with_a_hint() -> None:
    client = ls.Client(ls.Groq(api_key=TEST_KEY))
    with pytest.raises(ls.ConfigurationError, match="extra_body"):
        client.stream(model="m", messages=[ls.user("hi")], max_output_tokens=5)  # type: ignore[call-arg]


@pytest.mark.parametrize("messages", [[], "hello"])
def test_messages_must_be_a_non_empty_list(messages: Any) -> None:
    client = ls.Client(ls.Groq(api_key=TEST_KEY))
    with pytest.raises(ls.ConfigurationError, match="messages"):
        client.stream(model="m", messages=messages)


def test_a_missing_key_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    with pytest.raises(ls.ConfigurationError, match="GROQ_API_KEY"):
        ls.Groq()
    monkeypatch.setenv("GROQ_API_KEY", TEST_KEY)
    provider = ls.Groq()
    assert provider.api_key is not None
    assert provider.api_key.get_secret_value() == TEST_KEY
    assert TEST_KEY not in repr(provider)
    assert TEST_KEY not in repr(ls.AsyncClient(provider))


def test_a_key_over_plain_http_to_another_host_is_refused() -> None:
    with pytest.raises(ls.ConfigurationError, match="plain http"):
        ls.OpenAICompatible("http://10.0.0.5:8000/v1", TEST_KEY)
    ls.OpenAICompatible("http://10.0.0.5:8000/v1", TEST_KEY, allow_insecure_http=True)
    ls.OpenAICompatible("http://localhost:8000/v1", TEST_KEY)
    ls.OpenAICompatible("http://127.0.0.1:8000/v1", TEST_KEY)
    ls.OpenAICompatible("http://[::1]:8000/v1", TEST_KEY)
    ls.OpenAICompatible("http://10.0.0.5:8000/v1")  # no key, nothing to leak


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_a_server_that_ignores_stream_true(sync: bool) -> None:
    """A whole JSON reply to a stream request is read as the events it would have streamed."""
    whole = {
        "id": "r1",
        "choices": [{"index": 0, "message": {"content": "whole"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=whole))
    provider = ls.OpenAICompatible("http://127.0.0.1:9/v1")
    if sync:
        with ls.Client(provider, transport=transport) as client:
            with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                kinds = [event.type for event in stream]
            text = stream.message.text
    else:

        async def read() -> tuple[list[str], str]:
            async with ls.AsyncClient(provider, transport=transport) as client:
                async with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                    kinds = [event.type async for event in stream]
            return kinds, stream.message.text

        kinds, text = anyio.run(read)
    assert kinds == ["text_delta", "usage", "finish"]
    assert text == "whole"


@pytest.mark.parametrize("url", ["ftp://example.com/v1", "http:///v1", "example.com/v1"])
def test_a_base_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ls.ConfigurationError, match="http"):
        ls.OpenAICompatible(url)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_a_whole_reply_larger_than_an_error_body_is_read_whole(sync: bool) -> None:
    text = "x" * (3 << 20)  # 3 MiB: more than error bodies are read, less than max_line_bytes
    whole = {"choices": [{"index": 0, "message": {"content": text}, "finish_reason": "stop"}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=whole))
    provider = ls.OpenAICompatible("http://127.0.0.1:9/v1")
    if sync:
        with ls.Client(provider, transport=transport) as client:
            reply = client.generate(model="m", messages=[ls.user("hi")])
    else:

        async def ask() -> ls.AssistantMessage:
            async with ls.AsyncClient(provider, transport=transport) as client:
                return await client.generate(model="m", messages=[ls.user("hi")])

        reply = anyio.run(ask)
    assert reply.text == text
    with ls.Client(provider, transport=transport, max_line_bytes=1 << 20, max_retries=0) as c:
        with pytest.raises(ls.MalformedChunkError, match="longer than 1048576 bytes"):
            c.generate(model="m", messages=[ls.user("hi")])


# -- the chat-completions parameters as options (issue 22) ---------------------------------------

# Each documented parameter, a value for it, and what the chat wire sends.
CHAT_OPTIONS: list[tuple[str, Any, Any]] = [
    ("frequency_penalty", 0.5, 0.5),
    ("presence_penalty", -0.5, -0.5),
    ("logit_bias", {50256: -100, "15": 5}, {"50256": -100, "15": 5}),
    ("logprobs", True, True),
    ("n", 1, 1),
    ("verbosity", "low", "low"),
    ("prediction", "def f(): ...", {"type": "content", "content": "def f(): ..."}),
    ("prediction", {"type": "content", "content": [{"type": "text", "text": "x"}]},
     {"type": "content", "content": [{"type": "text", "text": "x"}]}),
    ("service_tier", "flex", "flex"),
    ("metadata", {"team": "docs"}, {"team": "docs"}),
    ("user", "user-1", "user-1"),
    ("safety_identifier", "9f86d0", "9f86d0"),
    ("prompt_cache_key", "docs-v1", "docs-v1"),
    ("store", True, True),
    ("parallel_tool_calls", False, False),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "sent"), CHAT_OPTIONS)
def test_each_chat_completions_parameter_is_an_option(name: str, value: Any, sent: Any) -> None:
    body, events = stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", **{name: value})
    assert body[name] == sent
    assert not any(isinstance(e, ls.RequestWarning) for e in events)
    generated = Capture()  # a whole reply: the same body but the stream fields
    with ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=generated.transport) as client:
        client.generate(model="gpt-4o", messages=[ls.user("hi")], **{name: value})
    assert generated.body[name] == sent


def test_top_logprobs_goes_with_logprobs() -> None:
    body, _ = stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", logprobs=True, top_logprobs=3)
    assert (body["logprobs"], body["top_logprobs"]) == (True, 3)
    with pytest.raises(ls.ConfigurationError, match=r"pass both, e\.g\. logprobs=True"):
        stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", top_logprobs=3)
    with pytest.raises(ls.ConfigurationError, match="0 or more"):
        stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", logprobs=True, top_logprobs=-1)


@pytest.mark.parametrize("n", [2, 5])
def test_several_answers_are_several_calls(n: int) -> None:
    with pytest.raises(ls.ConfigurationError, match=r"one answer per call.*asyncio\.gather"):
        stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", n=n)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("frequency_penalty", "high", "a number"),
        ("logprobs", 1, "True or False"),
        ("n", 1.0, "a whole number"),
        ("verbosity", "terse", "one of 'low', 'medium', 'high'"),
        ("logit_bias", {"the": 5}, "token ids"),
        ("logit_bias", [50256], "token ids"),
        ("metadata", {"a": 1}, "strings to strings"),
        ("prediction", 5, "the text the reply will largely repeat"),
        ("service_tier", 3, "a string"),
        ("user", 3, "a string"),
    ],
)
def test_bad_option_values_are_named(name: str, value: Any, says: str) -> None:
    with pytest.raises(ls.ConfigurationError, match=re.escape(says)):
        stream_body(ls.OpenAI(api_key=TEST_KEY), "gpt-4o", **{name: value})


# What each provider's API refuses or lacks, dropped with a warning naming the parameter.
EVERY_OPTION: dict[str, Any] = {
    "frequency_penalty": 0.5, "presence_penalty": 0.5, "logit_bias": {1: 1}, "logprobs": True,
    "top_logprobs": 2, "n": 1, "verbosity": "low", "prediction": "x", "service_tier": "auto",
    "metadata": {"a": "b"}, "user": "u", "safety_identifier": "s", "prompt_cache_key": "k",
    "store": True, "stop": ["END"], "temperature": 0.5, "top_p": 0.9, "seed": 1,
}  # fmt: skip
GROQ_LACKS = {"logprobs", "top_logprobs", "logit_bias", "frequency_penalty", "presence_penalty",
              "metadata", "store", "prediction", "verbosity", "safety_identifier",
              "prompt_cache_key"}  # fmt: skip
CEREBRAS_LACKS = {"metadata", "store", "verbosity", "safety_identifier", "prompt_cache_key"}
OPENAI_REASONING_REFUSES = {"frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
                            "top_logprobs", "temperature", "top_p", "stop"}  # fmt: skip
XAI_REASONING_REFUSES = {"frequency_penalty", "presence_penalty", "stop"}


@pytest.mark.parametrize(
    ("provider", "model", "dropped"),
    [
        (ls.OpenAI(api_key=TEST_KEY), "gpt-4o", set()),
        (ls.OpenAI(api_key=TEST_KEY), "o4-mini", OPENAI_REASONING_REFUSES),
        (ls.AzureOpenAI(api_key=TEST_KEY, endpoint="https://r.openai.azure.com"), "gpt-4o", set()),
        (ls.Groq(api_key=TEST_KEY), "openai/gpt-oss-20b", GROQ_LACKS),
        (ls.Cerebras(api_key=TEST_KEY), "gpt-oss-120b", CEREBRAS_LACKS),
        (ls.XAI(api_key=TEST_KEY), "grok-3", set()),
        (ls.XAI(api_key=TEST_KEY), "grok-4-fast-non-reasoning", set()),
        (ls.XAI(api_key=TEST_KEY), "grok-3-mini", XAI_REASONING_REFUSES),
        (ls.XAI(api_key=TEST_KEY), "grok-4-1-fast-reasoning", XAI_REASONING_REFUSES),
        (ls.XAI(api_key=TEST_KEY), "grok-code-fast-1", XAI_REASONING_REFUSES),
        (ls.OpenRouter(api_key=TEST_KEY), "openai/gpt-4o", set()),
        (ls.OpenAICompatible("http://127.0.0.1:8080/v1"), "smollm2", set()),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_what_each_provider_drops(provider: ls.Provider, model: str, dropped: set[str]) -> None:
    body, events = stream_body(provider, model, **EVERY_OPTION)
    warnings = [e for e in events if isinstance(e, ls.RequestWarning)]
    assert {w.parameter for w in warnings} == dropped
    assert len(warnings) == len(dropped)  # one each
    assert all(w.message.startswith(f"dropped {w.parameter}=") for w in warnings)
    assert dropped.isdisjoint(body)
    assert set(EVERY_OPTION) - dropped <= set(body)


def test_extra_body_sends_a_dropped_parameter_anyway() -> None:
    body, events = stream_body(
        ls.Groq(api_key=TEST_KEY), logprobs=True, extra_body={"logprobs": True}
    )
    assert body["logprobs"] is True
    assert [e.parameter for e in events if isinstance(e, ls.RequestWarning)] == ["logprobs"]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("temperatur", "temperature"), ("max_token", "max_tokens"), ("top-p", "top_p"),
     ("frequency_penality", "frequency_penalty"), ("logprob", "logprobs"),
     ("Temperature", "temperature"), ("tool", "tools")],
)  # fmt: skip
def test_a_typo_names_the_option_it_meant(typo: str, meant: str) -> None:
    client = ls.Client(ls.OpenAI(api_key=TEST_KEY))
    with pytest.raises(ls.ConfigurationError, match=rf"{typo} \(did you mean {meant}\?\)"):
        client.stream(model="m", messages=[ls.user("hi")], **{typo: 0.5})
    with pytest.raises(ls.ConfigurationError, match=rf"{typo} \(did you mean {meant}\?\)"):
        client.generate(model="m", messages=[ls.user("hi")], **{typo: 0.5})


def test_an_agent_names_the_option_it_meant() -> None:
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY))
    with pytest.raises(
        ls.ConfigurationError, match=r"temperatur \(did you mean temperature\?\) for ls\.Agent"
    ):
        ls.Agent(client, "m", temperatur=0.5)  # type: ignore[call-arg]
    with pytest.raises(ls.ConfigurationError, match=r"tools_choice \(did you mean tool_choice\?\)"):
        ls.Agent(client, "m", tools_choice="auto")  # type: ignore[call-arg]
    with pytest.raises(ls.ConfigurationError, match="unknown option"):
        ls.Agent(client, "m", tools=[], output_retry=2)  # type: ignore[call-arg]
    agent = ls.Agent(client, "m", frequency_penalty=0.2, logprobs=True)  # the new options pass
    assert agent.settings.options == {"frequency_penalty": 0.2, "logprobs": True}
