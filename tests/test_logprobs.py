"""Token log probabilities read from every kind of reply (`logprobs=True`).

Chat chunks carry them beside the delta (`choices[0].logprobs.content`, `.refusal`), a whole
chat reply beside its message, the Responses API on each `response.output_text.delta` and in
the final message item's text parts. Every chunk's tokens go into the message in order (not
only the last chunk's), and each chunk's come as a `LogprobsDelta` after its text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmstream as ls
from llmstream._core.parser import ResponseParser
from llmstream._core.wire.chat import reader as chat_reader
from llmstream._core.wire.chat.chunk_frame import find_frame

from .support.corpus import TEST_KEY
from .support.logprobs import BANG, CHAT_STREAM, HELLO, chunk, token

SSE = {"content-type": "text/event-stream"}
JSON = {"content-type": "application/json"}


def read(body: bytes, headers: dict[str, str] = SSE, **provider: Any) -> tuple[list[Any], Any]:
    parser = ResponseParser(ls.OpenAI(api_key=TEST_KEY, **provider), headers=headers)
    events = [*parser.feed(body), *parser.end()]
    return events, parser.accumulator.build()


def tokens(message_logprobs: list[ls.TokenLogprob] | None) -> list[tuple[str, float]]:
    assert message_logprobs is not None
    return [(t.token, t.logprob) for t in message_logprobs]


def test_every_chunks_tokens_are_kept_in_order() -> None:
    events, message = read(CHAT_STREAM)
    assert message.text == "Hello!"
    assert tokens(message.logprobs) == [("Hel", -0.5), ("lo", -0.1), ("!", -0.25)]
    first = message.logprobs[0]
    assert [(t.token, t.logprob) for t in first.top_logprobs] == [("Hel", -0.5), ("Hi", -1.5)]
    assert first.bytes == list(b"Hel")
    assert message.refusal_logprobs is None
    # Each chunk's tokens come as one event, right after the text they belong to.
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["TextDelta", "LogprobsDelta", "TextDelta", "LogprobsDelta", "Finish"]
    deltas = [e for e in events if isinstance(e, ls.LogprobsDelta)]
    assert [tokens(d.logprobs) for d in deltas] == [[("Hel", -0.5), ("lo", -0.1)], [("!", -0.25)]]
    assert not any(d.refusal for d in deltas)


def test_a_whole_reply_reads_the_same() -> None:
    reply = {
        "id": "chatcmpl-1", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"},
                     "logprobs": {"content": HELLO + BANG, "refusal": None},
                     "finish_reason": "stop"}],
    }  # fmt: skip
    events, message = read(json.dumps(reply).encode(), JSON)
    _, streamed = read(CHAT_STREAM)
    assert message.logprobs == streamed.logprobs
    assert [type(e).__name__ for e in events] == ["TextDelta", "LogprobsDelta", "Finish"]


def test_a_refusals_tokens_are_kept_apart() -> None:
    no = [token("I", -0.01), token(" can't", -0.2)]
    body = b"".join(
        [
            chunk({"refusal": "I can't"}, {"content": None, "refusal": no}),
            chunk({}, None, "stop"),
            b"data: [DONE]\n\n",
        ]
    )
    events, message = read(body)
    assert message.refusal == "I can't"
    assert tokens(message.refusal_logprobs) == [("I", -0.01), (" can't", -0.2)]
    assert message.logprobs is None
    delta = next(e for e in events if isinstance(e, ls.LogprobsDelta))
    assert delta.refusal
    assert [type(e).__name__ for e in events][:2] == ["RefusalDelta", "LogprobsDelta"]


def test_no_logprobs_asked_none_kept() -> None:
    body = chunk({"content": "Hi"}) + chunk({}, None, "stop") + b"data: [DONE]\n\n"
    events, message = read(body)
    assert message.logprobs is None
    assert message.refusal_logprobs is None
    assert not any(isinstance(e, ls.LogprobsDelta) for e in events)


def test_the_same_token_twice_is_two_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two chunks alike byte for byte (the same token, the same log probabilities): the chunk
    frame, which reads a chunk repeating the last one's bytes by its delta alone, must not take
    the second for a repeat of the first and lose its tokens."""
    ha = chunk({"content": "ha"}, {"content": [token("ha", -0.3)], "refusal": None})
    body = chunk({"content": "Ha"}, {"content": [token("Ha", -1.0)]}) + ha * 6
    body += chunk({}, None, "stop") + b"data: [DONE]\n\n"
    assert find_frame(ha[6:-2], json.loads(ha[6:-2]), frozenset()) is None
    parser = ResponseParser(ls.OpenAI(api_key=TEST_KEY), headers=SSE)
    events = []
    for event in body.split(b"\n\n"):  # one read per event, as providers flush them
        events.extend(parser.feed(event + b"\n\n"))
    events.extend(parser.end())
    message = parser.accumulator.build()
    assert message.text == "Ha" + "ha" * 6
    assert tokens(message.logprobs) == [("Ha", -1.0)] + [("ha", -0.3)] * 6
    assert sum(isinstance(e, ls.LogprobsDelta) for e in events) == 7
    with monkeypatch.context() as patch:  # and the same without any frame at all
        patch.setattr(chat_reader, "_FRAME_TRIES", 0)
        assert read(body) == (events, message)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_split_gives_the_same_events_and_message(data: st.DataObject) -> None:
    body = CHAT_STREAM
    cuts = sorted(data.draw(st.lists(st.integers(1, len(body) - 1), max_size=12, unique=True)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    parser = ResponseParser(ls.OpenAI(api_key=TEST_KEY), headers=SSE)
    events = [event for piece in pieces for event in parser.feed(piece)]
    events.extend(parser.end())
    assert (events, parser.accumulator.build()) == read(body)


def test_a_malformed_logprobs_object_is_a_typed_error_with_partial() -> None:
    body = chunk({"content": "Hi"}, {"content": [{"token": "Hi"}]})  # no logprob
    with pytest.raises(ls.MalformedChunkError, match=r"logprobs\.content") as caught:
        read(body)
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hi"
    with pytest.raises(ls.MalformedChunkError, match="`logprobs` is not an object"):
        read(chunk({"content": "Hi"}, [1, 2]))


# -- the Responses API ---------------------------------------------------------------------------


def responses_event(kind: str, **fields: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n".encode()


def message_item(text: str, logprobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [],
                         "logprobs": logprobs}]}  # fmt: skip


def responses(*events: bytes, final_text: str, final_logprobs: list[dict[str, Any]]) -> bytes:
    item = message_item(final_text, final_logprobs)
    response = {"id": "resp_1", "object": "response", "model": "gpt-4o", "status": "completed",
                "output": [item], "usage": {"input_tokens": 3, "output_tokens": 3}}  # fmt: skip
    started = {k: v for k, v in response.items() if k != "output"}
    return b"".join(
        [
            responses_event("response.created", response={**started, "status": "in_progress"}),
            responses_event(
                "response.output_item.added", output_index=0, item={**item, "content": []}
            ),
            *events,
            responses_event("response.output_item.done", output_index=0, item=item),
            responses_event("response.completed", response=response),
        ]
    )


def read_responses(body: bytes, headers: dict[str, str] = SSE) -> tuple[list[Any], Any]:
    provider = ls.OpenAI(api_key=TEST_KEY)
    provider.api = "responses"
    parser = ResponseParser(provider, headers=headers)
    events = [*parser.feed(body), *parser.end()]
    return events, parser.accumulator.build()


def text_delta(text: str, logprobs: list[dict[str, Any]]) -> bytes:
    return responses_event("response.output_text.delta", output_index=0, content_index=0,
                           item_id="msg_1", delta=text, logprobs=logprobs)  # fmt: skip


def test_responses_deltas_carry_their_tokens() -> None:
    body = responses(text_delta("Hello", HELLO), text_delta("!", BANG), final_text="Hello!",
                     final_logprobs=HELLO + BANG)  # fmt: skip
    events, message = read_responses(body)
    assert tokens(message.logprobs) == [("Hel", -0.5), ("lo", -0.1), ("!", -0.25)]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["TextDelta", "LogprobsDelta", "TextDelta", "LogprobsDelta", "Usage", "Finish"]
    _, chat = read(CHAT_STREAM)
    assert message.logprobs == chat.logprobs  # the same value, whichever the wire


def test_responses_tokens_no_delta_carried_come_from_the_final_item() -> None:
    body = responses(text_delta("Hello", HELLO), text_delta("!", []), final_text="Hello!",
                     final_logprobs=HELLO + BANG)  # fmt: skip
    events, message = read_responses(body)
    assert tokens(message.logprobs) == [("Hel", -0.5), ("lo", -0.1), ("!", -0.25)]
    assert sum(isinstance(e, ls.LogprobsDelta) for e in events) == 2


def test_a_whole_responses_reply_reads_the_same() -> None:
    whole = {"id": "resp_1", "object": "response", "model": "gpt-4o", "status": "completed",
             "output": [message_item("Hello!", HELLO + BANG)],
             "usage": {"input_tokens": 3, "output_tokens": 3}}  # fmt: skip
    events, message = read_responses(json.dumps(whole).encode(), JSON)
    _, streamed = read_responses(
        responses(
            text_delta("Hello", HELLO),
            text_delta("!", BANG),
            final_text="Hello!",
            final_logprobs=HELLO + BANG,
        )
    )
    assert message.logprobs == streamed.logprobs
    assert [type(e).__name__ for e in events] == ["TextDelta", "LogprobsDelta", "Usage", "Finish"]


def test_responses_malformed_logprobs_are_a_typed_error() -> None:
    body = responses(text_delta("Hi", [{"token": "Hi", "logprob": "high"}]), final_text="Hi",
                     final_logprobs=[])  # fmt: skip
    with pytest.raises(ls.MalformedChunkError, match="logprobs"):
        read_responses(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_responses_any_split_gives_the_same_events_and_message(data: st.DataObject) -> None:
    body = responses(
        text_delta("Hello", HELLO),
        text_delta("!", BANG),
        final_text="Hello!",
        final_logprobs=HELLO + BANG,
    )
    cuts = sorted(data.draw(st.lists(st.integers(1, len(body) - 1), max_size=12, unique=True)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    provider = ls.OpenAI(api_key=TEST_KEY)
    provider.api = "responses"
    parser = ResponseParser(provider, headers=SSE)
    events = [event for piece in pieces for event in parser.feed(piece)]
    events.extend(parser.end())
    assert (events, parser.accumulator.build()) == read_responses(body)
