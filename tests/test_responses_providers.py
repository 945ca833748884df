"""The Responses API on every provider that has it: `api=` on each, the URL each call goes to,
what a stateless provider refuses, which models reason and which get encrypted reasoning, and
the error that names the fix when chat completions sends a caller to `/v1/responses`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import llmstream as ls
from llmstream._core.body import build_body
from llmstream._core.request import ChatRequest
from llmstream.testing import FakeLLM, Reply, status

from .support.corpus import TEST_KEY

AZURE = "https://res.openai.azure.com"

MAKERS: dict[str, Callable[..., ls.Provider]] = {
    "OpenAI": lambda **o: ls.OpenAI(api_key=TEST_KEY, **o),
    "XAI": lambda **o: ls.XAI(api_key=TEST_KEY, **o),
    "Groq": lambda **o: ls.Groq(api_key=TEST_KEY, **o),
    "AzureOpenAI": lambda **o: ls.AzureOpenAI(api_key=TEST_KEY, endpoint=AZURE, **o),
    "OpenRouter": lambda **o: ls.OpenRouter(api_key=TEST_KEY, **o),
    "OpenAICompatible": lambda **o: ls.OpenAICompatible("http://127.0.0.1:8080/v1", **o),
}
URLS = {
    "OpenAI": "https://api.openai.com/v1",
    "XAI": "https://api.x.ai/v1",
    "Groq": "https://api.groq.com/openai/v1",
    "AzureOpenAI": f"{AZURE}/openai/v1",
    "OpenRouter": "https://openrouter.ai/api/v1",
    "OpenAICompatible": "http://127.0.0.1:8080/v1",
}


def body(provider: ls.Provider, model: str, **options: Any) -> tuple[dict[str, Any], list[Any]]:
    request = ChatRequest(model=model, messages=[ls.user("Hi")], **options)
    return build_body(request, provider, stream=False)


# -- api= and the URL ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", MAKERS)
def test_every_provider_speaks_either_api_chat_by_default(name: str) -> None:
    chat = MAKERS[name]()
    responses = MAKERS[name](api="responses")
    assert (chat.api, responses.api) == ("chat", "responses")
    assert chat.url == f"{URLS[name]}/chat/completions"
    assert responses.url == f"{URLS[name]}/responses"
    assert responses.display_url == f"{URLS[name]}/responses"
    assert "api='responses'" in repr(responses)
    assert "api=" not in repr(chat)
    assert "input" in body(responses, "m")[0]
    assert "messages" in body(chat, "m")[0]


def test_cerebras_has_no_responses_api() -> None:
    assert ls.Cerebras(api_key=TEST_KEY).url.endswith("/chat/completions")
    with pytest.raises(ls.ConfigurationError, match="Cerebras has no Responses API") as caught:
        ls.Cerebras(api_key=TEST_KEY, api="responses")
    assert "api='chat'" in str(caught.value)


@pytest.mark.parametrize("api", ["messages", "Responses", "", 1])
def test_an_unknown_api_is_refused_naming_the_two(api: Any) -> None:
    with pytest.raises(ls.ConfigurationError, match=r"'chat' or 'responses'") as caught:
        ls.OpenAI(api_key=TEST_KEY, api=api)
    assert f"api={api!r}" in str(caught.value)


def test_azure_responses_go_to_the_v1_api_and_never_to_a_deployment() -> None:
    provider = ls.AzureOpenAI(api_key=TEST_KEY, endpoint=AZURE + "/", api="responses")
    assert provider.url == f"{AZURE}/openai/v1/responses"
    assert provider.request_headers()["api-key"] == TEST_KEY
    with pytest.raises(ls.ConfigurationError, match="no Responses API") as caught:
        ls.AzureOpenAI(api_key=TEST_KEY, endpoint=AZURE, deployment="prod", api="responses")
    assert "/openai/v1/responses" in str(caught.value)
    chat = ls.AzureOpenAI(api_key=TEST_KEY, endpoint=AZURE, deployment="prod")
    assert chat.url == f"{AZURE}/openai/deployments/prod/chat/completions?api-version=2024-10-21"


def test_a_provider_class_can_speak_responses_by_default() -> None:
    class Gateway(ls.Provider):
        name = "gateway"
        default_base_url = "https://gateway.example/v1"
        api = "responses"

    assert Gateway(api_key=TEST_KEY).url == "https://gateway.example/v1/responses"
    assert Gateway(api_key=TEST_KEY, api="chat").url.endswith("/chat/completions")


@pytest.mark.anyio
async def test_a_call_posts_to_the_path_of_its_api() -> None:
    fake = FakeLLM("Hello there", Reply("Again"), api="responses")
    async with fake.async_client() as client:
        reply = await client.generate(model="m", messages=[ls.user("Hi")])
        async with client.stream(model="m", messages=[ls.user("Hi")]) as stream:
            text = "".join([e.text async for e in stream if isinstance(e, ls.TextDelta)])
    assert [r.path for r in fake.requests] == ["/v1/responses", "/v1/responses"]
    assert reply.text == "Hello there"
    assert text == "Again"
    assert reply.id == "resp_fake_0"


def test_an_error_names_the_responses_url() -> None:
    provider = ls.OpenAICompatible("http://127.0.0.1:9/v1", api="responses")
    with ls.Client(provider, max_retries=0) as client:
        with pytest.raises(ls.APIConnectionError) as caught:
            client.generate(model="m", messages=[ls.user("Hi")])
    assert "POST http://127.0.0.1:9/v1/responses" in str(caught.value)


def test_a_404_on_the_responses_url_says_where_base_url_ends() -> None:
    fake = FakeLLM(status(404, body=b"<html><title>404 Not Found</title></html>"), api="responses")
    with fake.client() as client, pytest.raises(ls.NotFoundError) as caught:
        client.generate(model="m", messages=[ls.user("Hi")])
    assert "https://fake-llm.invalid/v1/responses was not found" in str(caught.value)
    assert "where /responses would begin" in str(caught.value)


# -- stateless providers ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Groq", "OpenRouter"])
def test_a_stateless_provider_refuses_to_continue_and_drops_store(name: str) -> None:
    provider = MAKERS[name](api="responses")
    with pytest.raises(ls.ConfigurationError, match="stateless") as caught:
        body(provider, "openai/gpt-oss-20b", previous_response_id="resp_1")
    assert "messages=" in str(caught.value)
    sent, warnings = body(provider, "openai/gpt-oss-20b", store=True)
    assert "store" not in sent
    assert [w.parameter for w in warnings] == ["store"]
    assert "stateless" in warnings[0].message
    sent, warnings = body(provider, "openai/gpt-oss-20b")
    assert "store" not in sent
    assert warnings == []


def test_a_stateful_provider_sends_store_false_by_default() -> None:
    for name in ("OpenAI", "XAI", "AzureOpenAI", "OpenAICompatible"):
        sent, _ = body(MAKERS[name](api="responses"), "m")
        assert sent["store"] is False
        sent, _ = body(MAKERS[name](api="responses"), "m", previous_response_id="resp_1")
        assert (sent["store"], sent["previous_response_id"]) == (True, "resp_1")


def test_openrouter_routing_goes_with_a_responses_call() -> None:
    provider = ls.OpenRouter(
        api_key=TEST_KEY, routing=ls.OpenRouterRouting(order=["openai"]), models=["openai/gpt-5"],
        api="responses",
    )  # fmt: skip
    sent, _ = body(provider, "openai/gpt-5-mini", reasoning_effort="low")
    assert sent["provider"] == {"order": ["openai"]}
    assert sent["models"] == ["openai/gpt-5"]
    assert sent["reasoning"] == {"effort": "low"}
    assert "usage" not in sent  # chat completions' opt-in: a response always carries usage


# -- which models reason, and what they get -----------------------------------------------------

REASONING = [
    ("OpenAI", "gpt-5", True),
    ("OpenAI", "o4-mini", True),
    ("OpenAI", "gpt-4o", False),
    ("OpenAI", "gpt-5-chat-latest", False),
    ("AzureOpenAI", "gpt-5-mini", True),
    ("AzureOpenAI", "gpt-4o-mini", False),
    ("XAI", "grok-4", True),
    ("XAI", "grok-4-fast-reasoning", True),
    ("XAI", "grok-4-1-fast-non-reasoning", False),
    ("XAI", "grok-3-mini", True),
    ("XAI", "grok-3", False),
    ("XAI", "grok-code-fast-1", True),
    ("Groq", "openai/gpt-oss-120b", True),
    ("Groq", "qwen/qwen3-32b", True),
    ("Groq", "llama-3.3-70b-versatile", False),
    ("OpenRouter", "openai/gpt-5", True),
    ("OpenRouter", "openai/gpt-4o", False),
    ("OpenRouter", "anthropic/claude-sonnet-4", False),
    ("OpenAICompatible", "gpt-oss-20b", False),
]


@pytest.mark.parametrize(("name", "model", "reasons"), REASONING)
def test_which_models_reason(name: str, model: str, reasons: bool) -> None:
    provider = MAKERS[name](api="responses")
    assert provider.reasoning_model(model) is reasons
    request = ChatRequest(model=model, messages=[ls.system("Be brief"), ls.user("Hi")])
    sent, _ = build_body(request, provider, stream=False)
    assert sent["input"][0]["role"] == ("developer" if reasons else "system")
    asks = reasons and provider.encrypted_reasoning
    assert ("include" in sent) is asks
    if asks:
        assert sent["include"] == ["reasoning.encrypted_content"]


@pytest.mark.parametrize(
    ("name", "asks"),
    [("OpenAI", True), ("AzureOpenAI", True), ("XAI", True), ("OpenRouter", True),
     ("Groq", False), ("OpenAICompatible", False)],
)  # fmt: skip
def test_encrypted_reasoning_is_asked_for_where_the_provider_has_it(name: str, asks: bool) -> None:
    sent, _ = body(MAKERS[name](api="responses"), "any-model", reasoning_effort="high")
    assert ("include" in sent) is asks
    provider = MAKERS[name](api="responses")
    stored, _ = body(provider, "any-model", reasoning_effort="high", store=True)
    # A stored reply's reasoning is looked up by its id; a stateless provider stores nothing.
    assert ("include" in stored) is (asks and not provider.stores_responses)


def test_reasoning_that_carries_itself_goes_back_unstored() -> None:
    """Open-weight servers return reasoning as text and OpenRouter relays Anthropic's signed
    reasoning: both go back with nothing stored; an item with nothing of its own cannot."""
    from llmstream._core.provider_state import OUTPUT_ITEMS

    items = [
        {"id": "rs_1", "type": "reasoning", "summary": [],
         "content": [{"type": "reasoning_text", "text": "Think."}]},
        {"id": "rs_2", "type": "reasoning", "summary": [], "signature": "sig", "format": "x"},
        {"id": "rs_3", "type": "reasoning", "summary": [{"type": "summary_text", "text": "S"}]},
        {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "Hi", "annotations": []}]},
    ]  # fmt: skip
    reply = ls.AssistantMessage(text="Hi", provider_state={OUTPUT_ITEMS: items})
    request = ChatRequest(model="m", messages=[ls.user("Hi"), reply, ls.user("Again")])
    sent, warnings = build_body(request, MAKERS["OpenAICompatible"](api="responses"), stream=False)
    replayed = sent["input"][1:4]
    assert [item["type"] for item in replayed] == ["reasoning", "reasoning", "message"]
    assert replayed[0]["content"] == items[0]["content"]
    assert replayed[1]["signature"] == "sig"
    assert all("id" not in item for item in replayed)
    assert [w.parameter for w in warnings] == ["messages"]
    assert "rs_3" in warnings[0].message


# -- an error that names the fix ----------------------------------------------------------------

GPT_54 = (
    "Function tools with reasoning_effort are not supported for gpt-5.4 in /v1/chat/completions. "
    "To use function tools, use /v1/responses instead."
)
ONLY_RESPONSES = "This model is only supported in v1/responses and not in v1/chat/completions."


@pytest.mark.parametrize("said", [GPT_54, ONLY_RESPONSES])
def test_a_chat_call_sent_to_the_responses_api_names_the_fix(said: str) -> None:
    error = {"error": {"message": said, "type": "invalid_request_error", "param": "tools",
                       "code": None}}  # fmt: skip
    fake = FakeLLM(status(400, body=error))
    with fake.client() as client, pytest.raises(ls.BadRequestError) as caught:
        client.generate(model="gpt-5.4", messages=[ls.user("Hi")], reasoning_effort="high")
    message = caught.value.message
    assert message.startswith(said)
    assert "OpenAICompatible(..., api='responses')" in message
    assert "Responses API" in message


def test_the_fix_is_not_suggested_to_a_call_already_on_the_responses_api() -> None:
    error = {"error": {"message": GPT_54, "type": "invalid_request_error"}}
    fake = FakeLLM(status(400, body=error), api="responses")
    with fake.client() as client, pytest.raises(ls.BadRequestError) as caught:
        client.generate(model="gpt-5.4", messages=[ls.user("Hi")])
    assert caught.value.message == GPT_54


@pytest.mark.parametrize(
    "said",
    ["Invalid value for 'tools'.", "This feature is not supported in v1/responses.",
     "Unknown parameter 'input' (see https://platform.openai.com/docs/api-reference/responses)"],
)  # fmt: skip
def test_an_error_that_sends_nowhere_else_gets_no_hint(said: str) -> None:
    fake = FakeLLM(status(400, message=said))
    with fake.client() as client, pytest.raises(ls.BadRequestError) as caught:
        client.generate(model="m", messages=[ls.user("Hi")])
    assert caught.value.message == said
