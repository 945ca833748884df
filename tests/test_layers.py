"""The layers stay what docs/architecture.md says they are.

- `llmstream._core` is sans-IO: nothing it imports, directly or through other llmstream modules,
  is httpx, anyio, threading or any other I/O library;
- only the I/O layer and the code that drives concurrency touch httpx, anyio and threads;
- `import llmstream` loads nothing until a name is used, and a streaming program never loads the
  agent, the tools or the testing helpers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "llmstream"
IO_LIBRARIES = {"httpx", "httpcore", "anyio", "sniffio", "trio", "asyncio", "threading", "socket"}
IO_LIBRARIES |= {"mcp", "httpx2"}  # the MCP SDK, which brings its own HTTP client
# Who may import them, and why.
IO_ALLOWED = {
    "llmstream._io": "the I/O layer itself",
    "llmstream._client": "the clients own an httpx pool",
    "llmstream.agent": "runs tools and steps in task groups",
    "llmstream.tools": "runs sync tools in worker threads",
    "llmstream.testing": "replay and fake servers",
    "llmstream._mcp": "MCP sessions: the SDK's client in a task of its own, calls in cancel scopes",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved, at any depth in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def reachable_from(start: str) -> set[str]:
    """The llmstream modules `start` imports, transitively (TYPE_CHECKING imports included,
    which only makes the check stricter)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current in seen or current not in MODULES:
            continue
        seen.add(current)
        todo += [m for m in imports_of(MODULES[current]) if m in MODULES]
    return seen


def top_level(name: str) -> str:
    return name.split(".")[0]


def test_the_core_is_sans_io() -> None:
    core = [name for name in MODULES if name.startswith("llmstream._core")]
    assert len(core) >= 8
    offenders = {
        f"{module} imports {imported}"
        for start in core
        for module in reachable_from(start)
        for imported in imports_of(MODULES[module])
        if top_level(imported) in IO_LIBRARIES
    }
    assert not offenders


def test_only_the_io_layer_and_concurrency_touch_io_libraries() -> None:
    offenders = {
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if not module.startswith(tuple(IO_ALLOWED))
        for imported in imports_of(path)
        if top_level(imported) in IO_LIBRARIES
    }
    assert not offenders


def test_the_core_never_imports_the_io_layer() -> None:
    core = [name for name in MODULES if name.startswith("llmstream._core")]
    reached = set().union(*(reachable_from(start) for start in core))
    assert not {m for m in reached if m.startswith(("llmstream._io", "llmstream._client"))}


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


def test_the_core_runs_without_loading_io_libraries() -> None:
    loaded = loaded_after(
        "import llmstream._core.parser, llmstream._core.request\n"
        "import llmstream as ls\n"
        "parser = llmstream._core.parser.ResponseParser(ls.OpenAICompatible('http://127.0.0.1/v1'))\n"
        'parser.feed(b\'data: {"choices": [{"delta": {"content": "hi"}, '
        '"finish_reason": "stop"}]}\\n\\n\')\n'
        "assert parser.end()[-1].reason == 'stop'"
    )
    assert not {top_level(m) for m in loaded} & {"httpx", "httpcore", "anyio", "trio"}


def test_import_llmstream_loads_nothing_until_a_name_is_used() -> None:
    loaded = loaded_after("import llmstream")
    assert not {m for m in loaded if m.startswith("llmstream.")}
    assert not {top_level(m) for m in loaded} & {"httpx", "pydantic", "anyio"}


@pytest.mark.parametrize(
    "heavy", ["llmstream.agent", "llmstream.tools", "llmstream.testing", "llmstream._mcp", "mcp"]
)
def test_a_streaming_program_never_loads_the_agent_tools_or_testing(heavy: str) -> None:
    loaded = loaded_after(
        "import llmstream as ls\n"
        "client = ls.AsyncClient(ls.OpenAI(api_key='k'))\n"
        "ls.user('hi'), ls.TextDelta, ls.Finish, ls.Timeouts(), ls.StreamTimeoutError"
    )
    assert "llmstream._client" in loaded
    assert heavy not in loaded


def test_names_load_their_module_on_first_use() -> None:
    loaded = loaded_after("import llmstream as ls\nls.Agent")
    assert {"llmstream.agent", "llmstream.tools"} <= loaded
    assert not {"llmstream.testing", "llmstream._mcp", "mcp"} & loaded


def test_an_mcp_toolset_loads_the_sdk_only_when_a_session_opens() -> None:
    loaded = loaded_after("import llmstream as ls\nls.MCPToolset.stdio('server', ['--stdio'])")
    assert "llmstream._mcp.toolset" in loaded
    assert not {m for m in loaded if top_level(m) in {"mcp", "httpx2", "mcp_types"}}


def test_every_public_name_resolves() -> None:
    import llmstream as ls

    for name in ls.__all__:
        assert getattr(ls, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ls.nope  # type: ignore[attr-defined]  # noqa: B018
