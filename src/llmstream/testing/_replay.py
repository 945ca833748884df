"""Replaying cassettes: an httpx transport (no sockets) and the request matching it shares with
the replay server and the recorder.

A request matches a recorded one on the parts of its request line that `match_on` names (by
default the method, the path and the query: not the host, so a cassette recorded against a
local server on one port replays against one on another) and a JSON-equal body, so every
replayed call also proves the body llmstream built is one the provider really accepted. A
request that matches nothing raises `CassetteMismatch`, which names the nearest recorded request
and lists where it differs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from .._public import publish
from ._cassette import Cassette, Difference, Interaction, body_differences

__all__ = [
    "DEFAULT_MATCH_ON",
    "MATCHERS",
    "CassetteMismatch",
    "InteractionMatcher",
    "ReplayTransport",
    "ReplayedBody",
    "split_events",
]

Chunker = Callable[[bytes], Iterable[bytes]]

MATCHERS = ("method", "scheme", "host", "port", "path", "query")
"""The parts of a request line `match_on` may name, as in VCR.py (the body has `match_body`)."""

DEFAULT_MATCH_ON = ("method", "path", "query")
"""What a request must share with a recording by default: not the scheme, host or port, which
change with where a server runs (a local server binds a new port each time)."""


class CassetteMismatch(AssertionError):
    """A request matched no recorded interaction; the message names the nearest one and what
    differed."""


def split_events(body: bytes) -> list[bytes]:
    """Split an SSE body after each blank line, as a server flushes it event by event."""
    pieces = body.split(b"\n\n")
    chunks = [piece + b"\n\n" for piece in pieces[:-1]]
    if pieces[-1]:
        chunks.append(pieces[-1])
    return chunks


def check_match_on(match_on: Collection[str]) -> tuple[str, ...]:
    """`match_on` as a tuple, with a clear error for a name that is not a part of a request."""
    if isinstance(match_on, str):
        match_on = (match_on,)
    unknown = [name for name in match_on if name not in MATCHERS]
    if unknown:
        hint = " (the body is matched unless match_body=False)" if "body" in unknown else ""
        raise ValueError(
            f"match_on takes {', '.join(MATCHERS)}; got {', '.join(map(repr, unknown))}{hint}"
        )
    return tuple(match_on)


def _part(url: SplitResult, method: str, name: str) -> str:
    if name == "method":
        return method.upper()
    if name == "host":
        return url.hostname or ""
    if name == "port":
        port = url.port or {"http": 80, "https": 443}.get(url.scheme)
        return "" if port is None else str(port)
    value: str = getattr(url, name)
    return value


@dataclass
class _Recorded:
    interaction: Interaction
    tolerated: frozenset[str]
    where: str  # "interaction 2 of tests/cassettes/x.yaml"


class InteractionMatcher:
    """Hands out recorded interactions to the requests that match them, each once, in order.

    `match_on` names the parts of the request line that must be equal (see `MATCHERS`);
    `match_body` whether the bodies must be JSON-equal too. `tolerate` maps an interaction's
    number (counting from 0 across the cassettes, in order) to body paths where a difference is
    deliberate; those differences are let through and kept in `tolerated`, so a test can check
    that each one still happens.
    """

    def __init__(
        self,
        cassettes: Sequence[Cassette],
        *,
        match_on: Collection[str] = DEFAULT_MATCH_ON,
        match_body: bool = True,
        tolerate: Mapping[int, Collection[str]] | None = None,
    ) -> None:
        tolerate = tolerate or {}
        self._pending: list[_Recorded] = []
        for cassette in cassettes:
            for index, interaction in enumerate(cassette.interactions):
                number = len(self._pending)
                self._pending.append(
                    _Recorded(
                        interaction,
                        frozenset(tolerate.get(number, ())),
                        f"interaction {index} of {cassette.path}",
                    )
                )
        self._used: list[_Recorded] = []
        self.match_on = check_match_on(match_on)
        self._match_body = match_body
        self._lock = threading.Lock()
        self.requests: list[Any] = []
        """The JSON bodies received, in order."""
        self.tolerated: list[Difference] = []
        """Differences let through because they were declared deliberate."""

    @property
    def unused(self) -> list[Interaction]:
        return [recorded.interaction for recorded in self._pending]

    def match(self, method: str, url: str, body: bytes) -> Interaction:
        """The first unused interaction that `method url` with `body` matches, now used; else
        `CassetteMismatch`."""
        try:
            sent = json.loads(body) if body else None
        except ValueError:
            sent = body.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(sent)
            for recorded in self._pending:
                if self._line_differences(recorded.interaction, method, url):
                    continue
                request = recorded.interaction.request
                differences = body_differences(request.json, sent) if self._match_body else []
                if all(d.path in recorded.tolerated for d in differences):
                    self._pending.remove(recorded)
                    self._used.append(recorded)
                    self.tolerated.extend(differences)
                    return recorded.interaction
            raise CassetteMismatch(self._explain(method, url, sent))

    def _line_differences(
        self, interaction: Interaction, method: str, url: str
    ) -> list[Difference]:
        """Where the request line differs from the recorded one, in the parts `match_on` names."""
        recorded, sent = urlsplit(interaction.request.url), urlsplit(url)
        found = []
        for name in self.match_on:
            was = _part(recorded, interaction.request.method, name)
            now = _part(sent, method, name)
            if was != now:
                found.append(
                    Difference(name, f"recorded {was or '(none)'}, sent {now or '(none)'}")
                )
        return found

    def _differences(
        self, recorded: _Recorded, method: str, url: str, sent: Any
    ) -> list[Difference]:
        """Everything that kept `recorded` from answering: the request line, then the body."""
        line = self._line_differences(recorded.interaction, method, url)
        if not self._match_body:
            return line
        body = body_differences(recorded.interaction.request.json, sent)
        return line + [d for d in body if d.path not in recorded.tolerated]

    def _explain(self, method: str, url: str, sent: Any) -> str:
        """The mismatch in words: the nearest unused recording and how it differs, or why none
        is left."""
        request = f"{method} {url}"
        # A request made once more than it was recorded: its recordings were all used.
        repeated = [r for r in self._used if not self._line_differences(r.interaction, method, url)]
        again = (
            f"{len(repeated)} recorded for it already answered ({repeated[-1].where} last); "
            "each recorded interaction answers one request"
            if repeated
            else ""
        )
        if not self._pending:
            if not self._used:
                return f"no recorded interaction for {request}: the cassette holds none"
            return f"no recorded interaction left for {request}: " + (
                again or f"all {len(self._used)} were used, and none was recorded for it"
            )

        def distance(recorded: _Recorded) -> tuple[int, int]:
            line = self._line_differences(recorded.interaction, method, url)
            return len(line), len(self._differences(recorded, method, url, sent))

        nearest = min(self._pending, key=distance)
        differences = self._differences(nearest, method, url, sent)
        recorded = nearest.interaction.request
        if not self._line_differences(nearest.interaction, method, url):
            head = f"the request body for {request} differs from the recording ({nearest.where})"
        else:
            head = (
                f"no recorded interaction matches {request}; the nearest, {nearest.where}, was "
                f"recorded for {recorded.method} {recorded.url}"
            )
        text = head + ":\n  " + "\n  ".join(map(str, differences))
        return f"{text}\n({again})" if again else text


class ReplayedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A recorded body, sync and async, in the pieces it is replayed in."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class ReplayTransport(httpx.MockTransport):
    """An httpx transport (sync and async) that answers from cassettes, without a socket.

    A request is answered by the first unused interaction it matches: on `match_on` (the method,
    path and query by default; add `"host"`, `"port"` or `"scheme"` to tell servers apart) and,
    unless `match_body=False`, a JSON-equal body (`tolerate` lets chosen differences through).
    `chunker` decides how each response body is cut into network reads: by default one read per
    SSE event, as providers flush them; pass any function of the body bytes to cut elsewhere.
    """

    def __init__(
        self,
        *cassettes: Cassette,
        match_on: Collection[str] = DEFAULT_MATCH_ON,
        match_body: bool = True,
        tolerate: Mapping[int, Collection[str]] | None = None,
        chunker: Chunker = split_events,
    ) -> None:
        self.matcher = InteractionMatcher(
            cassettes, match_on=match_on, match_body=match_body, tolerate=tolerate
        )
        self._chunker = chunker
        super().__init__(self._respond)

    @property
    def requests(self) -> list[Any]:
        return self.matcher.requests

    def _respond(self, request: httpx.Request) -> httpx.Response:
        interaction = self.matcher.match(request.method, str(request.url), request.read())
        response = interaction.response
        body = response.body.encode("utf-8")
        return httpx.Response(
            response.status,
            headers=response.header_pairs(),
            stream=ReplayedBody(list(self._chunker(body))),
        )


publish(globals(), "llmstream.testing")
