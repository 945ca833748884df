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

if TYPE_CHECKING:
    from ._cassette import (
        Cassette,
        Difference,
        Interaction,
        RecordedRequest,
        RecordedResponse,
        body_differences,
    )
    from ._fake import FakeLLM, ScriptExhausted
    from ._fake_server import FakeServer
    from ._fake_transport import FakeTransport
    from ._modes import RECORD_MODE_ENV, RecordMode, record_mode
    from ._recorder import Recorder
    from ._redaction import REDACTED, Redactor
    from ._replay import CassetteMismatch, InteractionMatcher, ReplayTransport, split_events
    from ._script import (
        Disconnect,
        Entry,
        ErrorEvent,
        FakeRequest,
        FakeToolCall,
        Fault,
        Reply,
        Stall,
        Status,
        disconnect,
        error_event,
        stall,
        status,
        tool_call,
    )
    from ._server import ReplayServer

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

__all__ = [
    "RECORD_MODE_ENV",
    "REDACTED",
    "Cassette",
    "CassetteMismatch",
    "Difference",
    "Disconnect",
    "Entry",
    "ErrorEvent",
    "FakeLLM",
    "FakeRequest",
    "FakeServer",
    "FakeToolCall",
    "FakeTransport",
    "Fault",
    "Interaction",
    "InteractionMatcher",
    "RecordMode",
    "RecordedRequest",
    "RecordedResponse",
    "Recorder",
    "Redactor",
    "ReplayServer",
    "ReplayTransport",
    "Reply",
    "ScriptExhausted",
    "Stall",
    "Status",
    "body_differences",
    "disconnect",
    "error_event",
    "record_mode",
    "split_events",
    "stall",
    "status",
    "tool_call",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
