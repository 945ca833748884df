"""Any server that speaks OpenAI's chat completions: llama.cpp, vLLM, Ollama, OpenRouter..."""

from __future__ import annotations

from collections.abc import Mapping

from .._core.output import OutputMode
from ._base import Provider

__all__ = ["OpenAICompatible"]


class OpenAICompatible(Provider):
    """A server that speaks OpenAI's chat completions at `base_url` (up to `/v1`).

    The key is optional (local servers need none); `api_key_env` names an environment variable
    to read it from. Reasoning is read from `reasoning_content` or `reasoning`, whichever the
    server sends, and replayed in history as `reasoning_history_field` (`reasoning_content`, the
    field llama.cpp, vLLM and DeepSeek-style servers read; `None` never replays it). Whether
    `completion_tokens` includes reasoning is inferred from the server's own totals.
    `output_mode` is how a bare `output=Model` is asked for: "tool" (a forced tool call, which
    any server with tool calling accepts), "native" (`response_format` with a JSON schema: vLLM,
    llama.cpp and most others constrain the output to it) or "prompted". `think_tags=True`
    splits reasoning that a model writes inside its answer between `<think>` and `</think>`
    (DeepSeek-R1-style models without a reasoning parser: Groq's `reasoning_format="raw"`,
    Ollama, vLLM) into reasoning events; a pair of other tags can be given instead.
    """

    name = "openai-compatible"
    requires_api_key = False
    completion_excludes_reasoning = None

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str | None = None,
        api_key_env: str | None = None,
        reasoning_history_field: str | None = "reasoning_content",
        output_mode: OutputMode = "tool",
        think_tags: bool | tuple[str, str] = False,
        headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if name is not None:
            self.name = name
        self.api_key_env = api_key_env
        self.reasoning_history_field = reasoning_history_field
        self.output_mode = output_mode
        if think_tags is True:
            self.think_tags = ("<think>", "</think>")
        elif think_tags:
            opening, closing = think_tags
            self.think_tags = (opening, closing)
        super().__init__(
            api_key,
            base_url=base_url,
            headers=headers,
            allow_insecure_http=allow_insecure_http,
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, name={self.name!r})"
