"""Token log probabilities (`logprobs=True` on a call): one value type, the same on every wire."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from .._public import publish
from .reprs import ShortRepr

__all__ = ["TokenLogprob", "token_logprobs"]


class TokenLogprob(ShortRepr):
    """One token of the reply and its log probability (`logprobs=True` on the call).

    `bytes` are the token's UTF-8 bytes, when the provider sent them (a character may be split
    across tokens); `top_logprobs` are the most likely tokens at this position, each a
    `TokenLogprob` without alternatives of its own (`top_logprobs=N` on the call asks for N).
    `math.exp(logprob)` is the probability.
    """

    model_config = ConfigDict(frozen=True)
    __match_args__ = ("token", "logprob")

    token: str
    logprob: float
    bytes: list[int] | None = Field(default=None, repr=False)
    top_logprobs: list[TokenLogprob] = Field(default_factory=list, repr=False)


_validate = TokenLogprob.__pydantic_validator__.validate_python


def token_logprobs(raw: Any) -> list[TokenLogprob]:
    """The tokens of a provider's logprobs list (chat completions' `logprobs.content`, the
    Responses API's `logprobs`), each read as a `TokenLogprob` (other fields, such as
    llama.cpp's token `id`, left out).

    Raises `ValueError` when `raw` is not a list of such tokens (the reader says which chunk).
    """
    if type(raw) is not list:
        raise ValueError(f"a logprobs list was expected, got {type(raw).__name__}")
    return [_validate(token) for token in raw]


publish(globals(), "llmstream")
