"""`llmstream chat` in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads
the screen as a person would see it.

`chat_on_a_real_server(base_url)` drives the same checks against any OpenAI-compatible server
(the llama.cpp tier calls it with its own server); the tests here run it against the replay
server and the fake LLM.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from llmstream.testing import FakeLLM, ReplayServer, Reply, stall

from .test_cli import KEYS, tour

ROOT = Path(__file__).resolve().parents[1]
DIM = "\x1b[2m"
PROMPT = re.compile(r"^you>$", re.MULTILINE)  # capture-pane drops trailing spaces
USAGE = re.compile(
    r"^\[in \d+(, cached \d+)?, out \d+(, reasoning \d+)?(, cost [^,\]]+)?(, finish \w+)?\]$",
    re.MULTILINE,
)


class Tmux:
    """One tmux server on a private socket, running one program in a 120x40 window."""

    def __init__(self) -> None:
        if shutil.which("tmux") is None:
            # `python3 tasks.py test` installs tmux where it can (root and apt); CI always can.
            message = "these tests drive a real terminal through tmux: apt-get install tmux"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        self.socket = f"llmstream-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.screens: list[str] = []  # every distinct screen seen while waiting, with escapes

    def tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket, *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def start(self, argv: list[str]) -> None:
        """Run `argv` in the window; when it exits, its status is shown and the window stays."""
        # No provider keys and no NO_COLOR from the machine: the CLI sees a plain colour terminal.
        unset = [f"-u{name}" for name in (*KEYS, "NO_COLOR")]
        program = shlex.join(["env", *unset, *argv])
        shell = f'{program}; echo "[exit status $?]"; sleep 60'
        self.tmux("new-session", "-d", "-x", "120", "-y", "40", "-c", str(ROOT), shell)

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "0", *keys)

    def type_line(self, text: str) -> None:
        self.send("-l", text)  # literally, not as key names
        self.send("Enter")

    def screen(self, *, escapes: bool = False) -> str:
        """The visible pane; with `escapes`, with its colours and attributes as SGR sequences."""
        return self.tmux("capture-pane", "-p", "-t", "0", *(["-e"] if escapes else []))

    def wait_for(self, condition: Callable[[str], bool], seconds: float = 10.0) -> str:
        """Poll the screen until `condition(screen)` holds; the screen (without escapes)."""
        deadline = time.monotonic() + seconds
        while True:
            styled = self.screen(escapes=True)
            if not self.screens or self.screens[-1] != styled:
                self.screens.append(styled)
            plain = self.screen()
            if condition(plain):
                return plain
            if time.monotonic() > deadline:
                pytest.fail(f"the terminal never showed what was expected:\n{plain}")
            time.sleep(0.02)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Tmux]:
    tmux = Tmux()
    yield tmux
    tmux.kill()


def cli(*options: str) -> list[str]:
    return [sys.executable, "-m", "llmstream", "chat", *options]


def after_last_prompt_line(screen: str, prompt: str) -> str:
    """What the screen shows after the line where `prompt` was typed."""
    return screen.rsplit(f"you> {prompt}\n", 1)[-1]


def answered(prompt: str) -> Callable[[str], bool]:
    """The reply to `prompt` ended with its usage line, and the prompt is back."""

    def done(screen: str) -> bool:
        rest = after_last_prompt_line(screen, prompt)
        return f"you> {prompt}\n" in screen and bool(USAGE.search(rest) and PROMPT.search(rest))

    return done


def interrupted(screen: str) -> bool:
    """A reply was interrupted, and the prompt is back after it."""
    _, found, after = screen.rpartition("[interrupted]")
    return bool(found) and PROMPT.search(after) is not None


def test_a_conversation_shows_reasoning_answer_tool_call_and_usage(terminal: Tmux) -> None:
    """Recorded xAI reasoning and a recorded Cerebras tool call, replayed slowly enough to watch
    the reasoning stream dimmed before it folds."""
    with ReplayServer(tour(), event_delay=0.02, match_body=False) as server:
        terminal.start(cli("--base-url", server.base_url("https://tour.test/v1"), "--model", "m"))
        terminal.wait_for(lambda screen: PROMPT.search(screen) is not None)
        terminal.type_line("Say hi in Portuguese")
        terminal.wait_for(answered("Say hi in Portuguese"))
        terminal.type_line("What's the weather in Florence,Italy?")
        screen = terminal.wait_for(answered("What's the weather in Florence,Italy?"))

    # While it streamed, the reasoning was on screen, dimmed.
    assert any(f"{DIM}First, the user said" in seen for seen in terminal.screens)
    # Then it was folded into one line, and the answer, the tool call and the usage followed.
    lines = [line.rstrip() for line in screen.strip().splitlines()]
    assert lines[0] == "you> Say hi in Portuguese"
    assert re.fullmatch(r"\[thought for \d+\.\ds, 46 chars\]", lines[1])
    assert lines[2:] == [
        "Olá!",
        "[in 213, cached 192, out 200, reasoning 198]",
        "you> What's the weather in Florence,Italy?",
        '→ weather({"location": "Florence,Italy"})',
        "[in 277, out 25]",
        "[llmstream chat does not run tools: each call was answered 'not run']",
        "you>",
    ]
    assert "First, the user said" not in screen
    assert "Traceback" not in screen


def test_ctrl_c_stops_the_reply_and_the_prompt_comes_back(terminal: Tmux) -> None:
    fake = FakeLLM(
        # It stalls mid-reasoning: Ctrl-C lands while the terminal is printing dim text.
        Reply("The answer", reasoning="Thinking it over.", faults=[stall(after=2, seconds=30)]),
        Reply("Still here.", usage=(3, 2)),
    )
    with fake.serve() as server:
        terminal.start(cli("--base-url", server.base_url, "--model", "m"))
        terminal.wait_for(lambda screen: PROMPT.search(screen) is not None)
        terminal.type_line("What is the answer?")
        terminal.wait_for(lambda screen: "Thinking it" in screen)  # then the server stalls
        terminal.send("C-c")
        terminal.wait_for(interrupted)
        # The stream is over: the next prompt gets the next reply, and the history does not
        # hold the interrupted turn.
        terminal.type_line("Still there?")
        terminal.wait_for(answered("Still there?"))
        assert fake.requests[1].messages == [{"role": "user", "content": "Still there?"}]
        # Ctrl-C at the prompt leaves, with the status shells give Ctrl-C.
        terminal.send("C-c")
        screen = terminal.wait_for(lambda screen: "[exit status" in screen)
    assert "[exit status 130]" in screen
    assert "Traceback" not in screen
    # The reasoning was cut mid-line: the dim attribute ended with it, and what follows is
    # plain (tmux writes an SGR sequence wherever the attributes change).
    styled = terminal.screen(escapes=True)
    assert re.search(r"\x1b\[2mThinking it .*\^C\n\x1b\[2m\[interrupted\]\n", styled), styled
    assert re.search(r"\x1b\[49myou> Still there\?\nStill here\.\n\x1b\[2m\[in 3", styled), styled


WEATHER = {
    "name": "weather",
    "description": "Get weather information for a location",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
}


@contextmanager
def chat_session(base_url: str, model: str, *options: str) -> Iterator[Tmux]:
    """`llmstream chat` at `base_url` in a fresh terminal, its prompt shown."""
    terminal = Tmux()
    try:
        terminal.start(cli("--base-url", base_url, "--model", model, *options))
        terminal.wait_for(lambda screen: PROMPT.search(screen) is not None, seconds=30)
        yield terminal
    finally:
        terminal.kill()


def chat_on_a_real_server(
    base_url: str,
    *,
    model: str = "local",
    reasoning: bool = False,
    tools: bool = False,
    api: str = "chat",
) -> str:
    """`llmstream chat --api <api>` against a real server at `base_url`, in tmux: a short reply
    with its usage line (and folded reasoning when `reasoning`); with `tools`, a forced call to
    a weather tool (the server must be able to force one); then a reply that cannot end on its
    own (llama.cpp's `ignore_eos`) stopped with Ctrl-C, and Ctrl-C at the prompt. Returns the
    screens, for the log."""
    screens = []
    with chat_session(base_url, model, "--api", api, "--max-tokens", "24") as terminal:
        terminal.type_line("Say hi in Portuguese")
        screen = terminal.wait_for(answered("Say hi in Portuguese"), seconds=120)
        reply = after_last_prompt_line(screen, "Say hi in Portuguese")
        assert ("[thought for" in reply) == reasoning, reply
        assert "Traceback" not in screen
        screens.append(screen)

    if tools:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "tools.json").write_text(json.dumps([WEATHER]))
            forced = ("--tools", str(Path(folder) / "tools.json"), "--tool-choice", "required")
            one_call = ("--extra-body", '{"parallel_tool_calls": false}', "--max-tokens", "64")
            with chat_session(base_url, model, "--api", api, *forced, *one_call) as terminal:
                terminal.type_line("What is the weather in Paris?")
                screen = terminal.wait_for(answered("What is the weather in Paris?"), seconds=120)
        reply = after_last_prompt_line(screen, "What is the weather in Paris?")
        assert re.search(r"^→ weather\(\{\"location\": \".+\"\}\)$", reply, re.MULTILINE), reply
        assert "does not run tools" in reply
        screens.append(screen)

    long_reply = ("--max-tokens", "4096", "--extra-body", '{"ignore_eos": true}')
    with chat_session(base_url, model, "--api", api, *long_reply) as terminal:
        terminal.type_line("Tell me a long story")
        terminal.wait_for(
            lambda s: len(after_last_prompt_line(s, "Tell me a long story").strip()) > 20,
            seconds=120,
        )
        terminal.send("C-c")
        screen = terminal.wait_for(interrupted)
        assert "Traceback" not in screen
        terminal.send("C-c")
        screens.append(terminal.wait_for(lambda s: "[exit status 130]" in s))
    return "\n".join(screens)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_the_real_server_check_passes_on_a_fake_one(api: str) -> None:
    """`chat_on_a_real_server` itself, against a fake that stands in for llama.cpp (it stalls
    where llama.cpp would go on until max_tokens), on either API."""
    fake = FakeLLM(
        Reply("Olá!", reasoning="A greeting.", usage=(9, 4)),
        Reply(tool_calls=[("weather", {"location": "Paris"})]),
        # It stalls once the story is on screen: the Responses API sends four events first.
        Reply(
            "Once upon a time, in a land far away",
            faults=[stall(after=6 if api == "chat" else 10, seconds=30)],
        ),
    )
    with fake.serve() as server:
        screens = chat_on_a_real_server(server.base_url, reasoning=True, tools=True, api=api)
    assert "Olá!" in screens
    assert {request.api for request in fake.requests} == {api}
    assert fake.requests[1].body["tool_choice"] == "required"
    assert fake.requests[2].body["ignore_eos"] is True
