"""`FakeTransport`: a `FakeLLM` served through httpx without a socket, sync and async."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx

from .._public import publish
from ._render import Pause, Plan, Send, Step
from ._responder import Responder

__all__ = ["FakeTransport"]


def _dropped() -> httpx.ReadError:
    # What httpx raises when a peer resets the connection mid-body.
    return httpx.ReadError("the fake LLM dropped the connection (connection reset by peer)")


class _PlannedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that carries out a plan's steps as the client reads it: each `Send` is
    one read, pauses sleep (`anyio.sleep` under asyncio or trio, `time.sleep` in sync code)."""

    def __init__(self, steps: list[Step]) -> None:
        self._steps = steps

    def __iter__(self) -> Iterator[bytes]:
        for step in self._steps:
            if isinstance(step, Send):
                yield step.data
            elif isinstance(step, Pause):
                time.sleep(step.seconds)
            else:
                raise _dropped()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _AsyncSteps(self._steps)


class _AsyncSteps:
    """The async reading of a plan: an iterator, not an async generator, so that a reader that
    leaves early leaves nothing for the garbage collector to finalize (trio warns of that)."""

    def __init__(self, steps: list[Step]) -> None:
        self._steps = iter(steps)

    def __aiter__(self) -> _AsyncSteps:
        return self

    async def __anext__(self) -> bytes:
        for step in self._steps:
            if isinstance(step, Send):
                return step.data
            if isinstance(step, Pause):
                await anyio.sleep(step.seconds)
            else:
                raise _dropped()
        raise StopAsyncIteration


class FakeTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request from a `FakeLLM`'s script, in process (`fake.transport`).

    Without a socket, llmstream checks its time limits after each read, so a stall longer than
    the client's `idle` limit raises `StreamTimeoutError` once the stall is over, not during it;
    use `fake.serve()` to see the limit cut a stall short.
    """

    def __init__(self, fake: Responder) -> None:
        self.fake = fake

    def __repr__(self) -> str:
        return f"FakeTransport({self.fake!r})"

    def _response(self, request: httpx.Request, plan: Plan) -> httpx.Response:
        headers = list(plan.headers)
        if not plan.chunked:
            size = sum(len(step.data) for step in plan.steps if isinstance(step, Send))
            headers.append(("content-length", str(size)))
        return httpx.Response(
            plan.status, headers=headers, stream=_PlannedBody(plan.steps), request=request
        )

    def _plan(self, request: httpx.Request, body: bytes) -> Plan:
        encoding = request.headers.encoding
        pairs = [(n.decode(encoding), v.decode(encoding)) for n, v in request.headers.raw]
        return self.fake.respond(request.method, request.url.path, pairs, body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._response(request, self._plan(request, request.read()))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._response(request, self._plan(request, await request.aread()))


publish(globals(), "llmstream.testing")
