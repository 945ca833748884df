"""Any server that speaks OpenAI's chat completions: llama.cpp, vLLM, Ollama, OpenRouter..."""

from __future__ import annotations

from collections.abc import Mapping

from .._vocabulary.output import OutputMode
from ._base import Provider

__all__ = ["OpenAICompatible"]


class OpenAICompatible(Provider):
    """A server that speaks OpenAI's chat completions at `base_url` (up to `/v1`): llama.cpp,
    vLLM, Ollama, LM Studio, gateways...

    Reasoning is read from `reasoning_content` or `reasoning`, whichever the server sends.
    Whether `completion_tokens` includes reasoning is inferred from the server's own totals.

    `api="responses"` speaks the Responses API at `{base_url}/responses` (vLLM, Ollama, LM
    Studio, llama.cpp serve it). No model is taken to reason unless asked to, and encrypted
    reasoning is never asked for (open-weight servers return reasoning as text, which goes back
    as received); pass `extra_body={"include": [...]}` for a server that has it.

    Args:
        base_url: The server's address up to `/v1` (`http://127.0.0.1:8080/v1` for llama.cpp,
            `http://localhost:11434/v1` for Ollama, `http://localhost:8000/v1` for vLLM).
        api_key: The key, if the server wants one (local servers need none).
        name: The provider's name in errors, logs and `message.provider`
            (`"openai-compatible"`).
        api_key_env: An environment variable to read the key from when `api_key` is None;
            without it no key is sent.
        reasoning_history_field: The field reasoning is sent back in, in history:
            `reasoning_content` (what llama.cpp, vLLM and DeepSeek-style servers read), or
            `"reasoning"`; None never replays it.
        output_mode: How a bare `output=Model` is asked for: `"native"` (the default:
            `response_format` with a JSON schema, which llama.cpp, vLLM, Ollama and LM Studio
            hold the reply to), `"tool"` (a forced tool call: needs a server and chat template
            with tool calling) or `"prompted"` (the schema in a system message).
        think_tags: True splits reasoning a model writes inside its answer between `<think>`
            and `</think>` (DeepSeek-R1-style models without a reasoning parser: Groq's
            `reasoning_format="raw"`, Ollama, vLLM) into reasoning events; a pair of other
            tags can be given instead.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send a key over plain `http://` to a host other than loopback.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API).
    """

    name = "openai-compatible"
    requires_api_key = False
    completion_excludes_reasoning = None
    encrypted_reasoning = False

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str | None = None,
        api_key_env: str | None = None,
        reasoning_history_field: str | None = "reasoning_content",
        output_mode: OutputMode = "native",
        think_tags: bool | tuple[str, str] = False,
        headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        api: str = "chat",
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
            api=api,
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, name={self.name!r})"
