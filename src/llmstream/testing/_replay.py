"""Replaying cassettes: an httpx transport (no sockets) and the request matching it shares with
the replay server.

A request matches a recorded one on method, URL and a JSON-equal body, so every replayed call
also proves the body llmstream built is one the provider really accepted. A request that matches
nothing raises `CassetteMismatch`, which lists where the bodies differ.
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
from typing import Any

import httpx

from ._cassette import Cassette, Difference, Interaction, body_differences

__all__ = [
    "CassetteMismatch",
    "InteractionMatcher",
    "ReplayTransport",
    "ReplayedBody",
    "split_events",
]

Chunker = Callable[[bytes], Iterable[bytes]]


class CassetteMismatch(AssertionError):
    """A request matched no recorded interaction."""


def split_events(body: bytes) -> list[bytes]:
    """Split an SSE body after each blank line, as a server flushes it event by event."""
    pieces = body.split(b"\n\n")
    chunks = [piece + b"\n\n" for piece in pieces[:-1]]
    if pieces[-1]:
        chunks.append(pieces[-1])
    return chunks


class InteractionMatcher:
    """Hands out recorded interactions to the requests that match them, each once, in order.

    `tolerate` maps an interaction's number (counting from 0 across the cassettes, in order) to
    body paths where a difference is deliberate; those differences are let through and kept in
    `tolerated`, so a test can check that each one still happens.
    """

    def __init__(
        self,
        cassettes: Sequence[Cassette],
        *,
        match_body: bool = True,
        tolerate: Mapping[int, Collection[str]] | None = None,
    ) -> None:
        interactions = [i for cassette in cassettes for i in cassette.interactions]
        tolerate = tolerate or {}
        self._pending: list[tuple[Interaction, frozenset[str]]] = [
            (interaction, frozenset(tolerate.get(number, ())))
            for number, interaction in enumerate(interactions)
        ]
        self._match_body = match_body
        self._lock = threading.Lock()
        self.requests: list[Any] = []
        """The JSON bodies received, in order."""
        self.tolerated: list[Difference] = []
        """Differences let through because they were declared deliberate."""

    @property
    def unused(self) -> list[Interaction]:
        return [interaction for interaction, _ in self._pending]

    def match(
        self, method: str, target: str, body: bytes, *, key: Callable[[Interaction], str]
    ) -> Interaction:
        try:
            sent = json.loads(body) if body else None
        except ValueError:
            sent = body.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(sent)
            same_target = [
                entry
                for entry in self._pending
                if entry[0].request.method == method and key(entry[0]) == target
            ]
            for entry in same_target:
                interaction, tolerated = entry
                differences = body_differences(interaction.request.json, sent)
                if not self._match_body or all(d.path in tolerated for d in differences):
                    self._pending.remove(entry)
                    self.tolerated.extend(differences)
                    return interaction
        if not same_target:
            raise CassetteMismatch(f"no recorded interaction left for {method} {target}")
        interaction, tolerated = same_target[0]
        differences = [
            d for d in body_differences(interaction.request.json, sent) if d.path not in tolerated
        ]
        raise CassetteMismatch(
            f"the request body for {method} {target} differs from the recording:\n  "
            + "\n  ".join(map(str, differences))
        )


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

    `chunker` decides how each response body is cut into network reads: by default one read per
    SSE event, as providers flush them; pass any function of the body bytes to cut elsewhere.
    """

    def __init__(
        self,
        *cassettes: Cassette,
        match_body: bool = True,
        tolerate: Mapping[int, Collection[str]] | None = None,
        chunker: Chunker = split_events,
    ) -> None:
        self.matcher = InteractionMatcher(cassettes, match_body=match_body, tolerate=tolerate)
        self._chunker = chunker
        super().__init__(self._respond)

    @property
    def requests(self) -> list[Any]:
        return self.matcher.requests

    def _respond(self, request: httpx.Request) -> httpx.Response:
        interaction = self.matcher.match(
            request.method,
            str(request.url),
            request.read(),
            key=lambda recorded: recorded.request.url,
        )
        response = interaction.response
        body = response.body.encode("utf-8")
        return httpx.Response(
            response.status,
            headers=response.header_pairs(),
            stream=ReplayedBody(list(self._chunker(body))),
        )
