"""The Responses wire's reader, event by event: what each event becomes, and what is kept.

Streams here are written by hand, to reach what the recordings do not: summary parts and raw
reasoning text, refusals, parallel calls, servers that send only finished items (or only the
final response), incomplete and failed responses, error events, unknown event types, built-in
tool items, structured output, and shapes that are wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

import llmstream as ls
from llmstream._core.output import resolve_output
from llmstream._core.parser import ResponseParser

from .support.responses import openai_responses, read

SSE = "text/event-stream"
JSON = "application/json"
USAGE = {
    "input_tokens": 10,
    "input_tokens_details": {"cached_tokens": 4},
    "output_tokens": 30,
    "output_tokens_details": {"reasoning_tokens": 20},
    "total_tokens": 40,
}


def sse(*events: dict[str, Any], names: bool = True) -> bytes:
    """A stream of these events, each with its `event:` line unless `names` is False."""
    out = b""
    for number, event in enumerate(events):
        event = {**event, "sequence_number": number}
        if names:
            out += f"event: {event['type']}\n".encode()
        out += b"data: " + json.dumps(event).encode() + b"\n\n"
    return out


def response(output: list[dict[str, Any]], status: str = "completed", **fields: Any) -> dict:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": status,
        "model": "gpt-5-2025-08-07",
        "output": output,
        "usage": USAGE,
        "tools": [],
        "instructions": None,
        **fields,
    }


def created() -> dict[str, Any]:
    return {"type": "response.created", "response": response([], status="in_progress")}


def completed(output: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"type": "response.completed", "response": response(output, **fields)}


def message_item(text: str, item_id: str = "msg_1", **fields: Any) -> dict[str, Any]:
    parts = [{"type": "output_text", "text": text, "annotations": []}] if text else []
    return {"id": item_id, "type": "message", "status": "completed", "role": "assistant",
            "content": parts, **fields}  # fmt: skip


def reasoning_item(*summary: str, item_id: str = "rs_1", **fields: Any) -> dict[str, Any]:
    parts = [{"type": "summary_text", "text": s} for s in summary]
    return {"id": item_id, "type": "reasoning", "encrypted_content": "gAAA-opaque",
            "summary": parts, **fields}  # fmt: skip


def call_item(call_id: str, name: str, arguments: str, item_id: str = "fc_1") -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "status": "completed",
            "call_id": call_id, "name": name, "arguments": arguments}  # fmt: skip


def added(index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.output_item.added", "output_index": index, "item": item}


def done(index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.output_item.done", "output_index": index, "item": item}


def text(index: int, delta: str, item_id: str = "msg_1") -> dict[str, Any]:
    return {"type": "response.output_text.delta", "output_index": index, "item_id": item_id,
            "content_index": 0, "delta": delta}  # fmt: skip


def summary(index: int, part: int, delta: str, item_id: str = "rs_1") -> dict[str, Any]:
    return {"type": "response.reasoning_summary_text.delta", "output_index": index,
            "item_id": item_id, "summary_index": part, "delta": delta}  # fmt: skip


def arguments(index: int, delta: str, item_id: str = "fc_1") -> dict[str, Any]:
    return {"type": "response.function_call_arguments.delta", "output_index": index,
            "item_id": item_id, "delta": delta}  # fmt: skip


def stream(*events: dict[str, Any], **options: Any) -> tuple[list[Any], ls.AssistantMessage]:
    return read(openai_responses(), [sse(*events)], SSE, **options)


def of(kind: type, events: list[Any]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


# -- text, reasoning, refusals ---------------------------------------------------------------


def test_text_deltas_make_the_answer_and_the_final_response_the_rest() -> None:
    item = message_item("Hello there")
    events, message = stream(
        created(), added(0, message_item("")), text(0, "Hello"), text(0, " there"), done(0, item),
        completed([item]),
    )  # fmt: skip
    assert [e.text for e in of(ls.TextDelta, events)] == ["Hello", " there"]
    assert message.text == "Hello there"
    assert message.id == "resp_1"
    assert message.model == "gpt-5-2025-08-07"
    assert events[-2:] == [message.usage, ls.Finish(reason="stop", raw_reason="completed")]
    assert message.usage == ls.Usage(
        input_tokens=10, output_tokens=30, total_tokens=40, cached_input_tokens=4,
        reasoning_tokens=20, raw=USAGE,
    )  # fmt: skip
    assert message.provider_state == {"output_items": [item]}
    assert message.extras == {"created_at": 1}  # the echoed request (tools...) is left out


def test_summary_parts_and_reasoning_items_are_kept_apart() -> None:
    first = reasoning_item("**Plan**\n\nLook it up.", "**Check**\n\nDone.")
    second = reasoning_item("Then answer.", item_id="rs_2")
    answer = message_item("Hi")
    events, message = stream(
        created(),
        added(0, reasoning_item()),
        summary(0, 0, "**Plan**\n\nLook"), summary(0, 0, " it up."),
        summary(0, 1, "**Check**\n\nDone."),
        done(0, first),
        added(1, reasoning_item(item_id="rs_2")),
        summary(1, 0, "Then answer.", item_id="rs_2"),
        done(1, second),
        added(2, message_item("")), text(2, "Hi"), done(2, answer),
        completed([first, second, answer]),
    )  # fmt: skip
    assert message.reasoning == "**Plan**\n\nLook it up.\n\n**Check**\n\nDone.\n\nThen answer."
    assert "".join(e.text for e in of(ls.ReasoningDelta, events)) == message.reasoning
    assert [e.text for e in of(ls.ReasoningEnd, events)] == [
        "**Plan**\n\nLook it up.\n\n**Check**\n\nDone.", "Then answer.",
    ]  # fmt: skip
    # Each block ends when its item does, before the answer begins.
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ReasoningEnd") < kinds.index("TextDelta")
    assert message.provider_state["output_items"] == [first, second, answer]


def test_raw_reasoning_text_as_open_weight_servers_stream_it() -> None:
    item = {"id": "rs_1", "type": "reasoning", "summary": [],
            "content": [{"type": "reasoning_text", "text": "Let me think."}]}  # fmt: skip
    events, message = stream(
        created(), added(0, {**item, "content": []}),
        {"type": "response.reasoning_text.delta", "output_index": 0, "item_id": "rs_1",
         "content_index": 0, "delta": "Let me"},
        {"type": "response.reasoning_text.delta", "output_index": 0, "item_id": "rs_1",
         "content_index": 0, "delta": " think."},
        done(0, item), completed([item]),
    )  # fmt: skip
    assert message.reasoning == "Let me think."
    assert of(ls.ReasoningEnd, events) == [ls.ReasoningEnd(text="Let me think.")]


def test_a_refusal_is_a_refusal() -> None:
    item = message_item("", content=[{"type": "refusal", "refusal": "I can't help."}])
    events, message = stream(
        created(), added(0, message_item("")),
        {"type": "response.refusal.delta", "output_index": 0, "item_id": "msg_1",
         "content_index": 0, "delta": "I can't help."},
        done(0, item), completed([item]),
    )  # fmt: skip
    assert of(ls.RefusalDelta, events) == [ls.RefusalDelta(text="I can't help.")]
    assert message.refusal == "I can't help."
    assert message.text == ""


# -- tool calls -------------------------------------------------------------------------------


def test_parallel_function_calls() -> None:
    add = call_item("call_a", "add", '{"a":2}')
    mul = call_item("call_m", "multiply", '{"b":3}', item_id="fc_2")
    events, message = stream(
        created(),
        added(0, {**add, "arguments": "", "status": "in_progress"}),
        arguments(0, '{"a"'), arguments(0, ":2}"), done(0, add),
        added(1, {**mul, "arguments": "", "status": "in_progress"}),
        arguments(1, '{"b":3}', item_id="fc_2"), done(1, mul),
        completed([add, mul]),
    )  # fmt: skip
    assert of(ls.ToolCallStart, events) == [
        ls.ToolCallStart(index=0, id="call_a", name="add"),
        ls.ToolCallStart(index=1, id="call_m", name="multiply"),
    ]
    assert [(e.index, e.arguments) for e in of(ls.ToolCallDelta, events)] == [
        (0, '{"a"'), (0, ":2}"), (1, '{"b":3}'),
    ]  # fmt: skip
    ends = of(ls.ToolCallEnd, events)
    assert [e.tool_call for e in ends] == message.tool_calls
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("call_a", "add", '{"a":2}'), ("call_m", "multiply", '{"b":3}'),
    ]  # fmt: skip
    # Each call ends with its item, not at the end of the response.
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ToolCallEnd") < kinds.index("ToolCallStart", kinds.index("ToolCallEnd"))
    assert events[-1] == ls.Finish(reason="tool_calls", raw_reason="completed")


def test_partial_tool_arguments_when_asked() -> None:
    call = call_item("call_a", "add", '{"a":2,"b":3}')
    events, _ = stream(
        created(), added(0, {**call, "arguments": ""}),
        arguments(0, '{"a":2,'), arguments(0, '"b":3}'), done(0, call), completed([call]),
        partial_tool_arguments=True,
    )  # fmt: skip
    assert [e.partial for e in of(ls.ToolCallDelta, events)] == [{"a": 2}, {"a": 2, "b": 3}]


# -- servers that send less ---------------------------------------------------------------------


def test_items_that_arrive_only_done_are_shown_whole() -> None:
    """A server that streams no deltas: each finished item says everything."""
    items = [reasoning_item("Thinking."), message_item("Hi"), call_item("c1", "f", "{}")]
    events, message = stream(
        created(), *(done(i, item) for i, item in enumerate(items)), completed(items)
    )
    assert message.reasoning == "Thinking."
    assert message.text == "Hi"
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [("c1", "f", "{}")]
    assert "".join(e.text for e in of(ls.TextDelta, events)) == "Hi"
    assert of(ls.ReasoningEnd, events) == [ls.ReasoningEnd(text="Thinking.")]


def test_a_stream_of_only_the_final_response() -> None:
    items = [message_item("All at once")]
    _, message = stream(created(), completed(items))
    assert message.text == "All at once"
    assert message.provider_state["output_items"] == items


def test_a_final_response_without_output_keeps_the_items_that_streamed() -> None:
    item = message_item("Hi")
    _, message = stream(
        created(), added(0, message_item("")), text(0, "Hi"), done(0, item), completed([])
    )
    assert message.text == "Hi"
    assert message.provider_state["output_items"] == [item]


def test_deltas_that_disagree_with_the_final_item_keep_what_was_streamed() -> None:
    item = message_item("Something else")
    events, message = stream(created(), text(0, "Hello"), done(0, item), completed([item]))
    assert message.text == "Hello" == "".join(e.text for e in of(ls.TextDelta, events))
    assert message.provider_state["output_items"] == [item]


def test_events_without_names_read_the_same() -> None:
    item = message_item("Hi")
    events = [
        created(),
        added(0, message_item("")),
        text(0, "Hi"),
        done(0, item),
        completed([item]),
    ]
    named = read(openai_responses(), [sse(*events)], SSE)
    unnamed = read(openai_responses(), [sse(*events, names=False)], SSE)
    assert named == unnamed


# -- the end of a response ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "finish"),
    [("max_output_tokens", "length"), ("content_filter", "content_filter"), (None, "other")],
)
def test_an_incomplete_response(reason: str | None, finish: str) -> None:
    item = message_item("Cut", status="incomplete")
    final = response([item], status="incomplete", incomplete_details={"reason": reason})
    events, message = stream(
        created(), text(0, "Cut"), {"type": "response.incomplete", "response": final}
    )
    assert message.finish_reason == finish
    assert message.raw_finish_reason == (reason or "incomplete")
    assert events[-1] == ls.Finish(reason=finish, raw_reason=reason or "incomplete")
    assert message.extras["incomplete_details"] == {"reason": reason}


def test_the_parser_is_finished_when_the_response_is_complete() -> None:
    """No more input is needed after `response.completed`: a client need not wait for the
    server to close the body, and what follows changes nothing."""
    item = message_item("Hi")
    parser = ResponseParser(openai_responses(), headers={"content-type": SSE})
    events = parser.feed(sse(created(), text(0, "Hi"), completed([item])))
    assert parser.finished
    assert isinstance(events[-1], ls.Finish)
    assert parser.feed(sse(text(0, "more"))) == []
    assert parser.end() == []
    assert parser.partial().text == "Hi"


def test_done_after_the_response_is_tolerated_and_before_it_is_a_cut() -> None:
    item = message_item("Hi")
    body = sse(created(), text(0, "Hi"), completed([item]))
    assert read(openai_responses(), [body + b"data: [DONE]\n\n"], SSE)[1].text == "Hi"
    cut = sse(created(), text(0, "Hi")) + b"data: [DONE]\n\n"
    with pytest.raises(ls.IncompleteStreamError) as caught:
        read(openai_responses(), [cut], SSE)
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hi"


def test_a_stream_cut_short_is_incomplete_with_what_arrived() -> None:
    parser = ResponseParser(openai_responses(), headers={"content-type": SSE})
    events = parser.feed(
        sse(created(), added(0, reasoning_item()), summary(0, 0, "Hmm"), text(1, "Par"))
    )
    assert [type(e).__name__ for e in events] == ["ReasoningDelta", "ReasoningEnd", "TextDelta"]
    with pytest.raises(ls.IncompleteStreamError, match=r"response\.completed") as caught:
        parser.end()
    assert caught.value.partial is not None
    assert (caught.value.partial.reasoning, caught.value.partial.text) == ("Hmm", "Par")


# -- errors -----------------------------------------------------------------------------------


def test_a_failed_response_raises_after_the_events_before_it() -> None:
    failed = response([], status="failed", error={"code": "server_error", "message": "Oops"})
    parser = ResponseParser(openai_responses(), headers={"content-type": SSE})
    events = parser.feed(
        sse(created(), text(0, "Par"), {"type": "response.failed", "response": failed})
    )
    assert of(ls.TextDelta, events) == [ls.TextDelta(text="Par")]
    with pytest.raises(ls.StreamError, match="Oops") as caught:
        parser.feed(b"")
    assert caught.value.code == "server_error"
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Par"


@pytest.mark.parametrize("names", [True, False])
def test_an_error_event(names: bool) -> None:
    error = {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down", "param": None}
    with pytest.raises(ls.StreamError, match="Slow down") as caught:
        read(openai_responses(), [sse(created(), error, names=names)], SSE)
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.type is None  # the event's `type` is not the error's


def test_an_error_event_whose_data_has_no_type() -> None:
    body = b'event: error\ndata: {"error": {"message": "Bad things", "code": "x"}}\n\n'
    with pytest.raises(ls.StreamError, match="Bad things"):
        read(openai_responses(), [body], SSE)


# -- what is kept -----------------------------------------------------------------------------


def test_unknown_events_and_built_in_tool_items_never_break_a_stream() -> None:
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed",
              "action": {"type": "search", "query": "weather"}}  # fmt: skip
    answer = message_item("Sunny")
    _events, message = stream(
        created(),
        {"type": "keepalive"},
        added(0, {**search, "status": "in_progress"}),
        {"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_1"},
        {"type": "response.something_new", "payload": [1, 2]},
        done(0, search),
        added(1, message_item("")), text(1, "Sunny"),
        {"type": "response.output_text.annotation.added", "output_index": 1, "annotation": {}},
        done(1, answer),
        completed([search, answer], content_filters=[{"blocked": False}]),
    )  # fmt: skip
    assert message.text == "Sunny"
    assert message.provider_state["output_items"] == [search, answer]
    assert message.extras["content_filters"] == [{"blocked": False}]


class Book(BaseModel):
    title: str
    year: int


def test_structured_output_in_the_text() -> None:
    text_out = '{"title":"Dune","year":1965}'
    item = message_item(text_out)
    events, message = stream(
        created(), text(0, '{"title":"Du'), text(0, 'ne","year":1965}'), done(0, item),
        completed([item]), output=resolve_output(Book, "native"),
    )  # fmt: skip
    assert message.output == Book(title="Dune", year=1965)
    assert of(ls.OutputDelta, events)[-1].partial == {"title": "Dune", "year": 1965}


def test_structured_output_as_a_tool_call() -> None:
    call = call_item("call_b", "Book", '{"title":"Dune","year":1965}')
    _, message = stream(
        created(), done(0, call), completed([call]), output=resolve_output(Book, "tool")
    )
    assert message.output == Book(title="Dune", year=1965)


def test_usage_counted_apart_from_reasoning_is_added_back() -> None:
    """A server whose output tokens leave reasoning out is recognised from its totals."""
    usage = {"input_tokens": 5, "output_tokens": 3, "total_tokens": 18,
             "output_tokens_details": {"reasoning_tokens": 10}}  # fmt: skip
    item = message_item("Hi")
    _, message = stream(created(), completed([item], usage=usage))
    assert message.usage is not None
    assert (message.usage.output_tokens, message.usage.total_tokens) == (13, 18)


def test_a_providers_own_cost_and_usage_extras() -> None:
    provider = ls.XAI(api_key="xai-test")
    provider.api = "responses"
    usage = {**USAGE, "cost_in_usd_ticks": 1_000_000}
    item = message_item("Hi")
    _, message = read(provider, [sse(created(), completed([item], usage=usage))], SSE)
    assert message.extras["cost_in_usd_ticks"] == 1_000_000
    assert message.cost is not None
    assert message.cost.source == "provider"


def test_a_built_in_tool_billed_per_call_leaves_the_token_price_incomplete() -> None:
    """OpenAI bills a web search apart from the tokens: a price list's figure is a lower bound
    (`complete=False`); a provider's own figure is taken as the whole charge."""
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed",
              "action": {"type": "search", "query": "weather"}}  # fmt: skip
    shell = {"id": "lsh_1", "type": "local_shell_call", "status": "completed", "call_id": "c"}
    _, searched = stream(created(), completed([search, message_item("Sunny.")]))
    _, plain = stream(created(), completed([message_item("Sunny.")]))
    _, shelled = stream(created(), completed([shell, message_item("Done.")]))
    assert searched.cost is not None
    assert plain.cost is not None
    assert shelled.cost is not None
    assert searched.cost.source == "genai-prices"
    assert searched.cost.total == plain.cost.total  # the tokens, priced alike
    assert (searched.cost.complete, plain.cost.complete, shelled.cost.complete) == (
        False, True, True,
    )  # fmt: skip
    _, whole = read(
        openai_responses(), [json.dumps(response([search, message_item("x")])).encode()], JSON
    )
    assert whole.cost is not None
    assert not whole.cost.complete

    provider = ls.XAI(api_key="xai-test")
    provider.api = "responses"
    usage = {**USAGE, "cost_in_usd_ticks": 1_000_000}
    _, reported = read(provider, [sse(created(), completed([search], usage=usage))], SSE)
    assert reported.cost is not None
    assert reported.cost.complete


# -- whole replies ----------------------------------------------------------------------------


def test_a_whole_reply_reads_as_the_final_state_of_a_stream() -> None:
    items = [reasoning_item("Plan."), message_item("Hi"), call_item("c1", "f", "{}")]
    whole_events, whole = read(openai_responses(), [json.dumps(response(items)).encode()], JSON)
    streamed_events, streamed = stream(
        created(), *(done(i, it) for i, it in enumerate(items)), completed(items)
    )
    assert whole == streamed
    assert [e.model_dump() for e in whole_events] == [e.model_dump() for e in streamed_events]


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (
            response([], status="failed", error={"code": "c", "message": "It failed"}),
            ls.StreamError,
            "It failed",
        ),
        ({"error": {"message": "Nope", "type": "invalid_request_error"}}, ls.StreamError, "Nope"),
        (response([], status="in_progress"), ls.IncompleteStreamError, "in_progress"),
        ({"id": "x", "choices": []}, ls.MalformedChunkError, "not a response"),
        ([1, 2], ls.MalformedChunkError, "JSON object"),
    ],
)
def test_whole_replies_that_are_not_an_answer(reply: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match) as caught:
        read(openai_responses(), [json.dumps(reply).encode()], JSON)
    assert caught.value.partial is not None


# -- wrong shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.output_text.delta", "output_index": 0, "delta": 5},
        {"type": "response.output_text.delta", "output_index": 0},
        {"type": "response.output_item.added", "output_index": 0, "item": "msg"},
        {"type": "response.completed", "response": "done"},
    ],
)
def test_events_of_the_wrong_shape_are_malformed(event: dict[str, Any]) -> None:
    with pytest.raises(ls.MalformedChunkError) as caught:
        stream(created(), text(0, "ok"), event)
    assert caught.value.partial is not None
    assert caught.value.partial.text == "ok"


def test_a_usage_that_is_not_an_object_is_no_usage() -> None:
    final = {
        "type": "response.completed",
        "response": {"output": [message_item("ok!")], "usage": 5},
    }
    events, message = stream(created(), text(0, "ok"), final)
    assert message.usage is None
    assert message.text == "ok!"
    assert isinstance(events[-1], ls.Finish)


def test_a_payload_that_is_not_an_object() -> None:
    with pytest.raises(ls.MalformedChunkError, match="expected an event"):
        read(openai_responses(), [b"data: [1, 2]\n\n"], SSE)


# -- what a hostile server's many items cost ----------------------------------------------------


def _reader_lines(data: bytes) -> int:
    """How many lines of the reader's module run to read `data`: work counted, not timed."""
    import sys

    from llmstream._core.wire.responses import reader

    parser = ResponseParser(openai_responses(), headers={"content-type": SSE})
    count = 0

    def trace(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != reader.__file__:
            return None
        count += 1
        return trace

    sys.settrace(trace)
    try:
        parser.feed(data)
    finally:
        sys.settrace(None)
    assert parser.finished
    return count


def _many_calls(n: int, *, streamed: bool) -> bytes:
    items = [call_item(f"call_{i}", "f", "{}", item_id=f"fc_{i}") for i in range(n)]
    if not streamed:  # only the final response, which lists them all
        return sse(completed(items))
    pairs = [event for i, item in enumerate(items) for event in (added(i, item), done(i, item))]
    return sse(*pairs, completed(items))


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "final-only"])
def test_a_reply_of_many_calls_costs_work_linear_in_them(streamed: bool) -> None:
    """Ending a call ends the calls begun before it that never ended: a look at each call once,
    not at every item so far (which made a 16 MiB event of calls hours of CPU)."""
    small = _reader_lines(_many_calls(400, streamed=streamed))
    large = _reader_lines(_many_calls(1600, streamed=streamed))
    assert large < 4.5 * small, (small, large)  # 4x the calls; quadratic would be 16x


def test_a_giant_final_output_costs_what_its_items_do() -> None:
    """Items that arrive only in the final response are settled and not kept beside the items
    themselves: no more held than the parsed JSON of the event, measured in the same run."""
    import gc
    import tracemalloc

    from llmstream._core.json_payload import from_json

    event = sse(completed([{} for _ in range(100_000)]))
    payload = event.split(b"\ndata: ", 1)[1]
    gc.collect()
    tracemalloc.start()
    try:
        parsed = from_json(payload)
        baseline = tracemalloc.get_traced_memory()[0]
        del parsed
        gc.collect()
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        parser = ResponseParser(openai_responses(), headers={"content-type": SSE})
        parser.feed(event)
        held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert parser.finished
    assert held < 1.5 * baseline, (held, baseline)


def test_final_items_repeated_under_one_id_are_shown_once() -> None:
    item = message_item("once")
    events, message = stream(created(), completed([item, item]))
    assert message.text == "once"
    assert [event.text for event in of(ls.TextDelta, events)] == ["once"]
    assert message.provider_state["output_items"] == [item, item]  # kept as received


def test_calls_begun_by_stray_deltas_end_in_the_order_they_began() -> None:
    """A delta for an item that is not a call begins a call; it ends when a later call ends,
    before it, in index order."""
    first, second = call_item("call_a", "f", "{}", "fc_a"), call_item("call_b", "g", "{}", "fc_b")
    events, message = stream(
        created(),
        added(0, first),
        arguments(0, "{}", "fc_a"),
        done(1, message_item("hi")),
        arguments(1, "{}", "msg_1"),  # a stray delta on a finished message: a call of its own
        added(2, second),
        done(2, second),
        completed([first, message_item("hi"), second]),
    )
    assert [event.index for event in of(ls.ToolCallEnd, events)] == [0, 1, 2]
    assert [call.id for call in message.tool_calls][::2] == ["call_a", "call_b"]
