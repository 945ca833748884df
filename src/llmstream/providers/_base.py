"""What llmstream needs to know about one chat-completions provider.

A provider is mostly data: where it lives, which environment variable holds its key, where its
stream carries reasoning and usage, how it wants reasoning replayed in history. The few rules
that are code (which output-limit field a model takes, which parameters it rejects) are small
methods a subclass overrides. The streaming core never asks which provider it is talking to.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from pydantic import SecretStr

from .._core.checks import check_api_key, check_base_url, check_headers
from .._core.cost import Cost, genai_prices_cost, reported_amount
from .._core.usage import Usage, normalize_usage
from .._public import publish
from ..errors import APIStatusError, ConfigurationError

if TYPE_CHECKING:
    from .._core.error_bodies import ErrorFields
    from .._core.output import OutputMode

__all__ = ["Provider"]


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Provider:
    """A chat-completions API: base URL, credentials, and its quirks.

    Use the ready ones (`OpenAI`, `Groq`, `Cerebras`, `XAI`, `OpenAICompatible`, `OpenRouter`,
    `AzureOpenAI`); subclass this to describe another, setting the class attributes below that
    differ and overriding a hook method only where the API breaks the usual rules.

    Args:
        api_key: The API key. None: read from the variable `api_key_env` names when the
            provider is made; a provider that needs a key and finds none raises
            `ConfigurationError` naming the variable. Whitespace at its ends is removed. Kept
            as a `SecretStr`: it never appears in a repr, an error or a log line.
        base_url: The API's address, up to `/v1` (`default_base_url` when None): a proxy, a
            regional endpoint, a replay server.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback
            (refused by default: anyone on the path could read it).

    Attributes:
        name: The provider's name in errors, logs and `message.provider`.
        api: The wire format it speaks: `"chat"` (chat completions, the default) or
            `"responses"` (the Responses API).
        default_base_url: Where the API lives when `base_url` is not given.
        api_key_env: The environment variable the key is read from.
        requires_api_key: Whether a missing key is an error (False for local servers).
        reasoning_fields: Where a delta carries reasoning text, in order of preference.
        reasoning_history_field: The assistant-message field reasoning is sent back in, in
            history; None: never sent.
        completion_excludes_reasoning: True when `completion_tokens` leaves reasoning tokens
            out (they are added back to `output_tokens`); None infers it from the totals.
        usage_extras: Usage fields also copied into `AssistantMessage.extras` (e.g. cost).
        ignored_chunk_fields: Top-level chunk fields that change on every chunk and mean
            nothing afterwards (OpenAI's `obfuscation`).
        request_id_headers: The response headers that carry the request id.
        output_mode: How a bare `output=Model` is asked for: `"native"`, `"tool"` or
            `"prompted"`.
        think_tags: Tags around reasoning written inside the answer, split out into
            reasoning; None: the content is all answer.
    """

    name: str = "provider"
    # The wire format the provider speaks: "chat" (`/chat/completions`) or "responses"
    # (`/responses`, the Responses API). The core picks its request encoder and response reader
    # from it, once per call (`llmstream._core.wire`).
    api: str = "chat"
    # `gen_ai.provider.name` in OpenTelemetry traces, when the conventions know the provider by
    # another name (xAI is `x_ai`); None: `name`.
    telemetry_name: str | None = None
    default_base_url: str = ""
    api_key_env: str | None = None
    requires_api_key: bool = True

    # Where a stream's delta (or a whole reply's message) carries reasoning text, in order of
    # preference: the first one present in a delta is used.
    reasoning_fields: tuple[str, ...] = ("reasoning_content", "reasoning")
    # The assistant-message field in which reasoning is sent back in history; None: never sent.
    reasoning_history_field: str | None = None
    # True when `completion_tokens` leaves out reasoning tokens; None infers it from the totals.
    completion_excludes_reasoning: bool | None = False
    # Usage fields also copied into `AssistantMessage.extras` (e.g. xAI's cost).
    usage_extras: tuple[str, ...] = ()
    # Top-level chunk fields that change on every chunk and mean nothing afterwards.
    ignored_chunk_fields: frozenset[str] = frozenset()
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    # How a bare `output=Model` is asked for: "native" (response_format json_schema, strict),
    # "tool" (a forced tool call, which every provider with tools supports) or "prompted".
    output_mode: OutputMode = "tool"
    # Tags around reasoning written inside `content` (`("<think>", "</think>")`), split out into
    # reasoning; None: content is all answer.
    think_tags: tuple[str, str] | None = None
    # What `message.cost` is read from: the usage field in which the provider says what a call
    # cost, and the USD one unit of it is worth (xAI: ticks of 1e-10 USD); else the price list
    # of genai-prices for this provider id (`openai`, `x-ai`...). None and None: never priced.
    reported_cost_field: str | None = None
    reported_cost_unit: Decimal = Decimal(1)
    genai_prices_id: str | None = None

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        owner = type(self).__name__
        if api_key is None and self.api_key_env:
            api_key = os.environ.get(self.api_key_env) or None
        if api_key is None and self.requires_api_key:
            where = f" or set {self.api_key_env}" if self.api_key_env else ""
            raise ConfigurationError(f"{owner} needs an API key: pass {owner}(api_key=...){where}")
        self.api_key: SecretStr | None = (
            SecretStr(check_api_key(api_key, owner)) if api_key is not None else None
        )
        if base_url is None and not self.default_base_url:
            raise ConfigurationError(f"{owner} needs a base_url")
        url = self.default_base_url if base_url is None else base_url
        parts = check_base_url(url, owner)
        self.base_url = url.rstrip("/")
        self.headers = check_headers(headers or {}, "headers")
        self._check_transport_security(parts, allow_insecure_http)

    def _check_transport_security(self, parts: SplitResult, allow_insecure_http: bool) -> None:
        if (
            self.api_key is not None
            and parts.scheme == "http"
            and not _is_loopback(parts.hostname or "")
            and not allow_insecure_http
        ):
            raise ConfigurationError(
                f"refusing to send an API key over plain http to {parts.hostname}: anyone on the "
                "path could read it. Use https, or pass allow_insecure_http=True if this network "
                "is trusted."
            )

    def __repr__(self) -> str:
        key = "None" if self.api_key is None else "'**********'"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key})"

    # -- the request -----------------------------------------------------------------------
    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def display_url(self) -> str:
        """`chat_url` as it is safe to show in an error or a log: no credentials, no query."""
        parts = urlsplit(self.chat_url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return f"{parts.scheme}://{host}{parts.path}"

    def request_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.headers}
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        return headers

    def request_id_from(self, headers: Mapping[str, str]) -> str | None:
        """The provider's id for a request, from its response headers."""
        for name in self.request_id_headers:
            value = headers.get(name)
            if value:
                return value
        return None

    def output_limit_field(self, model: str) -> str:
        """The body field that carries `max_tokens` for this model."""
        return "max_tokens"

    def adapt_body(self, model: str, body: dict[str, Any]) -> None:
        """Reshape the request body to this provider's own fields (in place), after the standard
        ones are set and before `extra_body` is merged: e.g. OpenRouter's `reasoning` object."""

    def replays_reasoning_details(self, details: list[dict[str, Any]]) -> bool:
        """Whether an assistant message goes back with the `reasoning_details` blocks it was
        streamed with (in place of the plain reasoning field).

        Blocks that carry what only the provider can check (an Anthropic `signature`, Gemini's
        or OpenAI's encrypted reasoning) always go back as they came. Blocks of plain text say
        nothing the plain reasoning field does not, and every compatible server accepts that
        field, so by default those are replayed as plain reasoning (OpenRouter asks for the
        blocks in every case).
        """
        return any(
            block.get("type") == "reasoning.encrypted" or block.get("signature")
            for block in details
        )

    def reasoning_model(self, model: str) -> bool:
        """Whether `model` reasons before it answers whether asked to or not (OpenAI's o-series
        and gpt-5). The Responses API wire sends such a model its system text as `developer`,
        and asks for its encrypted reasoning when nothing is stored, so that it can go back."""
        return False

    def rejected_parameters(self, model: str, body: Mapping[str, Any]) -> dict[str, str]:
        """Body fields this model refuses, each with the reason, so they are dropped, not sent."""
        return {}

    # -- the response ----------------------------------------------------------------------
    def usage_from_chunk(self, chunk: Mapping[str, Any]) -> Any:
        """The raw usage object in a chunk or whole reply, if it has one.

        Like `error_from_chunk`, it reads the chunk's fields outside `choices[0].delta`: a chunk
        that repeats the one before it byte for byte around a new delta is not shown to it.
        """
        return chunk.get("usage")

    def error_from_chunk(self, chunk: Mapping[str, Any]) -> Any:
        """The object holding an error reported inside a 200 response, if the chunk has one.

        It is read by the shared error reader, which knows the nested, flat and xAI shapes. A
        chunk without choices that carries a `message` and a `type` or `code` is a flat error
        (Cerebras's shape), not an empty chunk to skip.

        It reads the chunk's fields outside `choices[0].delta`: a chunk that repeats the one
        before it byte for byte around a new delta is read by its delta alone, and is not shown
        to this method again (see `llmstream._core.wire.chat.chunk_frame`).
        """
        if chunk.get("error") is not None:
            return chunk
        if "choices" not in chunk and "message" in chunk and ("type" in chunk or "code" in chunk):
            return chunk
        return None

    def status_error_class(
        self, status: int, fields: ErrorFields | None
    ) -> type[APIStatusError] | None:
        """The error class for an HTTP error status when this provider breaks the usual rules."""
        return None

    def normalize_usage(self, raw: dict[str, Any]) -> Usage:
        return normalize_usage(
            raw, completion_excludes_reasoning=self.completion_excludes_reasoning
        )

    def reported_cost(self, raw_usage: Mapping[str, Any]) -> Decimal | None:
        """What the provider says the call cost, in USD, from its raw usage object; None when it
        did not say (or says it in no field this class names)."""
        if self.reported_cost_field is None:
            return None
        return reported_amount(raw_usage.get(self.reported_cost_field), self.reported_cost_unit)

    def cost(self, usage: Usage, model: str | None) -> Cost | None:
        """The cost of one reply, given its usage and the model the provider says answered:
        the provider's own figure when it sent one, else genai-prices' price for the usage
        (None when genai-prices is not installed or does not know the model)."""
        reported = self.reported_cost(usage.raw)
        if reported is not None:
            return Cost(total=reported, source="provider")
        if self.genai_prices_id is None or not model:
            return None
        return genai_prices_cost(self.genai_prices_id, usage, model)


publish(globals(), "llmstream")
