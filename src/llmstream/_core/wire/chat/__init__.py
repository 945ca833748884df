"""The chat-completions wire (`POST /chat/completions`): every provider's first API.

- `encoder`: a `ChatRequest` (history included) in, the body with `messages` out;
- `reader`: chunk payloads (or a whole completion) in, events out, through `interpreter` (one
  chunk's fields) and `chunk_frame` (a chunk read by its delta alone).
"""

from __future__ import annotations

from .. import Wire
from .encoder import build_body
from .reader import ChatReader

__all__ = ["WIRE"]

WIRE = Wire(name="chat", path="/chat/completions", build_body=build_body, reader=ChatReader)
