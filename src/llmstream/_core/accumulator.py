"""Collects the pieces of one reply and builds the `AssistantMessage`.

Text and reasoning are kept as lists of fragments and joined once, in `build()`: streaming a long
answer costs one list append per chunk, never a copy of everything so far.
"""

from __future__ import annotations

import uuid
from typing import Any

from .._vocabulary.cost import Cost
from .._vocabulary.deferred import Deferred, defer
from .._vocabulary.logprobs import TokenLogprob
from .._vocabulary.ratelimits import RateLimits
from .._vocabulary.usage import Usage
from ..messages import AssistantMessage, Citation, FinishReason, ToolCall
from .citations import listed_citation
from .provider_state import ReasoningDetails, copy_objects, merge_into

__all__ = ["MessageAccumulator", "PendingToolCall", "normalize_finish_reason"]

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "tool_use": "tool_calls",
    "content_filter": "content_filter",
    # The Responses API's words: a response's `status`, or why it is incomplete
    "completed": "stop",
    "max_output_tokens": "length",
}


def normalize_finish_reason(raw: str, *, has_tool_calls: bool) -> FinishReason:
    """Map a provider's finish reason onto the five llmstream knows.

    Some servers (Ollama, older vLLM) say "stop" when the model called tools; a reply that holds
    tool calls and stopped on its own is reported as "tool_calls", with `raw_finish_reason` intact.
    """
    reason = _FINISH_REASONS.get(raw, "other")
    if reason == "stop" and has_tool_calls:
        return "tool_calls"
    return reason


class PendingToolCall:
    """A tool call still being streamed."""

    __slots__ = ("arguments", "id", "index", "name", "state")

    def __init__(self, index: int, id: str, name: str) -> None:
        self.index = index
        self.id = id
        self.name = name
        self.arguments: list[str] = []
        self.state: dict[str, Any] = {}

    def keep_state(self, name: str, value: Any) -> None:
        self.state[name] = merge_into(self.state.get(name), value)

    def build(self) -> ToolCall:
        return ToolCall(
            id=self.id,
            name=self.name,
            arguments="".join(self.arguments),
            provider_state=copy_objects(self.state) if self.state else {},
        )


class MessageAccumulator:
    def __init__(self, provider: str | None = None) -> None:
        self.provider = provider
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.citations: list[Citation] = []
        self._listed: list[Any] = []  # the last top-level `citations` list, as sent
        self._listed_citations: list[Citation] = []  # and its entries in `citations`
        self._counted = (0, 0)  # how many fragments of `text` are counted, and their length
        self.tool_calls: dict[int, PendingToolCall] = {}
        self.finished_calls: dict[int, ToolCall] = {}
        self.raw_finish_reason: str | None = None
        self.usage: Usage | None = None
        self.cost: Cost | Deferred | None = None
        """The reply's cost, or its pricing still to do (`_core.cost.priced_on_read`): every
        message built from here shares it, so the reply is priced once at most."""
        self.id: str | None = None
        self.model: str | None = None
        self.request_id: str | None = None
        self.limits: RateLimits | None = None
        self.extras: dict[str, Any] = {}
        self.output: Any = None
        self.logprobs: list[TokenLogprob] | None = None
        self.refusal_logprobs: list[TokenLogprob] | None = None
        self.reasoning_details = ReasoningDetails()
        self.provider_state: dict[str, Any] = {}
        """State a wire keeps on the message to send back (the Responses API's output items)."""
        self.reasoning_start: int | None = None
        """Where the open reasoning block starts in `reasoning`; None when none is open."""
        self._next_index = 0  # past every tool-call index used so far

    # -- reasoning blocks ------------------------------------------------------------------
    def add_reasoning(self, text: str) -> None:
        if self.reasoning_start is None:
            self.reasoning_start = len(self.reasoning)
        self.reasoning.append(text)

    def end_reasoning(self) -> str:
        """Close the open reasoning block and return its text."""
        start = self.reasoning_start or 0
        self.reasoning_start = None
        return "".join(self.reasoning[start:])

    # -- text and citations ----------------------------------------------------------------
    def text_length(self) -> int:
        """How long `message.text` is so far. Each fragment is counted once, when first asked
        about: a reply's citations cost time linear in its text, however many there are."""
        fragments, length = self._counted
        text = self.text
        if fragments < len(text):
            length += sum(map(len, text[fragments:]))
            self._counted = (len(text), length)
        return length

    def add_citation(self, citation: Citation) -> None:
        self.citations.append(citation)

    def list_citations(self, entries: list[Any]) -> list[Citation]:
        """A top-level `citations` list (xAI, Perplexity): the list seen last is the list.

        A list that repeats the last one adds nothing; one that extends it adds its new
        entries; any other replaces the last one's entries in `citations`. Returns the
        citations new to the message, in order.
        """
        old = self._listed
        if entries == old:
            return []
        if entries[: len(old)] == old:
            announced = [listed_citation(entry) for entry in entries[len(old) :]]
            self._listed_citations += announced
            self.citations += announced
        else:
            gone = {id(citation) for citation in self._listed_citations}
            self.citations = [c for c in self.citations if id(c) not in gone]
            self._listed_citations = [listed_citation(entry) for entry in entries]
            self.citations += self._listed_citations
            known = {entry for entry in old if isinstance(entry, str)}
            announced = [
                citation
                for citation, entry in zip(self._listed_citations, entries, strict=True)
                if not (entry in known if isinstance(entry, str) else entry in old)
            ]
        self._listed = list(entries)
        return announced

    # -- tool calls ------------------------------------------------------------------------
    def start_tool_call(self, index: int, id: str | None, name: str | None) -> PendingToolCall:
        # A provider that sends no id still needs one: the tool result must answer it.
        call = PendingToolCall(index, id or f"call_{uuid.uuid4().hex[:24]}", name or "")
        self.tool_calls[index] = call
        if index >= self._next_index:
            self._next_index = index + 1
        return call

    def free_tool_call_index(self) -> int:
        """An index no call has used (kept as a number: a server that opens call after call
        at one index would otherwise make each new call cost a look at every earlier one)."""
        return self._next_index

    def end_tool_call(self, index: int) -> ToolCall | None:
        """Finish the open call at `index` (None when none is open there)."""
        pending = self.tool_calls.pop(index, None)
        if pending is None:
            return None
        call = self.finished_calls[index] = pending.build()
        return call

    def end_tool_calls(self) -> list[tuple[int, ToolCall]]:
        """Finish every call still open, in index order."""
        ended = [(index, self.tool_calls[index].build()) for index in sorted(self.tool_calls)]
        self.finished_calls.update(ended)
        self.tool_calls.clear()
        return ended

    # -- log probabilities -----------------------------------------------------------------
    def add_logprobs(self, tokens: list[TokenLogprob], *, refusal: bool = False) -> None:
        """The next tokens of the answer (or of the refusal), in order."""
        if refusal:
            if self.refusal_logprobs is None:
                self.refusal_logprobs = []
            self.refusal_logprobs.extend(tokens)
        else:
            if self.logprobs is None:
                self.logprobs = []
            self.logprobs.extend(tokens)

    # -- extras ----------------------------------------------------------------------------
    def merge_extra(self, key: str, value: Any) -> None:
        """Keep a provider field; objects seen on several chunks (`x_groq`) are merged (in place,
        into the accumulator's own copy: `build()` copies it again for the message)."""
        old = self.extras.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            old.update(value)
        else:
            self.extras[key] = dict(value) if isinstance(value, dict) else value

    # -- the message -----------------------------------------------------------------------
    def build(self) -> AssistantMessage:
        """The message as it stands: complete after the stream finished, else partial."""
        calls = dict(self.finished_calls)
        calls.update((index, call.build()) for index, call in self.tool_calls.items())
        tool_calls = [calls[index] for index in sorted(calls)]
        raw = self.raw_finish_reason
        cost = self.cost
        message = AssistantMessage(
            text="".join(self.text),
            reasoning="".join(self.reasoning),
            refusal="".join(self.refusal) if self.refusal else None,
            tool_calls=tool_calls,
            citations=list(self.citations),
            finish_reason=(
                normalize_finish_reason(raw, has_tool_calls=bool(tool_calls)) if raw else None
            ),
            raw_finish_reason=raw,
            usage=self.usage,
            cost=None if type(cost) is Deferred else cost,
            model=self.model,
            id=self.id,
            request_id=self.request_id,
            limits=self.limits,
            provider=self.provider,
            extras={
                key: dict(value) if isinstance(value, dict) else value
                for key, value in self.extras.items()
            },
            output=self.output,
            logprobs=None if self.logprobs is None else list(self.logprobs),
            refusal_logprobs=(
                None if self.refusal_logprobs is None else list(self.refusal_logprobs)
            ),
            provider_state=(
                {**self.provider_state, "reasoning_details": self.reasoning_details.blocks()}
                if self.reasoning_details
                else dict(self.provider_state)
            ),
        )
        if type(cost) is Deferred:
            defer(message, "cost", cost)
        return message
