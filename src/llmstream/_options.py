"""The keyword options every call accepts, typed once for `stream()` and `generate()`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import TypedDict

from ._core.output import OutputLike
from ._core.request import ToolChoice, ToolLike
from ._io.timeouts import Timeouts
from .providers._base import Provider

__all__ = ["CallOptions", "ModelOptions"]


class ModelOptions(TypedDict, total=False):
    """Options of one call besides `model`, `messages` and tools (which an `Agent` manages).

    The request fields are sent as chat-completions parameters (see the provider's reference);
    `extra_body` is merged into the JSON body last, as given; `extra_headers` are added to the
    HTTP request; `timeouts` and `max_retries` override the client's for this call.
    """

    parallel_tool_calls: bool | None
    max_tokens: int | None
    max_completion_tokens: int | None
    temperature: float | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    reasoning_effort: str | None
    response_format: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    extra_headers: Mapping[str, str]
    timeouts: Timeouts | None
    max_retries: int | None
    partial_tool_arguments: bool
    fallbacks: Sequence[tuple[Provider, str]] | None


class CallOptions(ModelOptions, total=False):
    """Options of one call, besides `model` and `messages`: `ModelOptions`, tools and the
    structured output (which an `Agent` manages itself)."""

    tools: Sequence[ToolLike] | None
    tool_choice: ToolChoice | None
    output: OutputLike | None
