"""Reprs that help: short, named, never the base64 of an image, never a secret; the models
behind them unchanged (frozen, `match`-able, whole values on the attributes)."""

from __future__ import annotations

import base64

import pydantic
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY

LONG = "Once upon a time " + "there was a very long reply. " * 150  # about 4,400 characters
PNG = b"\x89PNG\r\n\x1a\n" + bytes(12_337)


def test_long_text_and_reasoning_are_shortened_and_kept_whole() -> None:
    message = ls.AssistantMessage(text=LONG, reasoning=LONG, finish_reason="stop")
    shown = repr(message)
    assert len(shown) < 400
    assert shown.startswith("AssistantMessage(text='Once upon a time there was")
    assert f"({len(LONG):,} chars)" in shown
    assert "finish_reason='stop'" in shown
    assert message.text == LONG  # the attribute keeps every character
    assert message.reasoning == LONG


@pytest.mark.parametrize(
    "model",
    [
        ls.TextDelta(text=LONG),
        ls.ReasoningDelta(text=LONG),
        ls.ReasoningEnd(text=LONG),
        ls.RefusalDelta(text=LONG),
        ls.ToolCallDelta(index=0, arguments=LONG),
        ls.ToolCall(id="call_1", name="write", arguments=LONG),
        ls.system(LONG),
        ls.user(LONG),
        ls.tool_result("call_1", LONG),
        ls.TextPart(text=LONG),
        ls.ToolResult(call=ls.ToolCall(id="c", name="n"), output=LONG),
    ],
    ids=lambda model: type(model).__name__,
)
def test_every_message_and_event_is_short_and_named(model: pydantic.BaseModel) -> None:
    for shown in (repr(model), str(model), f"{model}"):
        assert shown.startswith(f"{type(model).__name__}("), shown
        assert len(shown) < 200
        assert "chars)" in shown


def test_short_values_are_shown_as_they_are_and_defaults_left_out() -> None:
    assert repr(ls.TextDelta(text="Olá")) == "TextDelta(text='Olá')"
    assert str(ls.Finish(reason="length")) == "Finish(reason='length')"
    assert repr(ls.assistant("Hi")) == "AssistantMessage(text='Hi')"
    usage = ls.Usage(input_tokens=20, output_tokens=3, total_tokens=23)
    assert repr(usage) == "Usage(input_tokens=20, output_tokens=3, total_tokens=23)"
    assert repr(ls.ToolResult(call=ls.ToolCall(id="c", name="n"), output="ok")) == (
        "ToolResult(call=ToolCall(id='c', name='n'), output='ok')"
    )


def test_an_inline_image_shows_its_type_and_size_never_its_bytes() -> None:
    part = ls.image(PNG, detail="low")
    shown = repr(ls.user("What is this?", part))
    assert "ImagePart(inline image/png, 12,345 bytes, detail='low')" in shown
    assert base64.b64encode(PNG)[:40].decode() not in shown
    assert part.url.startswith("data:image/png;base64,")  # the attribute is whole


def test_a_linked_image_shows_its_url_without_the_query() -> None:
    url = f"https://bucket.example.com/cat.png?X-Amz-Signature={TEST_KEY}&X-Amz-Expires=60"
    shown = repr(ls.image(url))
    assert shown == "ImagePart(url='https://bucket.example.com/cat.png?…')"
    assert TEST_KEY not in shown


def test_no_secret_in_the_repr_of_anything_that_holds_a_provider() -> None:
    provider = ls.OpenAICompatible("https://example.com/v1", TEST_KEY)
    client = ls.AsyncClient(provider)
    agent = ls.Agent(client, model="m")
    for value in (provider, client, agent, client.stream(model="m", messages=[ls.user("hi")])):
        assert TEST_KEY not in repr(value)
        assert TEST_KEY not in str(value)


def test_the_models_are_unchanged_frozen_and_matchable() -> None:
    event = ls.TextDelta(text=LONG)
    with pytest.raises(pydantic.ValidationError):
        event.text = "changed"  # type: ignore[misc]
    match event:
        case ls.TextDelta(text):
            assert text == LONG
        case _:
            raise AssertionError(event)
    message = ls.AssistantMessage(text=LONG)
    assert ls.AssistantMessage.model_validate_json(message.model_dump_json()) == message
