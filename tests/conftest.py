from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import llmstream._sse_events
from llmstream.errors import LLMStreamError

from .support import leak_watch
from .support.faults import FaultServer


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs under asyncio and under trio."""
    return str(request.param)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """The fault-injection server (tests/support/faults.py), one per test module."""
    with FaultServer() as running:
        yield running


# -- collecting everything the suite produces, for tests/test_secrets.py ----------------------

_init_error = LLMStreamError.__init__


def _recording_init(self: LLMStreamError, *args: Any, **kwargs: Any) -> None:
    _init_error(self, *args, **kwargs)
    leak_watch.errors.append(self)


LLMStreamError.__init__ = _recording_init  # type: ignore[method-assign]

_error_frame = llmstream._sse_events.error_frame


def _recording_error_frame(*args: Any, **kwargs: Any) -> str:
    frame = _error_frame(*args, **kwargs)
    leak_watch.texts.append(frame)  # every SSE error frame the suite sent a "browser"
    return frame


llmstream._sse_events.error_frame = _recording_error_frame  # type: ignore[assignment]
logging.getLogger("llmstream").setLevel(logging.DEBUG)
logging.getLogger().addHandler(leak_watch.RecordAll())


def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    leak_watch.warnings.append(str(warning_message.message))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The leak check runs last, after everything else has produced its output."""
    last = [item for item in items if item.name == "test_the_key_never_leaks"]
    items[:] = [item for item in items if item not in last] + last
