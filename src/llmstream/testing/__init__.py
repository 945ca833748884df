"""Testing helpers: replay recorded traffic, record your own, and fake a provider.

Cassettes need PyYAML (`pip install 'llmstream[testing]'`), which also turns on the pytest
plugin (`llmstream_cassette`, `fake_llm`; see docs/testing.md).

```python
from llmstream.testing import Cassette, ReplayTransport

transport = ReplayTransport(Cassette.load("tests/cassettes/groq-simple_streaming.yaml"))
client = ls.AsyncClient(ls.Groq(api_key="test"), transport=transport)
```

- replay: `Cassette`, `ReplayTransport` (no sockets), `ReplayServer` (127.0.0.1);
- record: `Recorder`, a transport that records real calls into a cassette and replays them,
  in the `RecordMode` that `LLMSTREAM_RECORD_MODE` names, with secrets redacted;
- fake: `FakeLLM`, a scripted model (`Reply`, `tool_call`, and the faults `stall`,
  `disconnect`, `error_event`, `status`) served by `FakeTransport` and `FakeServer`.

Names are imported on first use: the pytest plugin lives in this package, so every pytest run
of anyone with llmstream installed imports it, and should pay for nothing it does not use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names, for type checkers (`import X as X`: each one is exported); at run time
# `_MODULES` says the same, and tests/test_package.py checks that the two agree.
if TYPE_CHECKING:
    from ._cassette import Cassette as Cassette
    from ._cassette import Difference as Difference
    from ._cassette import Interaction as Interaction
    from ._cassette import RecordedRequest as RecordedRequest
    from ._cassette import RecordedResponse as RecordedResponse
    from ._cassette import body_differences as body_differences
    from ._fake import FakeLLM as FakeLLM
    from ._fake import ScriptExhausted as ScriptExhausted
    from ._fake_server import FakeServer as FakeServer
    from ._fake_transport import FakeTransport as FakeTransport
    from ._modes import RECORD_MODE_ENV as RECORD_MODE_ENV
    from ._modes import RecordMode as RecordMode
    from ._modes import record_mode as record_mode
    from ._recorder import Recorder as Recorder
    from ._redaction import REDACTED as REDACTED
    from ._redaction import Redactor as Redactor
    from ._replay import CassetteMismatch as CassetteMismatch
    from ._replay import InteractionMatcher as InteractionMatcher
    from ._replay import ReplayTransport as ReplayTransport
    from ._replay import split_events as split_events
    from ._script import Disconnect as Disconnect
    from ._script import Entry as Entry
    from ._script import ErrorEvent as ErrorEvent
    from ._script import FakeRequest as FakeRequest
    from ._script import FakeToolCall as FakeToolCall
    from ._script import Fault as Fault
    from ._script import Reply as Reply
    from ._script import Stall as Stall
    from ._script import Status as Status
    from ._script import disconnect as disconnect
    from ._script import error_event as error_event
    from ._script import stall as stall
    from ._script import status as status
    from ._script import tool_call as tool_call
    from ._server import ReplayServer as ReplayServer

# Every public name, by the module that defines it: the one list `__all__` is made from.
_MODULES = {
    "._cassette": (
        "Cassette",
        "Difference",
        "Interaction",
        "RecordedRequest",
        "RecordedResponse",
        "body_differences",
    ),
    "._fake": ("FakeLLM", "ScriptExhausted"),
    "._fake_server": ("FakeServer",),
    "._fake_transport": ("FakeTransport",),
    "._modes": ("RECORD_MODE_ENV", "RecordMode", "record_mode"),
    "._recorder": ("Recorder",),
    "._redaction": ("REDACTED", "Redactor"),
    "._replay": ("CassetteMismatch", "InteractionMatcher", "ReplayTransport", "split_events"),
    "._script": (
        "Disconnect",
        "Entry",
        "ErrorEvent",
        "FakeRequest",
        "FakeToolCall",
        "Fault",
        "Reply",
        "Stall",
        "Status",
        "disconnect",
        "error_event",
        "stall",
        "status",
        "tool_call",
    ),
    "._server": ("ReplayServer",),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
