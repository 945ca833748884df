"""`llmstream chat`: stream a conversation with any provider in the terminal.

The `llmstream` console script and `python -m llmstream` both run `main()`. Nothing here is
imported by `import llmstream`; the CLI uses only llmstream's public API (the sync `ls.Client`:
a terminal reads one reply at a time, and a blocking read is what Ctrl-C interrupts cleanly).
See docs/cli.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import llmstream as ls

from ._args import UsageError, build_parser, call_options, make_provider
from ._chat import Chat, Outcome, one_prompt, prompts
from ._render import JsonRenderer, Renderer, Style, TranscriptRenderer

__all__ = ["main"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `llmstream` command line with `argv` (default: `sys.argv[1:]`); the exit status.

    Errors are one line on stderr, never a traceback: 2 for bad options or configuration, 1 when
    the provider or the connection failed, 130 for Ctrl-C at the prompt or in a one-shot reply.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "chat":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return _chat(args, sys.stdin, sys.stdout, sys.stderr, os.environ)
    except KeyboardInterrupt:
        _say(sys.stdout, "")  # the shell's prompt starts on a line of its own
        return EXIT_INTERRUPTED
    except (UsageError, ls.ConfigurationError) as error:
        _say(sys.stderr, f"llmstream chat: {error}")
        return EXIT_USAGE
    except ls.LLMStreamError as error:
        _say(sys.stderr, f"llmstream chat: {error}")
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit-time flush of
        # stdout from complaining about the same pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


def _say(stream: TextIO, line: str) -> None:
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):  # a closed or broken stream: nothing more to say
        pass


def _chat(
    args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO, environ: Mapping[str, str]
) -> int:
    provider, model = make_provider(args, environ)
    options = call_options(args)
    renderer = _renderer(args, out, err)
    interactive = args.interactive or (not args.prompt and stdin.isatty())
    prompt = "" if interactive else one_prompt(args.prompt, stdin)
    if not interactive and not prompt.strip():
        raise UsageError("no prompt: give one as arguments or on stdin (see llmstream chat --help)")
    with ls.Client(provider) as client:
        chat = Chat(
            client,
            model,
            renderer,
            options=options,
            system=args.system,
            keep_history=not args.no_history,
        )
        if interactive:
            # In --json mode stdout holds events only, so the prompt goes to stderr.
            return chat.converse(prompts(stdin, err if args.json else out))
        outcome = chat.turn(prompt)
    return {
        Outcome.DONE: 0,
        Outcome.FAILED: EXIT_FAILED,
        Outcome.INTERRUPTED: EXIT_INTERRUPTED,
    }[outcome]


def _renderer(args: argparse.Namespace, out: TextIO, err: TextIO) -> Renderer:
    if args.json:
        return JsonRenderer(out, err)
    # A model may write characters the terminal's encoding lacks: show a replacement instead
    # of failing mid-reply.
    for stream in (out, err):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    return TranscriptRenderer(
        out,
        err,
        style=Style.detect(out),
        reasoning=args.reasoning,
        columns=lambda: shutil.get_terminal_size().columns,
    )
