"""The fixtures and options of the pytest plugin (`pytest_plugin` loads them when PyYAML is
installed). The recorder and the fake are imported by the fixtures that use them, so a test
session that uses neither does not load them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._modes import RECORD_MODE_ENV, RecordMode, record_mode

if TYPE_CHECKING:
    from ._fake import FakeLLM
    from ._recorder import Recorder

__all__ = [
    "fake_llm",
    "llmstream_cassette",
    "llmstream_cassette_path",
    "llmstream_record_mode",
    "pytest_addoption",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--llmstream-record-mode` and the `llmstream_cassette_dir` ini setting."""
    group = parser.getgroup("llmstream", "llmstream cassettes")
    group.addoption(
        "--llmstream-record-mode",
        dest="llmstream_record_mode",
        default=None,
        choices=[mode.value for mode in RecordMode],
        help=f"how llmstream_cassette records: overrides {RECORD_MODE_ENV} (default: none, "
        "replay only)",
    )
    parser.addini(
        "llmstream_cassette_dir",
        help="where llmstream_cassette keeps cassettes, relative to the rootdir (default: a "
        "cassettes/ folder beside each test module)",
        default="",
    )


@pytest.fixture(scope="session")
def llmstream_record_mode(pytestconfig: pytest.Config) -> RecordMode:
    """The record mode of this run: `--llmstream-record-mode`, else `LLMSTREAM_RECORD_MODE`,
    else `none`."""
    option: str | None = pytestconfig.getoption("llmstream_record_mode")
    return record_mode(option)


def _file_name(request: pytest.FixtureRequest) -> str:
    node = request.node
    name = node.name
    callspec = getattr(node, "callspec", None)
    if callspec is not None and "anyio_backend" in callspec.params:
        # The HTTP exchange is the same under asyncio and trio: one cassette serves both.
        backend = callspec.params["anyio_backend"]
        parts = callspec.id.split("-")
        with contextlib.suppress(ValueError):
            parts.remove(backend[0] if isinstance(backend, tuple) else str(backend))
        name = node.originalname + (f"[{'-'.join(parts)}]" if parts else "")
    if request.cls is not None:
        name = f"{request.cls.__name__}.{name}"
    # `test_x[asyncio-3]` -> `test_x-asyncio-3`: safe on every file system.
    return re.sub(r"[^\w.-]+", "-", name).strip("-")


@pytest.fixture
def llmstream_cassette_path(request: pytest.FixtureRequest) -> Path:
    """The cassette of the current test: `<dir>/<module>/<test>.yaml`, where `<dir>` is the
    `llmstream_cassette_dir` ini setting (from the rootdir) or `cassettes/` beside the module,
    and `<test>` leaves out the anyio backend (asyncio and trio share a cassette). Override this
    fixture to choose another."""
    configured = str(request.config.getini("llmstream_cassette_dir") or "")
    module = request.path
    directory = request.config.rootpath / configured if configured else module.parent / "cassettes"
    return directory / module.stem / f"{_file_name(request)}.yaml"


@pytest.fixture
def llmstream_cassette(
    llmstream_cassette_path: Path, llmstream_record_mode: RecordMode
) -> Iterator[Recorder]:
    """A `Recorder` for the current test: `ls.AsyncClient(provider, transport=llmstream_cassette)`.
    It replays the test's cassette, or records it, as the record mode says."""
    from ._recorder import Recorder

    recorder = Recorder(llmstream_cassette_path, mode=llmstream_record_mode)
    yield recorder
    recorder.close()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """An empty `FakeLLM`: script it with `fake_llm.add(...)`, then use `fake_llm.async_client()`
    (no sockets) or `fake_llm.serve().async_client()` (127.0.0.1). Servers stop after the test."""
    from ._fake import FakeLLM

    fake = FakeLLM()
    yield fake
    fake.close()
