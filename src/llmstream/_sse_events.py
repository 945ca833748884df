"""A stream, or an agent run, as server-sent events for a web framework, in one call.

```python
@app.get("/chat")
async def chat(q: str) -> StreamingResponse:
    stream = client.stream(model="...", messages=[ls.user(q)])
    return StreamingResponse(ls.sse_events(stream), media_type="text/event-stream")
```

No web framework is imported: any that streams an (async) iterator of `str` works (Starlette,
FastAPI, Django, Flask, Quart...). The frames are made by `_core.sse_frames`.

An error frame tells the browser what kind of failure it was, never what the upstream server
wrote; the whole error goes to the `llmstream` logger (WARNING, with its traceback), for the
server's own log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ._core.sse_frames import DONE_FRAME, ErrorData, error_frame, event_frame
from .errors import LLMStreamError

if TYPE_CHECKING:
    from ._io.drivers import AsyncChatStream, ChatStream
    from .agent import AgentRun, SyncAgentRun

__all__ = ["ErrorData", "sse_events", "sse_events_sync"]

logger = logging.getLogger("llmstream")


async def sse_events(
    source: AsyncChatStream | AgentRun | AsyncIterable[BaseModel],
    *,
    error_data: ErrorData | None = None,
) -> AsyncIterator[str]:
    """Server-sent-event frames for every event of a stream or an agent run, then `done`.

    ```python
    stream = client.stream(model="...", messages=messages)   # not entered: sse_events does
    return StreamingResponse(ls.sse_events(stream), media_type="text/event-stream")
    ```

    Args:
        source: what `client.stream(...)` or `agent.stream(...)` returned, not yet entered:
            it is entered here, so that a failure before the first event (a 429 after the
            retries, a bad key) becomes an error frame too, and closed when the frames end.
            Any async iterable of events (an open stream, your own generator) is read as it
            is, and not closed.
        error_data: Shapes the `error` frame: called with the error and the data llmstream
            would send, it returns the data to send (e.g. `lambda error, data: {**data,
            "request_id": error.request_id}`). By default nothing the upstream server wrote
            reaches the browser.

    Yields:
        One `str` per frame. Each event is `event: <its type>` and `data: <the event as JSON>`
        (the JSON `ls.StreamEvent` / `ls.AgentEvent` validates; `run_finish` carries the run's
        summary: `stop_reason`, `usage`, `cost`, `text`, `output` and the number of `steps`).
        An `LLMStreamError` becomes an `event: error` frame whose data has `error` (the class
        name), `message` (a fixed sentence for that kind of failure), `status_code` and
        `retry_after` when the error has them, and `partial_usable` (whether the reply had
        begun); it is not raised, and the whole error is logged on the `llmstream` logger at
        WARNING. The last frame is always `event: done`. Any other exception is raised as it
        is. Every frame is strict JSON.

    When the client disconnects the web framework stops reading (or cancels the task): the
    stream or the run is closed at once, and so is its connection to the provider.
    """
    try:
        if isinstance(source, AbstractAsyncContextManager):
            async with source as opened:
                async for event in opened:
                    yield event_frame(event)
        else:
            async for item in source:
                yield event_frame(item)
    except LLMStreamError as error:
        yield _error_frame(error, error_data)
    yield DONE_FRAME


def sse_events_sync(
    source: ChatStream | SyncAgentRun | Iterable[BaseModel], *, error_data: ErrorData | None = None
) -> Iterator[str]:
    """The sync twin of `sse_events`: frames for a `ChatStream` (`ls.Client(...).stream(...)`)
    or a `SyncAgentRun` (`agent.stream_sync(...)`), for a sync framework (Flask, Django).

    Args:
        source: what `client.stream(...)` or `agent.stream_sync(...)` returned, not yet
            entered (it is entered and closed here), or any iterable of events (read as it is).
        error_data: Shapes the `error` frame (see `sse_events`).

    Yields:
        The same frames as `sse_events`: one per event, an `error` frame for an
        `LLMStreamError`, and `done` last.
    """
    try:
        if isinstance(source, AbstractContextManager):
            with source as opened:
                for event in opened:
                    yield event_frame(event)
        else:
            for item in source:
                yield event_frame(item)
    except LLMStreamError as error:
        yield _error_frame(error, error_data)
    yield DONE_FRAME


def _error_frame(error: LLMStreamError, shape: ErrorData | None) -> str:
    """The frame for the browser; the whole error for the server's log."""
    logger.warning("sse_events: the stream ended with %s: %s", type(error).__name__, error,
                   exc_info=error)  # fmt: skip
    return error_frame(error, shape)
