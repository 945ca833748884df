"""`llmstream chat`, run as `main(argv)` in this process and as `python -m llmstream`, against
the fake LLM and the replay server: what it prints, what it sends, how it fails and stops.

The real-terminal tests (tmux) are in test_cli_terminal.py.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pydantic
import pytest

import llmstream as ls
from llmstream._cli import main
from llmstream._cli._args import build_parser
from llmstream._cli._chat import TOOLS_NOT_RUN
from llmstream._cli._render import Style, TranscriptRenderer, clean, rows_of
from llmstream.testing import (
    Cassette,
    FakeLLM,
    FakeServer,
    ReplayServer,
    Reply,
    error_event,
    stall,
    status,
    tool_call,
)

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "tests" / "cassettes"
KEYS = ("OPENAI_API_KEY", "GROQ_API_KEY", "CEREBRAS_API_KEY", "XAI_API_KEY")
EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ls.StreamEvent)

THINKING = Reply(
    "Olá! Tudo bem?",
    reasoning="The user wants a greeting in Portuguese.",
    usage=(12, 34),
)
CALLING = Reply(
    "Let me check.",
    reasoning="Weather needs the tool.",
    tool_calls=[tool_call("weather", {"location": "Florence"}, id="call_w")],
)


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever keys the machine has, the CLI under test never sees them."""
    for name in (*KEYS, "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


@pytest.fixture
def served(fake: FakeLLM) -> FakeServer:
    return fake.serve()


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def events(self) -> list[Any]:
        return [EVENTS.validate_json(line) for line in self.out.splitlines()]


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> Run:
    """`llmstream <argv>` in this process, `stdin` piped in."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return Run(code, captured.out, captured.err)


def chat(server: FakeServer, *options: str) -> list[str]:
    return ["chat", "--base-url", server.base_url, "--model", "fake", *options]


# -- a reply, as people read it and as programs do -------------------------------------------


def test_one_prompt_from_stdin_shows_reasoning_answer_and_usage(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(THINKING)
    options = ("--system", "Be brief", "--max-tokens", "300", "--temperature", "0.5")
    result = run(capsys, monkeypatch, *chat(served, *options), stdin="Say hi in Portuguese\n")
    assert result.code == 0
    # Not a terminal: plain text, the reasoning kept and followed by its one-line summary.
    assert "\033[" not in result.out
    assert re.fullmatch(
        r"The user wants a greeting in Portuguese\.\n"
        r"\[thought for \d+\.\ds, 40 chars\]\n"
        r"Olá! Tudo bem\?\n"
        r"\[in 12, out 34\]\n",
        result.out,
    ), result.out
    [request] = served.fake.requests
    assert request.messages == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Say hi in Portuguese"},
    ]
    assert request.body["max_tokens"] == 300
    assert request.body["temperature"] == 0.5


def test_a_prompt_in_arguments_with_stdin_appended(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add("A short poem.")
    result = run(capsys, monkeypatch, *chat(served, "Summarize", "this:"), stdin="roses\nare red")
    assert result.code == 0
    assert result.out.startswith("A short poem.\n[in 10, out 5]")
    assert served.fake.requests[0].messages[-1]["content"] == "Summarize this:\n\nroses\nare red"


def test_a_tool_call_is_shown_and_never_run(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(CALLING)
    result = run(capsys, monkeypatch, *chat(served, "--reasoning", "hide"), stdin="Weather?")
    assert result.code == 0
    assert "Weather needs the tool." not in result.out  # hidden: only its summary line
    assert re.search(r"\[thought for [\d.]+s, 23 chars\]\nLet me check\.\n", result.out)
    assert '→ weather({"location": "Florence"})\n[in 10, out 5]\n' in result.out
    assert "does not run tools" in result.err


def test_json_lines_validate_as_stream_events(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(CALLING)
    result = run(capsys, monkeypatch, *chat(served, "--json"), stdin="Weather?")
    assert result.code == 0
    events = result.events()  # every line of stdout is one event
    kinds = [kind for kind, _ in itertools.groupby(type(event).__name__ for event in events)]
    assert kinds == [
        *("ReasoningDelta", "ReasoningEnd", "TextDelta"),
        *("ToolCallStart", "ToolCallDelta", "ToolCallEnd", "Usage", "Finish"),
    ]
    assert "".join(e.text for e in events if isinstance(e, ls.TextDelta)) == "Let me check."
    assert events[-3].tool_call.parsed_arguments == {"location": "Florence"}
    assert "does not run tools" in result.err  # people are told on stderr


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_the_sources_an_answer_cites_follow_it_numbered(
    api: str,
    served: FakeServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources: list[ls.Citation | str] = [
        ls.Citation(url="https://example.org/tokyo", title="Tokyo", start=0, end=5),
        ls.Citation(url="https://example.org/tokyo", title="Tokyo", start=10, end=14),  # again
        "https://example.org/bare\x1b]0;pwned\x07",
        ls.Citation(file_id="file-1", filename="notes.txt", start=3, end=3),
    ]
    served.fake.add(Reply("Tokyo has 14 million people.", citations=sources, usage=(3, 4)))
    result = run(capsys, monkeypatch, *chat(served, "--api", api), stdin="Population?\n")
    assert result.code == 0
    assert result.out == (
        "Tokyo has 14 million people.\n"
        "\n"
        "[1] Tokyo <https://example.org/tokyo>\n"
        "[2] https://example.org/bare]0;pwned\n"
        "[3] notes.txt (file-1)\n"
        "[in 3, out 4]\n"
    )
    served.fake.add(Reply("Tokyo.", citations=sources[:1]))
    result = run(capsys, monkeypatch, *chat(served, "--api", api, "--json"), stdin="Again\n")
    [event] = [e for e in result.events() if isinstance(e, ls.CitationAdded)]
    assert event.citation.url == "https://example.org/tokyo"


def test_json_interactive_prompts_on_stderr(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add("one", "two")
    result = run(capsys, monkeypatch, *chat(served, "--json", "-i"), stdin="first\nsecond\n")
    assert result.code == 0
    texts = [event.text for event in result.events() if isinstance(event, ls.TextDelta)]
    assert texts == ["one", "two"]
    assert result.err.count("you> ") == 3  # two prompts answered, then end of input


def test_terminal_output_dims_and_folds_the_reasoning() -> None:
    out = io.StringIO()
    renderer = TranscriptRenderer(
        out,
        io.StringIO(),
        style=Style(terminal=True, color=True),
        columns=lambda: 10,
        clock=lambda: 0.0,
    )
    renderer.begin()
    for event in [
        ls.ReasoningDelta(text="twelve chars"),  # 2 rows at 10 columns
        ls.ReasoningDelta(text="\nmore\tthought\x1b]0;pwned\x07"),  # 3 more; the escape dropped
        ls.ReasoningEnd(text="twelve chars\nmore\tthought"),
        ls.TextDelta(text="Answer"),
    ]:
        renderer.event(event)
    renderer.end(ls.AssistantMessage(text="Answer"))
    dim, reset = "\033[2m", "\033[0m"
    assert out.getvalue() == (
        f"{dim}twelve chars{reset}"
        f"{dim}\nmore    thought]0;pwned{reset}"
        "\r\033[4A\033[J"  # back up to the block's first row, and erase it all
        f"{dim}[thought for 0.0s, 25 chars]{reset}\n"
        "Answer\n"
        f"{dim}[no usage reported]{reset}\n"
    )


@pytest.mark.parametrize(
    ("text", "columns", "rows"),
    [
        ("", 10, 1),
        ("abc", 10, 1),
        ("a" * 10, 10, 1),  # exactly full: the cursor waits on the same row
        ("a" * 11, 10, 2),
        ("abc\n", 10, 2),  # the cursor is on the next row
        ("abc\n\ndef", 10, 3),
        ("日本語です", 5, 2),  # wide characters take two cells
        ("e\u0301" * 6, 5, 2),  # combining accents take none
    ],
)
def test_rows_a_reasoning_block_fills(text: str, columns: int, rows: int) -> None:
    assert rows_of(text, columns) == rows


def test_model_text_cannot_drive_the_terminal() -> None:
    assert clean("a\x1b[2Jb\x07c\x9b31md\re\tf\ng") == "a[2Jbc31mde\tf\ng"


def test_no_color_keeps_the_fold_but_drops_the_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm")
    assert Style.detect(Terminal()) == Style(terminal=True, color=True)
    assert Style.detect(io.StringIO()) == Style(terminal=False, color=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert Style.detect(Terminal()) == Style(terminal=True, color=False)
    monkeypatch.setenv("TERM", "dumb")
    assert Style.detect(Terminal()) == Style(terminal=False, color=False)


# -- a conversation --------------------------------------------------------------------------


def test_turns_keep_the_history_and_reset_clears_it(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(THINKING, CALLING, "third", "fourth")
    lines = "Say hi\nWeather?\nAnd now?\n/reset\n\nAgain\n/exit\nnever sent\n"
    result = run(capsys, monkeypatch, *chat(served, "-i", "--system", "S"), stdin=lines)
    assert result.code == 0
    first, second, third, fourth = (request.messages for request in served.fake.requests)
    assert first == [{"role": "system", "content": "S"}, {"role": "user", "content": "Say hi"}]
    # The reply goes back as it came, reasoning included (compatible servers read it back).
    assert second[2] == {
        "role": "assistant",
        "content": "Olá! Tudo bem?",
        "reasoning_content": "The user wants a greeting in Portuguese.",
    }
    # The unanswered tool call is answered, so the history stays valid for every provider.
    assert [message["role"] for message in third] == [
        *("system", "user", "assistant", "user", "assistant", "tool", "user"),
    ]
    assert third[5] == {"role": "tool", "tool_call_id": "call_w", "content": TOOLS_NOT_RUN}
    assert fourth == [{"role": "system", "content": "S"}, {"role": "user", "content": "Again"}]
    # The transcript reads like the conversation: each prompt echoed after `you> `.
    assert result.out.count("you> ") == 7  # commands and the empty line too
    assert "you> Say hi\n" in result.out
    assert "[history cleared]" in result.err


def test_no_history_sends_each_prompt_alone(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add("one", "two")
    run(capsys, monkeypatch, *chat(served, "-i", "--no-history"), stdin="a\nb\n")
    assert [len(request.messages) for request in served.fake.requests] == [1, 1]


def test_a_failed_turn_is_shown_and_the_chat_goes_on(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(status(400, message="bad prompt"), "fine")
    result = run(capsys, monkeypatch, *chat(served, "-i"), stdin="bad\ngood\n")
    assert result.code == 0
    assert "error: openai-compatible: bad prompt" in result.err
    assert "fine\n[in 10, out 5]" in result.out
    # The failed turn is not in the history.
    assert served.fake.requests[1].messages == [{"role": "user", "content": "good"}]


# -- the Responses API ------------------------------------------------------------------------


def test_api_responses_speaks_the_responses_api_and_shows_the_same(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(THINKING, THINKING)
    said = []
    for api in ("chat", "responses"):
        result = run(capsys, monkeypatch, *chat(served, "--api", api), stdin="Say hi\n")
        assert result.code == 0
        said.append(re.sub(r"thought for \d+\.\ds", "thought", result.out))
    assert said[0] == said[1]
    assert [r.path for r in served.fake.requests] == ["/v1/chat/completions", "/v1/responses"]
    assert served.fake.requests[1].input == [
        {"role": "user", "content": [{"type": "input_text", "text": "Say hi"}]}
    ]


def test_a_responses_conversation_sends_each_reply_back_as_its_items(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fake.add(CALLING, "Sunny.")
    options = ("--api", "responses", "--reasoning-summary", "auto", "--reasoning-effort", "low",
               "--json", "-i")  # fmt: skip
    result = run(capsys, monkeypatch, *chat(served, *options), stdin="Weather?\nAnd now?\n")
    assert result.code == 0
    first, second = served.fake.requests
    assert first.body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert first.body["store"] is False
    kinds = [item.get("type", item.get("role")) for item in second.input]
    # A compatible server is not asked for encrypted reasoning: the summary alone cannot go
    # back, so the reply goes back as its message and its call (answered 'not run').
    assert kinds == ["user", "message", "function_call", "function_call_output", "user"]
    assert second.input[3] == {"type": "function_call_output", "call_id": "call_w",
                                "output": TOOLS_NOT_RUN}  # fmt: skip
    reasoning = [e for e in result.events() if isinstance(e, ls.ReasoningDelta)]
    assert "".join(e.text for e in reasoning) == "Weather needs the tool."


def test_cerebras_has_no_responses_api_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEREBRAS_API_KEY", "csk-test")
    result = run(capsys, monkeypatch, "chat", "--provider", "cerebras", "--api", "responses", "hi")
    assert result.code == 2
    assert "Cerebras has no Responses API" in result.err
    assert "csk-test" not in result.err


# -- replaying recorded provider traffic -----------------------------------------------------


def tour() -> Cassette:
    """Recorded xAI reasoning, then a recorded Cerebras tool call, both at `https://tour.test/v1`
    so that one chat gets the two, turn after turn."""
    xai = Cassette.load(CASSETTES / "xai-simple_streaming.yaml").interactions[0]
    tool = Cassette.load(CASSETTES / "cerebras-tool_streaming.yaml").interactions[0]
    url = "https://tour.test/v1/chat/completions"
    return Cassette(
        path=CASSETTES / "tour",
        interactions=tuple(replace(i, request=replace(i.request, url=url)) for i in (xai, tool)),
    )


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    """The seeds, each at its recorded address, and the tour. The CLI's requests need not match
    the recorded bodies; each test below asks at its own address. One server for the module: a
    ReplayServer takes half a second to stop."""
    seeds = [Cassette.load(CASSETTES / name) for name in
             ("xai-simple_streaming.yaml", "cerebras-tool_streaming.yaml")]  # fmt: skip
    with ReplayServer(
        *seeds, tour(), match_on=("method", "host", "path"), match_body=False
    ) as server:
        yield server


def test_replay_xai_reasoning_as_a_named_provider(
    replay: ReplayServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", "replay-key")
    base = replay.base_url("https://api.x.ai/v1")
    result = run(capsys, monkeypatch, "chat", "--provider", "xai", "--base-url", base, "hi")
    assert result.code == 0
    assert result.out.startswith('First, the user said: "Say hi in Portuguese."\n[thought for')
    # xAI leaves reasoning out of completion_tokens; llmstream adds it back (2 + 198). The cost
    # is xAI's own: 3080400 ticks of 1e-10 USD.
    assert result.out.endswith(
        "chars]\nOlá!\n[in 213, cached 192, out 200, reasoning 198, cost 0.00030804 USD]\n"
    )
    sent = replay.matcher.requests[-1]
    assert sent["model"] == "grok-code-fast-1"  # xAI's default model
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


def test_replay_cerebras_tool_call_as_json(
    replay: ReplayServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = replay.base_url("https://api.cerebras.ai/v1")
    prompt = "What's the weather in Florence,Italy?"
    result = run(capsys, monkeypatch, "chat", "--base-url", base, "--model", "m", "--json", prompt)
    assert result.code == 0
    events = result.events()
    [end] = [event for event in events if isinstance(event, ls.ToolCallEnd)]
    assert end.tool_call.name == "weather"
    assert end.tool_call.parsed_arguments == {"location": "Florence,Italy"}
    assert isinstance(events[-1], ls.Finish)
    assert events[-1].reason == "tool_calls"


def test_replay_a_conversation_with_reasoning_and_a_tool_call(
    replay: ReplayServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = replay.base_url("https://tour.test/v1")
    lines = "Say hi in Portuguese\nWhat's the weather in Florence,Italy?\n"
    result = run(capsys, monkeypatch, "chat", "--base-url", base, "--model", "m", "-i", stdin=lines)
    assert result.code == 0
    assert "Olá!\n[in 213, cached 192, out 200, reasoning 198]\n" in result.out
    assert '→ weather({"location": "Florence,Italy"})\n[in 277, out 25]\n' in result.out
    second = replay.matcher.requests[-1]["messages"]
    assert second[1]["reasoning_content"].startswith("First, the user said")


# -- how it fails ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["chat", "hi"], "no provider chosen: set one of OPENAI_API_KEY, GROQ_API_KEY"),
        (["chat", "--provider", "groq", "hi"], "groq needs an API key: set GROQ_API_KEY"),
        (["chat", "--provider", "compatible", "hi"], "--provider compatible needs --base-url"),
        (["chat", "--base-url", "http://127.0.0.1:9/v1", "hi"], "--model is needed"),
        (["chat", "--base-url", "x", "--model", "m", "--api-key-env", "NOPE_KEY", "hi"],
         "NOPE_KEY is not set"),
        (["chat", "--base-url", "not a url", "--model", "m", "hi"],
         "base_url must be an http(s) URL"),
        (["chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--extra-body", "[1]",
          "hi"], "--extra-body must be a JSON object"),
        (["chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--tools", "/nope.json",
          "hi"], "--tools /nope.json: No such file"),
        (["chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--temperature", "nan",
          "hi"], "JSON has no NaN"),
        (["chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"], "no prompt"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_and_exit_2(
    argv: list[str],
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run(capsys, monkeypatch, *argv)
    assert result.code == 2
    assert result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("llmstream chat: ")
    assert says in line


def test_no_command_prints_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(capsys, monkeypatch)
    assert result.code == 2
    assert "chat" in result.err


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (status(401), "openai-compatible: "),
        (status(404, message="The model `fake` does not exist"), "does not exist"),
        (Reply("half an answer", faults=[error_event(after=2, message="it broke")]), "it broke"),
    ],
)
def test_provider_errors_are_one_line_and_exit_1(
    entry: Any,
    says: str,
    served: FakeServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served.fake.add(entry)
    result = run(capsys, monkeypatch, *chat(served), stdin="hi")
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.startswith("error: ")
    assert says in line


def test_a_refused_connection_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--max-retries", "0"]
    result = run(capsys, monkeypatch, *argv, stdin="hi")
    assert result.code == 1
    assert "127.0.0.1:9" in result.err


def test_a_key_is_read_from_the_named_variable_and_never_shown(
    served: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SERVER_KEY", "sk-cli-secret-0123456789")
    served.fake.add(status(401, message="bad key sk-cli-secret-0123456789"))
    result = run(capsys, monkeypatch, *chat(served, "--api-key-env", "MY_SERVER_KEY"), stdin="x")
    assert served.fake.requests[0].headers["authorization"] == "[redacted]"  # a key was sent
    assert result.code == 1
    assert "sk-cli-secret" not in result.err + result.out
    assert "[redacted]" in result.err


def test_tools_from_a_file_are_offered(
    served: FakeServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weather = {"name": "weather", "parameters": {"type": "object", "properties": {}}}
    (tmp_path / "tools.json").write_text(json.dumps([weather]))
    served.fake.add("ok")
    run(capsys, monkeypatch, *chat(served, "--tools", str(tmp_path / "tools.json")), stdin="x")
    assert served.fake.requests[0].body["tools"] == [{"type": "function", "function": weather}]


# -- the command itself ----------------------------------------------------------------------


def test_help_documents_every_option() -> None:
    chat_parser = build_parser()._subparsers._group_actions[0].choices["chat"]  # type: ignore[union-attr]
    text = chat_parser.format_help()
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    options = [o for action in chat_parser._actions for o in action.option_strings]
    options = [o for o in options if o not in ("-h", "--help")]
    assert len(options) > 15
    for option in options:
        assert option in text
        assert f"`{option}" in docs, f"docs/cli.md does not describe {option}"
    for action in chat_parser._actions:
        assert action.help, action.dest


def test_import_llmstream_does_not_import_the_cli() -> None:
    code = (
        "import sys, llmstream as ls, llmstream.testing\n"
        "ls.Client, ls.StreamEvent\n"
        "print('llmstream._cli' in sys.modules)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.stdout.strip() == "False", output.stderr


def test_the_console_script_is_declared() -> None:
    import importlib.metadata

    [script] = importlib.metadata.entry_points(group="console_scripts", name="llmstream")
    assert script.value == "llmstream._cli:main"
    assert script.load() is main


# -- Ctrl-C, as a signal to a real process ---------------------------------------------------


def cli_process(server: FakeServer, *options: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    return subprocess.Popen(
        [sys.executable, "-m", "llmstream", *chat(server, *options)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def wait_for(condition: Any, seconds: float = 30.0) -> None:
    """Wait for `condition`; `seconds` only bounds a hang (a CLI process started on a loaded
    2-core machine once took more than 10 s to send its request)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("after", "shown", "json_mode"),
    [
        pytest.param(0, "", False, id="waiting-for-the-first-event"),
        pytest.param(3, "Thinking hard.\n[thought for", False, id="mid-answer"),
        pytest.param(3, "", True, id="mid-answer-json"),
    ],
)
def test_ctrl_c_stops_a_one_shot_reply_without_a_traceback(
    after: int, shown: str, json_mode: bool, served: FakeServer
) -> None:
    cut = stall(after=after, seconds=30)
    served.fake.add(Reply("The answer is 42", reasoning="Thinking hard.", faults=[cut]))
    process = cli_process(served, *(["--json"] if json_mode else []), "What is the answer?")
    assert process.stdout is not None
    wait_for(lambda: len(served.fake.requests) == 1)
    received = b""
    if after:  # read what streamed before the stall: the reasoning and the answer's first word
        while b"The" not in received:
            received += os.read(process.stdout.fileno(), 65536)
    time.sleep(0.1)  # the server is stalling now, and the CLI waits in a read
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest, err_bytes = process.communicate(timeout=20)
    out, err = (received + rest).decode(), err_bytes.decode()
    assert time.monotonic() - start < 15  # not held until the stall ends (30 s)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert err.strip() == "[interrupted]"
    if json_mode:
        events = [EVENTS.validate_json(line) for line in out.splitlines()]
        assert len(events) == (4 if after else 0)  # 2 reasoning pieces, its end, 1 text piece
    else:
        assert out.startswith(shown)


def test_a_reader_that_goes_away_ends_it_quietly(served: FakeServer) -> None:
    served.fake.add(Reply(["word " * 50] * 2000))  # far more than a pipe holds
    process = cli_process(served, "Talk")
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.read(10) == b"word word "
    process.stdout.close()  # as `| head -c 10` does
    assert process.wait(timeout=10) == 1
    assert process.stderr.read() == b""
