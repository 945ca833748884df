"""The recorder (llmstream.testing.Recorder): record real calls into a go-vcr cassette, replay
them offline with identical events, keep every secret out of the file, and obey the record modes
(and LLMSTREAM_RECORD_MODE)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
import yaml

import llmstream as ls
from llmstream.testing import (
    RECORD_MODE_ENV,
    Cassette,
    CassetteMismatch,
    FakeLLM,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    Recorder,
    RecordMode,
    Redactor,
    ReplayServer,
    ReplayTransport,
    Reply,
    record_mode,
    stall,
    status,
)

from .support.corpus import SEEDS, WEATHER, run_tool

MODEL = "qwen-3-coder-480b"
QUESTION = [
    ls.system("You are a helpful assistant"),
    ls.user("What's the weather in Florence,Italy?"),
]
# Every character that gets escaped somewhere: in JSON, in a URL, in YAML.
ODD_KEY = "csk-Odd\"Key\\with/slash+plus=eq%25&amp;?q#h'quote-0123456789"


@pytest.fixture(autouse=True)
def no_record_mode_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the developer's shell says, each test sets the mode it means."""
    monkeypatch.delenv(RECORD_MODE_ENV, raising=False)


async def conversation(client: ls.AsyncClient) -> list[list[ls.StreamEvent]]:
    """The Cerebras seed's conversation: a tool call, then the answer to the tool result."""
    messages: list[Any] = list(QUESTION)
    turns = []
    async with client:
        for _ in range(2):
            async with client.stream(
                model=MODEL, messages=messages, tools=[WEATHER], max_tokens=4000
            ) as stream:
                turns.append([event async for event in stream])
            reply = stream.message
            messages.append(reply)
            messages += [ls.tool_result(call, run_tool(call)) for call in reply.tool_calls]
    return turns


def cerebras(base_url: str, key: str = ODD_KEY) -> ls.Cerebras:
    return ls.Cerebras(api_key=key, base_url=base_url)


def leaks(path: Path, secret: str) -> list[str]:
    """Every form of `secret` the file holds."""
    text = path.read_text(encoding="utf-8")
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        secret.replace("\\", "\\\\"),  # as a double-quoted YAML string writes it
    }
    return [form for form in forms if form in text]


# -- record, then replay offline -------------------------------------------------------------------


@pytest.mark.anyio
async def test_record_against_the_replay_server_then_replay_offline(tmp_path: Path) -> None:
    path = tmp_path / "conversation.yaml"
    with ReplayServer(Cassette.load(SEEDS / "cerebras-tool_streaming.yaml")) as server:
        base_url = server.base_url("https://api.cerebras.ai/v1")
        recorder = Recorder(path, mode="once", real=httpx.AsyncHTTPTransport())
        recorded = await conversation(ls.AsyncClient(cerebras(base_url), transport=recorder))
        assert server.matcher.unused == []  # both requests reached the server
    assert recorder.recorded == 2
    assert recorded[1][-1] == ls.Finish(reason="stop", raw_reason="stop")

    # The server is gone: this can only come from the file, under another key.
    replayer = Recorder(path, mode="none")
    client = ls.AsyncClient(cerebras(base_url, "csk-another-key-12345"), transport=replayer)
    assert await conversation(client) == recorded
    assert replayer.unused == []
    assert replayer.recorded == 0

    # The file is a cassette the existing replay tools read too.
    transport = ReplayTransport(Cassette.load(path))
    client = ls.AsyncClient(cerebras(base_url), transport=transport)
    assert await conversation(client) == recorded
    assert leaks(path, ODD_KEY) == []


def test_record_and_replay_with_the_sync_client(tmp_path: Path) -> None:
    path = tmp_path / "sync.yaml"
    fake = FakeLLM(Reply("Olá, mundo", reasoning="hmm", tool_calls=[("f", {"a": 1})]))
    with fake.serve() as server:
        recorder = Recorder(path, mode="all")  # the default real transport: httpx.HTTPTransport
        with ls.Client(server.provider(), transport=recorder) as client:
            with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                recorded = list(stream)
        base_url = server.base_url
    provider = ls.OpenAICompatible(base_url, api_key="another-key-0000", name="fake")
    with ls.Client(provider, transport=Recorder(path)) as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            assert list(stream) == recorded
    assert len(fake.requests) == 1


@pytest.mark.anyio
async def test_the_stream_is_passed_on_as_it_arrives(tmp_path: Path) -> None:
    """Recording must not hold events back: the first ones arrive long before a stall ends."""
    fake = FakeLLM(Reply("one two three", faults=[stall(after=2, seconds=1.5)]))
    with fake.serve() as server:
        recorder = Recorder(tmp_path / "tee.yaml", mode="all")
        arrivals = []
        async with ls.AsyncClient(server.provider(), transport=recorder) as client:
            async with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                async for event in stream:
                    arrivals.append((type(event).__name__, time.monotonic()))
    fake.close()
    # "one " reached the caller a whole stall before the end: nothing waited for the body.
    assert arrivals[0][0] == "TextDelta"
    assert arrivals[-1][1] - arrivals[0][1] >= 1.4
    [interaction] = Cassette.load(tmp_path / "tee.yaml").interactions
    assert interaction.response.body.endswith("data: [DONE]\n\n")


@pytest.mark.anyio
async def test_an_abandoned_stream_is_recorded_as_far_as_it_was_read(tmp_path: Path) -> None:
    fake = FakeLLM(Reply("one two three four", faults=[stall(after=2, seconds=30)]))
    path = tmp_path / "abandoned.yaml"
    with fake.serve() as server:
        async with ls.AsyncClient(server.provider(), transport=Recorder(path, mode="all")) as c:
            async with c.stream(model="m", messages=[ls.user("hi")]) as stream:
                async for _ in stream:
                    break
    [interaction] = Cassette.load(path).interactions
    assert '"one "' in interaction.response.body
    assert "[DONE]" not in interaction.response.body


# -- secrets ---------------------------------------------------------------------------------------


def test_no_secret_reaches_the_cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_key = "env-secret-0123456789abcdef"
    monkeypatch.setenv("SOMETHING_API_KEY", env_key)
    echo = {"error": {"message": f"Incorrect API key provided: {ODD_KEY} (also {env_key})"}}
    fake = FakeLLM(
        Reply(f"your key is {ODD_KEY}"),
        status(401, body=echo, headers={"Set-Cookie": f"session={ODD_KEY}"}),
        "fine",
    )
    path = tmp_path / "secrets.yaml"
    with fake.serve() as server:
        with ls.Client(cerebras(server.base_url), transport=Recorder(path, mode="all")) as c:
            c.generate(model="m", messages=[ls.user(f"repeat my key {ODD_KEY}")])
            with pytest.raises(ls.AuthenticationError):
                c.generate(model="m", messages=[ls.user("hi")])
        # A key in the URL, and headers a provider class would never send.
        recorder = Recorder(path, mode="new_episodes")
        with httpx.Client(transport=recorder) as http:
            http.post(
                f"{server.base_url}/chat/completions",
                params={"key": ODD_KEY, "other": "kept"},
                headers={"api-key": ODD_KEY, "x-api-key": "short", "Cookie": "c=1"},
                json={"model": "m", "messages": []},
            )
    text = path.read_text(encoding="utf-8")
    assert leaks(path, ODD_KEY) == []
    assert leaks(path, env_key) == []
    assert "short" not in text  # masked by header name, however short
    assert "c=1" not in text
    assert "Set-Cookie" not in text
    [first, second, third] = Cassette.load(path).interactions
    assert first.request.headers["Authorization"] == ["[redacted]"]
    assert "repeat my key [redacted]" in first.request.body
    assert "your key is [redacted]" in first.response.body
    assert "Incorrect API key provided: [redacted]" in second.response.body
    assert "key=[redacted]&other=kept" in third.request.url

    # Replay matches the live request, key and all, against the redacted recording.
    base_url = first.request.url.removesuffix("/chat/completions")
    with ls.Client(cerebras(base_url), transport=Recorder(path)) as c:
        reply = c.generate(model="m", messages=[ls.user(f"repeat my key {ODD_KEY}")])
    assert reply.text == "your key is [redacted]"


def test_every_credential_of_a_request_is_learnt_by_its_value(tmp_path: Path) -> None:
    """A URL's password, custom credential headers and a query-string key: each is masked
    where it was sent and, once known, replaced wherever a server echoes it."""
    password, token, custom, query_key = (
        "url-password-0123456789",
        "auth-token-0123456789",
        "custom-secret-0123456789",
        "query-key-0123456789",
    )
    echo = f"password {password}, token {token}, secret {custom}, key {query_key}"
    fake = FakeLLM(Reply(echo, headers={"X-Echo": echo}), Reply(echo))
    path = tmp_path / "credentials.yaml"

    def send(recorder: Recorder, base_url: str) -> httpx.Response:
        url = base_url.replace("http://", f"http://someone:{password}@") + "/chat/completions"
        with httpx.Client(transport=recorder) as http:
            return http.post(
                url,
                params={"key": query_key, "other": "kept"},
                headers={"X-Auth-Token": token, "X-Custom-Secret": custom},
                json={"model": "m", "messages": [{"role": "user", "content": echo}]},
            )

    with fake.serve() as server:
        assert token in send(Recorder(path, mode="all"), server.base_url).text
        base_url = server.base_url
    text = path.read_text(encoding="utf-8")
    assert "token [redacted]" in text  # it recorded, with the echoes replaced
    for secret in (password, token, custom, query_key):
        assert leaks(path, secret) == [], secret
    [recorded] = Cassette.load(path).interactions
    # The user info masked percent-encoded, so that the URL still parses where it is matched.
    assert recorded.request.url.startswith("http://%5Bredacted%5D@127.0.0.1:")
    assert "key=[redacted]&other=kept" in recorded.request.url
    assert recorded.request.headers["X-Auth-Token"] == ["[redacted]"]
    assert recorded.request.headers["X-Custom-Secret"] == ["[redacted]"]
    assert recorded.request.headers["Authorization"] == ["[redacted]"]  # httpx's Basic auth
    assert recorded.response.headers["X-Echo"] == [
        "password [redacted], token [redacted], secret [redacted], key [redacted]"
    ]
    # The live request, credentials and all, still matches its redacted recording.
    assert send(Recorder(path), base_url).status_code == 200


def test_the_redactor() -> None:
    redactor = Redactor(["sk-explicit-secret"], from_environment=False)
    redactor.learn_from_headers([("Authorization", "Bearer sk-from-header-123"), ("X", "y")])
    redactor.learn("tiny")  # too short to search bodies for: "tiny" would rewrite prompts
    assert redactor.text("a sk-explicit-secret b sk-from-header-123 tiny") == (
        "a [redacted] b [redacted] tiny"
    )
    assert "sk-" not in repr(redactor)
    assert redactor.headers(
        [("x-api-key", "tiny"), ("Content-Type", "json"), ("X-Echo", "sk-from-header-123")]
    ) == {"Content-Type": ["json"], "X-Echo": ["[redacted]"], "x-api-key": ["[redacted]"]}
    assert redactor.headers([("Set-Cookie", "a=b"), ("Date", "d")], response=True) == {
        "Date": ["d"]
    }
    assert redactor.url("https://h/p?a=1&b=%20x") == "https://h/p?a=1&b=%20x"  # left as it was
    assert redactor.url("https://h/p?api_key=zzz&a=1") == "https://h/p?api_key=[redacted]&a=1"


# -- the file --------------------------------------------------------------------------------------


def test_the_file_is_a_go_vcr_cassette_that_diffs_well(tmp_path: Path) -> None:
    fake = FakeLLM(Reply("line one\nline two"), Reply("line one\nline two"))
    with fake.serve() as server:
        for name in ("first.yaml", "second.yaml"):
            with ls.Client(server.provider(), transport=Recorder(tmp_path / name, mode="all")) as c:
                c.generate(model="m", messages=[ls.user("hi")], temperature=0.5)
    first, second = (tmp_path / "first.yaml").read_text(), (tmp_path / "second.yaml").read_text()
    document = yaml.safe_load(first)
    assert document["version"] == 2
    [interaction] = document["interactions"]
    assert list(interaction) == ["id", "request", "response"]
    assert list(interaction["request"])[-5:] == ["body", "form", "headers", "url", "method"]
    assert list(interaction["response"])[-5:] == ["body", "headers", "status", "code", "duration"]
    request, response = interaction["request"], interaction["response"]
    assert request["body"] == json.dumps(
        {
            "messages": [{"content": "hi", "role": "user"}],
            "model": "m",
            "temperature": 0.5,
        },
        indent=2,
        sort_keys=True,
    )
    assert "    body: |-\n      {\n" in first  # a block literal, one JSON line per YAML line
    assert list(request["headers"]) == sorted(request["headers"], key=str.lower)
    assert {"Host", "Content-Length", "Accept-Encoding"}.isdisjoint(request["headers"])
    assert (response["status"], response["code"]) == ("200 OK", 200)
    assert response["duration"].endswith("ms")
    # Recorded twice, the requests read the same: only timings and dates may differ.
    assert _request_sections(first) == _request_sections(second)
    assert fake.requests[0].headers["accept-encoding"] == "identity"


def _request_sections(text: str) -> list[Any]:
    return [i["request"] for i in yaml.safe_load(text)["interactions"]]


class _Chunks(httpx.SyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield from (self._data[:10], self._data[10:])


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "read-in-full"])
def test_a_compressed_response_is_recorded_as_text(tmp_path: Path, streamed: bool) -> None:
    body = json.dumps(
        {"choices": [{"index": 0, "message": {"content": "zipped"}, "finish_reason": "stop"}]}
    ).encode()

    def gzipping(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        if streamed:
            return httpx.Response(200, headers=headers, stream=_Chunks(gzip.compress(body)))
        return httpx.Response(200, headers=headers, content=gzip.compress(body))

    path = tmp_path / "gzip.yaml"
    recorder = Recorder(path, mode="all", real=httpx.MockTransport(gzipping))
    provider = ls.OpenAI(api_key="sk-unused-0000", base_url="https://api.example.com/v1")
    with ls.Client(provider, transport=recorder) as client:
        assert client.generate(model="m", messages=[ls.user("hi")]).text == "zipped"
    [interaction] = Cassette.load(path).interactions
    assert interaction.response.body == body.decode()
    assert "content-encoding" not in {name.lower() for name in interaction.response.headers}
    with ls.Client(provider, transport=Recorder(path)) as client:
        assert client.generate(model="m", messages=[ls.user("hi")]).text == "zipped"


def test_an_encoding_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    def brotli(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "br"}
        return httpx.Response(200, headers=headers, stream=_Chunks(b"\x8b\x00\x80{}\x03"))

    recorder = Recorder(tmp_path / "br.yaml", mode="all", real=httpx.MockTransport(brotli))
    with httpx.Client(transport=recorder) as http:
        with pytest.raises(ValueError, match="encoded with 'br'"):
            http.post("https://api.example.com/v1/chat/completions", json={}).read()


# -- record modes ----------------------------------------------------------------------------------


def _ask(recorder: Recorder, base_url: str, *questions: str) -> list[str]:
    with ls.Client(cerebras(base_url), transport=recorder, max_retries=0) as client:
        return [client.generate(model="m", messages=[ls.user(q)]).text for q in questions]


def test_none_without_a_cassette_fails_without_calling_anyone(tmp_path: Path) -> None:
    fake = FakeLLM("never")
    with fake.serve() as server:
        with pytest.raises(CassetteMismatch, match=f"no cassette at .*{RECORD_MODE_ENV}=once"):
            _ask(Recorder(tmp_path / "missing.yaml", mode="none"), server.base_url, "hi")
    assert fake.requests == []
    assert not (tmp_path / "missing.yaml").exists()


def test_once_records_then_only_replays(tmp_path: Path) -> None:
    path = tmp_path / "once.yaml"
    fake = FakeLLM("recorded answer")
    with fake.serve() as server:
        assert _ask(Recorder(path, mode="once"), server.base_url, "hi") == ["recorded answer"]
        # The file exists now: `once` replays, and a new request is a mismatch, not a call.
        assert _ask(Recorder(path, mode="once"), server.base_url, "hi") == ["recorded answer"]
        with pytest.raises(CassetteMismatch, match=r"\$\.messages\[0\]\.content: recorded"):
            _ask(Recorder(path, mode="once"), server.base_url, "something else")
    assert len(fake.requests) == 1


def test_new_episodes_records_only_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "episodes.yaml"
    fake = FakeLLM("first answer", "second answer")
    with fake.serve() as server:
        _ask(Recorder(path, mode="all"), server.base_url, "first")
        recorder = Recorder(path, mode="new_episodes")
        answers = _ask(recorder, server.base_url, "first", "second")
    assert answers == ["first answer", "second answer"]
    assert [r.messages[0]["content"] for r in fake.requests] == ["first", "second"]
    assert recorder.recorded == 1
    interactions = Cassette.load(path).interactions
    assert [i.request.json["messages"][0]["content"] for i in interactions] == ["first", "second"]
    assert [item["id"] for item in yaml.safe_load(path.read_text())["interactions"]] == [0, 1]


def test_all_rerecords_everything(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    fake = FakeLLM("old", "new")
    with fake.serve() as server:
        _ask(Recorder(path, mode="all"), server.base_url, "hi")
        assert _ask(Recorder(path, mode="all"), server.base_url, "hi") == ["new"]
    [interaction] = Cassette.load(path).interactions
    assert '"content":"new"' in interaction.response.body
    assert len(fake.requests) == 2


def test_the_mode_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert record_mode() is RecordMode.NONE
    monkeypatch.setenv(RECORD_MODE_ENV, " New_Episodes ")
    assert record_mode() is RecordMode.NEW_EPISODES
    assert Recorder("unused.yaml").mode is RecordMode.NEW_EPISODES
    assert Recorder("unused.yaml", mode="all").mode is RecordMode.ALL  # explicit wins
    monkeypatch.setenv(RECORD_MODE_ENV, "sometimes")
    with pytest.raises(ValueError, match=f"{RECORD_MODE_ENV} must be one of none, once"):
        Recorder("unused.yaml")
    with pytest.raises(ValueError, match="the record mode must be"):
        record_mode("never")


def test_the_recorder_says_what_it_is() -> None:
    assert repr(Recorder("x.yaml", mode="once")) == "Recorder('x.yaml', mode='once')"


# -- matching: which recorded interaction answers a request --------------------------------------


def test_a_cassette_recorded_on_one_port_replays_on_another(tmp_path: Path) -> None:
    """A local server binds a new port each run: the host and port are not matched by default."""
    path = tmp_path / "local.yaml"
    with FakeLLM("recorded answer").serve() as first:
        recorded_at = first.base_url
        assert _ask(Recorder(path, mode="once"), recorded_at, "hi") == ["recorded answer"]
    later = FakeLLM("a live answer")
    with later.serve() as second:
        assert second.base_url != recorded_at
        assert _ask(Recorder(path, mode="none"), second.base_url, "hi") == ["recorded answer"]
    assert later.requests == []  # replayed, not called
    # The same through the transport and the server, and sync or async alike.
    cassette = Cassette.load(path)
    with ls.Client(cerebras("http://localhost:1/v1"), transport=ReplayTransport(cassette)) as c:
        assert c.generate(model="m", messages=[ls.user("hi")]).text == "recorded answer"
    with ReplayServer(cassette) as server:
        base = server.base_url("http://other.test:9/v1")
        with ls.Client(cerebras(base, key="k"), max_retries=0) as client:
            assert client.generate(model="m", messages=[ls.user("hi")]).text == "recorded answer"


def _cassette(*urls: str) -> Cassette:
    """A cassette answering "hi" at each URL in turn."""
    answer = FakeLLM("recorded").transport
    interactions = []
    for url in urls:
        with httpx.Client(transport=answer) as http:
            body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
            reply = http.post(url, content=body)
        interactions.append(
            Interaction(
                RecordedRequest("POST", url, body),
                RecordedResponse(reply.status_code, reply.text, {"Content-Type": ["text/plain"]}),
            )
        )
    return Cassette(path=Path("tests/cassettes/made.yaml"), interactions=tuple(interactions))


def _post(transport: httpx.BaseTransport, url: str, content: str = "hi") -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": content}]}
    with httpx.Client(transport=transport) as http:
        return http.post(url, json=body)


def test_matching_the_host_and_port_is_an_option() -> None:
    recorded = "http://127.0.0.1:8080/v1/chat/completions"
    cassette = _cassette(recorded)
    strict = ReplayTransport(cassette, match_on=("method", "host", "port", "path"))
    with pytest.raises(CassetteMismatch) as caught:
        _post(strict, "http://127.0.0.1:5555/v1/chat/completions")
    assert str(caught.value) == (
        "no recorded interaction matches POST http://127.0.0.1:5555/v1/chat/completions; the "
        "nearest, interaction 0 of tests/cassettes/made.yaml, was recorded for POST "
        f"{recorded}:\n  port: recorded 8080, sent 5555"
    )
    assert _post(strict, recorded).status_code == 200
    assert _post(ReplayTransport(cassette), "https://elsewhere.test/v1/chat/completions").text
    with pytest.raises(ValueError, match=r"got 'url', 'body' \(the body is matched unless"):
        ReplayTransport(cassette, match_on=("method", "url", "body"))
    with pytest.raises(ValueError, match="cannot match on the scheme"):
        ReplayServer(cassette, match_on=("scheme", "path"))


def test_a_mismatch_names_the_nearest_recording_and_everything_that_differs() -> None:
    cassette = _cassette(
        "https://api.example.com/v1/models",
        "https://api.example.com/v1/chat/completions",
    )
    transport = ReplayTransport(cassette)
    with pytest.raises(CassetteMismatch) as caught:
        _post(transport, "http://127.0.0.1:1/v1/chat/completions?trace=1", content="hello")
    assert str(caught.value) == (
        "no recorded interaction matches POST http://127.0.0.1:1/v1/chat/completions?trace=1; "
        "the nearest, interaction 1 of tests/cassettes/made.yaml, was recorded for POST "
        "https://api.example.com/v1/chat/completions:\n"
        "  query: recorded (none), sent trace=1\n"
        '  $.messages[0].content: recorded "hi", sent "hello"'
    )


def test_a_request_made_more_often_than_recorded_says_so() -> None:
    transport = ReplayTransport(_cassette("https://api.example.com/v1/chat/completions"))
    assert _post(transport, "http://127.0.0.1:1/v1/chat/completions").status_code == 200
    with pytest.raises(CassetteMismatch) as caught:
        _post(transport, "http://127.0.0.1:1/v1/chat/completions")
    assert str(caught.value) == (
        "no recorded interaction left for POST http://127.0.0.1:1/v1/chat/completions: 1 "
        "recorded for it already answered (interaction 0 of tests/cassettes/made.yaml last); "
        "each recorded interaction answers one request"
    )
