"""Groq (api.groq.com)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import Provider

__all__ = ["Groq"]


class Groq(Provider):
    """Groq. Reads `GROQ_API_KEY`.

    Reasoning arrives in `delta.reasoning` and goes back in history as `reasoning` (Groq answers
    400 to `reasoning_content`). Usage comes on the finish chunk and again on a last empty chunk
    (counted once); older API versions put it only under `x_groq.usage`, which is read too.
    Errors inside a stream arrive as `event: error` or under `x_groq.error`. `message.cost`
    comes from genai-prices' Groq price list.

    `api="responses"` speaks Groq's Responses API (beta). It is stateless: it keeps no
    responses, so `previous_response_id=` is refused and `store=True` dropped with a
    `RequestWarning`; the whole history goes every time. gpt-oss and Qwen3 models reason, and
    their reasoning comes back as plain text (nothing encrypted), which goes back as received.

    Args:
        api_key: The API key; read from `GROQ_API_KEY` when None.
        base_url: `https://api.groq.com/openai/v1` when None.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API).
    """

    name = "groq"
    default_base_url = "https://api.groq.com/openai/v1"
    api_key_env = "GROQ_API_KEY"
    reasoning_fields = ("reasoning",)
    reasoning_history_field = "reasoning"
    genai_prices_id = "groq"
    stores_responses = False
    encrypted_reasoning = False

    def reasoning_model(self, model: str) -> bool:
        name = model.rsplit("/", 1)[-1]
        return name.startswith(("gpt-oss", "qwen3"))

    def usage_from_chunk(self, chunk: Mapping[str, Any]) -> Any:
        usage = chunk.get("usage")
        if usage is None:
            x_groq = chunk.get("x_groq")
            if isinstance(x_groq, dict):
                usage = x_groq.get("usage")
        return usage

    def error_from_chunk(self, chunk: Mapping[str, Any]) -> Any:
        x_groq = chunk.get("x_groq")
        if isinstance(x_groq, dict) and x_groq.get("error") is not None:
            return x_groq
        return super().error_from_chunk(chunk)
