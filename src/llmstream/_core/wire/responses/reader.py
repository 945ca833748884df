"""Responses API events in, typed events out: the Responses wire's `Reader`.

Input: each SSE event's data (a JSON object whose `type` says what it is; the `event:` name,
when a server sends one, is only a fallback for a missing `type`), or a whole reply (the
response object). Output: the same events as chat completions, and the message in the shared
accumulator.

- `response.created`, `.in_progress`, `.queued`: the message's `id` (the response id), `model`;
- `response.output_item.added` of a `function_call`: `ToolCallStart`;
- `response.output_text.delta`: `TextDelta` (and `OutputDelta` for structured output), then
  `LogprobsDelta` for its `logprobs` (asked for with `include: ["message.output_text.logprobs"]`);
- `response.refusal.delta`: `RefusalDelta`;
- `response.reasoning_summary_text.delta`, `response.reasoning_text.delta` (open-weight
  servers' raw reasoning): `ReasoningDelta`;
- `response.function_call_arguments.delta`: `ToolCallDelta`;
- `response.output_text.annotation.added`: `CitationAdded`, its offsets moved from its part's
  text to `message.text` (`response.content_part.added` says where the part starts; see
  `citations.py`);
- `response.output_item.done`: the item's final state: what its deltas did not carry is
  emitted, a reasoning item ends its block (`ReasoningEnd`), a function call ends
  (`ToolCallEnd`);
- `response.completed` / `response.incomplete`: the final response: `Usage`, then `Finish`
  (`completed`: `stop`, or `tool_calls` when the reply called tools; `incomplete`: `length`
  for `max_output_tokens`, `content_filter`);
- `response.failed`, `error`: `StreamError`, with `partial`;
- anything else: nothing (the other content part events, `.done` events, built-in tool progress
  such as `web_search_call.*`, `keepalive`, types yet to come); the items they concern arrive
  with `output_item.done`.

One reasoning block per reasoning item; its summary parts (or reasoning-text parts) are kept
apart by a blank line, as are two reasoning items, so `message.reasoning` reads as the parts
did. Every output item is kept as received (the `.done` version, or the completed response's
`output`), in order, in `provider_state["output_items"]`: the Responses wire sends them back.

A whole reply is read by the same code as the stream's final state: each of its output items is
an item that arrived done with no delta before it, so all of its content is emitted (a message
item's annotations as its citations, once each), then `Usage` and `Finish`. A stream whose
deltas and final items disagree keeps what was streamed in the events and the message (what
the caller saw), and the items as received for replay.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

from ...._vocabulary.logprobs import TokenLogprob, token_logprobs
from ...._vocabulary.usage import normalize_usage
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
from ....messages import Citation
from ...accumulator import MessageAccumulator, normalize_finish_reason
from ...cost import priced_on_read
from ...error_bodies import read_error, reported_error
from ...json_payload import from_json, loads
from ...output import OutputReader, ResolvedOutput
from ...partial_json import PartialJSONError, PartialJSONReader
from ...provider import ProviderSpec
from ...provider_state import OUTPUT_ITEMS
from .citations import ItemCitations, has_annotations

__all__ = ["ResponsesReader"]

text_delta = TextDelta.__pydantic_validator__.validate_python
reasoning_delta = ReasoningDelta.__pydantic_validator__.validate_python
tool_call_delta = ToolCallDelta.__pydantic_validator__.validate_python

_SEPARATOR = "\n\n"  # between two summary parts, or two reasoning items, in `message.reasoning`
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError)

# Fields of the response object that are read into the message, or that repeat the request
# (the tools, the instructions, the sampling parameters...): the others (timestamps, the
# service tier, billing, Azure's content filters...) are kept in `extras`.
_NOT_EXTRAS = frozenset(
    {
        "id", "object", "model", "output", "usage", "status", "error", "output_text",
        "instructions", "tools", "tool_choice", "text", "reasoning", "temperature", "top_p",
        "top_logprobs", "max_output_tokens", "max_tool_calls", "parallel_tool_calls",
        "previous_response_id", "store", "truncation", "metadata", "user", "include",
        "prompt", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
        "background", "frequency_penalty", "presence_penalty", "conversation", "moderation",
        "stream_options", "context_management",
    }
)  # fmt: skip


# Built-in tools whose calls are billed apart from tokens (OpenAI's pricing: per web or file
# search, per code-interpreter container, per image): a reply that used one costs more than
# its tokens.
_BILLED_PER_CALL = frozenset(
    {"web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call"}
)


class _Item:
    """One output item: the latest snapshot received, and what its deltas carried so far."""

    __slots__ = ("call", "done", "logprobs", "part", "raw", "reasoning", "refusal", "text")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.done = False
        self.logprobs = 0  # how many tokens' logprobs its deltas carried
        self.text: list[str] = []
        self.refusal: list[str] = []
        self.reasoning: list[str] = []
        self.part: Any = None  # the summary or content part its reasoning deltas are in
        self.call: int | None = None  # its tool call's index in the message


class ResponsesReader:
    """Reads the events of one Responses API response (see the module docstring)."""

    def __init__(
        self,
        provider: ProviderSpec,
        accumulator: MessageAccumulator,
        *,
        output: ResolvedOutput | None = None,
        partial_tool_arguments: bool = False,
        on_complete: Callable[[], None] | None = None,
    ) -> None:
        self._provider = provider
        self.accumulator = accumulator
        self._on_complete = on_complete
        self._complete = False
        self._items: dict[Any, _Item] = {}  # by output_index, and by item id
        self._order: list[_Item] = []
        # The items whose calls began, in the order they began (an ended one is dropped when a
        # later call ends): ending the calls before one costs only those, not every item.
        self._calls: deque[_Item] = deque()
        self._reasoning_item: _Item | None = None  # whose reasoning block is open
        self._citations: dict[_Item, ItemCitations] = {}  # of the message items that cite
        self._output = OutputReader(output) if output is not None else None
        self._output_in_text = self._output is not None and self._output.from_tool is None
        self._output_tool = self._output.from_tool if self._output is not None else None
        self._arguments: dict[int, PartialJSONReader] | None = (
            {} if partial_tool_arguments else None
        )
        # Whether an arguments delta is more than text: read as partial JSON, or as output.
        self._arguments_as_objects = partial_tool_arguments or self._output_tool is not None

    # -- the Reader protocol --------------------------------------------------------------------
    def read_data(self, payload: bytes, out: list[StreamEvent]) -> None:
        self.read_event("", payload, out)

    def read_event(self, event_type: str, payload: bytes, out: list[StreamEvent]) -> None:
        """One event (`event_type`: the name an `event:` line gave it, or ""). The hot path:
        the Responses API names every event, and the parser hands each one here directly."""
        if self._complete:
            return  # the response is over: anything after it (`[DONE]`...) changes nothing
        try:
            event = from_json(payload)
        except ValueError:
            event = loads(payload, self.accumulator, self._provider)
        if type(event) is not dict:
            raise self._malformed(
                f"expected an event (a JSON object), got {type(event).__name__}", event
            )
        kind = event.get("type")
        if event_type == "error":
            kind = "error"
        elif type(kind) is not str:  # no type (or not a word): the event's name says, if any
            kind = "error" if event.get("error") else event_type
        try:
            # The two events a stream is mostly made of, in their usual case, are read here:
            # the handler's call would cost about a twentieth of reading one (its JSON
            # included). A piece of text of an item under way, no logprobs, no reasoning block
            # to close, no structured output read from the text; a piece of the arguments of a
            # call under way, wanted as text. Anything else about them is their handler's.
            if kind == "response.output_text.delta":
                text = event["delta"]
                item = self._items.get(event.get("output_index"))
                acc = self.accumulator
                if (
                    item is not None
                    and type(text) is str
                    and text
                    and not event.get("logprobs")
                    and acc.reasoning_start is None
                    and not self._output_in_text
                ):
                    item.text.append(text)
                    acc.text.append(text)
                    out.append(text_delta({"text": text}))
                    return
            elif kind == "response.function_call_arguments.delta":
                fragment = event["delta"]
                item = self._items.get(event.get("output_index"))
                if item is not None and type(fragment) is str and not self._arguments_as_objects:
                    index = item.call
                    call = self.accumulator.tool_calls.get(index) if index is not None else None
                    if call is not None and fragment:
                        call.arguments.append(fragment)
                        out.append(tool_call_delta({"index": index, "arguments": fragment}))
                        return
            handler = _HANDLERS.get(kind)
            if handler is None:
                return  # content parts, `.done` events, built-in tool progress, keepalives...
            handler(self, event, out)
        except _SHAPE_ERRORS as exc:
            raise self._unexpected_shape(exc, event) from None

    def read_whole(self, body: bytes, out: list[StreamEvent]) -> None:
        """A whole reply: the response object, read as a stream's final state."""
        reply = loads(body, self.accumulator, self._provider)
        if not isinstance(reply, dict):
            raise self._malformed(
                f"expected a response (a JSON object), got {type(reply).__name__}", reply
            )
        try:
            if not isinstance(reply.get("output"), list):
                if reply.get("error"):
                    raise self._stream_error(reply)
                raise self._malformed("the reply has no output: it is not a response", reply)
            status = reply.get("status")
            if status == "failed":
                raise self._stream_error(reply.get("error") or reply)
            if status in ("queued", "in_progress"):
                raise IncompleteStreamError(
                    f"the response is still {status} (a background response): it has no "
                    "output yet; what arrived is in `partial`",
                    provider=self._provider.name,
                    request_id=self.accumulator.request_id,
                    partial=self.accumulator.build(),
                )
            self._final(reply, str(status or "completed"), out)
        except _SHAPE_ERRORS as exc:
            raise self._unexpected_shape(exc, reply) from None

    def end(self, out: list[StreamEvent]) -> None:
        """The body is over: nothing more when the response completed, else the reply was cut
        short (`IncompleteStreamError`, after the open reasoning block is closed)."""
        if self._complete:
            return
        self._close_reasoning(out)
        raise IncompleteStreamError(
            "the stream ended before the response was complete (no response.completed): the "
            "reply is incomplete; what arrived is in `partial`",
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )

    # -- one event ------------------------------------------------------------------------------
    def _on_started(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        response = event.get("response")
        if isinstance(response, dict):
            self._identify(response)

    def _on_text(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        # (Its usual case is read in `read_event`.)
        text = event["delta"]
        if type(text) is not str:
            raise self._malformed("a text delta is not a string", event)
        logprobs = event.get("logprobs")
        if not text and not logprobs:
            return
        item = self._item_of(event, "message")
        if text:
            item.text.append(text)
            self._text(text, out)
        if logprobs:
            tokens = self._tokens(logprobs, event)
            item.logprobs += len(tokens)
            self._logprobs(tokens, out)

    def _on_refusal(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        text = event["delta"]
        if type(text) is not str:
            raise self._malformed("a refusal delta is not a string", event)
        if text:
            self._item_of(event, "message").refusal.append(text)
            self._refusal(text, out)

    def _on_summary(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        self._on_reasoning(event, ("summary", event.get("summary_index")), out)

    def _on_reasoning_text(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        self._on_reasoning(event, ("content", event.get("content_index")), out)

    def _on_reasoning(self, event: dict[str, Any], part: Any, out: list[StreamEvent]) -> None:
        text = event["delta"]
        if type(text) is not str:
            raise self._malformed("a reasoning delta is not a string", event)
        if not text:
            return
        item = self._item_of(event, "reasoning")
        if item.part != part:
            if item.part is not None:  # the next part of the same item
                self._reason(item, _SEPARATOR, out)
            item.part = part
        self._reason(item, text, out)

    def _on_arguments(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        fragment = event["delta"]
        if type(fragment) is not str:
            raise self._malformed("a function call's arguments delta is not a string", event)
        if not fragment:
            return
        # (Its usual case is read in `read_event`.)
        self._arguments_fragment(self._item_of(event, "function_call"), fragment, out)

    def _on_part_added(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        part = event.get("part")
        if type(part) is dict and part.get("type") == "output_text":  # where its text starts
            citations = self._citations_of(self._item_of(event, "message"))
            citations.starts[event.get("content_index")] = self.accumulator.text_length()

    def _on_annotation(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        citations = self._citations_of(self._item_of(event, "message"))
        citation = citations.annotation(
            event.get("content_index"), event.get("annotation_index"), event.get("annotation")
        )
        if citation is not None:
            self._cite(citation, out)

    def _on_item_added(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        raw = self._raw_item(event)
        item = self._item_at(event, raw)
        item.raw = raw
        if raw.get("type") == "function_call":
            self._start_call(item, out)

    def _on_item_done(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        raw = self._raw_item(event)
        item = self._item_at(event, raw)
        if not item.done:
            item.raw = raw
            self._settle(item, out)

    def _on_completed(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        self._final(self._response(event), "completed", out)

    def _on_incomplete(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        self._final(self._response(event), "incomplete", out)

    def _on_failed(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        response = event.get("response")
        error = response.get("error") if isinstance(response, dict) else None
        raise self._stream_error(error or response or event)

    def _on_error(self, event: dict[str, Any], out: list[StreamEvent]) -> None:
        raise self._stream_error(event)

    # -- items ----------------------------------------------------------------------------------
    def _raw_item(self, event: dict[str, Any]) -> dict[str, Any]:
        raw = event["item"]
        if type(raw) is not dict:
            raise self._malformed("an output item is not an object", event)
        return raw

    def _item_of(self, event: dict[str, Any], kind: str) -> _Item:
        """The item a delta belongs to, found by `output_index` or `item_id`; one that was
        never announced is taken to be of `kind`."""
        item = self._items.get(event.get("output_index"))
        if item is None:
            item = self._items.get(event.get("item_id"))
            if item is None:
                raw: dict[str, Any] = {"type": kind}
                if isinstance(event.get("item_id"), str):
                    raw["id"] = event["item_id"]
                item = self._new_item(event.get("output_index"), raw)
        return item

    def _item_at(self, event: dict[str, Any], raw: dict[str, Any]) -> _Item:
        """The item an `output_item` event is about (by position, else by id), or a new one."""
        position = event.get("output_index")
        item = self._items.get(position)
        if item is None:
            item = self._items.get(raw.get("id"))
            if item is None:
                item = self._new_item(position, raw)
        return item

    def _new_item(self, position: Any, raw: dict[str, Any]) -> _Item:
        item = _Item(raw)
        self._order.append(item)
        if type(position) is int:
            self._items[position] = item
        item_id = raw.get("id")
        if isinstance(item_id, str) and item_id:
            self._items.setdefault(item_id, item)
        return item

    def _settle(self, item: _Item, out: list[StreamEvent]) -> None:
        """An item's final state: emit what its deltas did not carry, and end it."""
        item.done = True
        raw = item.raw
        kind = raw.get("type")
        if kind == "message":
            text, refusal = _message_texts(raw)
            cites = item in self._citations or has_annotations(raw.get("content"))
            if cites:  # where the item's text starts: before what its deltas carried
                start = self.accumulator.text_length() - sum(map(len, item.text))
            self._catch_up(item.text, text, self._text, out)
            self._catch_up(item.refusal, refusal, self._refusal, out)
            logprobs = self._tokens(_message_logprobs(raw), raw)
            if len(logprobs) > item.logprobs:  # what its deltas did not carry (all, if none)
                self._logprobs(logprobs[item.logprobs :], out)
                item.logprobs = len(logprobs)
            if cites:
                for citation in self._citations_of(item).settle(raw.get("content"), start):
                    self._cite(citation, out)
        elif kind == "reasoning":
            self._catch_up(
                item.reasoning, _reasoning_text(raw), lambda t, o: self._reason(item, t, o), out
            )
            if self._reasoning_item is item:
                self._close_reasoning(out)
        if kind == "function_call" or item.call is not None:  # a call ends with its item
            self._start_call(item, out)
            assert item.call is not None
            # Items come one after another: a call begun before this one, whose own end never
            # came, is over too, and calls end in the order they began. Each call is looked at
            # here once after it ended, so a reply of many calls costs time linear in them.
            acc = self.accumulator
            calls = self._calls
            while calls:
                earlier = calls[0]
                index = earlier.call
                assert index is not None  # set when its call began
                if index >= item.call:
                    break
                calls.popleft()
                if not earlier.done:
                    self._settle(earlier, out)
                    continue
                ended = acc.end_tool_call(index)  # begun by a stray delta after its item ended
                if ended is not None:
                    out.append(ToolCallEnd(index=index, tool_call=ended))
            call = acc.tool_calls.get(item.call)
            if call is not None:
                arguments = raw.get("arguments")
                if isinstance(arguments, str):
                    self._catch_up(
                        call.arguments,
                        arguments,
                        lambda t, o: self._arguments_fragment(item, t, o),
                        out,
                    )
                ended = acc.end_tool_call(item.call)
                if ended is not None:
                    out.append(ToolCallEnd(index=item.call, tool_call=ended))
        # Any other item (a built-in tool's call, a type yet to come) has nothing to show: it
        # is kept as received, and goes back as received.

    @staticmethod
    def _catch_up(
        streamed: list[str],
        final: str,
        emit: Callable[[str, list[StreamEvent]], None],
        out: list[StreamEvent],
    ) -> None:
        """Emit the part of `final` its deltas did not carry. When they said something else,
        what was streamed stands."""
        if not final:
            return
        so_far = "".join(streamed)
        if len(final) > len(so_far) and final.startswith(so_far):
            emit(final[len(so_far) :], out)

    # -- what the events add to the message -----------------------------------------------------
    def _text(self, text: str, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        if acc.reasoning_start is not None:
            self._close_reasoning(out)
        acc.text.append(text)
        out.append(text_delta({"text": text}))
        if self._output_in_text:
            self._output_delta(text, out)

    def _citations_of(self, item: _Item) -> ItemCitations:
        citations = self._citations.get(item)
        if citations is None:
            citations = self._citations[item] = ItemCitations()
        return citations

    def _cite(self, citation: Citation, out: list[StreamEvent]) -> None:
        self.accumulator.add_citation(citation)
        out.append(CitationAdded(citation=citation))

    def _refusal(self, text: str, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        if acc.reasoning_start is not None:
            self._close_reasoning(out)
        acc.refusal.append(text)
        out.append(RefusalDelta(text=text))

    def _logprobs(self, tokens: list[TokenLogprob], out: list[StreamEvent]) -> None:
        self.accumulator.add_logprobs(tokens)
        out.append(LogprobsDelta(logprobs=tokens))

    def _tokens(self, raw: Any, offending: Any) -> list[TokenLogprob]:
        try:
            return token_logprobs(raw)
        except ValueError:
            raise self._malformed(
                "`logprobs` is not a list of tokens with their logprob", offending
            ) from None

    def _reason(self, item: _Item, text: str, out: list[StreamEvent]) -> None:
        """Reasoning text of `item`, in its block: a block of another item is closed first, and
        a blank line separates the two in the message."""
        acc = self.accumulator
        if self._reasoning_item is not item:
            self._close_reasoning(out)
            if acc.reasoning:
                acc.reasoning.append(_SEPARATOR)
                out.append(reasoning_delta({"text": _SEPARATOR}))
            self._reasoning_item = item
        item.reasoning.append(text)
        acc.add_reasoning(text)
        out.append(reasoning_delta({"text": text}))

    def _close_reasoning(self, out: list[StreamEvent]) -> None:
        acc = self.accumulator
        if acc.reasoning_start is not None:
            out.append(ReasoningEnd(text=acc.end_reasoning()))
        self._reasoning_item = None

    def _start_call(self, item: _Item, out: list[StreamEvent]) -> None:
        if item.call is not None:
            return
        acc = self.accumulator
        if acc.reasoning_start is not None:
            self._close_reasoning(out)
        raw = item.raw
        index = acc.free_tool_call_index()
        call = acc.start_tool_call(index, _text_field(raw, "call_id"), _text_field(raw, "name"))
        item.call = index
        self._calls.append(item)
        out.append(ToolCallStart(index=index, id=call.id, name=call.name))

    def _arguments_fragment(self, item: _Item, fragment: str, out: list[StreamEvent]) -> None:
        if item.call is None:
            self._start_call(item, out)
        assert item.call is not None
        call = self.accumulator.tool_calls.get(item.call)
        if call is None:
            return  # the call already ended: its arguments are what its item said
        call.arguments.append(fragment)
        if self._arguments is None:
            out.append(tool_call_delta({"index": item.call, "arguments": fragment}))
        else:
            partial = self._partial_arguments(item.call, fragment)
            out.append(ToolCallDelta(index=item.call, arguments=fragment, partial=partial))
        if self._output_tool is not None and call.name == self._output_tool:
            self._output_delta(fragment, out)

    def _partial_arguments(self, index: int, fragment: str) -> Any:
        assert self._arguments is not None
        reader = self._arguments.get(index)
        if reader is None:
            reader = self._arguments[index] = PartialJSONReader(ignore_trailing=True)
        try:
            reader.feed(fragment)
        except PartialJSONError:
            return None
        return reader.value

    def _output_delta(self, text: str, out: list[StreamEvent]) -> None:
        assert self._output is not None
        partial = self._output.feed(text)
        if partial is not OutputReader.UNCHANGED:
            out.append(OutputDelta(partial=partial))

    # -- the end --------------------------------------------------------------------------------
    def _response(self, event: dict[str, Any]) -> dict[str, Any]:
        response = event.get("response")
        if not isinstance(response, dict):
            raise self._malformed(f"a {event.get('type')} event carries no response", event)
        return response

    def _identify(self, response: dict[str, Any]) -> None:
        acc = self.accumulator
        if acc.id is None:
            acc.id = _text_field(response, "id")
        model = _text_field(response, "model")
        if model:
            acc.model = model

    def _final(self, response: dict[str, Any], status: str, out: list[StreamEvent]) -> None:
        """The response is over: settle every item not yet done (all of them, for a whole
        reply), then `Usage` and `Finish`."""
        acc = self.accumulator
        self._identify(response)
        output = response.get("output")
        if isinstance(output, list) and output:
            items = [raw for raw in output if type(raw) is dict]
            seen: set[str] = set()  # the ids of items that arrive only here, settled once
            for position, raw in enumerate(output):
                if type(raw) is not dict:
                    continue
                item = self._items.get(position) or self._items.get(raw.get("id"))
                if item is None:
                    # An item that never streamed: settled, and not kept (nothing more is
                    # read), so a giant output array costs what its items do and no more.
                    item_id = raw.get("id")
                    if isinstance(item_id, str) and item_id:
                        if item_id in seen:
                            continue
                        seen.add(item_id)
                    item = _Item(raw)
                if not item.done:
                    item.raw = raw
                    self._settle(item, out)
        else:  # a server that repeats no output at the end: the items as they streamed
            for item in list(self._order):
                if not item.done:
                    self._settle(item, out)
            items = [item.raw for item in self._order]
        self._close_reasoning(out)
        for index, call in acc.end_tool_calls():
            out.append(ToolCallEnd(index=index, tool_call=call))
        acc.provider_state[OUTPUT_ITEMS] = items
        if status == "incomplete":
            details = response.get("incomplete_details")
            reason = details.get("reason") if isinstance(details, dict) else None
            acc.raw_finish_reason = str(reason or "incomplete")
        else:
            acc.raw_finish_reason = status
        for key, value in response.items():
            if key not in _NOT_EXTRAS and value is not None:
                acc.extras[key] = value
        raw_usage = response.get("usage")
        if isinstance(raw_usage, dict):
            # Output tokens include reasoning tokens in this API; a server that counts them
            # apart is recognised from its totals.
            acc.usage = normalize_usage(raw_usage, completion_excludes_reasoning=None)
            for key in self._provider.usage_extras:
                if key in raw_usage:
                    acc.extras[key] = raw_usage[key]
            acc.cost = priced_on_read(
                self._provider.cost,
                acc.usage,
                acc.model,
                billed_apart=any(item.get("type") in _BILLED_PER_CALL for item in items),
            )
        if self._output is not None:  # before Usage and Finish: a failure is not a clean end
            acc.output = self._output.finish(acc.build())
        if acc.usage is not None:
            out.append(acc.usage)
        reason = normalize_finish_reason(
            acc.raw_finish_reason, has_tool_calls=bool(acc.finished_calls)
        )
        out.append(Finish(reason=reason, raw_reason=acc.raw_finish_reason))
        self._complete = True
        on_complete, self._on_complete = self._on_complete, None  # the parser needs no more
        if on_complete is not None:
            on_complete()

    # -- errors ---------------------------------------------------------------------------------
    def _stream_error(self, payload: Any) -> StreamError:
        """The error a response reported (an `error` event, a failed response's `error`)."""
        return reported_error(
            payload,
            read_error(_without_event_fields(payload)),
            provider=self._provider.name,
            accumulator=self.accumulator,
        )

    def _malformed(self, message: str, offending: Any) -> MalformedChunkError:
        return MalformedChunkError(
            message,
            data=_dump(offending)[:2000],
            provider=self._provider.name,
            request_id=self.accumulator.request_id,
            partial=self.accumulator.build(),
        )

    def _unexpected_shape(self, exc: Exception, offending: Any) -> MalformedChunkError:
        """An event of an unexpected shape (a string where an object belongs...) is a
        `MalformedChunkError`, never a bare AttributeError from deep inside."""
        return self._malformed(
            f"an event has an unexpected shape ({type(exc).__name__}: {exc})", offending
        )


_Handler = Callable[[ResponsesReader, dict[str, Any], list[StreamEvent]], None]

# What each event type does; any other type is read and left (see the module docstring).
_HANDLERS: dict[str, _Handler] = {
    "response.output_text.delta": ResponsesReader._on_text,
    "response.function_call_arguments.delta": ResponsesReader._on_arguments,
    "response.reasoning_summary_text.delta": ResponsesReader._on_summary,
    "response.reasoning_text.delta": ResponsesReader._on_reasoning_text,
    "response.refusal.delta": ResponsesReader._on_refusal,
    "response.output_text.annotation.added": ResponsesReader._on_annotation,
    "response.content_part.added": ResponsesReader._on_part_added,
    "response.output_item.added": ResponsesReader._on_item_added,
    "response.output_item.done": ResponsesReader._on_item_done,
    "response.created": ResponsesReader._on_started,
    "response.in_progress": ResponsesReader._on_started,
    "response.queued": ResponsesReader._on_started,
    "response.completed": ResponsesReader._on_completed,
    "response.incomplete": ResponsesReader._on_incomplete,
    "response.failed": ResponsesReader._on_failed,
    "error": ResponsesReader._on_error,
}


def _message_texts(raw: dict[str, Any]) -> tuple[str, str]:
    """A message item's text and refusal, from its content parts."""
    text, refusal = [], []
    for part in raw.get("content") or ():
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "output_text" and isinstance(part.get("text"), str):
            text.append(part["text"])
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            refusal.append(part["refusal"])
    return "".join(text), "".join(refusal)


def _message_logprobs(raw: dict[str, Any]) -> list[Any]:
    """A message item's token logprobs, from its text parts, in order."""
    tokens: list[Any] = []
    for part in raw.get("content") or ():
        if isinstance(part, dict) and part.get("type") == "output_text":
            logprobs = part.get("logprobs")
            if isinstance(logprobs, list):
                tokens.extend(logprobs)
    return tokens


def _reasoning_text(raw: dict[str, Any]) -> str:
    """A reasoning item's readable text: its summary parts, else its reasoning-text parts (as
    open-weight servers send), a blank line between two."""
    for field in ("summary", "content"):
        texts = [
            part["text"]
            for part in raw.get(field) or ()
            if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"]
        ]
        if texts:
            return _SEPARATOR.join(texts)
    return ""


def _text_field(holder: dict[str, Any], name: str) -> str | None:
    """An identifier as text: a number is read as its digits, anything else not text as absent."""
    value = holder.get(name)
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _without_event_fields(payload: Any) -> Any:
    """An `error` event's own fields (`code`, `message`, `param`), without the event's `type`
    and `sequence_number`, which say nothing about the error."""
    if isinstance(payload, dict) and payload.get("type") == "error":
        return {k: v for k, v in payload.items() if k not in ("type", "sequence_number")}
    return payload


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return repr(value)
