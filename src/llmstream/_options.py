"""The keyword options every call accepts, typed once for `stream()` and `generate()`.

Each option is documented once, in the `Attributes` section of `ModelOptions` or `CallOptions`
(which IDEs show on hover and the API reference renders); `with_options_doc` appends those
sections to the docstrings of the methods that take the options, so `help()` lists them too.
"""

from __future__ import annotations

import difflib
import inspect
import textwrap
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from typing_extensions import TypedDict

from ._core.request import ReasoningSummary, ToolChoice, ToolLike, Verbosity
from ._public import publish
from ._vocabulary.output import OutputLike
from ._vocabulary.timeouts import Timeouts
from .errors import ConfigurationError
from .providers._base import Provider

__all__ = [
    "MODEL_OPTION_NAMES",
    "OPTION_NAMES",
    "CallOptions",
    "ModelOptions",
    "check_option_names",
    "option_docs",
    "with_options_doc",
]


class ModelOptions(TypedDict, total=False):
    """Options of one call besides `model`, `messages` and tools (which an `Agent` manages).

    Every key is optional; an option left out (or None) is not sent, and the provider's default
    applies. An unknown key raises `ConfigurationError`, which names the closest option (a
    typo); provider-specific fields go in `extra_body`. An option a provider or model refuses
    is dropped, with a `RequestWarning` event that says why (`extra_body` sends it anyway).

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
        store: Whether the provider keeps the reply. On the Responses API, False by default
            (stateless, and a reasoning model's encrypted reasoning is asked for so that it
            goes back in the next request), True when `previous_response_id` is given. On chat
            completions it is sent as given (OpenAI's and Azure's stored completions, for
            evals and distillation; not sent by default, and OpenAI's default is not to
            store); Groq and Cerebras have no such field: dropped there.
        previous_response_id: On the Responses API: continue the conversation the provider
            stored under this response id (`message.id` of a reply made with `store=True`):
            only the messages after that reply are sent. Refused on chat completions.
        response_format: The chat-completions `response_format` object, sent as given
            (`{"type": "json_object"}`, or a `json_schema` one). For a pydantic model, pass
            `output=` instead: it also validates the reply.
        parallel_tool_calls: Whether the model may call several tools in one reply; sent as
            given (the providers' default is true).
        frequency_penalty: From -2 to 2: positive values make the model less likely to
            repeat a token the more often it already appears. Dropped (with a
            `RequestWarning`) on the Responses API, on Groq (none of its models supports it),
            on OpenAI's reasoning models unless 0, and on xAI's reasoning models.
        presence_penalty: From -2 to 2: positive values make the model less likely to
            repeat any token that already appears. Dropped like `frequency_penalty`.
        logit_bias: Token ids (of the model's tokenizer) mapped to a bias from -100 (never)
            to 100 (only that token), added to the model's logits. Dropped on the Responses
            API, on Groq and on OpenAI's reasoning models.
        logprobs: True: the reply's tokens come with their log probabilities, as
            `LogprobsDelta` events and in `message.logprobs` (a `TokenLogprob` each).
            Groq and OpenAI's reasoning models have none: dropped there. On the Responses
            API it is asked for as `include: ["message.output_text.logprobs"]`.
        top_logprobs: With `logprobs=True`: how many of the most likely tokens at each
            position come too (`TokenLogprob.top_logprobs`; OpenAI takes 0 to 20, xAI 0 to
            8).
        n: How many answers: 1 (sent as given). A call makes one answer, so a value above 1
            raises `ConfigurationError`; make several calls at once instead.
        verbosity: How long an answer the model writes, `"low"`, `"medium"` or `"high"`
            (OpenAI's gpt-5 models); the Responses API receives it as `text.verbosity`.
            Dropped on Groq and Cerebras.
        prediction: Text the reply will largely repeat (a file being edited), which makes it
            faster on the models that support predicted outputs: a string (sent as
            `{"type": "content", "content": ...}`) or the prediction object. Dropped on the
            Responses API and Groq.
        service_tier: How the provider serves the call, in its own words (OpenAI: `"auto"`,
            `"default"`, `"flex"`, `"priority"`; Groq: `"on_demand"`, `"flex"`,
            `"performance"`...); sent as given. The tier that served it is in
            `message.extras["service_tier"]`.
        metadata: Up to 16 string pairs stored with the reply (OpenAI's stored completions
            and Responses). Dropped on Groq and Cerebras.
        user: A stable id for your end user, for the provider's abuse monitoring (OpenAI now
            prefers `safety_identifier` and `prompt_cache_key`).
        safety_identifier: A stable id (a hash) for your end user, for OpenAI's abuse
            monitoring. Dropped on Groq and Cerebras.
        prompt_cache_key: Groups requests that share a long prefix, for OpenAI's prompt
            cache. Dropped on Groq and Cerebras.
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
    frequency_penalty: float | None
    presence_penalty: float | None
    logit_bias: Mapping[int, float] | Mapping[str, float] | None
    logprobs: bool | None
    top_logprobs: int | None
    n: int | None
    verbosity: Verbosity | None
    prediction: str | Mapping[str, Any] | None
    service_tier: str | None
    metadata: Mapping[str, str] | None
    user: str | None
    safety_identifier: str | None
    prompt_cache_key: str | None
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

MODEL_OPTION_NAMES = frozenset(ModelOptions.__optional_keys__)
"""Every option an `Agent` passes on to its calls (it takes tools and output itself)."""


def check_option_names(
    given: Iterable[str], known: Collection[str], where: str, *, also: Collection[str] = ()
) -> None:
    """Raise `ConfigurationError` for any name in `given` that is not in `known`, naming the
    closest known option for each (a typo: `temperatur` is `temperature`); `where` says what
    takes them (`"a call"`, `"ls.Agent"`), `also` are its other arguments, which a typo may
    have meant too."""
    unknown = sorted({name for name in given if name not in known})  # `known` is a set, or small
    if not unknown:
        return
    candidates = sorted({*known, *also})
    named = []
    for name in unknown:
        # Close enough to be a typo (`temperatur`, `top-p`), not another provider's parameter
        # (`top_k` is not `top_p`).
        close = difflib.get_close_matches(
            name.lower().replace("-", "_"), candidates, n=1, cutoff=0.85
        )
        named.append(f"{name} (did you mean {close[0]}?)" if close else name)
    raise ConfigurationError(
        f"unknown option(s) {', '.join(named)} for {where}; provider-specific fields go in "
        "extra_body={...}"
    )


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
