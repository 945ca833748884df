"""The API key never appears in a repr, an error, a log record, a warning or a cassette."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support import leak_watch
from .support.corpus import SEEDS, TEST_KEY
from .support.faults import FaultServer, status


def _describe_error(error: Any) -> list[str]:
    texts = [str(error), repr(error), repr(error.args)]
    for name in ("message", "body", "headers", "partial", "data", "tool_call"):
        value = getattr(error, name, None)
        if value is not None:
            texts.append(repr(value))
    return texts


def test_a_provider_that_echoes_the_key_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {TEST_KEY}", "code": "invalid"}}
    with FaultServer() as server:
        url = server.add("echo", status(401, body))
        with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
            with pytest.raises(ls.AuthenticationError) as caught:
                client.generate(model="m", messages=[ls.user("hi")])
    assert "Incorrect API key provided: [redacted]" in str(caught.value)
    assert TEST_KEY not in repr(caught.value.body)


def test_retries_are_logged_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    cassette = Cassette.load(SEEDS / "errors" / "openai-500.yaml")
    transport = ReplayTransport(cassette, cassette, cassette)
    policy = ls.RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.002)
    with caplog.at_level(logging.INFO, logger="llmstream"):
        with ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=transport, retry_policy=policy) as c:
            with pytest.raises(ls.ServerError):
                with c.stream(model="gpt-4o-mini", messages=[ls.user("Say hi")]):
                    pass
    retries = [r for r in caplog.records if r.getMessage().startswith("retrying openai call")]
    assert len(retries) == 2


def test_a_short_placeholder_key_does_not_garble_messages(server: FaultServer) -> None:
    """A placeholder key shorter than any real one is not searched for in messages."""
    body = {"error": {"message": "Incorrect API key provided: k. Check your key.", "code": "x"}}
    _name, url = server.scenario(status(401, body))
    with ls.Client(ls.OpenAI(api_key="k", base_url=url)) as client:
        with pytest.raises(ls.AuthenticationError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.message == "Incorrect API key provided: k. Check your key."


def test_a_real_key_is_redacted_wherever_it_appears(server: FaultServer) -> None:
    body = {
        "error": {
            "message": f"key {TEST_KEY} refused; {TEST_KEY}-suffixed and x{TEST_KEY} are not it",
            "code": "x",
        }
    }
    _name, url = server.scenario(status(401, body))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with pytest.raises(ls.AuthenticationError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.message == (
        "key [redacted] refused; [redacted]-suffixed and x[redacted] are not it"
    )


# Keys that cannot go in a header, each holding the test key: the final search finds any trace.
ODD_KEYS = [
    f"{TEST_KEY[:20]}\n{TEST_KEY[20:]}",
    f"{TEST_KEY[:20]}\r\n{TEST_KEY[20:]}",
    f"{TEST_KEY[:20]}\x00{TEST_KEY[20:]}",
    f"{TEST_KEY[:20]}é{TEST_KEY[20:]}",
    f"{TEST_KEY[:20]}\u202e{TEST_KEY[20:]}",
]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_a_key_with_odd_characters_is_refused_and_never_shown(key: str) -> None:
    for provider in (ls.OpenAI, ls.Groq, ls.Cerebras, ls.XAI):
        with pytest.raises(ls.ConfigurationError) as caught:
            provider(api_key=key)
        assert TEST_KEY[:12] not in str(caught.value)
    with pytest.raises(ls.ConfigurationError):
        ls.OpenAICompatible("https://example.com/v1", key)


def test_a_recorded_cassette_keeps_no_key(tmp_path: Path) -> None:
    from llmstream.testing import FakeLLM, Recorder, Reply

    path = tmp_path / "recorded.yaml"
    fake = FakeLLM(Reply("Hello"), Reply("again"))
    with fake.serve() as server:
        provider = ls.OpenAI(api_key=TEST_KEY, base_url=server.base_url)
        with ls.Client(provider, transport=Recorder(path, mode="all")) as client:
            client.generate(model="m", messages=[ls.user("hi")])
            with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                stream.collect()
    text = path.read_text(encoding="utf-8")
    assert "Hello" in text  # it did record
    leak_watch.texts.append(text)


def test_the_key_never_leaks() -> None:
    """Runs last (see conftest): searches everything the whole suite produced."""
    texts: list[str] = []
    for error in leak_watch.errors:
        texts.extend(_describe_error(error))
    for record in leak_watch.records:
        texts.extend([record.getMessage(), repr(record.args), str(record.exc_info)])
    texts.extend(leak_watch.warnings)
    texts.extend(leak_watch.texts)

    providers = [
        ls.OpenAI(api_key=TEST_KEY),
        ls.Groq(api_key=TEST_KEY),
        ls.Cerebras(api_key=TEST_KEY),
        ls.XAI(api_key=TEST_KEY),
        ls.OpenAICompatible("https://example.com/v1", TEST_KEY, name="x"),
    ]
    for provider in providers:
        client = ls.AsyncClient(provider)
        stream = client.stream(model="m", messages=[ls.user("hi")])
        texts += [repr(provider), str(provider), repr(client), repr(stream), repr(vars(provider))]
        texts += [repr(provider.api_key), str(provider.api_key)]
    for cassette in SEEDS.rglob("*.yaml"):
        texts.append(cassette.read_text(encoding="utf-8"))

    # The search can fail only if it searched something real (this file alone makes a few).
    assert len(leak_watch.errors) >= 3
    assert any("retrying" in record.getMessage() for record in leak_watch.records)
    leaks = [text[:200] for text in texts if TEST_KEY in text]
    assert leaks == []
    assert sum(TEST_KEY[:12] in text for text in texts) == 0


def test_the_key_is_only_where_it_belongs() -> None:
    """The one place the key must be: the Authorization header actually sent."""
    provider = ls.Groq(api_key=TEST_KEY)
    assert provider.request_headers()["Authorization"] == f"Bearer {TEST_KEY}"
    assert TEST_KEY not in repr(provider.request_headers)
    assert Path(__file__).read_text().count("TEST_KEY") > 5  # this file uses the constant, not text
