"""xAI (api.x.ai)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import APIStatusError, AuthenticationError
from ._base import Provider

if TYPE_CHECKING:
    from .._core.error_bodies import ErrorFields

__all__ = ["XAI"]

# grok-3-mini, grok-code-fast-1 and grok-4 onwards reason, but the `-non-reasoning` variants
# (grok-4-fast-non-reasoning...).
_REASONING_MODEL = re.compile(r"^grok-(3-mini|code|[4-9]|\d\d)(?!.*non-reasoning)")
# xAI's reasoning guide: "presencePenalty, frequencyPenalty and stop parameters are not
# supported by reasoning models. Adding them in the request would result in an error."
_REFUSED_BY_REASONING_MODELS = ("presence_penalty", "frequency_penalty", "stop")


class XAI(Provider):
    """xAI's Grok models. Reads `XAI_API_KEY`.

    Reasoning arrives in `delta.reasoning_content` and goes back in history in the same field.
    xAI's `completion_tokens` leaves reasoning tokens out; llmstream adds them back so that
    `output_tokens` means the same as everywhere else (`total_tokens` is xAI's own, and already
    includes them). `cost_in_usd_ticks` (1 tick = 1e-10 USD) and `num_sources_used` are copied
    into `AssistantMessage.extras`; `message.cost` is xAI's own figure from those ticks (from
    genai-prices' xAI price list when a reply has none). A bad key is answered with 400, read as
    `AuthenticationError`. Its reasoning models (grok-3-mini, grok-4 and later, grok-code,
    but the `-non-reasoning` ones) refuse `presence_penalty`, `frequency_penalty` and `stop`:
    dropped with a `RequestWarning`.

    `api="responses"` speaks xAI's Responses API, which xAI recommends (it calls chat
    completions deprecated): there the reasoning of Grok's reasoning models comes back
    encrypted, and goes back with the next request (llmstream asks for it when nothing is
    stored). xAI stores responses for 30 days when `store=True`.

    Args:
        api_key: The API key; read from `XAI_API_KEY` when None.
        base_url: `https://api.x.ai/v1` when None.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API).
    """

    name = "xai"
    telemetry_name = "x_ai"
    default_base_url = "https://api.x.ai/v1"
    api_key_env = "XAI_API_KEY"
    reasoning_fields = ("reasoning_content",)
    reasoning_history_field = "reasoning_content"
    completion_excludes_reasoning = True
    usage_extras = ("cost_in_usd_ticks", "num_sources_used")
    reported_cost_field = "cost_in_usd_ticks"
    reported_cost_unit = Decimal("1e-10")
    genai_prices_id = "x-ai"

    def reasoning_model(self, model: str) -> bool:
        return _REASONING_MODEL.match(model.rsplit("/", 1)[-1]) is not None

    def rejected_parameters(self, model: str, body: Mapping[str, Any]) -> dict[str, str]:
        if not self.reasoning_model(model):
            return {}
        return {
            name: f"{model} is a reasoning model, and xAI's reasoning models refuse it"
            for name in _REFUSED_BY_REASONING_MODELS
            if name in body
        }

    def status_error_class(
        self, status: int, fields: ErrorFields | None
    ) -> type[APIStatusError] | None:
        message = (fields.message or "").lower() if fields else ""
        if status == 400 and ("api key" in message or "api-key" in message):
            return AuthenticationError
        return None
