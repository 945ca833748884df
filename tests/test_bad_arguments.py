"""A careless caller gets a `ConfigurationError` that names what was wrong and shows a right call,
before anything is sent; never a crash from deep inside llmstream, httpx or pydantic."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import llmstream as ls

from .support.corpus import TEST_KEY


class Book(BaseModel):
    title: str


def _never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a bad call reached the network: {request.url}")


def client() -> ls.Client:
    return ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=httpx.MockTransport(_never_sent))


def call(**options: Any) -> Callable[[], object]:
    """A stream() call with `options` over the defaults, entered (which is when it is sent)."""

    def run() -> object:
        arguments: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [ls.user("hi")]}
        arguments.update(options)
        with client().stream(**arguments):
            pass
        return None

    return run


def generate(**options: Any) -> Callable[[], object]:
    def run() -> object:
        arguments: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [ls.user("hi")]}
        arguments.update(options)
        return client().generate(**arguments)

    return run


CALL = ls.ToolCall(id="call_1", name="weather", arguments="{}")

# (id, the call, the parameter the message must name, another piece the message must hold)
CASES: list[tuple[str, Callable[[], object], str, str]] = [
    ("messages-int", call(messages=5), "messages", "messages=[ls."),
    ("messages-one-message", call(messages=ls.user("hi")), "messages", "put it in a list"),
    ("messages-text", call(messages="hi"), "messages", "messages=[ls."),
    ("messages-empty", call(messages=[]), "messages", "must not be empty"),
    ("messages-item", call(messages=[ls.user("hi"), 5]), "messages[1]", "ls.user()"),
    ("model-empty", call(model=""), "model", "model='gpt-4o-mini'"),
    ("model-int", generate(model=4), "model", "model='gpt-4o-mini'"),
    ("stop-int", call(stop=5), "stop", "stop=["),
    ("stop-list-of-ints", call(stop=[1, 2]), "stop", "stop=["),
    ("tools-int", call(tools=5), "tools", "tools=[weather]"),
    ("tools-dict", call(tools={"type": "function"}), "tools", "tools=[weather]"),
    ("tools-item", call(tools=[5]), "tool", "@ls.tool"),
    ("extra-body-int", call(extra_body=5), "extra_body", "extra_body={"),
    ("response-format-model", call(response_format=Book), "response_format", "output=YourModel"),
    ("response-format-str", call(response_format="json"), "response_format", "json_object"),
    ("extra-headers-str", call(extra_headers="x"), "extra_headers", "extra_headers={"),
    ("extra-headers-int-value", call(extra_headers={"X": 5}), "extra_headers['X']", "'...'"),
    ("extra-headers-newline", call(extra_headers={"X": "a\r\nB: c"}), "extra_headers['X']",
     "one line of ASCII"),
    ("timeouts-number-on-a-call", call(timeouts=30), "timeouts", "ls.Timeouts(total=30)"),
    ("timeouts-number-on-a-client", lambda: ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY),
                                                           timeouts=30),  # type: ignore[arg-type]
     "timeouts", "ls.Timeouts(total=30)"),
    ("timeouts-text-field", lambda: ls.Timeouts(idle="5"),  # type: ignore[arg-type]
     "Timeouts.idle", "Timeouts(idle=30)"),
    ("timeouts-negative", lambda: ls.Timeouts(total=-1), "Timeouts.total", "Timeouts(total=30)"),
    ("max-retries-text-on-a-call", call(max_retries="3"), "max_retries", "max_retries=3"),
    ("max-retries-text-on-a-client", lambda: ls.Client(ls.OpenAI(api_key=TEST_KEY),
                                                       max_retries="3"),  # type: ignore[arg-type]
     "max_retries", "max_retries=3"),
    ("max-retries-negative", call(max_retries=-1), "max_retries", "max_retries=0"),
    ("max-tokens-text", call(max_tokens="100"), "max_tokens", "max_tokens=1000"),
    ("max-tokens-bool", call(max_tokens=True), "max_tokens", "max_tokens=1000"),
    ("temperature-text", call(temperature="hot"), "temperature", "temperature=0.2"),
    ("temperature-nan", call(temperature=math.nan), "$.temperature", "NaN or Infinity"),
    ("infinity-in-extra-body", call(extra_body={"x": [1, math.inf]}), "$.x[1]",
     "NaN or Infinity"),
    ("nan-in-a-tool-schema", call(tools=[ls.ToolSpec(name="f", parameters={"maximum": math.nan})]),
     "$.tools[0].function.parameters.maximum", "finite number"),
    ("parallel-tool-calls-text", call(parallel_tool_calls="no"), "parallel_tool_calls",
     "parallel_tool_calls=False"),
    ("unknown-option", call(top_k=40), "top_k", "extra_body"),
    ("base-url-int", lambda: ls.OpenAI(api_key=TEST_KEY, base_url=123),  # type: ignore[arg-type]
     "base_url", "base_url='https://"),
    ("base-url-broken-ipv6", lambda: ls.OpenAI(api_key=TEST_KEY, base_url="http://[::1"),
     "base_url", "not a valid URL"),
    ("base-url-port-too-big", lambda: ls.OpenAICompatible("http://127.0.0.1:99999/v1"),
     "base_url", "not a valid URL"),
    ("base-url-no-scheme", lambda: ls.OpenAICompatible("localhost:8080/v1"), "base_url",
     "https://api.example.com/v1"),
    ("provider-headers-int", lambda: ls.OpenAI(api_key=TEST_KEY, headers={"X": 1}),  # type: ignore[dict-item]
     "headers['X']", "'...'"),
    ("client-without-provider", lambda: ls.AsyncClient("groq"),  # type: ignore[arg-type]
     "provider", "ls.AsyncClient(ls.Groq())"),
    ("retry-policy-dict", lambda: ls.Client(ls.OpenAI(api_key=TEST_KEY),
                                            retry_policy={"max_retries": 1}),  # type: ignore[arg-type]
     "retry_policy", "ls.RetryPolicy("),
    ("user-none", lambda: ls.user(None), "user()", "ls.user('What is in this picture?'"),  # type: ignore[arg-type]
    ("user-nothing", lambda: ls.user(), "user()", "a string, or text and image parts"),
    ("image-unknown-bytes", lambda: ls.image(b"not an image"), "media_type",
     "media_type='image/png'"),
    ("image-int", lambda: ls.image(5), "image()", "a URL, a file path"),  # type: ignore[arg-type]
    ("tool-result-for-nothing", lambda: ls.tool_result(5, "x"), "tool_result()",  # type: ignore[arg-type]
     "ls.tool_result(reply.tool_calls[0]"),
    ("api-key-int", lambda: ls.OpenAI(api_key=123), "api_key", "must be a string"),  # type: ignore[arg-type]
    ("api-key-blank", lambda: ls.OpenAI(api_key="  \n"), "api_key", "empty"),
]  # fmt: skip


@pytest.mark.parametrize(("run", "parameter", "hint"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_a_bad_argument_is_named_with_a_right_call(
    run: Callable[[], object], parameter: str, hint: str
) -> None:
    with pytest.raises(ls.ConfigurationError) as caught:
        run()
    message = str(caught.value)
    assert parameter in message
    assert hint in message


# -- API keys -----------------------------------------------------------------------------------

BAD_KEYS = [
    ("newline-inside", "sk-abc\ndef-0123456789", "whitespace"),
    ("crlf-inside", "sk-abc\r\ndef-0123456789", "whitespace"),
    ("nul", "sk-abc\x00def-0123456789", "a control character"),
    ("escape", "sk-abc\x1bdef-0123456789", "a control character"),
    ("delete", "sk-abc\x7fdef-0123456789", "a control character"),
    ("non-ascii", "sk-abcédef-0123456789", "a non-ASCII character"),
    ("inner-space", "sk-abc def-0123456789", "whitespace"),
]


@pytest.mark.parametrize(("key", "kind"), [k[1:] for k in BAD_KEYS], ids=[k[0] for k in BAD_KEYS])
def test_a_key_that_cannot_be_sent_is_refused_without_showing_it(key: str, kind: str) -> None:
    with pytest.raises(ls.ConfigurationError) as caught:
        ls.Groq(api_key=key)
    error = caught.value
    assert kind in str(error)
    assert "position 6" in str(error)
    for shown in (str(error), repr(error), repr(error.args)):
        assert "sk-abc" not in shown
        assert "0123456789" not in shown


@pytest.mark.parametrize("key", [f"{TEST_KEY}\n", f"{TEST_KEY}\r\n", f"  {TEST_KEY}\t"])
def test_whitespace_at_the_ends_of_a_key_is_removed(key: str) -> None:
    """A key read from a file ends in a newline; one pasted from a terminal may carry spaces."""
    provider = ls.OpenAI(api_key=key)
    assert provider.request_headers()["Authorization"] == f"Bearer {TEST_KEY}"


def test_a_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAI_API_KEY", "xai-abc\x1bdef")
    with pytest.raises(ls.ConfigurationError, match="a control character"):
        ls.XAI()
    monkeypatch.setenv("XAI_API_KEY", f"{TEST_KEY}\n")
    assert ls.XAI().request_headers()["Authorization"] == f"Bearer {TEST_KEY}"


# -- arguments that have an obvious reading are read that way -------------------------------------


def test_a_tool_result_that_is_not_text_becomes_json() -> None:
    assert ls.tool_result(CALL, {"temp": 40}).content == '{"temp":40}'
    assert ls.tool_result("call_1", [1, "a"]).content == '[1,"a"]'
    assert ls.tool_result(CALL, Book(title="Dune")).content == '{"title":"Dune"}'
    assert ls.tool_result(CALL, "40 C").content == "40 C"
