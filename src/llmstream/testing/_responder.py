"""`Responder`: what the fake transport and the fake server serve.

Each request's plan (`respond`) and a provider pointed at an address (`provider`): `FakeLLM`
is one, with its script. The transport and the server need nothing else of it, so they depend
on this protocol, and `FakeLLM` (which starts them) is the only one that knows them both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import llmstream as ls

from ._render import Plan

__all__ = ["Responder"]


class Responder(Protocol):
    def respond(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Plan:
        """The plan answering one request."""
        ...

    def provider(self, base_url: str, **options: Any) -> ls.OpenAICompatible:
        """An `ls.OpenAICompatible` provider pointed at `base_url`."""
        ...
