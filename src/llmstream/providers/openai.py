"""OpenAI (api.openai.com)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._base import Provider

__all__ = ["OpenAI"]

# o1, o3, o4-mini..., and the gpt-5 family except the non-reasoning gpt-5-chat models.
_REASONING_MODEL = re.compile(r"^(o\d+(-|$)|gpt-5(?!-chat))")
_NO_STOP_MODEL = re.compile(r"^o[34](-|$)")
# Sampling parameters reasoning models reject unless left at their default value.
_SAMPLING_DEFAULTS: dict[str, Any] = {
    "temperature": 1,
    "top_p": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logprobs": False,
}
_SAMPLING_ALWAYS_REJECTED = ("top_logprobs", "logit_bias")


def is_reasoning_model(model: str) -> bool:
    return _REASONING_MODEL.match(model.rsplit("/", 1)[-1]) is not None


class OpenAI(Provider):
    """OpenAI. Reads `OPENAI_API_KEY`.

    Chat completions by default; `api="responses"` speaks the Responses API, which OpenAI
    recommends for new projects: reasoning summaries (`reasoning_summary=`) and reasoning
    carried between turns exist only there, and GPT-5.4 and later accept function tools with a
    `reasoning_effort` other than `none` only there (docs/responses.md).

    Reasoning models (o1, o3, o4-mini, gpt-5...) get `max_completion_tokens` instead of
    `max_tokens`, and the sampling parameters they refuse are dropped with a `RequestWarning`.
    Chat completions never stream reasoning text; `usage.reasoning_tokens` counts it.
    `message.cost` comes from genai-prices' OpenAI price list.

    Args:
        api_key: The API key; read from `OPENAI_API_KEY` when None.
        base_url: `https://api.openai.com/v1` when None.
        headers: HTTP headers added to every request (`OpenAI-Organization`, `OpenAI-Project`...).
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API).
    """

    name = "openai"
    default_base_url = "https://api.openai.com/v1"
    api_key_env = "OPENAI_API_KEY"
    output_mode = "native"
    ignored_chunk_fields = frozenset({"obfuscation"})
    genai_prices_id = "openai"

    def output_limit_field(self, model: str) -> str:
        return "max_completion_tokens" if is_reasoning_model(model) else "max_tokens"

    def reasoning_model(self, model: str) -> bool:
        return is_reasoning_model(model)

    def rejected_parameters(self, model: str, body: Mapping[str, Any]) -> dict[str, str]:
        if not is_reasoning_model(model):
            return {}
        why = f"{model} is a reasoning model and accepts only the default"
        rejected = {
            name: f"{why} ({default!r})"
            for name, default in _SAMPLING_DEFAULTS.items()
            if name in body and body[name] != default
        }
        rejected.update(
            (name, f"{model} is a reasoning model and does not support it")
            for name in _SAMPLING_ALWAYS_REJECTED
            if name in body
        )
        if "stop" in body and _NO_STOP_MODEL.match(model):
            rejected["stop"] = f"{model} does not support stop sequences"
        return rejected
