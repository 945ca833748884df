"""A stream, or an agent run, as server-sent events for a web framework, in one call.

```python
@app.get("/chat")
async def chat(q: str) -> StreamingResponse:
    stream = client.stream(model="...", messages=[ls.user(q)])
    return StreamingResponse(ls.sse_events(stream), media_type="text/event-stream")
```

No web framework is imported: any that streams an (async) iterator of `str` works (Starlette,
FastAPI, Django, Flask, Quart...). The frames are made by `_core.sse_frames`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ._core.sse_frames import DONE_FRAME, error_frame, event_frame
from .errors import LLMStreamError

if TYPE_CHECKING:
    from ._io.drivers import AsyncChatStream, ChatStream
    from .agent import AgentRun, SyncAgentRun

__all__ = ["sse_events", "sse_events_sync"]


async def sse_events(
    source: AsyncChatStream | AgentRun | AsyncIterable[BaseModel],
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

    Yields:
        One `str` per frame. Each event is `event: <its type>` and `data: <the event as JSON>`
        (the JSON `ls.StreamEvent` / `ls.AgentEvent` validates). An `LLMStreamError` becomes an
        `event: error` frame whose data has `error` (the class name), `message`, `partial` (the
        message as it stood) and, when the error has them, `status_code`, `retry_after`,
        `request_id`, `provider` and `limit`; it is not raised. The last frame is always
        `event: done`. Any other exception is raised as it is.

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
        yield error_frame(error)
    yield DONE_FRAME


def sse_events_sync(source: ChatStream | SyncAgentRun | Iterable[BaseModel]) -> Iterator[str]:
    """The sync twin of `sse_events`: frames for a `ChatStream` (`ls.Client(...).stream(...)`)
    or a `SyncAgentRun` (`agent.stream_sync(...)`), for a sync framework (Flask, Django).

    Args:
        source: what `client.stream(...)` or `agent.stream_sync(...)` returned, not yet
            entered (it is entered and closed here), or any iterable of events (read as it is).

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
        yield error_frame(error)
    yield DONE_FRAME
