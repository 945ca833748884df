"""Cassette replay for tests: `ReplayTransport` (no sockets) and `ReplayServer` (127.0.0.1).

Needs PyYAML (`pip install 'llmstream[testing]'`).

```python
from llmstream.testing import Cassette, ReplayTransport

transport = ReplayTransport(Cassette.load("tests/cassettes/groq-simple_streaming.yaml"))
client = ls.AsyncClient(ls.Groq(api_key="test"), transport=transport)
```
"""

from ._cassette import (
    Cassette,
    Difference,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    body_differences,
)
from ._replay import CassetteMismatch, InteractionMatcher, ReplayTransport, split_events
from ._server import ReplayServer

__all__ = [
    "Cassette",
    "CassetteMismatch",
    "Difference",
    "Interaction",
    "InteractionMatcher",
    "RecordedRequest",
    "RecordedResponse",
    "ReplayServer",
    "ReplayTransport",
    "body_differences",
    "split_events",
]
