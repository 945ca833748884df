"""What a call cost (a `Cost`): the provider's own figure when it sent one, else genai-prices'
price list.

Amounts are `Decimal`, never `float`: prices are fractions of a cent per token, and a sum over
thousands of calls (an agent run, a batch) must come out to the cent it would on an invoice.
`Decimal` adds exactly; genai-prices computes in `Decimal`; xAI's ticks (1e-10 USD) and
OpenRouter's USD figure convert to it without rounding.

genai-prices is optional (the `cost` extra). It is only read for its price tables and their
arithmetic: its price updater, the one part of it that does I/O, is never started here.

A reply is priced when its cost is first read (`priced_on_read`), not when it finishes: pricing
costs about as much CPU as the rest of a short call, and most callers never look. It is priced
at the prices in force when the reply finished all the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from .._vocabulary.cost import Cost
from .._vocabulary.deferred import Deferred
from .._vocabulary.usage import Usage

__all__ = ["genai_prices_cost", "priced_on_read", "reported_amount"]

# When the reply being priced finished: the moment whose prices genai-prices applies. Set while
# a deferred pricing runs (`priced_on_read`); None (now) otherwise.
_PRICED_AT: ContextVar[datetime | None] = ContextVar("llmstream_priced_at", default=None)

PriceHook = Callable[[Usage, "str | None"], "Cost | None"]
"""A provider's `cost(usage, model)` hook."""


def priced_on_read(
    price: PriceHook, usage: Usage, model: str | None, *, billed_apart: bool = False
) -> Deferred:
    """The cost of a reply that finished now, as a `Deferred`: `price(usage, model)` (the
    provider's `cost` hook) called the first time the cost is read, with genai-prices' prices
    as they stood now. `billed_apart`: the reply used something billed apart from its tokens
    (a built-in web search...), which a price list's figure leaves out: it is then not
    `complete` (a provider's own figure is taken as the whole charge)."""
    finished = datetime.now(timezone.utc)

    def work_out() -> Cost | None:
        token = _PRICED_AT.set(finished)
        try:
            cost = price(usage, model)
        finally:
            _PRICED_AT.reset(token)
        if billed_apart and cost is not None and cost.source != "provider":
            return cost.model_copy(update={"complete": False})
        return cost

    return Deferred(work_out)


_PER_MILLION = 1_000_000


def reported_amount(value: Any, unit: Decimal) -> Decimal | None:
    """A provider's cost figure (a number, or a number in a string) times `unit`, the USD one
    unit of it is worth; None when it is not a finite, non-negative number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        # A float goes through its shortest repr, the digits that were on the wire:
        # 0.002187 stays 0.002187, not the binary fraction nearest to it.
        amount = Decimal(value if isinstance(value, (int, str)) else repr(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    amount *= unit
    # 731000 ticks are 0.0000731 USD, not 0.0000731000: the same number, shown as sent.
    return (
        amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    )


@functools.cache
def genai_prices_module() -> ModuleType | None:
    """genai-prices, or None when it is not installed (looked for once)."""
    try:
        import genai_prices
    except ImportError:
        return None
    return genai_prices


# genai-prices' usage keys, read from the provider's raw usage (llmstream's `Usage` does not keep
# them): cache writes (OpenRouter, Anthropic through gateways) and audio tokens.
_RAW_DETAILS: tuple[tuple[str, str, str], ...] = (
    ("prompt_tokens_details", "cache_write_tokens", "cache_write_tokens"),
    ("prompt_tokens_details", "audio_tokens", "input_audio_tokens"),
    ("completion_tokens_details", "audio_tokens", "output_audio_tokens"),
)


def _genai_usage(usage: Usage) -> dict[str, int]:
    counts = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
    if usage.cached_input_tokens:
        counts["cache_read_tokens"] = usage.cached_input_tokens
    if usage.reasoning_tokens:
        counts["output_reasoning_tokens"] = usage.reasoning_tokens
    for holder, field, key in _RAW_DETAILS:
        details = usage.raw.get(holder)
        value = details.get(field) if isinstance(details, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            counts[key] = value
    return counts


def genai_prices_cost(provider_id: str, usage: Usage, model: str) -> Cost | None:
    """The cost of `usage` on `model` at `provider_id` (genai-prices' id: `openai`, `groq`,
    `x-ai`...) from genai-prices' price list, with prices in force when the reply finished
    (inside `priced_on_read`), else now; None when genai-prices is not installed, does not know
    the model, lists it without prices, or cannot price this usage."""
    prices = genai_prices_module()
    if prices is None:
        return None
    counts = _genai_usage(usage)
    try:
        calculation = prices.calc_price(
            prices.Usage(**counts),
            model,
            provider_id=provider_id,
            genai_request_timestamp=_PRICED_AT.get(),
        )
        model_price = calculation.model_price
        if not any(price is not None for price in vars(model_price).values()):
            # Listed without a single price (a model kept for its name only): its 0 would say
            # the call was free, which nobody knows.
            return None
        # The parts, priced the way genai-prices prices them: at the unit's own price where
        # the model has one (cache reads, reasoning), else at the price of the unit that
        # contains it (input, output); tiers follow the whole prompt's size, as in calc_price.
        cached = _part(
            model_price, ("cache_read_mtok", "input_mtok"), usage.cached_input_tokens, counts
        )
        reasoning = _part(
            model_price, ("output_reasoning_mtok", "output_mtok"), usage.reasoning_tokens, counts
        )
    except (LookupError, ValueError):  # a model it does not know; usage it refuses
        return None
    return Cost(
        total=calculation.total_price,
        input=calculation.input_price,
        output=calculation.output_price,
        cached=cached,
        reasoning=reasoning,
        source="genai-prices",
    )


def _part(
    model_price: Any, price_keys: tuple[str, ...], tokens: int | None, counts: Mapping[str, int]
) -> Decimal | None:
    if tokens is None:
        return None
    from genai_prices.types import calc_unit_price

    for key in price_keys:
        price = getattr(model_price, key, None)
        if price is not None:
            return Decimal(calc_unit_price(price, tokens, counts["input_tokens"], _PER_MILLION))
    return Decimal(0)
