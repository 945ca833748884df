"""Cerebras (api.cerebras.ai)."""

from __future__ import annotations

from types import MappingProxyType

from ._base import Provider

__all__ = ["Cerebras"]

# Request fields of OpenAI's chat completions that Cerebras's API reference (the cerebras SDK's
# request types) does not list.
_UNSUPPORTED = MappingProxyType(
    {
        name: f"Cerebras's API has no {name} parameter"
        for name in (
            "metadata", "store", "verbosity", "safety_identifier", "prompt_cache_key",
        )
    }
)  # fmt: skip


class Cerebras(Provider):
    """Cerebras. Reads `CEREBRAS_API_KEY`.

    Reasoning arrives in `delta.reasoning` and goes back in history as `reasoning` (Cerebras
    refuses `reasoning_content` with 400 `wrong_api_format`). Usage and `time_info` come on the
    finish chunk; `time_info` is kept in `AssistantMessage.extras`. `message.cost` comes from
    genai-prices' Cerebras price list. Cerebras has no `metadata`, `store`, `verbosity`,
    `safety_identifier` or `prompt_cache_key`: those options are dropped, each with a
    `RequestWarning`.

    Cerebras serves chat completions only: `api="responses"` is refused (it has no Responses
    API).

    Args:
        api_key: The API key; read from `CEREBRAS_API_KEY` when None.
        base_url: `https://api.cerebras.ai/v1` when None.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback.
        api: `"chat"`, the one API Cerebras serves.
    """

    name = "cerebras"
    default_base_url = "https://api.cerebras.ai/v1"
    api_key_env = "CEREBRAS_API_KEY"
    output_mode = "native"
    reasoning_fields = ("reasoning",)
    reasoning_history_field = "reasoning"
    genai_prices_id = "cerebras"
    unsupported_parameters = _UNSUPPORTED
    served_apis = ("chat",)
