"""Testing helpers: replay recorded traffic, record your own, and fake a provider.

Needs PyYAML for cassettes (`pip install 'llmstream[testing]'`), which also turns on the pytest
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
"""

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
