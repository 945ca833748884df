"""Token usage, normalised across providers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from .._public import publish
from .reprs import ShortRepr

__all__ = ["Usage", "normalize_usage"]


class Usage(ShortRepr):
    """Token counts for one model call.

    This is both the `Usage` stream event and the `usage` of an `AssistantMessage`.
    `output_tokens` always includes reasoning tokens (xAI reports them apart; llmstream adds
    them back). Fields a provider did not report are `None`. `raw` is the provider's usage object
    exactly as it arrived, with every extra field (timing, cost) it carried.
    """

    model_config = ConfigDict(frozen=True)
    __match_args__ = ("input_tokens", "output_tokens")

    type: Literal["usage"] = "usage"
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_input_tokens: int | None = None
    reasoning_tokens: int | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    def __add__(self, other: Usage) -> Usage:
        """Sum two usages (for multi-step runs); `raw` is not carried over."""
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_input_tokens=_add_optional(self.cached_input_tokens, other.cached_input_tokens),
            reasoning_tokens=_add_optional(self.reasoning_tokens, other.reasoning_tokens),
        )


def _add_optional(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def normalize_usage(raw: dict[str, Any], *, completion_excludes_reasoning: bool | None) -> Usage:
    """Turn a chat-completions `usage` object into a `Usage`.

    `completion_excludes_reasoning` says whether the provider's `completion_tokens` leaves out
    reasoning tokens (xAI does). `None` infers it from the totals: when `total` equals
    `prompt + completion + reasoning` and not `prompt + completion`, reasoning was left out.
    """
    prompt = _int_or_none(raw.get("prompt_tokens", raw.get("input_tokens"))) or 0
    completion = _int_or_none(raw.get("completion_tokens", raw.get("output_tokens"))) or 0
    total = _int_or_none(raw.get("total_tokens"))
    prompt_details = raw.get("prompt_tokens_details") or raw.get("input_tokens_details")
    completion_details = raw.get("completion_tokens_details") or raw.get("output_tokens_details")
    cached = (
        _int_or_none(prompt_details.get("cached_tokens"))
        if isinstance(prompt_details, dict)
        else None
    )
    reasoning = (
        _int_or_none(completion_details.get("reasoning_tokens"))
        if isinstance(completion_details, dict)
        else None
    )

    excludes = completion_excludes_reasoning
    if excludes is None:
        excludes = bool(
            reasoning
            and total is not None
            and total == prompt + completion + reasoning
            and total != prompt + completion
        )
    output = completion + (reasoning or 0) if excludes else completion
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=total if total is not None else prompt + output,
        cached_input_tokens=cached,
        reasoning_tokens=reasoning,
        raw=raw,
    )


publish(globals(), "llmstream")
