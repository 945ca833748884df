"""OpenRouter (openrouter.ai): one key, hundreds of models from many providers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from typing_extensions import TypedDict

from .._core.checks import check_type
from .._core.cost import reported_amount
from ._base import Provider
from .openai import is_reasoning_model

__all__ = ["OpenRouter", "OpenRouterRouting"]


class OpenRouterRouting(TypedDict, total=False):
    """Which upstream providers may serve a call, and in which order (OpenRouter's `provider`
    object; every key is optional, see openrouter.ai/docs "Provider routing")."""

    order: list[str]
    """Providers to try first, in this order (`["anthropic", "google-vertex"]`)."""
    only: list[str]
    """Only these providers."""
    ignore: list[str]
    """Never these providers."""
    allow_fallbacks: bool
    """Whether OpenRouter may use providers outside `order` when those fail (default true)."""
    sort: Literal["price", "throughput", "latency"]
    """Prefer the cheapest, the fastest or the quickest to answer."""
    require_parameters: bool
    """Only providers that support every parameter in the request."""
    data_collection: Literal["allow", "deny"]
    """Whether providers that may store prompts are allowed."""
    quantizations: list[str]
    """Only endpoints serving these quantizations (`["fp8", "bf16"]`)."""


class OpenRouter(Provider):
    """OpenRouter. Reads `OPENROUTER_API_KEY`.

    - Reasoning arrives as `delta.reasoning` and as `reasoning_details` blocks (text, summaries,
      Anthropic signatures, Gemini's encrypted reasoning). The blocks are kept on the message
      (`provider_state`) and sent back as received, which Claude and Gemini reasoning models
      verify on the next turn; a model that sends only plain reasoning gets it back as
      `reasoning`.
    - `reasoning_effort="high"` is sent as OpenRouter's `reasoning: {"effort": "high"}`; other
      reasoning settings (`max_tokens`, `exclude`, `enabled`) go in `extra_body={"reasoning":
      {...}}`.
    - Usage is asked for on every call (`usage: {"include": true}`); its `cost` (USD),
      `cost_details` and `is_byok` are copied into `AssistantMessage.extras`. `message.cost`
      is OpenRouter's own figure: `cost`, what it charged, plus, for a call on your own
      provider key (`is_byok`), `cost_details.upstream_inference_cost`, what that provider
      charged you. Without it, genai-prices' OpenRouter price list prices the call.
    - `app_url` and `app_name` are sent as the `HTTP-Referer` and `X-Title` headers that
      OpenRouter uses for attribution; `routing` (an `OpenRouterRouting`) picks the upstream
      providers; `models` lists fallback models OpenRouter tries in turn.
    - OpenAI reasoning models (`openai/gpt-5`, `openai/o4-mini`) take `max_completion_tokens`.
    - `api="responses"` speaks OpenRouter's Responses API (beta). It is stateless: it keeps
      no responses, so `previous_response_id=` is refused and `store=True` dropped with a
      `RequestWarning`; the whole history goes every time, reasoning items (encrypted content,
      signatures) as received. `routing` and `models` are sent there too.

    Args:
        api_key: The API key; read from `OPENROUTER_API_KEY` when None.
        app_url: Your app's URL, sent as `HTTP-Referer` (OpenRouter's attribution).
        app_name: Your app's name, sent as `X-Title`.
        routing: Which upstream providers may serve the calls, and in which order
            (`ls.OpenRouterRouting(order=[...], sort="price", ...)`), sent as `provider`.
        models: Fallback models OpenRouter tries in turn, sent as `models`.
        base_url: `https://openrouter.ai/api/v1` when None.
        headers: HTTP headers added to every request.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API).
    """

    name = "openrouter"
    default_base_url = "https://openrouter.ai/api/v1"
    api_key_env = "OPENROUTER_API_KEY"
    reasoning_fields = ("reasoning", "reasoning_content")
    reasoning_history_field = "reasoning"
    usage_extras = ("cost", "cost_details", "is_byok")
    reported_cost_field = "cost"
    genai_prices_id = "openrouter"
    stores_responses = False

    def __init__(
        self,
        api_key: str | None = None,
        *,
        app_url: str | None = None,
        app_name: str | None = None,
        routing: OpenRouterRouting | None = None,
        models: Sequence[str] | None = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        api: str = "chat",
    ) -> None:
        attribution = {"HTTP-Referer": app_url, "X-Title": app_name}
        super().__init__(
            api_key,
            base_url=base_url,
            headers={**{k: v for k, v in attribution.items() if v}, **(headers or {})},
            api=api,
        )
        if routing is not None:
            check_type("routing", routing, Mapping, "an ls.OpenRouterRouting dict",
                       "routing={'order': ['anthropic'], 'allow_fallbacks': False}")  # fmt: skip
        self.routing = dict(routing) if routing is not None else None
        self.models = list(models) if models is not None else None

    def reported_cost(self, raw_usage: Mapping[str, Any]) -> Decimal | None:
        cost = super().reported_cost(raw_usage)
        if cost is None or raw_usage.get("is_byok") is not True:
            return cost
        # On your own key OpenRouter charges its fee (`cost`); the upstream provider bills you
        # the inference itself, and OpenRouter reports that amount beside it.
        details = raw_usage.get("cost_details")
        upstream = details.get("upstream_inference_cost") if isinstance(details, Mapping) else None
        return cost + (reported_amount(upstream, Decimal(1)) or 0)

    def replays_reasoning_details(self, details: list[dict[str, Any]]) -> bool:
        return True  # OpenRouter's docs: send reasoning_details back unchanged, always

    def output_limit_field(self, model: str) -> str:
        return "max_completion_tokens" if self.reasoning_model(model) else "max_tokens"

    def reasoning_model(self, model: str) -> bool:
        return model.startswith("openai/") and is_reasoning_model(model)

    def adapt_body(self, model: str, body: dict[str, Any]) -> None:
        effort = body.pop("reasoning_effort", None)
        if effort is not None:
            body["reasoning"] = {"effort": effort}
        body["usage"] = {"include": True}
        self._route(body)

    def adapt_responses_body(self, model: str, body: dict[str, Any]) -> None:
        self._route(body)  # usage is always in a response; reasoning is already its object

    def _route(self, body: dict[str, Any]) -> None:
        if self.routing is not None:
            body["provider"] = dict(self.routing)
        if self.models is not None:
            body["models"] = list(self.models)
