"""The Responses wire's request body: each input item, each option, and history moved between
the two APIs (what one cannot carry is dropped with a `RequestWarning`, never an error)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

import llmstream as ls
from llmstream._core.body import build_body, encode_body
from llmstream._core.output import resolve_output
from llmstream._core.request import ChatRequest
from llmstream._core.wire import wire_for

from .support.corpus import TEST_KEY, WEATHER
from .support.responses import openai_responses, read


def body(
    messages: list[Any],
    model: str = "gpt-4o-mini",
    provider: ls.Provider | None = None,
    **options: Any,
) -> tuple[dict[str, Any], list[ls.RequestWarning]]:
    request = ChatRequest(model=model, messages=messages, **options)
    return build_body(request, provider or openai_responses(), stream=False)


def warned(warnings: list[ls.RequestWarning], text: str) -> bool:
    return any(text in warning.message for warning in warnings)


REASONING = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "Plan."}],
    "content": [],
    "encrypted_content": "gAAA-opaque",
}
CALL = {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1",
        "name": "weather", "arguments": '{"location":"Rome"}'}  # fmt: skip
TEXT = {
    "id": "msg_1",
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "Checking.", "annotations": [], "logprobs": []}],
}
SEARCH = {"id": "ws_1", "type": "web_search_call", "status": "completed",
          "action": {"type": "search", "query": "rome weather"}}  # fmt: skip


def from_responses(*items: dict[str, Any]) -> ls.AssistantMessage:
    """An assistant message as the Responses reader builds it from these output items."""
    text = "".join(
        part["text"] for item in items if item["type"] == "message" for part in item["content"]
    )
    calls = [
        ls.ToolCall(id=i["call_id"], name=i["name"], arguments=i["arguments"])
        for i in items
        if i["type"] == "function_call"
    ]
    return ls.AssistantMessage(
        text=text, reasoning="Plan.", tool_calls=calls, id="resp_1",
        provider_state={"output_items": list(items)},
    )  # fmt: skip


# -- messages as items -------------------------------------------------------------------------


def test_system_user_and_tool_messages() -> None:
    image = ls.image("https://example.com/cat.png", detail="low")
    sent, warnings = body(
        [ls.system("Be brief."), ls.user("Hi"), ls.user("What is it?", image),
         ls.tool_result("call_1", {"temp": 40})]
    )  # fmt: skip
    assert sent["input"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        {"role": "user", "content": [
            {"type": "input_text", "text": "What is it?"},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
        ]},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp":40}'},
    ]  # fmt: skip
    assert not warnings


def test_a_reasoning_model_takes_system_text_as_developer() -> None:
    sent, _ = body([ls.system("Be brief."), ls.user("Hi")], model="gpt-5")
    assert sent["input"][0] == {"role": "developer", "content": "Be brief."}


def test_an_image_without_detail_asks_for_auto() -> None:
    sent, _ = body([ls.user("Look", ls.image("data:image/png;base64,iVBO"))])
    assert sent["input"][0]["content"][1]["detail"] == "auto"


def test_a_raw_dict_is_an_input_item_as_given() -> None:
    item = {"type": "item_reference", "id": "msg_9"}
    assert body([item])[0]["input"] == [item]


def test_something_that_is_no_message_is_refused() -> None:
    with pytest.raises(ls.ConfigurationError, match=r"messages\[1\]: cannot send a int"):
        body([ls.user("Hi"), 5])


# -- replaying a Responses reply -------------------------------------------------------------------


def test_a_reply_goes_back_as_its_items_without_server_ids_when_nothing_is_stored() -> None:
    reply = from_responses(REASONING, TEXT, CALL, SEARCH)
    sent, warnings = body([ls.user("Weather?"), reply, ls.tool_result("call_1", "40 C")])
    strip = ("id", "status")
    assert sent["store"] is False
    assert sent["input"][1:] == [
        *({k: v for k, v in item.items() if k not in strip} for item in (REASONING, TEXT, CALL)),
        {k: v for k, v in SEARCH.items() if k != "id"},  # a built-in tool's call keeps its status
        {"type": "function_call_output", "call_id": "call_1", "output": "40 C"},
    ]
    assert sent["input"][1]["encrypted_content"] == "gAAA-opaque"  # before the call, as received
    assert not warnings


def test_a_built_in_tools_call_goes_back_with_its_status() -> None:
    """A web search streamed as the API documents it (the call's item, its progress events, then
    the answer citing it) goes back on the next turn without its id (nothing is stored) but with
    its `status`, which the input form of a built-in tool's call requires."""
    searching = {"id": "ws_7", "type": "web_search_call", "status": "in_progress"}
    search = {**searching, "status": "completed",
              "action": {"type": "search", "query": "rome weather"}}  # fmt: skip
    cited = {"type": "url_citation", "start_index": 0, "end_index": 5, "url": "https://x.test",
             "title": "X"}  # fmt: skip
    answer = {**TEXT, "content": [{**TEXT["content"][0], "annotations": [cited]}]}
    events = [
        {"type": "response.created", "response": {"id": "resp_7", "status": "in_progress"}},
        {"type": "response.output_item.added", "output_index": 0, "item": searching},
        {"type": "response.web_search_call.in_progress", "output_index": 0, "item_id": "ws_7"},
        {"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_7"},
        {"type": "response.web_search_call.completed", "output_index": 0, "item_id": "ws_7"},
        {"type": "response.output_item.done", "output_index": 0, "item": search},
        {"type": "response.output_item.added", "output_index": 1,
         "item": {**TEXT, "status": "in_progress", "content": []}},
        {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_1",
         "content_index": 0, "delta": "Checking."},
        {"type": "response.output_text.annotation.added", "output_index": 1, "item_id": "msg_1",
         "content_index": 0, "annotation_index": 0, "annotation": cited},
        {"type": "response.output_item.done", "output_index": 1, "item": answer},
        {"type": "response.completed", "response": {
            "id": "resp_7", "status": "completed", "output": [search, answer]}},
    ]  # fmt: skip
    stream = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    _, reply = read(openai_responses(), [stream], "text/event-stream")

    sent, warnings = body([ls.user("Weather in Rome?"), reply, ls.user("And tomorrow?")])
    assert sent["input"][1:3] == [
        {"type": "web_search_call", "status": "completed",
         "action": {"type": "search", "query": "rome weather"}},
        {"type": "message", "role": "assistant", "content": answer["content"]},
    ]  # fmt: skip
    assert not warnings
    # With store, both go back exactly as received.
    stored, _ = body([ls.user("Weather in Rome?"), reply], store=True)
    assert stored["input"][1:] == [search, answer]


def test_with_store_the_items_go_back_exactly_as_received() -> None:
    reply = from_responses(REASONING, TEXT, CALL)
    sent, warnings = body([ls.user("Weather?"), reply], store=True)
    assert sent["store"] is True
    assert sent["input"][1:] == [REASONING, TEXT, CALL]
    assert "include" not in sent
    assert not warnings


def test_reasoning_without_encrypted_content_cannot_go_back_unstored() -> None:
    bare = {"id": "rs_2", "type": "reasoning", "summary": []}
    sent, warnings = body([ls.user("Hi"), from_responses(bare, CALL)])
    assert [item["type"] for item in sent["input"][1:]] == ["function_call"]
    assert warned(warnings, "dropped reasoning item(s) rs_2")
    # Stored, it goes back by its id.
    sent, warnings = body([ls.user("Hi"), from_responses(bare, CALL)], store=True)
    assert sent["input"][1] == bare
    assert not warnings


def test_a_reply_changed_after_it_came_goes_back_as_it_now_is() -> None:
    changed = from_responses(REASONING, TEXT, CALL).model_copy(update={"text": "Edited."})
    sent, warnings = body([ls.user("Hi"), changed])
    assert sent["input"][1:] == [
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Edited."}],
        },
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": '{"location":"Rome"}',
        },
    ]
    assert warned(warnings, "was changed after it came from the Responses API")


# -- history moved between the APIs ------------------------------------------------------------


def test_a_chat_completions_reply_becomes_items() -> None:
    reply = ls.AssistantMessage(
        text="Let me check.", reasoning="The user wants weather.", refusal="Not that.",
        tool_calls=[ls.ToolCall(id="call_9", name="weather", arguments="{}",
                                provider_state={"extra_content": {"google": {"s": "x"}}})],
        provider_state={"reasoning_details": [{"type": "reasoning.encrypted", "data": "e"}]},
    )  # fmt: skip
    sent, warnings = body([ls.user("Hi"), reply])
    assert sent["input"][1:] == [
        {"type": "message", "role": "assistant", "content": [
            {"type": "output_text", "text": "Let me check."},
            {"type": "refusal", "refusal": "Not that."},
        ]},
        {"type": "function_call", "call_id": "call_9", "name": "weather", "arguments": "{}"},
    ]  # fmt: skip
    assert warned(warnings, "dropped the reasoning text")
    assert warned(warnings, "dropped reasoning_details")
    assert warned(warnings, "provider state of tool call(s) call_9")
    assert all(w.parameter == "messages" for w in warnings)


def test_a_hand_written_assistant_message() -> None:
    sent, warnings = body([ls.user("Hi"), ls.assistant("Hello!"), ls.user("Again")])
    assert sent["input"][1] == {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hello!"}],
    }
    assert not warnings


def test_a_responses_reply_sent_to_chat_completions() -> None:
    reply = from_responses(REASONING, TEXT, CALL, SEARCH)
    xai = ls.XAI(api_key="xai-test")
    request = ChatRequest(model="grok-4", messages=[ls.user("Hi"), reply])
    sent, warnings = build_body(request, xai, stream=False)
    assert sent["messages"][1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "weather", "arguments": '{"location":"Rome"}'}}],
        "reasoning_content": "Plan.",  # the summary, as reasoning text, where the provider takes it
    }  # fmt: skip
    assert warned(warnings, "dropped 1 encrypted reasoning item(s)")
    assert warned(warnings, "web_search_call")


def test_chat_completions_drops_the_responses_options_and_refuses_a_stored_conversation() -> None:
    provider = ls.OpenAI(api_key=TEST_KEY)
    request = ChatRequest(model="gpt-4o-mini", messages=[ls.user("Hi")], reasoning_summary="auto",
                          store=True)  # fmt: skip
    sent, warnings = build_body(request, provider, stream=False)
    assert sent["store"] is True  # OpenAI's stored chat completions
    assert "reasoning_summary" not in sent
    assert [w.parameter for w in warnings] == ["reasoning_summary"]
    stored = ChatRequest(
        model="gpt-4o-mini", messages=[ls.user("Hi")], previous_response_id="resp_1"
    )
    with pytest.raises(ls.ConfigurationError, match="api='responses'"):
        build_body(stored, provider, stream=False)


# -- options ------------------------------------------------------------------------------------


def test_the_options_in_this_apis_fields() -> None:
    sent, warnings = body(
        [ls.user("Hi")], max_tokens=100, temperature=0.5, top_p=0.9, parallel_tool_calls=False,
        stop=["\n"], seed=7, extra_body={"service_tier": "flex"},
    )  # fmt: skip
    assert sent == {
        "model": "gpt-4o-mini",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
        "store": False,
        "max_output_tokens": 100,
        "temperature": 0.5,
        "top_p": 0.9,
        "parallel_tool_calls": False,
        "service_tier": "flex",
    }
    assert [w.parameter for w in warnings] == ["stop", "seed"]
    assert warned(warnings, "no stop sequences")


def test_the_chat_completions_parameters_in_this_apis_fields() -> None:
    """Issue 22's options, each where the Responses API has it (under its own name, in
    `include` or in `text`), or dropped with a warning naming it where it has none."""
    sent, warnings = body(
        [ls.user("Hi")], logprobs=True, top_logprobs=3, verbosity="low", service_tier="flex",
        metadata={"team": "docs"}, user="u-1", safety_identifier="9f86d0",
        prompt_cache_key="docs-v1", store=True, n=1, frequency_penalty=0.5,
        presence_penalty=0.5, logit_bias={50256: -100}, prediction="def f(): ...",
        response_format={"type": "json_object"},
    )  # fmt: skip
    assert sent == {
        "model": "gpt-4o-mini",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
        "store": True,
        "top_logprobs": 3,
        "service_tier": "flex",
        "user": "u-1",
        "safety_identifier": "9f86d0",
        "prompt_cache_key": "docs-v1",
        "metadata": {"team": "docs"},
        "text": {"format": {"type": "json_object"}, "verbosity": "low"},
        "include": ["message.output_text.logprobs"],
    }
    assert [w.parameter for w in warnings] == [
        "frequency_penalty", "presence_penalty", "logit_bias", "prediction",
    ]  # fmt: skip
    assert warned(warnings, "the Responses API has no predicted outputs")


def test_logprobs_beside_the_encrypted_reasoning_and_a_reasoning_models_refusal() -> None:
    sent, warnings = body([ls.user("Hi")], model="gpt-5-chat-latest", logprobs=True)
    assert sent["include"] == ["message.output_text.logprobs"]
    assert warnings == []
    sent, warnings = body([ls.user("Hi")], model="gpt-4o", logprobs=True, reasoning_effort="low")
    assert sent["include"] == ["reasoning.encrypted_content", "message.output_text.logprobs"]
    sent, warnings = body([ls.user("Hi")], model="o4-mini", logprobs=True, top_logprobs=2)
    assert sent["include"] == ["reasoning.encrypted_content"]  # no logprobs: refused
    assert "top_logprobs" not in sent
    assert [w.parameter for w in warnings] == ["logprobs", "top_logprobs"]


def test_one_output_limit() -> None:
    assert body([ls.user("Hi")], max_completion_tokens=50)[0]["max_output_tokens"] == 50
    assert (
        body([ls.user("Hi")], max_tokens=50, max_completion_tokens=50)[0]["max_output_tokens"] == 50
    )
    with pytest.raises(ls.ConfigurationError, match="max_output_tokens"):
        body([ls.user("Hi")], max_tokens=50, max_completion_tokens=60)


def test_reasoning_and_the_encrypted_reasoning_it_brings_back() -> None:
    sent, _ = body(
        [ls.user("Hi")], model="gpt-5", reasoning_effort="high", reasoning_summary="auto"
    )
    assert sent["reasoning"] == {"effort": "high", "summary": "auto"}
    assert sent["include"] == ["reasoning.encrypted_content"]
    # A reasoning model reasons unasked: its items come back, so they are asked for.
    assert body([ls.user("Hi")], model="o4-mini")[0]["include"] == ["reasoning.encrypted_content"]
    # A model that does not reason, asked nothing: nothing to ask for.
    assert "include" not in body([ls.user("Hi")], model="gpt-4o-mini")[0]
    # Stored: the provider keeps the reasoning itself.
    assert "include" not in body([ls.user("Hi")], model="gpt-5", store=True)[0]


def test_a_reasoning_model_refuses_sampling_parameters() -> None:
    sent, warnings = body([ls.user("Hi")], model="gpt-5", temperature=0.2)
    assert "temperature" not in sent
    assert [w.parameter for w in warnings] == ["temperature"]
    assert warned(warnings, "reasoning model")


def test_previous_response_id_sends_only_what_came_after() -> None:
    reply = from_responses(REASONING, CALL)
    history = [ls.system("Be brief."), ls.user("Weather?"), reply, ls.tool_result("call_1", "40 C")]
    sent, warnings = body(history, model="gpt-5", previous_response_id="resp_1")
    assert sent["previous_response_id"] == "resp_1"
    assert sent["input"] == [
        {"type": "function_call_output", "call_id": "call_1", "output": "40 C"}
    ]
    assert sent["store"] is True
    assert "include" not in sent
    assert not warnings
    # Only the new messages given: they are all sent; store can still be turned off.
    sent, _ = body([ls.user("And now?")], previous_response_id="resp_1", store=False)
    assert len(sent["input"]) == 1
    assert sent["store"] is False


def test_tools_and_tool_choice_flat() -> None:
    chat_tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    search = {"type": "web_search"}
    sent, _ = body([ls.user("Hi")], tools=[WEATHER, chat_tool, search])
    assert sent["tools"] == [
        {"type": "function", "name": "weather", "description": WEATHER.description,
         "parameters": WEATHER.parameters, "strict": False},
        {"type": "function", "name": "f", "parameters": {"type": "object"}},
        search,
    ]  # fmt: skip
    assert sent["tool_choice"] == "auto"
    for choice, expected in [
        ("required", "required"),
        ("weather", {"type": "function", "name": "weather"}),
        (WEATHER, {"type": "function", "name": "weather"}),
        ({"type": "function", "function": {"name": "f"}}, {"type": "function", "name": "f"}),
        (
            {"type": "allowed_tools", "mode": "auto", "tools": []},
            {"type": "allowed_tools", "mode": "auto", "tools": []},
        ),
    ]:
        assert (
            body([ls.user("Hi")], tools=[WEATHER], tool_choice=choice)[0]["tool_choice"] == expected
        )


class Book(BaseModel):
    """A book."""

    title: str
    year: int


def test_native_output_is_text_format_json_schema_strict() -> None:
    output = resolve_output(Book, "native")
    sent, _ = body([ls.user("A book")], output=output)
    assert sent["text"] == {
        "format": {"type": "json_schema", "name": "Book", "strict": True, "description": "A book.",
                   "schema": output.schema}
    }  # fmt: skip
    assert output.schema["additionalProperties"] is False
    assert output.schema["required"] == ["title", "year"]


def test_prompted_and_tool_output() -> None:
    prompted = resolve_output(ls.PromptedOutput(Book), "native")
    sent, _ = body([ls.system("Be brief."), ls.user("A book")], model="gpt-5", output=prompted)
    assert sent["text"] == {"format": {"type": "json_object"}}
    assert sent["input"][1]["role"] == "developer"
    assert "JSON schema" in sent["input"][1]["content"]
    tool = resolve_output(Book, "tool")
    sent, _ = body([ls.user("A book")], output=tool)
    assert sent["tools"][0]["name"] == "Book"
    assert sent["tools"][0]["type"] == "function"
    assert sent["tool_choice"] == {"type": "function", "name": "Book"}


def test_a_chat_completions_response_format_is_translated() -> None:
    schema = {"type": "object", "properties": {}}
    json_schema = {"type": "json_schema", "json_schema": {"name": "X", "schema": schema}}
    assert body([ls.user("Hi")], response_format=json_schema)[0]["text"] == {
        "format": {"type": "json_schema", "name": "X", "schema": schema}
    }
    json_object = {"type": "json_object"}
    assert body([ls.user("Hi")], response_format=json_object)[0]["text"] == {"format": json_object}
    with pytest.raises(ls.ConfigurationError, match="not both"):
        body([ls.user("Hi")], response_format=json_object, output=resolve_output(Book, "native"))


def test_a_stream_asks_for_one() -> None:
    request = ChatRequest(model="gpt-4o-mini", messages=[ls.user("Hi")])
    sent, _ = build_body(request, openai_responses(), stream=True)
    assert sent["stream"] is True
    assert "stream_options" not in sent
    data, _ = encode_body(request, openai_responses(), stream=True)
    assert data.startswith(b'{"model":"gpt-4o-mini","input":')


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"reasoning_summary": "short"}, "reasoning_summary must be one of"),
        ({"store": "yes"}, "store must be True or False"),
        ({"previous_response_id": ""}, "previous_response_id must be"),
    ],
)
def test_the_new_options_are_checked(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ls.ConfigurationError, match=match):
        ChatRequest(model="m", messages=[ls.user("Hi")], **options)


def test_the_wire_is_picked_from_the_provider() -> None:
    assert wire_for(ls.OpenAI(api_key=TEST_KEY)).path == "/chat/completions"
    assert wire_for(openai_responses()).path == "/responses"
    provider = ls.OpenAI(api_key=TEST_KEY)
    provider.api = "messages"
    with pytest.raises(ls.ConfigurationError, match=r"api='messages'.*'chat' or 'responses'"):
        wire_for(provider)


@pytest.mark.parametrize("store", [False, True])
@pytest.mark.parametrize(
    "item",
    [
        {"type": "message", "role": "assistant", "content": 5},
        {"type": ["message"], "id": "x_1"},
        {"type": {"a": 1}, "id": "x_1"},
    ],
    ids=["content-not-a-list", "type-a-list", "type-an-object"],
)
def test_output_items_of_the_wrong_shape_go_back_as_given(
    item: dict[str, Any], store: bool
) -> None:
    """Output items a user changed into shapes the API never sends are not read as the API's
    own: they go back as given (the server judges them), never a TypeError from the encoder."""
    tampered = ls.AssistantMessage(text="", provider_state={"output_items": [item]})
    sent, _warnings = body([ls.user("Hi"), tampered], store=store)
    expected = dict(item) if store else {k: v for k, v in item.items() if k != "id"}
    assert sent["input"][1:] == [expected]


@pytest.mark.parametrize("store", [False, True])
def test_output_items_that_are_not_objects_are_dropped_with_a_warning(store: bool) -> None:
    tampered = ls.AssistantMessage(
        text="Checking.", provider_state={"output_items": [TEXT, "not an item", 5]}
    )
    sent, warnings = body([ls.user("Hi"), tampered], store=store)
    assert len(sent["input"]) == 2  # the user's message and the one item
    assert warned(warnings, "dropped 2 output item(s) that are not objects")
