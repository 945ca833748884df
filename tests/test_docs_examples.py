"""Every fenced Python block of README.md and docs/ runs, so no example can rot.

A page's blocks run in order in one namespace (a block may use what an earlier one defined), in a
scratch directory. Top-level `await`, `async with` and `async for` work: such a block runs on an
event loop shared by the page's blocks. A block that starts with `# <name>.py` is a file: it is
written to the scratch directory and imported (a `test_*.py` file is run with pytest instead).

Nothing reaches the network. Every `*_API_KEY` variable holds a fake key, and every request that
would leave the machine goes to a replay server instead. A block that talks to a real provider
(or a real local server) says so with a marker on the line before it, naming the recordings that
answer it, paths from the repository's root:

    <!-- needs-key: tests/cassettes/groq-simple_streaming.yaml -->

Its requests must match those recordings body for body (but for the differences
tests/cassettes/DEVIATIONS.md declares deliberate), and it must use every one of them. A block
without the marker that calls out fails with the replay server's "no recording" error.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import httpx
import pytest

from llmstream.testing import Cassette, ReplayServer

from .support.corpus import CASSETTES
from .support.deviations import declared
from .support.docs import PAGES, ROOT, Block, python_blocks

FAKE_KEY = "sk-docs-example-not-a-real-key"
KEY_VARIABLES = [
    "OPENAI_API_KEY",
    "GROQ_API_KEY",
    "CEREBRAS_API_KEY",
    "XAI_API_KEY",
    "OPENROUTER_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "AI_GATEWAY_API_KEY",
]
KEY_NAME = re.compile(r"\b[A-Z][A-Z0-9_]*_API_KEY\b")


def test_the_blocks_are_found_and_markers_name_recordings_that_exist() -> None:
    blocks = [block for page in PAGES for block in python_blocks(page)]
    assert len(blocks) >= 40
    assert {block.page.name for block in blocks} >= {"README.md", "streaming.md", "sse.md"}
    marked = [block for block in blocks if block.recordings]
    assert len(marked) >= 5
    missing = [(b.where, str(p)) for b in marked for p in b.recordings if not p.exists()]
    assert missing == []
    # A marker must sit right before a python block: one anywhere else would be ignored.
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert len(re.findall(r"<!--\s*needs-", text)) == sum(
            1 for block in python_blocks(page) if block.recordings
        ), page.name


# -- running a page -----------------------------------------------------------------------------


class Reroute:
    """Sends every request that would leave the machine to the current replay server, and a
    request to a local server to it when the block's recordings were made there. In a block
    marked as needing a key, a local server that was not recorded is down: its requests go to
    a port nothing listens on."""

    def __init__(self) -> None:
        self.server: ReplayServer | None = None
        self.recorded: set[str] = set()  # the hosts (and ports) the block's recordings name
        self.marked = False
        with socket.socket() as closed:  # a port that was free a moment ago, and is closed
            closed.bind(("127.0.0.1", 0))
            self.closed_port = closed.getsockname()[1]

    def url(self, url: httpx.URL) -> httpx.URL:
        netloc = url.netloc.decode("ascii")
        loopback = url.host in ("127.0.0.1", "localhost", "::1")
        if self.server is None or (loopback and not self.marked):
            return url
        if loopback and netloc not in self.recorded:
            return url.copy_with(host="127.0.0.1", port=self.closed_port)
        target = httpx.URL(self.server.url)
        return url.copy_with(
            scheme="http", host=target.host, port=target.port, path=f"/{netloc}{url.path}"
        )


@pytest.fixture
def reroute(monkeypatch: pytest.MonkeyPatch) -> Reroute:
    reroute = Reroute()
    send_async = httpx.AsyncHTTPTransport.handle_async_request
    send_sync = httpx.HTTPTransport.handle_request

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        request.url = reroute.url(request.url)
        return await send_async(self, request)

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        request.url = reroute.url(request.url)
        return send_sync(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    return reroute


@pytest.fixture
def fresh_tracer_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page may set OpenTelemetry's global tracer provider (docs/telemetry.md does), which
    can be set once per process: the page gets a fresh slot, and the suite's is put back."""
    try:
        from opentelemetry import trace
        from opentelemetry.util._once import Once
    except ImportError:
        return
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the blocks run in: the repository's tests/ within reach (cassettes), a
    photo to send, fake keys, and the directory importable."""
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    # A block's own subprocesses (the CLI, pytest) import this tree's llmstream too.
    paths = [str(tmp_path), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))
    bin_dir = str(Path(sys.executable).parent)  # where the `llmstream` command is installed
    monkeypatch.setenv("PATH", os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    for name in [name for name in os.environ if name.endswith("_API_KEY")]:
        monkeypatch.delenv(name)
    named = {name for page in PAGES for name in KEY_NAME.findall(page.read_text("utf-8"))}
    for name in sorted(named | set(KEY_VARIABLES)):
        monkeypatch.setenv(name, FAKE_KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://docs-example.openai.azure.com")
    return tmp_path


@contextmanager
def replaying(block: Block, reroute: Reroute, empty: ReplayServer) -> Iterator[ReplayServer]:
    """The replay server for one block: its recordings, or none (`empty`, shared by the page's
    unmarked blocks: a server stops in half a second, a block runs in milliseconds)."""
    cassettes = [Cassette.load(path) for path in block.recordings]
    # DEVIATIONS.md's rows for these recordings, numbered across them as the server counts.
    deviations = declared()
    tolerate: dict[int, set[str]] = {}
    offset = 0
    for path, cassette in zip(block.recordings, cassettes, strict=True):
        name = str(path.resolve().relative_to(CASSETTES.resolve())).removesuffix(".yaml")
        for number, paths in deviations.get(name, {}).items():
            tolerate[offset + number] = paths
        offset += len(cassette.interactions)
    with ReplayServer(*cassettes, tolerate=tolerate) if cassettes else nullcontext(empty) as server:
        reroute.server, reroute.marked = server, bool(cassettes)
        reroute.recorded = {
            httpx.URL(i.request.url).netloc.decode("ascii")
            for cassette in cassettes
            for i in cassette.interactions
        }
        try:
            yield server
        finally:
            reroute.server, reroute.marked, reroute.recorded = None, False, set()


def run_file(block: Block, scratch: Path) -> None:
    assert block.file is not None
    path = scratch / block.file
    path.write_text(block.code, encoding="utf-8")
    if path.name.startswith("test_"):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path.name],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{block.where}\n{result.stdout}\n{result.stderr}"
        assert " passed" in result.stdout.splitlines()[-1]
    else:
        sys.modules.pop(path.stem, None)
        importlib.import_module(path.stem)


def run_code(block: Block, namespace: dict[str, Any], portal: Any) -> None:
    code = compile(block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:

        async def run() -> None:
            await eval(code, namespace)

        portal.call(run)
    else:
        exec(code, namespace)


@pytest.mark.usefixtures("fresh_tracer_provider")
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_python_block_runs(
    page: Path, scratch: Path, reroute: Reroute, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks(page)
    if not blocks:
        assert "```python" not in page.read_text(encoding="utf-8")
        return
    # The page's namespace is a real module, so that pydantic can resolve the annotations of
    # the models a block defines.
    page_module = types.ModuleType("docs_example_page")
    monkeypatch.setitem(sys.modules, page_module.__name__, page_module)
    namespace = page_module.__dict__
    with anyio.from_thread.start_blocking_portal() as portal, ReplayServer() as empty:
        for block in blocks:
            with replaying(block, reroute, empty) as server:
                try:
                    if block.file:
                        run_file(block, scratch)
                    else:
                        run_code(block, namespace, portal)
                except Exception as exc:
                    raise AssertionError(f"the block at {block.where} failed: {exc!r}") from exc
                unused = [str(i.request.url) for i in server.matcher.unused]
                assert unused == [], f"{block.where} did not make every recorded call"
