"""`ProviderSpec`: a provider as the sans-IO core sees it.

Input: nothing but the provider's own attributes. Output: the answers the core asks for while
it builds a request body and reads a response: which field carries the output limit, which
parameters a model refuses, where a delta carries reasoning, where a chunk carries usage or an
error, which error class a status takes, what a call cost. Each has the standard answer here;
`llmstream.providers.Provider` (credentials, base URL, headers) extends this class, and a
provider overrides only what its API does differently.

The core owns this description so that it never imports the providers: they build on the core,
not the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._vocabulary.cost import Cost
from .._vocabulary.usage import Usage, normalize_usage
from .cost import genai_prices_cost, reported_amount

if TYPE_CHECKING:
    from .._vocabulary.output import OutputMode
    from ..errors import APIStatusError
    from .error_bodies import ErrorFields

__all__ = ["ProviderSpec"]


class ProviderSpec:
    """What the core asks of a provider, with the standard answers (see `Provider`, which
    documents each attribute for the people who describe a provider)."""

    name: str = "provider"
    # The wire format the provider speaks: "chat" (`/chat/completions`) or "responses"
    # (`/responses`, the Responses API). The core picks its request encoder and response reader
    # from it, once per call (`llmstream._core.wire`).
    api: str = "chat"
    # Whether its Responses API keeps responses (`store`, `previous_response_id`); False for a
    # stateless one (Groq, OpenRouter), where the whole history is sent every time.
    stores_responses: bool = True
    # Whether its Responses API returns a reasoning item's `encrypted_content` when asked
    # (`include: ["reasoning.encrypted_content"]`), the reasoning that goes back when nothing is
    # stored; False: it is never asked for (the provider refuses it, or has nothing to encrypt).
    encrypted_reasoning: bool = True
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
    # Chat-completions request fields the provider's API does not take, each with the reason
    # (from its API reference): dropped with a `RequestWarning` by the chat wire, whatever the
    # model. What only some models refuse is `rejected_parameters`'.
    unsupported_parameters: Mapping[str, str] = MappingProxyType({})
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

    @property
    def display_url(self) -> str:
        """Where requests go, as it is safe to show in an error or a log."""
        raise NotImplementedError

    # -- the request ----------------------------------------------------------------------
    def output_limit_field(self, model: str) -> str:
        """The body field that carries `max_tokens` for this model."""
        return "max_tokens"

    def adapt_body(self, model: str, body: dict[str, Any]) -> None:
        """Reshape the request body to this provider's own fields (in place), after the standard
        ones are set and before `extra_body` is merged: e.g. OpenRouter's `reasoning` object."""

    def adapt_responses_body(self, model: str, body: dict[str, Any]) -> None:
        """`adapt_body` for a Responses API body: the provider's own fields (OpenRouter's
        routing), after the standard ones and before `extra_body`."""

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
        and gpt-5, xAI's Grok reasoning models, gpt-oss). The Responses API wire sends such a
        model its system text as `developer`, and asks for its encrypted reasoning when nothing
        is stored (where the provider has it, `encrypted_reasoning`), so that it can go back."""
        return False

    def rejected_parameters(self, model: str, body: Mapping[str, Any]) -> dict[str, str]:
        """Body fields this model refuses, each with the reason, so they are dropped, not sent
        (OpenAI's reasoning models and their sampling parameters). Every wire asks it, after
        `unsupported_parameters` (the chat wire's, for every model) are left out."""
        return {}

    # -- the response ----------------------------------------------------------------------
    def request_id_from(self, headers: Mapping[str, str]) -> str | None:
        """The provider's id for a request, from its response headers."""
        for name in self.request_id_headers:
            value = headers.get(name)
            if value:
                return value
        return None

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
