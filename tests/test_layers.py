"""The layers stay what docs/architecture.md says they are.

- The packages of llmstream stand in one order (`ORDER`, bottom first): a module imports only
  from its own layer and the layers below it. Imports under `TYPE_CHECKING` count, and so does
  the `__init__` of every package an import passes through, which Python runs first.
- No module reaches itself again through its imports: no cycle, not even a type-only one, but
  for those `CYCLES_ALLOWED` names with the reason (none today).
- `llmstream._core` is sans-IO: nothing it imports, directly or through other llmstream modules,
  is httpx, anyio, threading or any other I/O library;
- only the I/O layer and the code that drives concurrency touch httpx, anyio and threads;
- `import llmstream` loads nothing until a name is used, and a streaming program never loads the
  agent, the tools or the testing helpers.

The checks read the source (every `import` statement, at any depth in a file), not what an
interpreter happened to load, and the checkers are shown to fail on synthetic bad imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
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

# The order of the packages, bottom first: a module may import from its own layer and from the
# layers before it, never from a layer after it. Each layer says why it stands where it does.
ORDER: list[tuple[str, tuple[str, ...], str]] = [
    (
        "leaves",
        ("llmstream._redact", "llmstream._version", "llmstream._docstrings", "llmstream._public"),
        "they import nothing of llmstream, so every layer may use them",
    ),
    (
        "vocabulary",
        (
            "llmstream._vocabulary",
            "llmstream.errors",
            "llmstream.messages",
            "llmstream.events",
        ),
        "the public words every layer speaks: errors, messages, events and the value types "
        "(usage, cost, rate limits, time limits, retry policy, structured-output modes)",
    ),
    (
        "schemas",
        ("llmstream._schema",),
        "JSON schemas of the caller's models and signatures, for structured output and tools",
    ),
    (
        "core",
        ("llmstream._core",),
        "the protocol, sans-IO: bytes in, events out; it owns what it asks of a provider "
        "(ProviderSpec), so that it never imports the providers",
    ),
    (
        "providers",
        ("llmstream.providers",),
        "data and narrow hooks over the core's ProviderSpec, plus credentials and URLs",
    ),
    (
        "tracing",
        ("llmstream._tracing",),
        "spans built from what the core and the providers describe; the I/O layer calls in",
    ),
    ("io", ("llmstream._io",), "every call, its retries and its time limits: drives the core"),
    (
        "clients",
        ("llmstream._options", "llmstream._client"),
        "configuration: a call's options turned into a Call the I/O layer runs",
    ),
    ("tools", ("llmstream.tools",), "typed tools from functions and models"),
    (
        "toolsets",
        ("llmstream.toolsets", "llmstream._mcp"),
        "tools an agent asks for when a run starts: the protocol, and MCP servers' tools",
    ),
    ("agent", ("llmstream.agent",), "the run loop over a client's calls and the tools"),
    (
        "adapters",
        ("llmstream._sse_events",),
        "a stream or an agent run as server-sent events",
    ),
    ("facade", ("llmstream",), "the public names, each loaded on first use"),
    (
        "applications",
        ("llmstream.testing", "llmstream._cli", "llmstream.__main__"),
        "built on the public API, as a user's program is",
    ),
]

# Cycles that are allowed, each with the reason: (the modules in it) -> why.
CYCLES_ALLOWED: dict[frozenset[str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(source: str, name: str, *, is_package: bool) -> set[str]:
    """Every module the source of module `name` imports (and every name it imports from a
    module, as `module.name`), relative imports resolved, at any depth in the file."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
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


def imports_of(path: Path) -> set[str]:
    return imports_in(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def import_graph(
    sources: Mapping[str, tuple[str, bool]], known: Iterable[str]
) -> dict[str, set[str]]:
    """Module -> the llmstream modules it imports. `sources` maps each module to its source and
    whether it is a package's `__init__`; `known` is every module there is.

    An import of `a.b.c` from outside `a.b` also runs `a.b`'s `__init__` (and `a`'s) first, so
    those count too; but not the root package's, which imports nothing when it runs (checked
    below), and not a package the importer is inside of (it is already running)."""
    modules = set(known)
    graph: dict[str, set[str]] = {}
    for name, (source, is_package) in sources.items():
        edges: set[str] = set()
        for imported in imports_in(source, name, is_package=is_package):
            if imported not in modules:
                continue
            edges.add(imported)
            parts = imported.split(".")
            for depth in range(2, len(parts)):
                parent = ".".join(parts[:depth])
                if parent in modules and not (name == parent or name.startswith(parent + ".")):
                    edges.add(parent)
        edges.discard(name)
        graph[name] = edges
    return graph


def layer_of(module: str) -> int | None:
    """The position in `ORDER` of the layer `module` belongs to (its longest listed prefix)."""
    matches = [
        (len(member), position)
        for position, (_, members, _) in enumerate(ORDER)
        for member in members
        if module == member or (member != "llmstream" and module.startswith(member + "."))
    ]
    return max(matches)[1] if matches else None


def against_the_order(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a module from a layer above the importer's."""
    found = []
    for module, imported in sorted(graph.items()):
        here = layer_of(module)
        for other in sorted(imported):
            there = layer_of(other)
            if here is not None and there is not None and there > here:
                found.append(f"{module} ({ORDER[here][0]}) imports {other} ({ORDER[there][0]})")
    return found


def cycles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_graph() -> dict[str, set[str]]:
    sources = {
        name: (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for name, path in MODULES.items()
    }
    return import_graph(sources, MODULES)


def test_every_module_has_a_place_in_the_order() -> None:
    assert [module for module in sorted(MODULES) if layer_of(module) is None] == []
    listed = [member for _, members, _ in ORDER for member in members]
    assert len(listed) == len(set(listed))
    assert [member for member in listed if member not in MODULES] == []  # no stale entry


def test_the_architecture_page_shows_the_same_order() -> None:
    page = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## The order of the packages", 1)[1].split("\n\n")[2]
    rows = [line.split("|")[1:3] for line in section.splitlines()[2:]]
    shown = [
        (layer.strip(), [name.split()[0].strip("`") for name in names.split(", ")])
        for layer, names in rows
    ]
    expected = [
        (layer, [member.removeprefix("llmstream.") for member in members])
        for layer, members, _ in ORDER
    ]
    # The page leaves out `__main__`, which only starts the command line.
    expected[-1][1].remove("__main__")
    assert shown == expected


def test_imports_follow_the_order_of_the_packages() -> None:
    assert against_the_order(package_graph()) == []


def test_no_module_imports_itself_back() -> None:
    found = set(cycles(package_graph()))
    assert {", ".join(sorted(cycle)) for cycle in found - set(CYCLES_ALLOWED)} == set()
    assert set(CYCLES_ALLOWED) <= found  # an allowed cycle that is gone is struck off the list


def _synthetic(modules: Mapping[str, str]) -> dict[str, set[str]]:
    """The import graph of the real package with some modules' sources added to (a module not
    in the package is made up, with that source alone)."""
    sources = {
        name: (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for name, path in MODULES.items()
    }
    for name, source in modules.items():
        before, is_package = sources.get(name, ("", False))
        sources[name] = (before + "\n" + textwrap.dedent(source), is_package)
    return import_graph(sources, [*MODULES, *modules])


@pytest.mark.parametrize(
    ("module", "source", "offence"),
    [
        (
            "llmstream._core.parser",
            "from .._io.call import Call\n",
            "llmstream._core.parser (core) imports llmstream._io.call (io)",
        ),
        (
            "llmstream._core.lantern",
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from ..providers._base import Provider
            """,
            "llmstream._core.lantern (core) imports llmstream.providers._base (providers)",
        ),
        (
            "llmstream._vocabulary.usage",
            "def later():\n    from ..messages import AssistantMessage\n",
            None,  # the same layer: allowed by the order, but it closes a cycle (see below)
        ),
        (
            "llmstream._core.lantern",
            "import llmstream.agent._types\n",
            "llmstream._core.lantern (core) imports llmstream.agent (agent)",  # its __init__
        ),
        (
            "llmstream._io.lantern",
            "from .. import Agent\n",
            "llmstream._io.lantern (io) imports llmstream (facade)",
        ),
    ],
)
def test_an_import_against_the_order_is_caught(
    module: str, source: str, offence: str | None
) -> None:
    found = against_the_order(_synthetic({module: source}))
    if offence is None:
        assert found == []
    else:
        assert offence in found, found


def test_a_cycle_is_caught_even_a_type_only_one() -> None:
    graph = _synthetic(
        {
            "llmstream._vocabulary.usage": "def later():\n    from ..messages import ToolCall\n",
            "llmstream._core.left": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from .right import Right\n"
            ),
            "llmstream._core.right": "from .left import Left\n",
        }
    )
    found = cycles(graph)
    assert frozenset({"llmstream._core.left", "llmstream._core.right"}) in found
    assert any({"llmstream._vocabulary.usage", "llmstream.messages"} <= cycle for cycle in found)


def test_the_core_is_sans_io() -> None:
    core = [name for name in MODULES if name.startswith("llmstream._core")]
    assert len(core) >= 8
    graph = package_graph()
    reached: set[str] = set()
    todo = list(core)
    while todo:
        current = todo.pop()
        if current not in reached:
            reached.add(current)
            todo += graph[current]
    offenders = {
        f"{module} imports {imported}"
        for module in reached
        for imported in imports_of(MODULES[module])
        if imported.split(".")[0] in IO_LIBRARIES
    }
    assert not offenders
    assert not {m for m in reached if m.startswith(("llmstream._io", "llmstream._client"))}


def test_only_the_io_layer_and_concurrency_touch_io_libraries() -> None:
    offenders = {
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if not module.startswith(tuple(IO_ALLOWED))
        for imported in imports_of(path)
        if imported.split(".")[0] in IO_LIBRARIES
    }
    assert not offenders


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
    assert not {m.split(".")[0] for m in loaded} & {"httpx", "httpcore", "anyio", "trio"}


def test_import_llmstream_loads_nothing_until_a_name_is_used() -> None:
    loaded = loaded_after("import llmstream")
    assert not {m for m in loaded if m.startswith("llmstream.")}
    assert not {m.split(".")[0] for m in loaded} & {"httpx", "pydantic", "anyio"}


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
    assert not {m for m in loaded if m.split(".")[0] in {"mcp", "httpx2", "mcp_types"}}


def test_every_public_name_resolves() -> None:
    import llmstream as ls

    for name in ls.__all__:
        assert getattr(ls, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ls.nope  # type: ignore[attr-defined]  # noqa: B018
