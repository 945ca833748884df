"""The command line: `llmstream chat [options] [PROMPT...]`, and what its options build."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llmstream as ls

__all__ = ["PROVIDERS", "UsageError", "build_parser", "call_options", "make_provider"]


class UsageError(Exception):
    """The command line cannot work as given; the message says what to pass instead."""


@dataclass(frozen=True)
class Known:
    """A provider the CLI knows by name."""

    make: Callable[..., ls.Provider]
    key_env: str
    model: str  # a default that streams reasoning where the provider can


# In this order: with neither --provider nor --base-url, the first whose key is set is used.
# (Lambdas, so that `--help` and a bad option never load the provider classes.)
PROVIDERS: Mapping[str, Known] = {
    "openai": Known(lambda **kw: ls.OpenAI(**kw), "OPENAI_API_KEY", "gpt-5-mini"),
    "groq": Known(lambda **kw: ls.Groq(**kw), "GROQ_API_KEY", "openai/gpt-oss-20b"),
    "cerebras": Known(lambda **kw: ls.Cerebras(**kw), "CEREBRAS_API_KEY", "gpt-oss-120b"),
    "xai": Known(lambda **kw: ls.XAI(**kw), "XAI_API_KEY", "grok-code-fast-1"),
}

EPILOG = """\
examples:
  llmstream chat                                   # the first provider whose key is set
  llmstream chat --provider groq --model openai/gpt-oss-20b
  llmstream chat --base-url http://127.0.0.1:8080/v1 --model local   # llama.cpp, vLLM, Ollama...
  llmstream chat --provider openai --api responses --reasoning-summary auto
  echo "Say hi in Portuguese" | llmstream chat     # one prompt from stdin, then exit
  llmstream chat --json "Say hi" | jq -c .         # every event as a JSON line

in a chat: /reset clears the history, /exit or /quit (or Ctrl-D) leaves; Ctrl-C stops a reply,
and leaves when pressed at the prompt.

exit status: 0 done, 1 the provider or the connection failed, 2 bad options or configuration,
130 interrupted (Ctrl-C at the prompt, or during a one-shot reply).
"""


def build_parser() -> argparse.ArgumentParser:
    """The `llmstream` parser, with its one command, `chat`."""
    parser = argparse.ArgumentParser(
        prog="llmstream", description="Stream chat completions in the terminal."
    )
    parser.add_argument("--version", action="version", version=f"llmstream {ls.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = commands.add_parser(
        "chat",
        help="stream a conversation with a model",
        description=(
            "Stream a conversation with a model: reasoning dimmed and folded when the answer\n"
            "starts, tool calls and usage shown. Interactive on a terminal; with stdin piped\n"
            "or a PROMPT given, one prompt and its answer."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_chat_options(chat)
    return parser


def _add_chat_options(chat: argparse.ArgumentParser) -> None:
    chat.add_argument(
        "prompt",
        nargs="*",
        metavar="PROMPT",
        help="one prompt to answer, then exit; piped stdin is appended to it",
    )
    where = chat.add_argument_group("provider")
    where.add_argument(
        "--provider",
        choices=[*PROVIDERS, "compatible"],
        help="who answers; default: compatible with --base-url, else the first of "
        + ", ".join(f"{name} ({known.key_env})" for name, known in PROVIDERS.items())
        + " whose key is set",
    )
    where.add_argument(
        "--base-url",
        metavar="URL",
        help="an OpenAI-compatible server up to /v1 (e.g. http://127.0.0.1:8080/v1); with "
        "--provider NAME, that provider at this URL",
    )
    where.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="the environment variable holding the key; a compatible server gets no key "
        "unless this names one",
    )
    where.add_argument(
        "--api",
        choices=["chat", "responses"],
        default="chat",
        help="the API to speak: chat completions (chat, the default) or the Responses API "
        "(responses: reasoning summaries, reasoning carried between turns); cerebras has only "
        "chat",
    )
    where.add_argument(
        "--model",
        help="the model; default: "
        + ", ".join(f"{known.model} ({name})" for name, known in PROVIDERS.items())
        + "; required with --base-url",
    )
    request = chat.add_argument_group("request")
    request.add_argument("--system", metavar="TEXT", help="a system message, first in every call")
    request.add_argument("--max-tokens", type=int, metavar="N", help="the longest reply, in tokens")
    request.add_argument("--temperature", type=float, metavar="T", help="sampling temperature")
    request.add_argument(
        "--reasoning-effort", metavar="LEVEL", help="e.g. low, medium, high (as the model takes)"
    )
    request.add_argument(
        "--reasoning-summary",
        metavar="KIND",
        help="with --api responses: a summary of the reasoning, auto, concise or detailed",
    )
    request.add_argument(
        "--tools",
        metavar="FILE",
        type=Path,
        help="a JSON file of tool definitions to offer the model (a list of chat-completions "
        "tools, or of {name, description, parameters}); calls are shown, never run",
    )
    request.add_argument(
        "--tool-choice",
        metavar="CHOICE",
        help="auto (the default with --tools), none, required, or a tool's name (that tool)",
    )
    request.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        help="retries of a call that failed before its first event (default 2)",
    )
    request.add_argument(
        "--extra-body",
        metavar="JSON",
        help="a JSON object merged into the request body (provider-specific fields)",
    )
    output = chat.add_argument_group("output")
    output.add_argument(
        "--json",
        action="store_true",
        help="print every event as one JSON line (ls.StreamEvent) on stdout, nothing else",
    )
    output.add_argument(
        "--reasoning",
        choices=["fold", "show", "hide"],
        default="fold",
        help="reasoning as it streams, folded into one line when the answer starts (fold, "
        "the default); left visible (show); or only its one-line summary (hide)",
    )
    output.add_argument(
        "--no-history",
        action="store_true",
        help="send each prompt on its own (with the system message), forgetting earlier turns",
    )
    output.add_argument(
        "-i",
        "--interactive",
        action="store_true",
        help="chat even when stdin is not a terminal, one prompt per line",
    )


def make_provider(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[ls.Provider, str]:
    """The provider the options name (its key read from `environ`), and the model to ask."""
    name: str | None = args.provider
    if name is None:
        name = "compatible" if args.base_url else _first_with_key(environ)
    key_env: str | None = args.api_key_env
    if key_env is not None and not environ.get(key_env):
        raise UsageError(f"--api-key-env {key_env}: the environment variable {key_env} is not set")
    if name == "compatible":
        if not args.base_url:
            raise UsageError("--provider compatible needs --base-url URL (up to /v1)")
        if not args.model:
            raise UsageError(
                "--model is needed for a compatible server: its GET /v1/models lists them "
                "(llama.cpp answers to any name)"
            )
        provider = ls.OpenAICompatible(args.base_url, api_key_env=key_env, api=args.api)
        return provider, str(args.model)
    known = PROVIDERS[name]
    key_env = key_env or known.key_env
    key = environ.get(key_env)
    if not key:
        raise UsageError(
            f"{name} needs an API key: set {key_env}, or name another variable with --api-key-env"
        )
    options: dict[str, Any] = {"api_key": key, "api": args.api}
    if args.base_url:
        options["base_url"] = args.base_url
    return known.make(**options), str(args.model or known.model)


def _first_with_key(environ: Mapping[str, str]) -> str:
    for name, known in PROVIDERS.items():
        if environ.get(known.key_env):
            return name
    variables = ", ".join(known.key_env for known in PROVIDERS.values())
    raise UsageError(
        f"no provider chosen: set one of {variables}, pass --provider NAME, or --base-url URL "
        "for an OpenAI-compatible server (see llmstream chat --help)"
    )


def call_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options of every call (`ls.CallOptions`), from the flags that were given."""
    options: dict[str, Any] = {}
    if args.max_tokens is not None:
        options["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.reasoning_effort:
        options["reasoning_effort"] = args.reasoning_effort
    if args.reasoning_summary:
        options["reasoning_summary"] = args.reasoning_summary
    if args.tools is not None:
        options["tools"] = _load_tools(args.tools)
    if args.tool_choice is not None:
        if args.tools is None:
            raise UsageError("--tool-choice needs --tools FILE")
        options["tool_choice"] = args.tool_choice
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    if args.extra_body is not None:
        options["extra_body"] = _json_object("--extra-body", args.extra_body)
    return options


def _json_object(flag: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object, e.g. {flag} '{{\"seed\": 1}}'")
    return value


def _load_tools(path: Path) -> list[dict[str, Any]]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--tools {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--tools {path}: not valid JSON ({exc})") from None
    items = value if isinstance(value, list) else [value]
    tools = []
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not ("name" in item or "function" in item):
            raise UsageError(
                f"--tools {path}: item {number} is not a tool: each is "
                '{"type": "function", "function": {...}} or {"name": ..., "parameters": {...}}'
            )
        # The short form is the `function` object itself.
        tools.append(item if "function" in item else {"type": "function", "function": item})
    return tools
