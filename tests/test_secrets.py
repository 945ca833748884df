"""The API key never appears in a repr, an error, a log record, a warning or a cassette."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support import leak_watch
from .support.corpus import SEEDS, TEST_KEY
from .support.faults import FaultServer, raw, status, stream


def _describe_error(error: BaseException, seen: set[int] | None = None) -> list[str]:
    """Every text an error can show: str, repr, a traceback, and every attribute whatever its
    name (the errors of earlier attempts and the exceptions chained to it too)."""
    seen = set() if seen is None else seen
    if id(error) in seen:
        return []
    seen.add(id(error))
    texts = [str(error), repr(error), repr(error.args)]
    texts.append("".join(traceback.format_exception(error)))
    for name, value in vars(error).items():
        if name == "attempt_errors":
            for inner in value:
                texts.extend(_describe_error(inner, seen))
        else:
            texts.append(f"{name}={value!r}")
    for chained in (error.__cause__, error.__context__):
        if chained is not None:
            texts.extend(_describe_error(chained, seen))
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


# -- a server that echoes the key into every field and header ---------------------------------

ECHOED_BODY = {
    "error": {
        "message": "the upstream refused the request",
        "type": f"type-{TEST_KEY}",
        "code": TEST_KEY,
        "param": f"param {TEST_KEY}",
    }
}
ECHOED_HEADERS = {
    "x-request-id": f"req-{TEST_KEY}",
    "x-upstream-echo": f"echo {TEST_KEY}",
    "x-upstream-token": "tok-not-the-key-but-a-credential",
}


def _no_trace_of_the_key(texts: list[str]) -> None:
    leaks = [text[:300] for text in texts if TEST_KEY in text or TEST_KEY[:12] in text]
    assert leaks == []


def _shown_by(error: ls.APIError) -> list[str]:
    """Everything an error shows, as in the final leak search, and its SSE frame shaped by an
    application that asks for everything it can."""

    def everything(err: ls.LLMStreamError, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "detail": str(err), "fields": vars(err)}

    def failing() -> Iterator[ls.StreamEvent]:
        raise error
        yield  # a generator

    frames = "".join(ls.sse_events_sync(failing(), error_data=everything))
    assert "event: error" in frames
    return [*_describe_error(error), frames]


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_a_key_echoed_in_any_field_or_header_never_shows(
    server: FaultServer, caplog: pytest.LogCaptureFixture, flavour: str
) -> None:
    """The echoing server: a 500 whose type, code and param hold the key, and headers
    (`x-request-id`, another one, one named like a credential) that hold it or a credential.
    Retried once, so the retry's INFO line and the DEBUG status lines are written too."""
    name, url = server.scenario(status(500, ECHOED_BODY, ECHOED_HEADERS))
    policy = ls.RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.01)
    provider = ls.OpenAI(api_key=TEST_KEY, base_url=url)
    call = {"model": "m", "messages": [ls.user("hi")]}
    with caplog.at_level(logging.DEBUG, logger="llmstream"):
        if flavour == "async":

            async def main() -> ls.APIError:
                async with ls.AsyncClient(provider, retry_policy=policy) as client:
                    with pytest.raises(ls.ServerError) as caught:
                        await client.generate(**call)  # type: ignore[arg-type]
                return caught.value

            error = anyio.run(main)
        else:
            with ls.Client(provider, retry_policy=policy) as client:
                with pytest.raises(ls.ServerError) as caught:
                    client.generate(**call)  # type: ignore[arg-type]
            error = caught.value
    assert server.attempts[name] == 2
    # It was there, and it is redacted by value wherever it was echoed.
    assert (error.type, error.code, error.param) == (
        "type-[redacted]",
        "[redacted]",
        "param [redacted]",
    )
    assert error.request_id == error.partial.request_id == "req-[redacted]"
    assert error.headers["x-upstream-echo"] == "echo [redacted]"
    assert error.headers["x-upstream-token"] == "[redacted]"  # named like a credential
    assert "tok-not-the-key" not in repr(_shown_by(error))
    logged = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("retrying openai call") for line in logged)
    assert any("HTTP 500 request_id=req-[redacted]" in line for line in logged)
    _no_trace_of_the_key([*_shown_by(error), *logged])


def test_a_key_echoed_in_a_successful_reply_never_shows(server: FaultServer) -> None:
    _name, url = server.scenario(stream(2, headers=ECHOED_HEADERS))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream_:
            message = stream_.collect()
            headers = dict(stream_.response_headers)
            request_id = stream_.request_id
    assert message.request_id == request_id == "req-[redacted]"
    assert headers["x-upstream-echo"] == "echo [redacted]"
    _no_trace_of_the_key([repr(message), json.dumps(headers)])


def test_a_key_echoed_in_an_error_inside_the_stream_never_shows(server: FaultServer) -> None:
    event = {"error": {"message": f"bad key {TEST_KEY}", "type": TEST_KEY, "code": TEST_KEY}}
    _name, url = server.scenario(raw(2, f"data: {json.dumps(event)}\n\n".encode()))
    with ls.Client(ls.OpenAI(api_key=TEST_KEY, base_url=url)) as client:
        with pytest.raises(ls.StreamError) as caught:
            with client.stream(model="m", messages=[ls.user("hi")]) as stream_:
                stream_.collect()
    assert (caught.value.message, caught.value.code) == ("bad key [redacted]", "[redacted]")
    _no_trace_of_the_key(_shown_by(caught.value))


# -- the same on the Responses API --------------------------------------------------------------

RESPONSES_ECHOES = {
    "error-event": {"type": "error", "code": TEST_KEY, "message": f"bad key {TEST_KEY}",
                    "param": f"param {TEST_KEY}", "sequence_number": 3},
    "response-failed": {"type": "response.failed", "sequence_number": 3, "response": {
        "id": "resp_x", "status": "failed", "output": [],
        "error": {"code": TEST_KEY, "message": f"bad key {TEST_KEY}"}}},
}  # fmt: skip


@pytest.mark.parametrize("event", RESPONSES_ECHOES.values(), ids=RESPONSES_ECHOES.keys())
@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_a_key_echoed_in_a_responses_error_never_shows(
    server: FaultServer, caplog: pytest.LogCaptureFixture, flavour: str, event: dict[str, Any]
) -> None:
    frame = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
    _name, url = server.scenario(raw(2, frame))
    provider = ls.OpenAI(api_key=TEST_KEY, base_url=url, api="responses")
    with caplog.at_level(logging.DEBUG, logger="llmstream"):
        if flavour == "async":

            async def main() -> ls.APIError:
                async with ls.AsyncClient(provider) as client:
                    with pytest.raises(ls.StreamError) as caught:
                        async with client.stream(model="m", messages=[ls.user("hi")]) as s:
                            await s.collect()
                return caught.value

            error = anyio.run(main)
        else:
            with ls.Client(provider) as client:
                with pytest.raises(ls.StreamError) as caught:
                    with client.stream(model="m", messages=[ls.user("hi")]) as s:
                        s.collect()
            error = caught.value
    assert (error.message, error.code) == ("bad key [redacted]", "[redacted]")
    assert error.partial is not None
    assert error.partial.text == "w0 w1 "
    logged = [record.getMessage() for record in caplog.records]
    _no_trace_of_the_key([*_shown_by(error), *logged])


def test_a_key_echoed_in_a_responses_status_error_never_shows(server: FaultServer) -> None:
    _name, url = server.scenario(status(500, ECHOED_BODY, ECHOED_HEADERS))
    provider = ls.OpenAI(api_key=TEST_KEY, base_url=url, api="responses")
    with ls.Client(provider, max_retries=0) as client:
        with pytest.raises(ls.ServerError) as caught:
            client.generate(model="m", messages=[ls.user("hi")])
    assert caught.value.code == "[redacted]"
    _no_trace_of_the_key(_shown_by(caught.value))


def test_an_extra_credential_header_is_a_secret_of_the_call(server: FaultServer) -> None:
    """A credential the caller sends in a header of its own is redacted like the key."""
    token = "gateway-token-0123456789abcdef"
    body = {"error": {"message": f"token {token} expired", "code": token}}
    _name, url = server.scenario(status(401, body, {"x-request-id": token}))
    with ls.Client(ls.OpenAICompatible(url)) as client:
        with pytest.raises(ls.AuthenticationError) as caught:
            client.generate(
                model="m", messages=[ls.user("hi")], extra_headers={"X-Gateway-Token": token}
            )
    shown = _shown_by(caught.value)
    assert caught.value.message == "token [redacted] expired"
    assert [text for text in shown if token in text] == []


# -- credentials in a base URL -----------------------------------------------------------------

URL_SECRET = "pw-0123456789abcdef"
CREDENTIAL_URLS = {
    "user-info": (f"https://user:{URL_SECRET}@proxy.example/v1", "carries credentials"),
    "query-key": (f"https://proxy.example/v1?key={URL_SECRET}", "query string"),
    "query-and-fragment": (f"https://proxy.example/v1?a=1&token={URL_SECRET}#x", "query string"),
    "user-info-and-bad-port": (f"https://u:{URL_SECRET}@proxy.example:99999/v1", "valid URL"),
    "user-info-bad-scheme": (f"ftp://u:{URL_SECRET}@proxy.example/v1", "http(s) URL"),
}


@pytest.mark.parametrize(("url", "says"), CREDENTIAL_URLS.values(), ids=CREDENTIAL_URLS.keys())
def test_credentials_in_a_base_url_are_refused_and_never_shown(url: str, says: str) -> None:
    """Credentials in `base_url` would show in every repr, log line and error naming the URL
    (and a query string breaks the path): refused, with the right call, never shown."""
    makers = [
        lambda: ls.OpenAICompatible(url),
        lambda: ls.OpenAI(api_key=TEST_KEY, base_url=url),
        lambda: ls.Groq(api_key=TEST_KEY, base_url=url),
    ]
    for make in makers:
        with pytest.raises(ls.ConfigurationError) as caught:
            make()
        text = f"{caught.value} {caught.value!r}"
        assert says in text
        assert URL_SECRET not in text
        if says in ("carries credentials", "query string"):
            assert "api_key=" in text
            assert "headers=" in text


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
    formatter = logging.Formatter()
    for record in leak_watch.records:
        texts.extend([record.getMessage(), repr(record.args), str(record.exc_info)])
        if record.exc_info:  # the traceback a handler would write
            texts.append(formatter.formatException(record.exc_info))
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
        texts.append(repr(vars(client)))  # what it keeps between calls (their redactors)
        texts += [repr(provider.api_key), str(provider.api_key)]
    for cassette in SEEDS.rglob("*.yaml"):
        texts.append(cassette.read_text(encoding="utf-8"))

    # The search can fail only if it searched something real (this file alone makes a few).
    assert len(leak_watch.errors) >= 3
    assert any("retrying" in record.getMessage() for record in leak_watch.records)
    assert any(text.startswith("event: error") for text in leak_watch.texts)  # frames too
    leaks = [text[:200] for text in texts if TEST_KEY in text]
    assert leaks == []
    assert sum(TEST_KEY[:12] in text for text in texts) == 0


def test_the_key_is_only_where_it_belongs() -> None:
    """The one place the key must be: the Authorization header actually sent."""
    provider = ls.Groq(api_key=TEST_KEY)
    assert provider.request_headers()["Authorization"] == f"Bearer {TEST_KEY}"
    assert TEST_KEY not in repr(provider.request_headers)
    assert Path(__file__).read_text().count("TEST_KEY") > 5  # this file uses the constant, not text
