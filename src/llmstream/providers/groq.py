"""Groq (api.groq.com)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._base import Provider

__all__ = ["Groq"]

# From Groq's API reference (the groq SDK's request types) and its "OpenAI compatibility" page,
# which says the first three are answered with a 400.
_UNSUPPORTED = {
    "logprobs": "Groq does not support logprobs (its OpenAI compatibility page: a 400)",
    "top_logprobs": "Groq does not support logprobs (its OpenAI compatibility page: a 400)",
    "logit_bias": "Groq does not support logit_bias (its OpenAI compatibility page: a 400)",
    "frequency_penalty": "none of Groq's models supports it yet (Groq's API reference)",
    "presence_penalty": "none of Groq's models supports it yet (Groq's API reference)",
    "metadata": "Groq does not support metadata (Groq's API reference)",
    "store": "Groq does not store completions (Groq's API reference)",
}
for _name in ("prediction", "verbosity", "safety_identifier", "prompt_cache_key"):
    _UNSUPPORTED[_name] = f"Groq's API has no {_name} parameter"


class Groq(Provider):
    """Groq. Reads `GROQ_API_KEY`.

    Reasoning arrives in `delta.reasoning` and goes back in history as `reasoning` (Groq answers
    400 to `reasoning_content`). Usage comes on the finish chunk and again on a last empty chunk
    (counted once); older API versions put it only under `x_groq.usage`, which is read too.
    Errors inside a stream arrive as `event: error` or under `x_groq.error`. `message.cost`
    comes from genai-prices' Groq price list.

    Groq refuses `logprobs`, `top_logprobs` and `logit_bias`, and has no penalties, `metadata`,
    `store`, `prediction`, `verbosity`, `safety_identifier` or `prompt_cache_key`: those
    options are dropped, each with a `RequestWarning`. `service_tier` takes Groq's own tiers
    (`"on_demand"`, `"flex"`, `"performance"`, `"auto"`).

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
    unsupported_parameters = MappingProxyType(_UNSUPPORTED)
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
