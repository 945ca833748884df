"""The API explains itself: every parameter of the calls a user makes is documented where they
look (the docstring, so `help()` and the IDE), every option once, and the documentation site
covers every public name and every page."""

from __future__ import annotations

import inspect
import pydoc
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import llmstream as ls
from llmstream._options import option_docs

ROOT = Path(__file__).resolve().parents[1]

# The callables whose every parameter a user may want to look up, and the option TypedDict
# each one takes through `**options` (whose keys are its parameters too).
DOCUMENTED: list[tuple[str, Callable[..., Any], type | None]] = [
    ("AsyncClient", ls.AsyncClient, None),
    ("Client", ls.Client, None),
    ("AsyncClient.stream", ls.AsyncClient.stream, ls.CallOptions),
    ("AsyncClient.generate", ls.AsyncClient.generate, ls.CallOptions),
    ("Client.stream", ls.Client.stream, ls.CallOptions),
    ("Client.generate", ls.Client.generate, ls.CallOptions),
    ("Provider", ls.Provider, None),
    ("OpenAI", ls.OpenAI, None),
    ("Groq", ls.Groq, None),
    ("Cerebras", ls.Cerebras, None),
    ("XAI", ls.XAI, None),
    ("OpenAICompatible", ls.OpenAICompatible, None),
    ("OpenRouter", ls.OpenRouter, None),
    ("AzureOpenAI", ls.AzureOpenAI, None),
    ("Agent", ls.Agent, ls.ModelOptions),
    ("Agent.run", ls.Agent.run, None),
    ("Agent.stream", ls.Agent.stream, None),
    ("Agent.run_sync", ls.Agent.run_sync, None),
    ("Agent.stream_sync", ls.Agent.stream_sync, None),
    ("Timeouts", ls.Timeouts, None),
    ("RetryPolicy", ls.RetryPolicy, None),
    ("MCPToolset", ls.MCPToolset, None),
    ("MCPToolset.stdio", ls.MCPToolset.stdio, None),
    ("MCPToolset.http", ls.MCPToolset.http, None),
    ("MCPToolset.sse", ls.MCPToolset.sse, None),
    ("sse_events", ls.sse_events, None),
    ("sse_events_sync", ls.sse_events_sync, None),
]


def parameters(function: Callable[..., Any], options: type | None) -> list[str]:
    """The names a caller passes: the signature's (but `self`) and the options' keys."""
    names = [name for name in inspect.signature(function).parameters if name != "self"]
    return names + (sorted(options.__annotations__) if options is not None else [])


@pytest.mark.parametrize(
    ("name", "function", "options"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED]
)
def test_every_parameter_is_in_the_docstring_and_in_help(
    name: str, function: Callable[..., Any], options: type | None
) -> None:
    names = parameters(function, options)
    assert names, name
    doc = function.__doc__ or ""
    shown = pydoc.render_doc(function, renderer=pydoc.plaintext)
    # A parameter counts as documented where an entry starts with its name: `name: what it is`.
    entry = re.compile(r"^\s*(?:\*\*)?(\w+)(?: \([^)]*\))?:", re.MULTILINE)
    documented = set(entry.findall(doc))
    assert [n for n in names if n not in documented] == [], f"{name}: undocumented"
    assert [n for n in names if f"{n}:" not in shown] == [], f"{name}: not in help()"


def test_each_option_is_documented_once_and_nothing_else_is() -> None:
    """The `Attributes` sections of the option TypedDicts are the options' one documentation:
    a key without an entry, or an entry for a key that is gone, fails here."""
    for options in (ls.ModelOptions, ls.CallOptions):
        documented = option_docs(options)
        assert sorted(documented) == sorted(options.__annotations__), options.__name__
        assert all(len(text) > 20 for text in documented.values())


def test_the_options_say_where_providers_differ() -> None:
    docs = option_docs(ls.CallOptions)
    assert "max_completion_tokens" in docs["max_tokens"]  # OpenAI's reasoning models
    assert '"length"' in docs["max_tokens"]  # what reaching it means
    assert "OpenRouter" in docs["reasoning_effort"]
    assert "RequestWarning" in docs["temperature"]


def test_help_on_a_call_lists_every_option_with_what_it_does() -> None:
    shown = pydoc.render_doc(ls.AsyncClient.stream, renderer=pydoc.plaintext)
    for name, text in option_docs(ls.CallOptions).items():
        first_words = " ".join(text.split()[:4])
        assert re.search(rf"{name}: {re.escape(first_words)}", " ".join(shown.split())), name


def test_the_api_page_names_what_model_options_leave_out() -> None:
    """docs/api.md says what `ModelOptions` lacks beside `CallOptions`: all of it."""
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| `ModelOptions`"))
    left_out = row.split("without", 1)[1].split(":", 1)[0]
    named = set(re.findall(r"`(\w+)`", left_out))
    assert named == set(ls.CallOptions.__annotations__) - set(ls.ModelOptions.__annotations__)


def test_help_on_the_agent_tells_of_approval_hooks() -> None:
    """A tool can wait for a person's (or a policy's) yes: `help(ls.Agent)` says how."""
    shown = " ".join(pydoc.render_doc(ls.Agent, renderer=pydoc.plaintext).split())
    assert "@ls.tool(approval=" in shown
    for decision in ("ls.Approval.allow()", "ls.Approval.deny(", "ls.Approval.replace("):
        assert decision in shown, decision
