"""The package as a user meets it: a light import, a typed public API, a demo that runs offline."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
import os
import pickle
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pydantic
import pytest

import llmstream as ls
import llmstream.testing

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_import_is_light_and_offline() -> None:
    result = _python(
        """
        import socket, sys
        def no_network(*args, **kwargs):
            raise AssertionError("import llmstream opened a socket")
        socket.socket.connect = no_network
        socket.getaddrinfo = no_network
        import llmstream
        heavy = {"openai", "yaml", "trio", "hypothesis", "llmstream.testing", "httpx_sse", "mcp"}
        print(sorted(heavy & set(sys.modules)))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_public_api_is_complete_and_typed() -> None:
    missing = [name for name in ls.__all__ if not hasattr(ls, name)]
    assert missing == []
    assert (Path(ls.__file__).parent / "py.typed").exists()
    contract = {
        *("AsyncClient", "Client", "AssistantMessage", "system", "user"),
        *("TextDelta", "ReasoningDelta", "ToolCallStart", "ToolCallDelta", "ToolCallEnd"),
        *("Usage", "Finish", "OpenAI", "Groq", "Cerebras", "XAI", "OpenAICompatible"),
    }
    assert contract <= set(ls.__all__)


PUBLIC_CLASSES = [
    (package.__name__, name, value)
    for package in (ls, llmstream.testing)
    for name in package.__all__
    if inspect.isclass(value := getattr(package, name))
]


def test_a_public_class_shows_the_module_it_is_imported_from() -> None:
    """Not the private module that defines it: `llmstream.testing.CassetteMismatch`, not
    `llmstream.testing._replay.CassetteMismatch`, in a traceback, a repr or help()."""
    assert len(PUBLIC_CLASSES) > 80
    private = [
        f"{package}.{name}: {cls.__module__}"
        for package, name, cls in PUBLIC_CLASSES
        if any(part.startswith("_") for part in cls.__module__.split("."))
    ]
    assert private == []
    for _, name, cls in PUBLIC_CLASSES:  # where it says it is, it is (pickle looks there)
        assert getattr(importlib.import_module(cls.__module__), cls.__qualname__) is cls, name
    error = llmstream.testing.CassetteMismatch("no recorded interaction")
    assert type(pickle.loads(pickle.dumps(error))) is llmstream.testing.CassetteMismatch
    assert pickle.loads(pickle.dumps(ls.Timeouts(idle=5))) == ls.Timeouts(idle=5)


def test_the_annotations_of_public_data_classes_still_resolve() -> None:
    """typing.get_type_hints and pydantic read annotations where `__module__` says: they were
    resolved before it changed."""
    data = [
        cls
        for _, _, cls in PUBLIC_CLASSES
        if dataclasses.is_dataclass(cls) or issubclass(cls, pydantic.BaseModel)
        # opentelemetry is optional: its TracerProvider is a name for type checkers only
        if cls is not ls.Tracing
    ]
    assert len(data) > 30
    for cls in data:
        assert typing.get_type_hints(cls), cls
    assert typing.get_type_hints(ls.AgentResult)["stop_reason"] != "StopReason"
    adapter = pydantic.TypeAdapter(ls.NativeOutput)
    assert adapter.json_schema()["title"] == "NativeOutput"


def test_a_traceback_names_the_public_class() -> None:
    """However the class was imported: here through the private module, as the pytest plugin
    imports the recorder."""
    result = _python(
        """
        import httpx
        from llmstream.testing._cassette import Cassette
        from llmstream.testing._replay import ReplayTransport
        with httpx.Client(transport=ReplayTransport(Cassette("none.yaml", ()))) as http:
            http.post("http://127.0.0.1:1/v1/chat/completions", json={})
        """
    )
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("llmstream.testing.CassetteMismatch: no recorded interaction"), last


def test_events_match_by_class_and_validate_from_json() -> None:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[ls.StreamEvent] = TypeAdapter(ls.StreamEvent)
    event = adapter.validate_json('{"type": "tool_call_delta", "index": 0, "arguments": "{"}')
    match event:
        case ls.ToolCallDelta(index, arguments):
            assert (index, arguments) == (0, "{")
        case _:
            raise AssertionError(event)
    assert adapter.validate_python(ls.TextDelta(text="x").model_dump()) == ls.TextDelta(text="x")


def run_example(name: str, *args: str) -> str:
    """Run an example as a user would, with no API key in sight; returns what it printed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), "--delay", "0", *args],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_runs_offline() -> None:
    output = run_example("demo.py")
    assert "offline: replaying recorded" in output
    assert 'First, the user said: "Say hi in Portuguese."' in output  # reasoning, streamed
    assert "[reasoning done]" in output
    assert "Olá!" in output
    assert '-> calling weather({"location": "Florence,Italy"})' in output
    assert "<- weather returned '40 C'" in output
    assert "The weather in Florence, Italy is currently 40°C." in output


def test_the_agent_example_runs_offline() -> None:
    output = run_example("agent.py")
    assert "offline: replaying thinking-streaming.yaml" in output
    assert "First, the user is asking for the weather in Florence, Italy." in output  # reasoning
    assert '-> weather({"location":"Florence, Italy"})' in output
    assert "<- weather returned: 40 C" in output
    assert "answer: The weather in Florence, Italy is 40°C." in output
    assert "[2 steps, 619 tokens in, 622 out]" in output


def test_the_agent_example_on_the_bundled_recording() -> None:
    output = run_example("agent.py", "--bundled")
    assert '-> weather({"location": "Florence,Italy"})' in output
    assert "answer: The weather in Florence, Italy is currently 40°C." in output
    assert "[2 steps, 596 tokens in, 39 out]" in output


def test_the_mcp_example_runs_offline() -> None:
    output = run_example("mcp_agent.py")
    assert "offline: a scripted model, a real MCP server" in output
    assert "tools from the MCP server: list_notes, read_note" in output
    assert "-> list_notes({})" in output
    assert "<- list_notes returned: ideas\nshopping" in output
    assert '-> read_note({"name": "shopping"})' in output
    assert "<- read_note returned: eggs, flour, milk" in output  # from the server's process
    assert "answer: You need eggs, flour, milk." in output
    assert "[3 steps]" in output


def test_every_public_name_is_documented() -> None:
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    text = "".join(page.read_text(encoding="utf-8") for page in pages)
    assert [name for name in ls.__all__ if name not in text] == []


def test_a_clone_stands_alone() -> None:
    """Nothing in the project reads a folder beside the clone: every recording the tests, docs
    and examples replay is in tests/cassettes/, and a user's clone has nothing else."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = "../" + "shared"  # written in two pieces so that this file does not name it
    readers = [
        path
        for path in tracked
        if path.endswith((".py", ".md", ".toml", ".yml", ".cfg", ".txt"))
        and outside in (ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert readers == []


def test_the_cassette_index_lists_every_recording() -> None:
    cassettes = ROOT / "tests" / "cassettes"
    index = (cassettes / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    listed = {line.split("\t")[0] for line in index[1:] if line}
    present = {
        str(path.relative_to(cassettes))
        for folder in ("corpus", "gateways", "responses")
        for path in (cassettes / folder).rglob("*.yaml")
    }
    assert listed == present
    assert len(present) >= 120
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    assert "charmbracelet/fantasy" in notice
    assert "Apache License" in notice


def _type_checked_names(init: Path) -> dict[str, str]:
    """The names a package's `__init__` imports under TYPE_CHECKING, and from which module."""
    import ast

    tree = ast.parse(init.read_text(encoding="utf-8"))
    [block] = [node for node in tree.body if isinstance(node, ast.If)]
    seen: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name} must be imported `as` itself"
            seen[alias.name] = "." * node.level + (node.module or "")
    return seen


@pytest.mark.parametrize("package", ["llmstream", "llmstream.testing"])
def test_the_public_names_are_listed_once_and_the_type_checkers_see_the_same(
    package: str,
) -> None:
    """A lazy package lists its public names once (`__all__` is made from that list); the
    imports type checkers read cannot be made from it, so they are compared with it here."""
    module = importlib.import_module(package)
    where: dict[str, str] = module._SOURCES if package == "llmstream" else module._WHERE
    assert module.__file__ is not None
    assert _type_checked_names(Path(module.__file__)) == where
    assert module.__all__ == sorted(where)
    for name, source in where.items():  # each name is defined (or re-exported) there
        assert getattr(importlib.import_module(source, package), name) is getattr(module, name)


def test_the_version_is_written_once() -> None:
    from llmstream._client import _USER_AGENT

    assert importlib.metadata.version("llmstream") == ls.__version__
    assert _USER_AGENT.split("/") == ["llmstream", ls.__version__]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    written = [
        path
        for path in (ROOT / "src").rglob("*.py")
        if f'"{ls.__version__}"' in path.read_text(encoding="utf-8")
    ]
    assert [path.name for path in written] == ["_version.py"]
