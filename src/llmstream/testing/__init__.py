"""Testing helpers: replay recorded traffic, record your own, and fake a provider.

Needs PyYAML for cassettes (`pip install 'llmstream[testing]'`).

```python
from llmstream.testing import Cassette, ReplayTransport

transport = ReplayTransport(Cassette.load("tests/cassettes/groq-simple_streaming.yaml"))
client = ls.AsyncClient(ls.Groq(api_key="test"), transport=transport)
```

- replay: `Cassette`, `ReplayTransport` (no sockets), `ReplayServer` (127.0.0.1);
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
from ._redaction import REDACTED
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
    "RecordedRequest",
    "RecordedResponse",
    "ReplayServer",
    "ReplayTransport",
    "Reply",
    "ScriptExhausted",
    "Stall",
    "Status",
    "body_differences",
    "disconnect",
    "error_event",
    "split_events",
    "stall",
    "status",
    "tool_call",
]
