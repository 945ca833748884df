"""`Cost`: what a call cost, in `Decimal` amounts that add up to the cent.

Amounts are `Decimal`, never `float`: prices are fractions of a cent per token, and a sum over
thousands of calls (an agent run, a batch) must come out to the cent it would on an invoice.
Where a cost comes from (the provider's figure, or genai-prices) is worked out in
`llmstream._core.cost`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .._public import publish

__all__ = ["Cost", "CostSource"]

CostSource = Literal["provider", "genai-prices", "mixed"]
"""Where a `Cost` came from: the provider's own figure, genai-prices' price list, or (for a
sum) both."""


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
      genai-prices does not know, a server that is not priced), and for a reply priced from
      its tokens that also used a built-in tool billed per call (a Responses web search...):
      `total` is then a lower bound.

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


publish(globals(), "llmstream")
