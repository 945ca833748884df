"""The keyword options every call accepts, typed once for `stream()` and `generate()`.

Each option is documented once, in the `Attributes` section of `ModelOptions` or `CallOptions`
(which IDEs show on hover and the API reference renders); `with_options_doc` appends those
sections to the docstrings of the methods that take the options, so `help()` lists them too.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from typing_extensions import TypedDict

from ._core.request import ReasoningSummary, ToolChoice, ToolLike
from ._public import publish
from ._vocabulary.output import OutputLike
from ._vocabulary.timeouts import Timeouts
from .providers._base import Provider

__all__ = ["OPTION_NAMES", "CallOptions", "ModelOptions", "option_docs", "with_options_doc"]


class ModelOptions(TypedDict, total=False):
    """Options of one call besides `model`, `messages` and tools (which an `Agent` manages).

    Every key is optional; an option left out (or None) is not sent, and the provider's default
    applies. An unknown key raises `ConfigurationError`: provider-specific fields go in
    `extra_body`.

    Attributes:
        max_tokens: The most tokens the reply may take (reasoning included, on reasoning
            models). Sent in the field the provider and model take: `max_completion_tokens`
            for OpenAI's reasoning models (o1, o3, o4-mini, gpt-5...) on OpenAI, Azure and
            OpenRouter, `max_tokens` everywhere else. A reply that reaches it finishes with
            `finish_reason == "length"`: its text is cut off, not complete.
        max_completion_tokens: Sent as `max_completion_tokens` whatever the model: for a
            reasoning model llmstream does not recognise by name (an Azure deployment named
            otherwise). Prefer `max_tokens`.
        temperature: Sampling temperature, sent as given. OpenAI's reasoning models accept only
            the default (1): another value is dropped, with a `RequestWarning` event.
        top_p: Nucleus sampling, sent as given; dropped like `temperature` on OpenAI's
            reasoning models.
        stop: A string, or a list of strings, that ends the reply when the model writes it
            (OpenAI takes up to 4). o3 and o4-mini refuse it: dropped with a `RequestWarning`.
        seed: Asks for repeatable sampling, where the provider supports it (best effort).
        reasoning_effort: How hard a reasoning model thinks: `"low"`, `"medium"`, `"high"`
            (some models take `"minimal"` or `"none"`). Sent as given (OpenAI's reasoning
            models, Groq's and Cerebras's gpt-oss, xAI's grok-3-mini); OpenRouter receives it
            as `reasoning: {"effort": ...}`. Models without the setting may refuse it (400).
        reasoning_summary: On the Responses API (`api="responses"`): the summary of its
            reasoning a model streams, `"auto"`, `"concise"` or `"detailed"` (sent as
            `reasoning: {"summary": ...}`); it arrives as `ReasoningDelta` events. Chat
            completions has no such field: dropped there with a `RequestWarning`.
        store: On the Responses API: whether the provider keeps the response (False by
            default: stateless, and a reasoning model's encrypted reasoning is asked for so
            that it goes back in the next request). True when `previous_response_id` is given.
            Dropped on chat completions with a `RequestWarning`.
        previous_response_id: On the Responses API: continue the conversation the provider
            stored under this response id (`message.id` of a reply made with `store=True`):
            only the messages after that reply are sent. Refused on chat completions.
        response_format: The chat-completions `response_format` object, sent as given
            (`{"type": "json_object"}`, or a `json_schema` one). For a pydantic model, pass
            `output=` instead: it also validates the reply.
        parallel_tool_calls: Whether the model may call several tools in one reply; sent as
            given (the providers' default is true).
        extra_body: Fields merged into the JSON body last, as given, over llmstream's own:
            anything provider-specific (`{"reasoning_format": "parsed"}` on Groq,
            `{"chat_template_kwargs": {...}}` on llama.cpp, `{"top_k": 40}` on vLLM...).
        extra_headers: HTTP headers added to this request, over the provider's.
        timeouts: The time limits of this call (`ls.Timeouts(...)`), in place of the client's.
        max_retries: How many times this call is retried before its first event, in place of
            the client's (0 turns retries off).
        partial_tool_arguments: True: every `ToolCallDelta.partial` is the call's arguments
            parsed so far (off by default: nothing is parsed until the call ends).
        fallbacks: `[(provider, model), ...]` tried in turn when this call fails before its
            first event with a 429, a 5xx, a broken connection or a time limit (after its own
            retries), in place of the client's. `message.provider` says which one answered.
    """

    parallel_tool_calls: bool | None
    max_tokens: int | None
    max_completion_tokens: int | None
    temperature: float | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    reasoning_effort: str | None
    reasoning_summary: ReasoningSummary | None
    store: bool | None
    previous_response_id: str | None
    response_format: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    extra_headers: Mapping[str, str]
    timeouts: Timeouts | None
    max_retries: int | None
    partial_tool_arguments: bool
    fallbacks: Sequence[tuple[Provider, str]] | None


class CallOptions(ModelOptions, total=False):
    """Options of one call, besides `model` and `messages`: every key of `ModelOptions`, and
    the tools and the structured output (which an `Agent` manages itself).

    Attributes:
        tools: What the model may call: `@ls.tool` functions, `ls.ToolSpec`s or raw
            chat-completions tool dicts. Their calls arrive as `ToolCallStart`,
            `ToolCallDelta` and `ToolCallEnd` events and in `message.tool_calls`.
        tool_choice: `"auto"` (sent when there are tools and no choice), `"none"`,
            `"required"`, a tool or its name (that tool must be called), or a raw dict.
        output: A pydantic model class (or `ls.NativeOutput`, `ls.ToolOutput`,
            `ls.PromptedOutput` around one): the reply is validated into it
            (`message.output`), and `OutputDelta` events carry the object as it grows. A bare
            class is asked for in the provider's mode: a strict JSON schema on OpenAI and
            Cerebras, a forced tool call elsewhere.
    """

    tools: Sequence[ToolLike] | None
    tool_choice: ToolChoice | None
    output: OutputLike | None


OPTION_NAMES = frozenset(CallOptions.__optional_keys__)
"""Every option a call takes, by name: any other key is refused."""


def option_docs(options: type) -> dict[str, str]:
    """Each key of a TypedDict of options, and what its docstring's `Attributes` section says
    of it, for the class and the classes it extends (theirs first)."""
    docs: dict[str, str] = {}
    # A TypedDict's __mro__ is (itself, dict, object): the classes it extends are its bases.
    for base in getattr(options, "__orig_bases__", ()):
        if isinstance(base, type):  # not the TypedDict marker itself
            docs.update(option_docs(base))
    own = options.__dict__.get("__doc__")
    if own and "Attributes:" in own:
        docs.update(_attributes(own))
    return docs


def _attributes(docstring: str) -> dict[str, str]:
    lines = inspect.cleandoc(docstring).splitlines()
    start = lines.index("Attributes:") + 1
    found: dict[str, str] = {}
    name = None
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break  # the next section
        text = line.strip()
        if line.startswith("    ") and not line.startswith("     ") and ":" in text:
            name, _, text = text.partition(":")
            found[name] = text.strip()
        elif name is not None and text:
            found[name] = f"{found[name]} {text}"
    return found


_F = TypeVar("_F", bound=Callable[..., Any])


def with_options_doc(*options: type) -> Callable[[_F], _F]:
    """Append every option of `options` (TypedDicts of options) to the decorated callable's
    docstring, one per line with what it does, so that `help()` shows them all."""

    def decorate(function: _F) -> _F:
        entries = {name: text for cls in options for name, text in option_docs(cls).items()}
        names = " / ".join(f"`{cls.__name__}`" for cls in options)
        lines = [f"Options ({names}; every one is optional):"]
        lines += [
            textwrap.fill(text, 92, initial_indent=f"    {name}: ", subsequent_indent=" " * 8)
            for name, text in entries.items()
        ]
        head = inspect.cleandoc(function.__doc__ or "")
        function.__doc__ = head + "\n\n" + "\n".join(lines)
        return function

    return decorate


publish(globals(), "llmstream")
