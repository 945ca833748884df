"""The sans-IO parser (llmstream._core.parser): bytes in, typed events and a message out."""

from __future__ import annotations

import json
from typing import Any

import pytest

import llmstream as ls
from llmstream._core.parser import ERROR_BODY_LIMIT, ResponseParser, body_kind, parse_completion


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any) -> bytes:
    body: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "model": "m", **top}
    body.setdefault("choices", [{"index": 0, "delta": delta or {}, "finish_reason": finish}])
    return b"data: " + json.dumps(body).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
USAGE = chunk(choices=[], usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12})


def run(
    *pieces: bytes, provider: ls.Provider | None = None
) -> tuple[list[ls.StreamEvent], ls.AssistantMessage]:
    parser = ResponseParser(provider or ls.OpenAICompatible("http://127.0.0.1:1/v1"))
    events = []
    for piece in pieces:
        events.extend(parser.feed(piece))
    events.extend(parser.end())
    return events, parser.accumulator.build()


def kinds(events: list[ls.StreamEvent]) -> list[str]:
    return [event.type for event in events]


def test_text_stream_assembles_the_message() -> None:
    events, message = run(
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}),
        chunk({}, "stop"),
        USAGE,
        DONE,
    )
    assert kinds(events) == ["text_delta", "text_delta", "usage", "finish"]
    assert message.text == "Hello"
    assert message.finish_reason == "stop"
    assert message.usage == ls.Usage(
        input_tokens=5,
        output_tokens=7,
        total_tokens=12,
        raw=message.usage.raw,  # type: ignore[union-attr]
    )
    assert (message.id, message.model) == ("c1", "m")


def test_fragmented_parallel_tool_calls_are_assembled_by_index() -> None:
    def call(index: int, **fields: Any) -> bytes:
        return chunk({"tool_calls": [{"index": index, **fields}]})

    events, message = run(
        call(0, id="call_a", type="function", function={"name": "add", "arguments": ""}),
        call(0, function={"arguments": '{"a": '}),
        call(1, id="call_b", type="function", function={"name": "mul", "arguments": '{"a"'}),
        call(0, function={"arguments": "2}"}),
        call(1, function={"arguments": ": 3}"}),
        chunk({}, "tool_calls"),
        DONE,
    )
    assert kinds(events) == [
        "tool_call_start",
        "tool_call_delta",
        "tool_call_start",
        "tool_call_delta",
        "tool_call_delta",
        "tool_call_delta",
        "tool_call_end",
        "tool_call_end",
        "finish",
    ]
    assert events[0] == ls.ToolCallStart(index=0, id="call_a", name="add")
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("call_a", "add", '{"a": 2}'),
        ("call_b", "mul", '{"a": 3}'),
    ]
    assert [e.tool_call for e in events if isinstance(e, ls.ToolCallEnd)] == message.tool_calls
    assert message.tool_calls[1].parsed_arguments == {"a": 3}
    assert message.finish_reason == "tool_calls"


def test_whole_tool_calls_in_one_chunk() -> None:
    calls = [
        {
            "id": "x1",
            "type": "function",
            "function": {"name": "add", "arguments": "{}"},
            "index": 0,
        },
        {
            "id": "x2",
            "type": "function",
            "function": {"name": "mul", "arguments": "{}"},
            "index": 1,
        },
    ]
    events, message = run(chunk({"tool_calls": calls}), chunk({}, "tool_calls"))
    assert kinds(events).count("tool_call_start") == 2
    assert [c.id for c in message.tool_calls] == ["x1", "x2"]


def test_a_server_that_numbers_every_call_zero_still_gets_two_calls() -> None:
    first = {"index": 0, "id": "a", "function": {"name": "add", "arguments": '{"a":1}'}}
    second = {"index": 0, "id": "b", "function": {"name": "mul", "arguments": '{"a":2}'}}
    _, message = run(
        chunk({"tool_calls": [first]}), chunk({"tool_calls": [second]}), chunk({}, "stop")
    )
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("a", "add", '{"a":1}'),
        ("b", "mul", '{"a":2}'),
    ]
    assert message.finish_reason == "tool_calls"
    assert message.raw_finish_reason == "stop"


def test_fragments_repeating_their_id_are_one_call() -> None:
    def fragment(arguments: str) -> bytes:
        return chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "a", "function": {"name": "f", "arguments": arguments}}
                ]
            }
        )

    _, message = run(fragment('{"x"'), fragment(": 1}"), chunk({}, "tool_calls"))
    assert [(c.id, c.arguments) for c in message.tool_calls] == [("a", '{"x": 1}')]


def test_a_call_without_an_id_gets_one() -> None:
    events, message = run(
        chunk({"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "{}"}}]}),
        chunk({}, "tool_calls"),
    )
    assert message.tool_calls[0].id.startswith("call_")
    assert events[0].id == message.tool_calls[0].id  # type: ignore[union-attr]


def test_arguments_sent_as_an_object_become_json_text() -> None:
    _, message = run(
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "a", "function": {"name": "f", "arguments": {"x": 1}}}
                ]
            }
        ),
        chunk({}, "tool_calls"),
    )
    assert message.tool_calls[0].arguments == '{"x": 1}'


def test_invalid_json_arguments_are_kept_and_explained_on_parse() -> None:
    _, message = run(
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "a", "function": {"name": "f", "arguments": "{oops"}}
                ]
            }
        ),
        chunk({}, "tool_calls"),
    )
    call = message.tool_calls[0]
    assert call.arguments == "{oops"
    with pytest.raises(ls.ToolArgumentsError, match="not valid JSON") as caught:
        call.parsed_arguments  # noqa: B018
    assert caught.value.tool_call is call


def test_reasoning_ends_when_the_answer_begins() -> None:
    events, message = run(
        chunk({"reasoning_content": "Let me", "content": ""}),
        chunk({"reasoning_content": " think."}),
        chunk({"content": "Answer"}),
        chunk({}, "stop"),
    )
    assert kinds(events) == [
        "reasoning_delta",
        "reasoning_delta",
        "reasoning_end",
        "text_delta",
        "finish",
    ]
    assert events[2] == ls.ReasoningEnd(text="Let me think.")
    assert message.reasoning == "Let me think."


def test_reasoning_ends_before_a_tool_call_and_each_block_is_closed() -> None:
    events, message = run(
        chunk({"reasoning": "first"}),
        chunk(
            {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}
        ),
        chunk({"reasoning": "second"}),
        chunk({}, "tool_calls"),
        provider=ls.Groq(api_key="k"),
    )
    assert kinds(events) == [
        "reasoning_delta",
        "reasoning_end",
        "tool_call_start",
        "tool_call_delta",
        "reasoning_delta",
        "reasoning_end",
        "tool_call_end",
        "finish",
    ]
    assert [e.text for e in events if isinstance(e, ls.ReasoningEnd)] == ["first", "second"]
    assert message.reasoning == "firstsecond"


def test_only_the_providers_reasoning_fields_are_read() -> None:
    # xAI streams reasoning_content; a `reasoning` field there is not reasoning.
    _, message = run(
        chunk({"reasoning": "ignored", "reasoning_content": "kept"}),
        chunk({}, "stop"),
        provider=ls.XAI(api_key="k"),
    )
    assert message.reasoning == "kept"
    # A compatible server may send both with the same text: it is counted once.
    _, both = run(chunk({"reasoning": "once", "reasoning_content": "once"}), chunk({}, "stop"))
    assert both.reasoning == "once"


def test_usage_repeated_on_two_chunks_is_counted_once() -> None:
    usage = {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}
    events, message = run(
        chunk({"content": "Oi"}),
        chunk({}, "stop", usage=usage, x_groq={"id": "req_1", "usage": usage}),
        chunk(choices=[], usage=usage),
        DONE,
        provider=ls.Groq(api_key="k"),
    )
    assert kinds(events).count("usage") == 1
    assert message.usage is not None
    assert message.usage.total_tokens == 23


def test_groq_usage_only_under_x_groq_is_read() -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    _, message = run(
        chunk({"content": "x"}, x_groq={"id": "req_1"}),
        chunk({}, "stop", x_groq={"id": "req_1", "usage": usage}),
        DONE,
        provider=ls.Groq(api_key="k"),
    )
    assert message.usage is not None
    assert message.usage.output_tokens == 2
    assert message.extras["x_groq"] == {"id": "req_1", "usage": usage}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("max_tokens", "length"),
        ("something_new", "other"),
    ],
)
def test_finish_reasons_are_normalised_and_the_raw_one_kept(raw: str, normalised: str) -> None:
    events, message = run(chunk({"content": "x"}), chunk({}, raw))
    assert (message.finish_reason, message.raw_finish_reason) == (normalised, raw)
    assert events[-1] == ls.Finish(reason=normalised, raw_reason=raw)  # type: ignore[arg-type]


def test_a_second_finish_chunk_changes_nothing() -> None:
    events, message = run(
        chunk({"content": "x"}),
        chunk({}, "stop"),
        chunk(
            {"content": ""},
            "stop",
            id="other",
            usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        ),
        DONE,
    )
    assert kinds(events) == ["text_delta", "usage", "finish"]
    assert message.id == "c1"


def test_a_stream_without_done_but_with_a_finish_reason_is_complete() -> None:
    _, message = run(chunk({"content": "x"}), chunk({}, "stop"))
    assert message.finish_reason == "stop"


def test_a_stream_that_ends_before_finishing_is_incomplete() -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    events = parser.feed(chunk({"content": "half an ans"}))
    assert kinds(events) == ["text_delta"]
    with pytest.raises(ls.IncompleteStreamError) as caught:
        parser.end()
    assert caught.value.partial is not None
    assert caught.value.partial.text == "half an ans"
    assert caught.value.partial.finish_reason is None


def test_done_without_a_finish_reason_is_incomplete_too() -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    # The text comes out first; the error is raised by the next call.
    assert kinds(parser.feed(chunk({"content": "x"}) + DONE)) == ["text_delta"]
    with pytest.raises(ls.IncompleteStreamError):
        parser.end()


def test_anything_after_done_is_ignored() -> None:
    events, message = run(chunk({"content": "x"}), chunk({}, "stop"), DONE, b"data: garbage\n\n")
    assert message.text == "x"
    assert kinds(events) == ["text_delta", "finish"]


def test_a_malformed_chunk_is_held_until_the_events_before_it_are_out() -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    events = parser.feed(chunk({"content": "good"}) + b"data: {not json\n\n")
    assert kinds(events) == ["text_delta"]
    with pytest.raises(ls.MalformedChunkError, match="not valid JSON") as caught:
        parser.feed(b"")
    assert caught.value.data == "{not json"
    assert caught.value.partial is not None
    assert caught.value.partial.text == "good"


@pytest.mark.parametrize(
    "payload", [b"data: 42\n\n", b"data: [1, 2]\n\n", b'data: "text"\n\n', b"data: {\xff}\n\n"]
)
def test_a_chunk_that_is_not_a_json_object_is_malformed(payload: bytes) -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    with pytest.raises(ls.MalformedChunkError):
        parser.feed(payload)


def test_an_error_object_in_the_stream() -> None:
    error = {"message": "The server had an error", "type": "server_error", "code": None}
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    parser.feed(chunk({"content": "so far"}))
    with pytest.raises(ls.StreamError) as caught:
        parser.feed(b"data: " + json.dumps({"error": error}).encode() + b"\n\n")
    assert caught.value.message == "The server had an error"
    assert caught.value.type == "server_error"
    assert caught.value.provider == "openai"
    assert caught.value.partial is not None
    assert caught.value.partial.text == "so far"


def test_groq_error_event() -> None:
    error = {
        "error": {
            "message": "Failed to call a function.",
            "type": "invalid_request_error",
            "code": "tool_use_failed",
            "failed_generation": "<function=weather>",
            "status_code": 400,
        }
    }
    parser = ResponseParser(ls.Groq(api_key="k"))
    with pytest.raises(ls.StreamError) as caught:
        parser.feed(b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n")
    assert (caught.value.code, caught.value.status_code) == ("tool_use_failed", 400)
    assert caught.value.body == error


def test_an_error_event_whose_data_comes_in_the_next_read() -> None:
    """`event: error` alone in one read: the data in the next read is the error's, whatever it
    holds, even when that read looks like an ordinary one-event read."""
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    assert parser.feed(b'data: {"choices":[{"index":0,"delta":{"content":"so far"}}]}\n\n')
    assert parser.feed(b"event: error\n") == []
    with pytest.raises(ls.StreamError) as caught:
        parser.feed(b'data: {"detail":"boom"}\n\n')
    assert caught.value.body == {"detail": "boom"}
    assert caught.value.partial is not None
    assert caught.value.partial.text == "so far"


def test_content_given_as_parts() -> None:
    _, message = run(
        chunk(
            {
                "content": [
                    {"type": "text", "text": "a"},
                    {"type": "image"},
                    {"type": "text", "text": "b"},
                ]
            }
        ),
        chunk({}, "stop"),
    )
    assert message.text == "ab"


def test_refusal() -> None:
    events, message = run(
        chunk({"refusal": "I can't"}), chunk({"refusal": " help."}), chunk({}, "stop")
    )
    assert kinds(events) == ["refusal_delta", "refusal_delta", "finish"]
    assert message.refusal == "I can't help."
    assert message.text == ""


def test_legacy_function_call() -> None:
    _, message = run(
        chunk({"function_call": {"name": "f", "arguments": '{"x"'}}),
        chunk({"function_call": {"arguments": ": 1}"}}),
        chunk({}, "function_call"),
    )
    assert [(c.name, c.arguments) for c in message.tool_calls] == [("f", '{"x": 1}')]
    assert message.finish_reason == "tool_calls"


def test_provider_extras_are_kept_and_noise_dropped() -> None:
    _, message = run(
        chunk(
            {"content": "x"}, system_fingerprint="fp_1", obfuscation="abc", service_tier="default"
        ),
        chunk({}, "stop", obfuscation="def", timings={"predicted_n": 3}),
        provider=ls.OpenAI(api_key="k"),
    )
    assert message.extras == {
        "system_fingerprint": "fp_1",
        "service_tier": "default",
        "timings": {"predicted_n": 3},
    }


def test_empty_content_is_not_an_event_and_does_not_end_reasoning() -> None:
    events, _ = run(
        chunk({"content": "", "reasoning_content": "a"}),
        chunk({"content": None, "reasoning_content": "b"}),
        chunk({}, "stop"),
    )
    assert kinds(events) == ["reasoning_delta", "reasoning_delta", "reasoning_end", "finish"]


def test_whole_reply() -> None:
    reply = {
        "id": "r1",
        "object": "chat.completion",
        "model": "grok-3-mini-high",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "",
                    "reasoning_content": "Thinking.",
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        },
                        {
                            "id": "t2",
                            "type": "function",
                            "function": {"name": "g", "arguments": "{}"},
                        },
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 4,
            "total_tokens": 30,
            "completion_tokens_details": {"reasoning_tokens": 16},
            "cost_in_usd_ticks": 99,
        },
    }
    message = parse_completion(json.dumps(reply).encode(), ls.XAI(api_key="k"))
    assert message.reasoning == "Thinking."
    assert [c.id for c in message.tool_calls] == ["t1", "t2"]
    assert message.usage is not None
    assert (message.usage.output_tokens, message.usage.total_tokens) == (20, 30)
    assert message.extras["cost_in_usd_ticks"] == 99


def test_whole_reply_that_is_an_error() -> None:
    body = (
        b'{"code":"The service is currently unavailable",'
        b'"error":"Timed out waiting for first token"}'
    )
    with pytest.raises(ls.StreamError) as caught:
        parse_completion(body, ls.XAI(api_key="k"))
    assert caught.value.message == "Timed out waiting for first token"
    assert caught.value.code == "The service is currently unavailable"


def test_whole_reply_without_choices_is_malformed() -> None:
    with pytest.raises(ls.MalformedChunkError, match="no choices"):
        parse_completion(b'{"id": "x"}', ls.OpenAI(api_key="k"))


def test_a_whole_reply_becomes_the_events_it_would_have_streamed() -> None:
    reply = json.dumps(
        {
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hi"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()
    parser = ResponseParser(ls.OpenAI(api_key="k"), headers={"content-type": "application/json"})
    assert parser.kind == "reply"
    assert parser.feed(reply[:10]) == []  # a whole reply is read at the end of its body
    assert parser.feed(reply[10:]) == []
    events = parser.end()
    assert kinds(events) == ["text_delta", "usage", "finish"]
    assert parser.finished
    assert parser.partial().text == "Hi"


def test_empty_data_lines_are_heartbeats() -> None:
    events, message = run(b"data:\n\n", chunk({"content": "x"}), b"data:  \n\n", chunk({}, "stop"))
    assert kinds(events) == ["text_delta", "finish"]
    assert message.text == "x"


@pytest.mark.parametrize(
    "body",
    [
        b'{"choices": [{"index": 0, "message": "just text", "finish_reason": "stop"}]}',
        b'{"choices": [{"index": 0, "message": {"tool_calls": [1]}, "finish_reason": "stop"}]}',
        b'{"choices": [{"index": 0, "delta": {"tool_calls": [{"function": "f"}]}}]}',
    ],
)
def test_a_reply_of_an_unexpected_shape_is_malformed(body: bytes) -> None:
    with pytest.raises(ls.MalformedChunkError, match=r"unexpected shape|not an object"):
        parse_completion(body, ls.OpenAI(api_key="k"))
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    with pytest.raises(ls.MalformedChunkError):
        parser.feed(b"data: " + body + b"\n\n")


# -- what the response head says the body is -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "content_type", "kind"),
    [
        (200, "text/event-stream; charset=utf-8", "events"),
        (200, "", "events"),
        (200, "application/json", "reply"),
        (200, "application/json; charset=utf-8", "reply"),
        (404, "text/html", "error"),
        (500, "application/json", "error"),
    ],
)
def test_the_head_decides_what_the_body_is(status: int, content_type: str, kind: str) -> None:
    assert body_kind(status, {"content-type": content_type}) == kind


def test_an_error_body_is_raised_at_its_end_with_what_it_said() -> None:
    headers = {"content-type": "application/json", "x-request-id": "req_1", "retry-after": "2"}
    parser = ResponseParser(ls.OpenAI(api_key="k"), status=429, headers=headers)
    body = b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}'
    assert parser.feed(body[:7]) == []
    assert parser.feed(body[7:]) == []
    with pytest.raises(ls.RateLimitError) as caught:
        parser.end()
    error = caught.value
    assert (error.message, error.code, error.retry_after) == ("slow down", "rate_limit_exceeded", 2)
    assert error.request_id == "req_1"
    assert parser.finished


def test_an_error_body_cut_short_still_says_something() -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"), status=502, headers={})
    parser.feed(b"<html><title>Bad gateway</title>")
    error = parser.status_error()
    assert isinstance(error, ls.ServerError)
    assert "Bad gateway" in error.message


def test_an_endless_error_body_is_cut_at_one_mebibyte() -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"), status=500, headers={})
    parser.feed(b"x" * (ERROR_BODY_LIMIT - 1))
    with pytest.raises(ls.ServerError) as caught:
        parser.feed(b"yy")
    assert parser.finished
    assert len(caught.value.body) == ERROR_BODY_LIMIT
    assert parser.feed(b"more") == []  # nothing more is read


def test_a_whole_reply_longer_than_the_limit_is_refused_not_cut() -> None:
    parser = ResponseParser(
        ls.OpenAI(api_key="k"), headers={"content-type": "application/json"}, max_line_bytes=100
    )
    parser.feed(b"{" + b" " * 98)
    with pytest.raises(ls.MalformedChunkError, match="longer than 100 bytes"):
        parser.feed(b" }")
    assert parser.finished


# -- hostile and odd input ---------------------------------------------------------------------


def test_calls_all_numbered_zero_with_fragmented_arguments_stay_apart() -> None:
    """Ollama-style servers number every call 0; the fragments after a new id are its own."""

    def fragment(**fields: Any) -> bytes:
        return chunk({"tool_calls": [{"index": 0, **fields}]})

    events, message = run(
        fragment(id="a", function={"name": "weather", "arguments": '{"city":'}),
        fragment(function={"arguments": '"Rome"}'}),
        fragment(id="b", function={"name": "weather", "arguments": '{"city":'}),
        fragment(function={"arguments": '"Paris"}'}),
        chunk({}, "tool_calls"),
    )
    assert [(c.id, c.arguments) for c in message.tool_calls] == [
        ("a", '{"city":"Rome"}'),
        ("b", '{"city":"Paris"}'),
    ]
    starts = [e for e in events if isinstance(e, ls.ToolCallStart)]
    deltas = [e for e in events if isinstance(e, ls.ToolCallDelta)]
    assert [(s.index, s.id) for s in starts] == [(0, "a"), (1, "b")]
    assert [d.index for d in deltas] == [0, 0, 1, 1]


def test_a_new_id_without_a_name_still_starts_a_new_call() -> None:
    def fragment(**fields: Any) -> bytes:
        return chunk({"tool_calls": [{"index": 0, **fields}]})

    _, message = run(
        fragment(id="a", function={"name": "f", "arguments": "{}"}),
        fragment(id="b", function={"arguments": "{"}),
        fragment(function={"name": "g", "arguments": "}"}),
        chunk({}, "tool_calls"),
    )
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("a", "f", "{}"),
        ("b", "g", "{}"),
    ]


def test_other_choices_never_leak_into_the_message() -> None:
    """With n > 1 chunks interleave answers; the message is choice 0 alone."""

    def choice(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": index, "delta": delta, "finish_reason": finish}

    events, message = run(
        chunk(choices=[choice(0, {"content": "A"})]),
        chunk(choices=[choice(1, {"content": "B", "refusal": "no"})]),
        chunk(choices=[choice(2, {}, "length")]),
        chunk(choices=[choice(1, {"content": "b"}), choice(0, {"content": "a"})]),
        chunk(choices=[choice(0, {}, "stop")]),
        DONE,
    )
    assert message.text == "Aa"
    assert message.refusal is None
    assert (message.finish_reason, message.raw_finish_reason) == ("stop", "stop")
    assert [e.text for e in events if isinstance(e, ls.TextDelta)] == ["A", "a"]


def test_a_whole_reply_with_several_choices_is_choice_zero() -> None:
    body = {
        "choices": [
            {"index": 1, "message": {"content": "other"}, "finish_reason": "length"},
            {"index": 0, "message": {"content": "mine"}, "finish_reason": "stop"},
        ]
    }
    message = parse_completion(json.dumps(body).encode(), ls.OpenAI(api_key="k"))
    assert (message.text, message.finish_reason) == ("mine", "stop")


@pytest.mark.parametrize(
    ("field", "value", "read_as"),
    [("id", 12345678901234567890, "12345678901234567890"), ("model", 4, "4"), ("id", "", None)],
)
def test_a_numeric_identifier_is_read_as_its_digits(field: str, value: Any, read_as: Any) -> None:
    _, message = run(chunk({"content": "x"}, "stop", **{field: value}))
    assert getattr(message, field) == read_as


@pytest.mark.parametrize(
    "piece",
    [
        chunk({"tool_calls": [{"index": 0, "id": ["a"], "function": {"name": "f"}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": True}}]}),
        b"data: " + b"[" * 3000 + b"]" * 3000 + b"\n\n",
        b'data: {"choices": [{"index": 0, "delta": {"content": ' + b"[" * 3000 + b"\n\n",
    ],
    ids=["call-id-list", "call-name-bool", "deep", "deep-cut"],
)
def test_malformed_fields_are_typed_errors_with_partial(piece: bytes) -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    first = parser.feed(chunk({"content": "before "}, id="c1", model="m"))
    with pytest.raises(ls.MalformedChunkError) as caught:
        parser.feed(piece)
        parser.end()
    assert [e.text for e in first if isinstance(e, ls.TextDelta)] == ["before "]
    assert caught.value.partial is not None
    assert caught.value.partial.text == "before "


@pytest.mark.parametrize(("field", "value"), [("id", {"not": "text"}), ("model", ["m"])])
def test_an_identifier_that_is_not_text_is_malformed(field: str, value: Any) -> None:
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    with pytest.raises(ls.MalformedChunkError, match=f"`{field}` is not a string") as caught:
        parser.feed(chunk({"content": "x"}, **{field: value}))
    assert caught.value.partial is not None


@pytest.mark.parametrize("kind", ["reply", "error"])
def test_deep_nesting_in_a_whole_body_is_handled(kind: str) -> None:
    status = 200 if kind == "reply" else 500
    parser = ResponseParser(
        ls.OpenAI(api_key="k"), status=status, headers={"content-type": "application/json"}
    )
    parser.feed(b'{"error": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    expected = ls.MalformedChunkError if kind == "reply" else ls.ServerError
    with pytest.raises(expected) as caught:
        parser.end()
    assert caught.value.partial is not None or kind == "error"


def test_the_last_event_reaches_the_caller_before_the_stream_is_called_incomplete() -> None:
    """A stream that ends on a `data:` line with no blank line and no finish_reason."""
    parser = ResponseParser(ls.OpenAI(api_key="k"))
    events = parser.feed(chunk({"content": "Hel"}) + chunk({"content": "lo"}).rstrip(b"\n"))
    assert [e.text for e in events if isinstance(e, ls.TextDelta)] == ["Hel"]
    last = parser.end()  # the unterminated event is dispatched...
    assert [e.text for e in last if isinstance(e, ls.TextDelta)] == ["lo"]
    with pytest.raises(ls.IncompleteStreamError) as caught:  # ...and then the stream is cut
        parser.end()
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hello"


def test_a_whole_reply_without_a_finish_reason_shows_its_events_first() -> None:
    body = {"choices": [{"index": 0, "message": {"content": "Hi"}}]}
    parser = ResponseParser(ls.OpenAI(api_key="k"), headers={"content-type": "application/json"})
    parser.feed(json.dumps(body).encode())
    assert [e.type for e in parser.end()] == ["text_delta"]
    with pytest.raises(ls.IncompleteStreamError):
        parser.end()
