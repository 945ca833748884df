"""Chat-completion chunks in, typed events out.

One `ChunkInterpreter` reads one reply. It takes each decoded chunk (a dict), asks the provider
where reasoning, usage and errors live, emits events, and records everything in a
`MessageAccumulator`. A whole (non-streamed) reply goes through the same code as a single chunk
whose delta is the complete message.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

from ...._vocabulary.logprobs import token_logprobs
from ....errors import IncompleteStreamError, MalformedChunkError, StreamError
from ....events import (
    CitationAdded,
    Finish,
    LogprobsDelta,
    OutputDelta,
    ReasoningDelta,
    ReasoningEnd,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
)
from ...accumulator import MessageAccumulator, normalize_finish_reason
from ...citations import annotation_citation
from ...cost import priced_on_read
from ...error_bodies import read_error, reported_error
from ...output import OutputReader, ResolvedOutput
from ...partial_json import PartialJSONError, PartialJSONReader
from ...provider import ProviderSpec
from ...provider_state import TOOL_CALL_STATE_FIELDS
from ...think_tags import Piece, ThinkTagSplitter

__all__ = ["ChunkInterpreter"]

_NOTHING: Any = object()

# The events made once per chunk are built by their validators directly: the same validation as
# calling the class, without BaseModel.__init__'s Python frame. (Building them without any
# validation, with object.__new__ and four __setattr__ calls, measured no cheaper.)
text_delta = TextDelta.__pydantic_validator__.validate_python
reasoning_delta = ReasoningDelta.__pydantic_validator__.validate_python
tool_call_delta = ToolCallDelta.__pydantic_validator__.validate_python

# Fields every chunk has; anything else at the top level is a provider extra worth keeping.
_STANDARD_FIELDS = frozenset({"id", "object", "created", "model", "choices", "usage", "error"})


class ChunkInterpreter:
    def __init__(
        self,
        provider: ProviderSpec,
        accumulator: MessageAccumulator,
        *,
        output: ResolvedOutput | None = None,
        partial_tool_arguments: bool = False,
    ) -> None:
        self.accumulator = accumulator
        self._provider = provider
        self._reasoning_fields = provider.reasoning_fields
        self._not_extras = _STANDARD_FIELDS | provider.ignored_chunk_fields
        self._error_from = provider.error_from_chunk
        self._usage_from = provider.usage_from_chunk
        # Most providers keep errors and usage where the standard puts them; for those the hot
        # path reads the fields itself instead of calling the provider for every chunk.
        self._standard_errors = type(provider).error_from_chunk is ProviderSpec.error_from_chunk
        self._standard_usage = type(provider).usage_from_chunk is ProviderSpec.usage_from_chunk
        self._raw_usage: dict[str, Any] | None = None
        self._call_at_wire_index: dict[int, int] = {}
        # A provider's chunks repeat the same top-level fields, most with the same values:
        # which fields are extras is worked out once per set of fields, and their values are
        # compared in one go with the last chunk's before anything is merged.
        self._keys: frozenset[str] = frozenset()
        self._may_be_error = True
        self._extra_keys: tuple[str, ...] = ()
        self._extras_of: Callable[[dict[str, Any]], Any] | None = None
        self._last_extras: Any = _NOTHING
        # Structured output, read from the text or from the output tool's arguments; and the
        # parsed arguments of every call, only when asked for (they cost a reader per call).
        self._output = OutputReader(output) if output is not None else None
        self._output_in_text = self._output is not None and self._output.from_tool is None
        self._output_tool = self._output.from_tool if self._output is not None else None
        self._arguments: dict[int, PartialJSONReader] | None = (
            {} if partial_tool_arguments else None
        )
        tags = provider.think_tags
        self._think_tags = ThinkTagSplitter(*tags) if tags is not None else None
        # Text that is only text: no tags to split, no structured output to read it as.
        self._plain_text = self._think_tags is None and not self._output_in_text

    # -- one chunk -------------------------------------------------------------------------
    def handle(self, chunk: Any, out: list[StreamEvent]) -> None:
        if not isinstance(chunk, dict):
            raise self._malformed(
                f"expected a chat-completion chunk (a JSON object), got {type(chunk).__name__}",
                chunk,
            )
        if chunk.keys() != self._keys:  # other top-level fields than the last chunk's
            self._fields_changed(chunk)
        if self._may_be_error:
            error = self._error_from(chunk)
            if error is not None:
                raise self.stream_error(error)
        acc = self.accumulator
        if acc.id is None:
            acc.id = self._text_field(chunk, "id")
            acc.model = self._text_field(chunk, "model")
        if self._extras_of is not None:
            values = self._extras_of(chunk)  # one C call; the values rarely change
            if values != self._last_extras:
                self._last_extras = values
                self._keep_extras(chunk, out)

        choices = chunk.get("choices")
        if choices:
            choice = choices[0]
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                choice = self._choice_zero(choices, chunk)  # n > 1: the message is choice 0
            if choice is not None:
                delta = choice.get("delta")
                if delta is None:
                    delta = choice.get("message")  # a whole reply: the message is the delta
                if delta:
                    self.handle_delta(delta, out)
                logprobs = choice.get("logprobs")  # beside the delta: never in a chunk frame
                if logprobs:
                    self._logprobs(logprobs, out)
                finish_reason = choice.get("finish_reason")
                if finish_reason and acc.raw_finish_reason is None:
                    self._finish(str(finish_reason), out)

        usage = chunk.get("usage") if self._standard_usage else self._usage_from(chunk)
        if usage and isinstance(usage, dict):
            self._raw_usage = usage  # the last report wins: Groq repeats it, nobody adds to it

    def handle_delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        """The `delta` of choice 0 of a chunk (not empty): the events it makes, into `out`.

        `handle` calls it for every chunk; the parser calls it alone for a chunk that repeats
        the last one's bytes outside its delta (see `ChunkFrame`).
        """
        acc = self.accumulator
        # Most chunks carry one piece of text, or the next fragment of a tool call's
        # arguments, and nothing else: both are read here, inline.
        content = delta.get("content")
        if len(delta) != 1:
            self._delta(delta, out)
        elif type(content) is str and self._plain_text:
            if content:
                if acc.reasoning_start is not None:
                    out.append(ReasoningEnd(text=acc.end_reasoning()))
                acc.text.append(content)
                out.append(text_delta({"text": content}))
        else:
            # The next fragment of a call already open, `{"index": i, "function":
            # {"arguments": "..."}}`: its arguments appended, no other question
            # asked. Anything else goes the general way.
            fragments = delta.get("tool_calls")
            fragment = function = call = arguments = None
            if type(fragments) is list and len(fragments) == 1:
                fragment = fragments[0]
            if type(fragment) is dict and len(fragment) == 2:
                function = fragment.get("function")
                index = fragment.get("index")
            if type(function) is dict and len(function) == 1 and type(index) is int:
                arguments = function.get("arguments")
                index = self._call_at_wire_index.get(index, index)
                call = acc.tool_calls.get(index)
            if type(arguments) is str and call is not None and self._arguments is None:
                if arguments:
                    call.arguments.append(arguments)
                    out.append(tool_call_delta({"index": index, "arguments": arguments}))
                    if self._output_tool is not None and call.name == self._output_tool:
                        self._output_delta(arguments, out)
            else:
                self._delta(delta, out)

    def _fields_changed(self, chunk: dict[str, Any]) -> None:
        self._keys = frozenset(chunk)
        # A chunk may hold an error when the provider looks for one itself, or when it has an
        # `error` field, or no choices (the standard reader's own tests).
        self._may_be_error = not self._standard_errors or "error" in chunk or "choices" not in chunk
        self._extra_keys = tuple(key for key in chunk if key not in self._not_extras)
        self._extras_of = operator.itemgetter(*self._extra_keys) if self._extra_keys else None
        self._last_extras = _NOTHING

    def _keep_extras(self, chunk: dict[str, Any], out: list[StreamEvent]) -> None:
        """Keep the chunk's extra fields: objects seen on several chunks merged (`x_groq`).

        A `citations` list (xAI, Perplexity: the URLs the answer draws on, Perplexity's
        repeated on every chunk) is also the message's citations: the list seen last is the
        list, and each URL new to it is a `CitationAdded`.
        """
        acc = self.accumulator
        for key in self._extra_keys:
            value = chunk[key]
            if value is not None and acc.extras.get(key) != value:
                acc.merge_extra(key, value)
                if key == "citations" and type(value) is list:
                    for citation in acc.list_citations(value):
                        out.append(CitationAdded(citation=citation))

    def _content(self, content: Any, out: list[StreamEvent]) -> None:
        """Content that is not plain text read plainly: parts, `<think>` tags, or text that
        feeds a structured output."""
        if isinstance(content, str):
            text = content
        elif isinstance(content, list):  # a few servers send content as parts
            text = self._parts(content, out)
        else:
            raise self._malformed("`content` is neither text nor a list of parts", content)
        if self._think_tags is not None:
            self._split(self._think_tags.feed(text), out)
        elif text:
            self._text(text, out)

    def _text(self, text: str, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        if acc.reasoning_start is not None:
            out.append(ReasoningEnd(text=acc.end_reasoning()))
        acc.text.append(text)
        out.append(text_delta({"text": text}))
        if self._output_in_text:
            self._output_delta(text, out)

    def _reasoning(self, text: str, out: list[StreamEvent]) -> None:
        self.accumulator.add_reasoning(text)
        out.append(reasoning_delta({"text": text}))

    def _split(self, pieces: list[Piece], out: list[StreamEvent]) -> None:
        """Content split at `<think>` tags: reasoning and answer, in order."""
        for kind, piece in pieces:
            if kind == "reasoning":
                self._reasoning(piece, out)
            else:
                self._text(piece, out)

    def _parts(self, parts: list[Any], out: list[StreamEvent]) -> str:
        """The text of content given as parts (`{"type": "text", "text": ...}`); `thinking`
        parts (Mistral's reasoning models) are reasoning, emitted as they come."""
        text = []
        for part in parts:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("text"), str):
                text.append(part["text"])
            elif kind == "thinking":
                thinking = part.get("thinking")
                if isinstance(thinking, list):
                    thinking = "".join(p.get("text") or "" for p in thinking if isinstance(p, dict))
                if isinstance(thinking, str) and thinking:
                    self._reasoning(thinking, out)
        return "".join(text)

    def _choice_zero(self, choices: Any, chunk: Any) -> dict[str, Any] | None:
        """The choice with index 0, or None when this chunk carries only others.

        With `n` > 1 (reachable through `extra_body`) chunks interleave several answers; the
        message is choice 0, and the others are never mixed into it.
        """
        if not isinstance(choices, list):
            raise self._malformed("a chunk's `choices` is not a list", chunk)
        for choice in choices:
            if not isinstance(choice, dict):
                raise self._malformed("a chunk's choice is not an object", chunk)
            if choice.get("index", 0) == 0:
                return choice
        return None

    def _delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        acc = self.accumulator
        reasoning = None
        for field in self._reasoning_fields:
            reasoning = delta.get(field)
            if reasoning and isinstance(reasoning, str):
                acc.add_reasoning(reasoning)
                out.append(reasoning_delta({"text": reasoning}))
                break
        details = delta.get("reasoning_details")
        if details:
            self._reasoning_details(details, reasoning, out)

        content = delta.get("content")
        if content:
            if type(content) is str and self._plain_text:  # the common case, inline
                if acc.reasoning_start is not None:
                    out.append(ReasoningEnd(text=acc.end_reasoning()))
                acc.text.append(content)
                out.append(text_delta({"text": content}))
            else:
                self._content(content, out)

        refusal = delta.get("refusal")
        if refusal and isinstance(refusal, str):
            if acc.reasoning_start is not None:
                out.append(ReasoningEnd(text=acc.end_reasoning()))
            acc.refusal.append(refusal)
            out.append(RefusalDelta(text=refusal))

        annotations = delta.get("annotations")
        if annotations:
            self._annotations(annotations, out)

        tool_calls = delta.get("tool_calls")
        if tool_calls:
            self._tool_calls(tool_calls, out)
        elif delta.get("function_call"):  # the legacy `functions` API: one call, no id
            self._tool_calls([{"index": 0, "function": delta["function_call"]}], out)

    def _annotations(self, annotations: Any, out: list[StreamEvent]) -> None:
        """A delta's (or a whole message's) `annotations`: each one a citation, its offsets
        counted in the message's content, which is `message.text`. Chunks carry new ones (as
        openai-python appends them)."""
        acc = self.accumulator
        for annotation in annotations if isinstance(annotations, list) else [annotations]:
            citation = annotation_citation(annotation)
            acc.add_citation(citation)
            out.append(CitationAdded(citation=citation))

    def _reasoning_details(self, details: Any, plain: Any, out: list[StreamEvent]) -> None:
        """Keep the blocks to send back; their readable text is the reasoning when the provider
        sent no plain reasoning field beside them."""
        if not isinstance(details, list):
            raise self._malformed("`reasoning_details` is not a list", details)
        acc = self.accumulator
        readable = acc.reasoning_details.add(details)
        if readable and not (plain and isinstance(plain, str)):
            acc.add_reasoning(readable)
            out.append(reasoning_delta({"text": readable}))

    def _tool_calls(self, fragments: Any, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        if not isinstance(fragments, list):
            raise self._malformed("`tool_calls` is not a list", fragments)
        for position, fragment in enumerate(fragments):
            if not isinstance(fragment, dict):
                raise self._malformed("a tool-call fragment is not an object", fragment)
            wire_index = fragment.get("index")
            if type(wire_index) is not int:
                wire_index = position  # whole replies number their calls by position only
            function = fragment.get("function") or {}
            call_id = self._text_field(fragment, "id")
            name = self._text_field(function, "name")

            # Some servers number every call 0: a new id at an index in use is a new call, and
            # the fragments that follow at that index belong to it.
            index = self._call_at_wire_index.get(wire_index, wire_index)
            call = acc.tool_calls.get(index)
            if call is not None and call_id and call_id != call.id:
                call = None
                index = acc.free_tool_call_index()
            if call is None:
                if index in acc.finished_calls:
                    index = acc.free_tool_call_index()
                if acc.reasoning_start is not None:
                    out.append(ReasoningEnd(text=acc.end_reasoning()))
                call = acc.start_tool_call(index, call_id, name)
                self._call_at_wire_index[wire_index] = index
                out.append(ToolCallStart(index=index, id=call.id, name=call.name))
            elif name and not call.name:
                call.name = name
            for state in TOOL_CALL_STATE_FIELDS:
                if fragment.get(state) is not None:
                    call.keep_state(state, fragment[state])

            arguments = function.get("arguments")
            if arguments:
                if not isinstance(arguments, str):  # a few servers send the object itself
                    arguments = self._json_text(arguments, "a tool call's arguments")
                call.arguments.append(arguments)
                if self._arguments is None:
                    out.append(tool_call_delta({"index": index, "arguments": arguments}))
                else:
                    partial = self._partial_arguments(index, arguments)
                    out.append(ToolCallDelta(index=index, arguments=arguments, partial=partial))
                if call.name == self._output_tool:
                    self._output_delta(arguments, out)

    def _logprobs(self, logprobs: Any, out: list[StreamEvent]) -> None:
        """A choice's `logprobs`: the tokens of its `content` (and `refusal`), in the message
        and as `LogprobsDelta` events, after the text they belong to."""
        if type(logprobs) is not dict:
            raise self._malformed("a choice's `logprobs` is not an object", logprobs)
        for field, refusal in (("content", False), ("refusal", True)):
            raw = logprobs.get(field)
            if raw:
                try:
                    tokens = token_logprobs(raw)
                except ValueError:
                    raise self._malformed(
                        f"`logprobs.{field}` is not a list of tokens with their logprob", raw
                    ) from None
                self.accumulator.add_logprobs(tokens, refusal=refusal)
                out.append(LogprobsDelta(logprobs=tokens, refusal=refusal))

    def _output_delta(self, text: str, out: list[StreamEvent]) -> None:
        assert self._output is not None
        partial = self._output.feed(text)
        if partial is not OutputReader.UNCHANGED:
            out.append(OutputDelta(partial=partial))

    def _partial_arguments(self, index: int, fragment: str) -> Any:
        """The call's arguments parsed so far; None until they begin, or once they stop being
        JSON (the whole text stays in `ToolCall.arguments`)."""
        assert self._arguments is not None
        reader = self._arguments.get(index)
        if reader is None:
            reader = self._arguments[index] = PartialJSONReader(ignore_trailing=True)
        try:
            reader.feed(fragment)
        except PartialJSONError:
            return None
        return reader.value

    def _finish(self, raw_reason: str, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        acc.raw_finish_reason = raw_reason
        if acc.reasoning_start is not None:
            out.append(ReasoningEnd(text=acc.end_reasoning()))
        for index, call in acc.end_tool_calls():
            out.append(ToolCallEnd(index=index, tool_call=call))

    # -- the end ---------------------------------------------------------------------------
    def end(self, out: list[StreamEvent]) -> None:
        """The reply is over: close what is open, then `Usage` and `Finish`.

        Raises `IncompleteStreamError` when the model never said it had finished.
        """
        acc = self.accumulator
        if self._think_tags is not None:  # a tag cut short at the very end is text after all
            self._split(self._think_tags.flush(), out)
        if acc.reasoning_start is not None:
            out.append(ReasoningEnd(text=acc.end_reasoning()))
        if acc.raw_finish_reason is None:
            raise IncompleteStreamError(
                "the stream ended before the model finished (no finish_reason): the reply is "
                "incomplete; what arrived is in `partial`",
                provider=self._provider.name,
                request_id=acc.request_id,
                partial=acc.build(),
            )
        for index, call in acc.end_tool_calls():  # fragments that came after finish_reason
            out.append(ToolCallEnd(index=index, tool_call=call))
        if self._raw_usage is not None:
            acc.usage = self._provider.normalize_usage(self._raw_usage)
            for key in self._provider.usage_extras:
                if key in self._raw_usage:
                    acc.extras[key] = self._raw_usage[key]
            acc.cost = priced_on_read(self._provider.cost, acc.usage, acc.model)
        if self._output is not None:  # before Usage and Finish: a failure is not a clean end
            acc.output = self._output.finish(acc.build())
        if acc.usage is not None:
            out.append(acc.usage)
        has_tool_calls = bool(acc.finished_calls)
        out.append(
            Finish(
                reason=normalize_finish_reason(
                    acc.raw_finish_reason, has_tool_calls=has_tool_calls
                ),
                raw_reason=acc.raw_finish_reason,
            )
        )

    # -- reading fields defensively -------------------------------------------------------------
    def _text_field(self, holder: dict[str, Any], name: str) -> str | None:
        """An identifier (`id`, `model`, a tool's `name`) as text: a number is read as its
        digits, an empty value as absent; anything else is malformed."""
        value = holder.get(name)
        if value is None or isinstance(value, str):
            return value or None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self._malformed(f"`{name}` is not a string: {type(value).__name__}", holder)

    def _json_text(self, value: Any, what: str) -> str:
        try:
            return json.dumps(value, ensure_ascii=False)
        except (ValueError, RecursionError):
            raise self._malformed(f"{what} cannot be written as JSON text", None) from None

    def _malformed(self, message: str, offending: Any) -> MalformedChunkError:
        try:
            data = json.dumps(offending, ensure_ascii=False)[:2000]
        except (ValueError, TypeError, RecursionError):
            data = repr(offending)[:2000]
        return MalformedChunkError(
            message,
            data=data,
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )

    def stream_error(self, payload: Any) -> StreamError:
        """The error a provider reported inside the response, as a `StreamError`."""
        return reported_error(
            payload,
            read_error(payload),
            provider=self._provider.name,
            accumulator=self.accumulator,
        )
