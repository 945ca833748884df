"""A conversation: prompts in, streamed replies out, the history kept between turns."""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import llmstream as ls

from ._render import Renderer

__all__ = ["TOOLS_NOT_RUN", "Chat", "Outcome", "prompts"]

# What the model is told for each tool call it made: the history needs an answer to every call
# (OpenAI-style APIs reject a call left unanswered), and the truth is the best answer.
TOOLS_NOT_RUN = (
    "This tool was not run: the chat client that sent this conversation cannot run tools. "
    "Answer without it."
)

HELP = "/reset clears the history, /exit or /quit leaves (so do Ctrl-D and Ctrl-C at the prompt)"


class Outcome(enum.Enum):
    """How one turn ended."""

    DONE = "done"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


@dataclass
class Chat:
    """One conversation with one model; `turn()` streams a reply to a prompt."""

    client: ls.Client
    model: str
    renderer: Renderer
    options: dict[str, Any] = field(default_factory=dict)
    system: str | None = None
    keep_history: bool = True
    history: list[ls.MessageLike] = field(default_factory=list)

    def messages_for(self, prompt: str) -> list[ls.MessageLike]:
        """What one call sends: the system message, the history, the new prompt."""
        first: list[ls.MessageLike] = [ls.system(self.system)] if self.system else []
        return [*first, *self.history, ls.user(prompt)]

    def turn(self, prompt: str) -> Outcome:
        """Stream the reply to `prompt`; keep both in the history only if the reply finished.

        Ctrl-C stops the reply (leaving the `with` block closes the connection) and returns
        `INTERRUPTED`; an `APIError` is shown and returns `FAILED`. A `ConfigurationError` is
        raised: every later turn would fail the same way.
        """
        renderer = self.renderer
        renderer.begin()
        try:
            with self.client.stream(
                model=self.model, messages=self.messages_for(prompt), **self.options
            ) as stream:
                for event in stream:
                    renderer.event(event)
                reply = stream.message
        except KeyboardInterrupt:
            renderer.stopped("[interrupted]")
            return Outcome.INTERRUPTED
        except ls.APIError as error:
            renderer.stopped(f"error: {error}")
            return Outcome.FAILED
        renderer.end(reply)
        if reply.tool_calls:
            renderer.note("[llmstream chat does not run tools: each call was answered 'not run']")
        if self.keep_history:
            self.history += [ls.user(prompt), reply]
            self.history += [ls.tool_result(call, TOOLS_NOT_RUN) for call in reply.tool_calls]
        return Outcome.DONE

    def converse(self, lines: Iterator[str]) -> int:
        """Answer prompt after prompt until `lines` ends or the user leaves; the exit status."""
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                command = text.split()[0].lower()
                if command in ("/exit", "/quit"):
                    return 0
                if command == "/reset":
                    self.history.clear()
                    self.renderer.note("[history cleared]")
                    continue
                if command in ("/help", "/?"):
                    self.renderer.note(HELP)
                    continue
                # Anything else starting with "/" is a prompt like any other.
            self.turn(line.rstrip("\n"))
        return 0


def prompts(stdin: TextIO, prompt_to: TextIO, *, prompt: str = "you> ") -> Iterator[str]:
    """Lines typed at `prompt`, until end of input.

    On a terminal `input()` reads them (with line editing, through readline where there is
    one). From a pipe (`--interactive`) each line is read as it comes and echoed after the
    prompt, so the transcript reads like the conversation it was.
    """
    terminal = stdin.isatty()
    if terminal:
        _enable_line_editing()
    while True:
        if terminal and stdin is sys.stdin and prompt_to is sys.stdout:
            try:
                line = input(prompt)
            except EOFError:
                prompt_to.write("\n")
                return
        else:
            prompt_to.write(prompt)
            prompt_to.flush()
            line = stdin.readline()
            if not line:
                prompt_to.write("\n")
                return
            if not terminal:
                prompt_to.write(line if line.endswith("\n") else line + "\n")
        yield line


def _enable_line_editing() -> None:
    # Importing readline gives input() line editing and history; Windows, or a Python built
    # without it, has none.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def one_prompt(words: Sequence[str], stdin: TextIO) -> str:
    """The one-shot prompt: the PROMPT words, then whatever was piped into stdin."""
    parts = [" ".join(words)] if words else []
    if not stdin.isatty():
        piped = stdin.read()
        if piped.strip():
            parts.append(piped.strip("\n"))
    return "\n\n".join(parts)
