"""The Responses API wire (`POST /responses`): OpenAI's recommended API, also served by xAI,
Groq, Azure OpenAI, OpenRouter and servers people run (vLLM, Ollama, LM Studio, llama.cpp).

- `encoder`: a `ChatRequest` in, the body with `input` items out;
- `history`: the conversation as input items, an earlier reply's output items replayed as
  received (what `store` false allows);
- `reader`: the stream's typed events (or a whole response object) in, events out.
"""

from __future__ import annotations

from .. import Wire
from .encoder import build_body
from .reader import ResponsesReader

__all__ = ["WIRE"]

WIRE = Wire(name="responses", path="/responses", build_body=build_body, reader=ResponsesReader)
