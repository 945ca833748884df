"""Wire formats behind one seam: chat completions (`chat/`) and the Responses API (`responses/`).

A wire is the part of the protocol that differs between the two APIs, and nothing else:

- `build_body(request, provider, stream=...)`: the wire-neutral `ChatRequest` (history included)
  in, the JSON body as a dict and the `RequestWarning`s for what had to change out;
- `reader`: the class that reads one response's payloads (each SSE event's data, or the whole
  JSON reply) into the typed events, recording the message in the shared `MessageAccumulator`;
  one code path serves a stream and a whole reply;
- `path`: where the request is posted, after the provider's base URL.

Everything around a wire is shared: `ChatRequest` (`_core/request.py`), the parser that turns
response bytes into payloads (`_core/parser.py`: body kinds, SSE decoding, bounded buffers,
errors held until the events before them were returned), the events, the accumulator and the
message. The wire is picked once per call from `provider.api` (`wire_for`); nothing else asks
which API a call speaks. Each wire's package is imported on first use, so a program that speaks
one never loads the other.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ...errors import ConfigurationError

if TYPE_CHECKING:
    from ...events import RequestWarning, StreamEvent
    from ..accumulator import MessageAccumulator
    from ..output import ResolvedOutput
    from ..provider import ProviderSpec
    from ..request import ChatRequest

__all__ = [
    "API_NAMES",
    "WIRES",
    "BodyBuilder",
    "Reader",
    "ReaderFactory",
    "Wire",
    "check_api",
    "wire_for",
    "wire_named",
]


class BodyBuilder(Protocol):
    def __call__(
        self, request: ChatRequest, provider: ProviderSpec, *, stream: bool
    ) -> tuple[dict[str, Any], list[RequestWarning]]:
        """The JSON body of `request` (its history included) for `provider`, and a warning for
        each thing that had to be dropped or changed on the way."""


class Reader(Protocol):
    """Reads the payloads of one response into events (appended to `out`), recording the
    message in its accumulator. Errors it raises are `APIError`s; the parser attaches
    `partial` and holds them until the events before them were returned."""

    def read_data(self, payload: bytes, out: list[StreamEvent]) -> None:
        """One SSE event's data (a JSON object's bytes), from an event without an `event:`
        name. The hot path: the parser calls it once per event, bound once."""

    def read_event(self, event_type: str, payload: bytes, out: list[StreamEvent]) -> None:
        """One SSE event's data, from an event with an `event:` name."""

    def read_whole(self, body: bytes, out: list[StreamEvent]) -> None:
        """A whole (non-streamed) JSON reply, not empty: the events it would have streamed."""

    def end(self, out: list[StreamEvent]) -> None:
        """The body is over (or `data: [DONE]` came): the last events, or
        `IncompleteStreamError` when the reply never said it was finished."""


class ReaderFactory(Protocol):
    def __call__(
        self,
        provider: ProviderSpec,
        accumulator: MessageAccumulator,
        *,
        output: ResolvedOutput | None,
        partial_tool_arguments: bool,
        on_complete: Callable[[], None],
    ) -> Reader:
        """A reader for one response. It calls `on_complete` when the payloads themselves say
        the reply is over (the Responses API's `response.completed`), so the parser needs no
        more input; a wire whose end is marked outside its payloads (`[DONE]`) never calls it."""


@dataclass(frozen=True)
class Wire:
    """One wire format (see the module docstring)."""

    name: str
    """What `ProviderSpec.api` says to speak it: `chat` or `responses`."""
    path: str
    """Where its requests go, after the provider's base URL: `/chat/completions`."""
    build_body: BodyBuilder
    """`build_body(request, provider, *, stream)`: the JSON body and its warnings."""
    reader: ReaderFactory
    """Makes the reader of one response."""


WIRES: dict[str, str] = {"chat": ".chat", "responses": ".responses"}
"""Each wire's name and the package that defines it (its `WIRE`)."""

API_NAMES: dict[str, str] = {"chat": "chat completions API", "responses": "Responses API"}
"""What each wire is called in a sentence (`Cerebras has no Responses API`)."""

_loaded: dict[str, Wire] = {}


def check_api(api: object, owner: str, supported: tuple[str, ...]) -> str:
    """`api` as given to a provider, checked: one llmstream speaks and the provider serves."""
    if not isinstance(api, str) or api not in WIRES:
        known = " or ".join(repr(name) for name in WIRES)
        raise ConfigurationError(
            f"{owner}(api={api!r}) is not an API llmstream speaks: use {known}"
        )
    if api not in supported:
        served = " and ".join(f"the {API_NAMES[name]} (api={name!r})" for name in supported)
        raise ConfigurationError(f"{owner} has no {API_NAMES[api]}: it serves only {served}")
    return api


def wire_named(name: str, owner: str = "the provider") -> Wire:
    """The wire called `name`, its package imported on first use."""
    wire = _loaded.get(name)
    if wire is None:
        package = WIRES.get(name)
        if package is None:
            known = " or ".join(repr(n) for n in WIRES)
            raise ConfigurationError(
                f"{owner} speaks api={name!r}, which llmstream does not know; use {known}"
            )
        wire = _loaded[name] = importlib.import_module(package, __name__).WIRE
    return wire


def wire_for(provider: ProviderSpec) -> Wire:
    """The wire `provider` speaks (`provider.api`), its package imported on first use."""
    wire = _loaded.get(provider.api)
    if wire is None:
        wire = wire_named(provider.api, type(provider).__name__)
    return wire
