"""What a call cost: the provider's own figure when it sent one, else genai-prices' price list.

Amounts are `Decimal`, never `float`: prices are fractions of a cent per token, and a sum over
thousands of calls (an agent run, a batch) must come out to the cent it would on an invoice.
`Decimal` adds exactly; genai-prices computes in `Decimal`; xAI's ticks (1e-10 USD) and
OpenRouter's USD figure convert to it without rounding.

genai-prices is optional (the `cost` extra). It is only read for its price tables and their
arithmetic: its price updater, the one part of it that does I/O, is never started here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .._public import publish
from .usage import Usage

__all__ = ["Cost", "CostSource", "genai_prices_cost", "reported_amount"]

CostSource = Literal["provider", "genai-prices", "mixed"]
"""Where a `Cost` came from: the provider's own figure, genai-prices' price list, or (for a
sum) both."""

_PER_MILLION = 1_000_000


class Cost(BaseModel):
    """What one call (or, summed, several) cost, in `currency` (always `"USD"` today).

    - `total`: what was charged.
    - `input`, `output`: the two halves of `total` (genai-prices' split). `cached` is the part of
      `input` paid for prompt tokens read from the provider's cache, and `reasoning` the part of
      `output` paid for reasoning tokens: the providers bill reasoning as output, so it is
      counted once, inside `output`. A part is None when it is not known: the provider reported
      no cached or reasoning tokens, or the figure is the provider's own.
    - `source`: `"provider"` when the provider said what the call cost (xAI's
      `cost_in_usd_ticks`, OpenRouter's `cost`), `"genai-prices"` when it was computed from the
      token counts with genai-prices, `"mixed"` for a sum of both. A provider's figure is one
      number, so its parts are None rather than a price list's split that might not add up to
      it.
    - `complete`: False for a sum that leaves out calls whose cost is unknown (a model
      genai-prices does not know, a server that is not priced): `total` is then a lower bound.

    Costs add with `+` (`None` counts as a call of unknown cost); `Cost.sum(costs)` adds many.
    """

    model_config = ConfigDict(frozen=True)
    __match_args__ = ("total", "currency")

    total: Decimal
    input: Decimal | None = None
    output: Decimal | None = None
    cached: Decimal | None = None
    reasoning: Decimal | None = None
    currency: str = "USD"
    source: CostSource = "genai-prices"
    complete: bool = True

    def __add__(self, other: Cost | None) -> Cost:
        """The cost of both calls. A part known on one side only becomes None; adding `None`
        (a call of unknown cost) gives a sum with `complete=False`."""
        if other is None:
            return self.model_copy(update={"complete": False})
        if not isinstance(other, Cost):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(
                f"cannot add a cost in {other.currency} to one in {self.currency}: convert one "
                "of them first"
            )
        return Cost(
            total=self.total + other.total,
            input=_add_parts(self.input, other.input),
            output=_add_parts(self.output, other.output),
            cached=_add_parts(self.cached, other.cached),
            reasoning=_add_parts(self.reasoning, other.reasoning),
            currency=self.currency,
            source=self.source if self.source == other.source else "mixed",
            complete=self.complete and other.complete,
        )

    def __radd__(self, other: Cost | int | None) -> Cost:
        """`sum(costs)` starts from 0; `None + cost` is a sum with an unknown call in it."""
        if other == 0:
            return self
        if other is None:
            return self + None
        return NotImplemented

    @classmethod
    def sum(cls, costs: Iterable[Cost | None]) -> Cost | None:
        """The sum of several calls' costs (an agent run's steps): None when none of them is
        known, else the known ones added, with `complete=False` if any was unknown."""
        total: Cost | None = None
        unknown = False
        for cost in costs:
            if cost is None:
                unknown = True
            else:
                total = cost if total is None else total + cost
        if total is not None and unknown:
            total = total + None
        return total


def _add_parts(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


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
    `x-ai`...) from genai-prices' price list, with prices in force now; None when genai-prices
    is not installed, does not know the model, lists it without prices, or cannot price this
    usage."""
    prices = genai_prices_module()
    if prices is None:
        return None
    counts = _genai_usage(usage)
    try:
        calculation = prices.calc_price(prices.Usage(**counts), model, provider_id=provider_id)
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


publish(globals(), "llmstream")
