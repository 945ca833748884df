"""Structured output: a pydantic model in, a validated object out, partials on the way.

The recorded object-generation conversations replay with the models declared in pydantic: the
request bodies llmstream writes are the ones OpenAI (native, strict `json_schema`), xAI and Z.ai
(a forced tool named after the model) accepted, and the object comes back validated.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import llmstream as ls
from llmstream._core.output import resolve_output
from llmstream._core.parser import ResponseParser
from llmstream.testing import FakeLLM, ReplayTransport
from llmstream.testing import Reply as FakeReply

from .support.corpus import PROVIDERS, TEST_KEY, Recording, corpus
from .support.json_consistency import is_consistent
from .support.scripted import Reply, ScriptedModel, call


class Author(BaseModel):
    name: str = Field(description="Author's name")
    nationality: str = Field(description="Author's nationality")


class Book(BaseModel):
    """A book with title, author, genres, and publication year"""

    title: str = Field(description="The book title")
    author: Author
    genres: list[str] = Field(description="List of genres")
    published_year: int = Field(description="Year the book was published")


class Person(BaseModel):
    """A person with name, age, and city"""

    name: str = Field(description="The person's name")
    age: int = Field(description="The person's age")
    city: str = Field(description="The city where the person lives")


OBJECT_RECORDINGS = [r for r in corpus() if r.kind in ("simple_object", "complex_object")]


def _recorded_object(recording: Recording) -> Any:
    """The object in the recorded response, read without llmstream."""
    response = recording.cassette().interactions[0].response
    if response.is_stream:
        text, arguments = "", ""
        for line in response.body.splitlines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:]).get("choices") or []:
                    delta = choice.get("delta") or {}
                    text += delta.get("content") or ""
                    for fragment in delta.get("tool_calls") or []:
                        arguments += (fragment.get("function") or {}).get("arguments") or ""
    else:
        message = json.loads(response.body)["choices"][0]["message"]
        text = message.get("content") or ""
        arguments = "".join(c["function"]["arguments"] for c in message.get("tool_calls") or [])
    return json.loads(arguments or text)


def _call(recording: Recording) -> dict[str, Any]:
    recorded = recording.cassette().interactions[0].request.json
    limit = recorded.get("max_tokens", recorded.get("max_completion_tokens"))
    return {
        "model": recording.model,
        "messages": [ls.user(recorded["messages"][0]["content"])],
        "max_tokens": limit,
        "output": Book if recording.kind == "complex_object" else Person,
    }


def test_every_object_recording_is_here() -> None:
    assert len(OBJECT_RECORDINGS) == 28
    assert {r.provider for r in OBJECT_RECORDINGS} >= {"openai", "xai"}


@pytest.mark.parametrize("recording", OBJECT_RECORDINGS, ids=lambda r: r.id)
def test_a_bare_model_replays_every_recording(recording: Recording) -> None:
    """`output=Book`: each provider's own mode, a body it accepted, the object validated."""
    provider = PROVIDERS[recording.provider].make()
    transport = ReplayTransport(recording.cassette())  # refuses any other request body
    expected = _recorded_object(recording)
    with ls.Client(provider, transport=transport) as client:
        if recording.streamed:
            with client.stream(**_call(recording)) as stream:
                events = list(stream)
            message = stream.message
            partials = [e.partial for e in events if isinstance(e, ls.OutputDelta)]
            assert partials, "a streamed object shows partials"
            assert all(is_consistent(partial, expected) for partial in partials)
            assert partials[-1] == expected
        else:
            message = client.generate(**_call(recording))
    model = Book if recording.kind == "complex_object" else Person
    assert isinstance(message.output, model)
    assert message.output.model_dump() == expected
    assert transport.matcher.unused == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "recording", [r for r in OBJECT_RECORDINGS if r.streamed], ids=lambda r: r.id
)
async def test_the_async_client_streams_the_same_partials(recording: Recording) -> None:
    provider = PROVIDERS[recording.provider].make()
    async with ls.AsyncClient(provider, transport=ReplayTransport(recording.cassette())) as client:
        async with client.stream(**_call(recording)) as stream:
            partials = [e.partial async for e in stream if isinstance(e, ls.OutputDelta)]
    assert partials[-1] == stream.message.output.model_dump()


# -- the request: schemas as providers accept them ---------------------------------------------


def _body(provider: ls.Provider, **options: Any) -> dict[str, Any]:
    """The request body a call sends (whatever the scripted reply makes of it)."""
    model = ScriptedModel(Reply(text="{}"))
    with ls.Client(provider, transport=model.transport) as client:
        with contextlib.suppress(ls.OutputValidationError):
            client.generate(model="m", messages=[ls.system("Be brief"), ls.user("hi")], **options)
    return model.requests[0]


COMPATIBLE = ls.OpenAICompatible("http://127.0.0.1:1/v1")


def test_native_output_is_a_strict_json_schema() -> None:
    body = _body(COMPATIBLE, output=ls.NativeOutput(Book))
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert (schema["name"], schema["strict"]) == ("Book", True)
    assert schema["description"] == "A book with title, author, genres, and publication year"
    inner = schema["schema"]
    assert inner["additionalProperties"] is False
    assert inner["required"] == ["title", "author", "genres", "published_year"]
    assert inner["properties"]["author"]["additionalProperties"] is False
    assert "$defs" not in inner
    assert '"title": "' not in json.dumps(inner)  # no pydantic titles (a property may be one)


def test_tool_output_forces_a_tool_named_after_the_model() -> None:
    body = _body(COMPATIBLE, output=ls.ToolOutput(Person))
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    (tool,) = body["tools"]
    assert tool["function"]["name"] == "Person"
    assert tool["function"]["strict"] is False
    assert "additionalProperties" not in tool["function"]["parameters"]


def test_prompted_output_puts_the_schema_after_the_system_prompt() -> None:
    body = _body(COMPATIBLE, output=ls.PromptedOutput(Person))
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "system", "user"]
    assert body["messages"][0]["content"] == "Be brief"
    assert '"city"' in body["messages"][1]["content"]
    assert body["response_format"] == {"type": "json_object"}
    assert "response_format" not in _body(
        COMPATIBLE, output=ls.PromptedOutput(Person, json_mode=False)
    )


@pytest.mark.parametrize(
    ("provider", "mode"),
    [
        (ls.OpenAI(api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1"), "native"),
        (ls.Cerebras(api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1"), "native"),
        (ls.Groq(api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1"), "tool"),
        (ls.XAI(api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1"), "tool"),
        # json_schema response_format is what llama.cpp, vLLM, Ollama and LM Studio all serve;
        # forcing a tool needs a chat template with tools, which many local models lack.
        (COMPATIBLE, "native"),
        (ls.OpenAICompatible("http://127.0.0.1:1/v1", output_mode="tool"), "tool"),
    ],
    ids=["openai", "cerebras", "groq", "xai", "compatible", "compatible-tool"],
)
def test_a_bare_model_takes_the_providers_mode(provider: ls.Provider, mode: str) -> None:
    body = _body(provider, output=Person)
    assert ("response_format" in body) == (mode == "native")
    assert ("tools" in body) == (mode == "tool")


class Optional_(BaseModel):
    nickname: str | None = None
    tags: list[str] = []


class Recursive(BaseModel):
    value: int
    children: list[Recursive] = []


class Loose(BaseModel):
    metadata: dict[str, str]


class Unique(BaseModel):
    items: set[int]


def test_strict_mode_makes_optional_fields_required_and_nullable() -> None:
    schema = resolve_output(ls.NativeOutput(Optional_), "native").schema
    assert schema["required"] == ["nickname", "tags"]
    assert {"type": "null"} in schema["properties"]["nickname"]["anyOf"]
    assert "default" not in schema["properties"]["nickname"]


def test_strict_mode_keeps_recursion_in_defs() -> None:
    schema = resolve_output(ls.NativeOutput(Recursive), "native").schema
    assert schema["$defs"]["Recursive"]["additionalProperties"] is False
    assert schema["$defs"]["Recursive"]["required"] == ["value", "children"]


@pytest.mark.parametrize(
    ("model", "said"),
    [(Loose, "Loose.metadata: a mapping with free keys"), (Unique, "Unique.items: strict mode")],
)
def test_what_strict_mode_refuses_is_reported_before_sending(model: type, said: str) -> None:
    with pytest.raises(ls.ConfigurationError, match=said.replace(".", r"\.")):
        _body(COMPATIBLE, output=ls.NativeOutput(model))
    body = _body(COMPATIBLE, output=ls.NativeOutput(model, strict=False))  # the way out
    assert body["response_format"]["json_schema"]["strict"] is False


def test_a_strict_tool_gets_a_strict_schema() -> None:
    @ls.tool(strict=True)
    def weather(city: str, unit: str | None = None) -> str:
        """Weather."""
        return "40 C"

    assert weather.parameters["additionalProperties"] is False
    assert weather.parameters["required"] == ["city", "unit"]


def test_output_and_response_format_together_are_refused() -> None:
    with pytest.raises(ls.ConfigurationError, match="either output= or response_format="):
        _body(COMPATIBLE, output=ls.NativeOutput(Person), response_format={"type": "json_object"})


def test_output_must_be_a_model() -> None:
    with pytest.raises(ls.ConfigurationError, match="output must be a pydantic model class"):
        _body(COMPATIBLE, output=dict)


# -- the response: validation and its failures -----------------------------------------------------


def _generate(reply: Reply, output: Any = Person) -> ls.AssistantMessage:
    model = ScriptedModel(reply)
    with ls.Client(COMPATIBLE, transport=model.transport) as client:
        return client.generate(model="m", messages=[ls.user("hi")], output=output)


def test_prompted_text_in_fences_is_read() -> None:
    reply = Reply(text='Here you go:\n```json\n{"name": "Alice", "age": 30, "city": "Paris"}\n```')
    message = _generate(reply, ls.PromptedOutput(Person))
    assert message.output == Person(name="Alice", age=30, city="Paris")


def test_an_object_that_does_not_validate_is_a_typed_error() -> None:
    text = '{"name": "Alice", "age": "thirty", "city": "Paris"}'
    with pytest.raises(ls.OutputValidationError) as caught:
        _generate(Reply(text=text), ls.NativeOutput(Person))
    error = caught.value
    assert error.text == text
    assert [e["loc"] for e in error.errors] == [("age",)]
    assert "age: Input should be a valid integer" in str(error)
    assert error.partial is not None
    assert error.partial.text == text


def test_tool_mode_without_the_output_tool_is_a_typed_error() -> None:
    with pytest.raises(ls.OutputValidationError, match="did not call the output tool 'Person'"):
        _generate(Reply(text="Alice is 30."), ls.ToolOutput(Person))


@pytest.mark.parametrize(
    ("output", "text", "hint"),
    [
        # A server that cannot force a tool (a chat template without tools) answers in prose.
        (
            ls.ToolOutput(Person),
            "Alice is 30.",
            "the server may not force a tool call: output=ls.NativeOutput(Person) asks through "
            'response_format with the JSON schema instead (output_mode="native" on the provider '
            "for every call)",
        ),
        # A server that ignores response_format answers in prose, or with JSON of its own.
        (
            ls.NativeOutput(Person),
            "Alice is 30.",
            "the server may not hold replies to a JSON schema: output=ls.ToolOutput(Person) asks "
            "for a forced tool call instead, output=ls.PromptedOutput(Person) puts the schema in "
            'the prompt (output_mode="tool" or "prompted" on the provider for every call)',
        ),
        (ls.NativeOutput(Person), '{"name": "Alice"}', "output=ls.ToolOutput(Person) asks"),
        # A small model asked in the prompt often writes the schema back, not an object.
        (
            ls.PromptedOutput(Person),
            '{"properties": {"name": {"type": "string"}}}',
            "a server that constrains replies to a JSON schema holds the reply to it with "
            'output=ls.NativeOutput(Person) (output_mode="native" on the provider for every call)',
        ),
    ],
    ids=["tool-answered-in-prose", "native-ignored", "native-missing", "prompted-echoed"],
)
def test_a_mode_that_failed_names_the_mode_that_would_work(
    output: Any, text: str, hint: str
) -> None:
    with pytest.raises(ls.OutputValidationError) as caught:
        _generate(Reply(text=text), output)
    assert hint in str(caught.value)
    assert caught.value.hint is not None
    assert caught.value.hint in str(caught.value)
    assert "ls." not in caught.value.message  # what an agent tells the model stays about it


def test_a_value_the_model_got_wrong_names_no_other_mode() -> None:
    """The schema was followed, the value is wrong: no other mode would do better."""
    with pytest.raises(ls.OutputValidationError) as caught:
        _generate(Reply(text='{"name": "Alice", "age": "thirty", "city": "P"}'), Person)
    assert caught.value.hint is None
    assert "ls." not in str(caught.value)


def _parse(*deltas: dict[str, Any], finish: str = "stop", output: Any = None) -> ResponseParser:
    parser = ResponseParser(COMPATIBLE, output=resolve_output(output or Person, "native"))
    chunks = [{"choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    for chunk in chunks:
        parser.feed(f"data: {json.dumps(chunk)}\n\n".encode())
    return parser


def test_a_refusal_is_a_typed_error_with_the_refusal() -> None:
    parser = _parse({"refusal": "I can't help with that."})
    with pytest.raises(ls.RefusalError) as caught:
        parser.end()
    assert caught.value.refusal == "I can't help with that."


def test_an_object_cut_short_by_the_token_limit_says_so() -> None:
    parser = _parse({"content": '{"name": "Al'}, finish="length")
    with pytest.raises(ls.OutputValidationError, match="cut off by the token limit"):
        while not parser.finished:
            parser.end()


def test_a_step_that_only_calls_tools_has_no_output_yet() -> None:
    call = {"index": 0, "id": "c1", "function": {"name": "weather", "arguments": "{}"}}
    parser = _parse({"tool_calls": [call]}, finish="tool_calls")
    events = parser.end()
    assert isinstance(events[-1], ls.Finish)
    assert parser.partial().output is None


def test_partial_tool_arguments_on_demand() -> None:
    fragments = ['{"ci', 'ty": "Ro', 'me", "days"', ": 3}"]
    deltas = [{"tool_calls": [{"index": 0, "id": "c", "function": {"name": "w"}}]}]
    deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": f}}]} for f in fragments]
    chunks = [{"choices": [{"index": 0, "delta": d}]} for d in deltas]
    body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks)
    for asked in (False, True):
        parser = ResponseParser(COMPATIBLE, partial_tool_arguments=asked)
        partials = [e.partial for e in parser.feed(body) if isinstance(e, ls.ToolCallDelta)]
        if asked:
            assert partials == [{}, {"city": "Ro"}, {"city": "Rome"}, {"city": "Rome", "days": 3}]
        else:
            assert partials == [None] * 4  # nothing is parsed unless asked


# -- partials, for any JSON object split anywhere --------------------------------------------------

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)  # fmt: skip
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


class Anything(BaseModel):
    value: Any = None


@settings(derandomize=True, max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(value=JSON_VALUES, cuts=st.lists(st.integers(0, 2000), max_size=12))
def test_partials_of_any_object_are_consistent_and_end_equal(value: Any, cuts: list[int]) -> None:
    document = {"value": value}
    text = json.dumps(document, ensure_ascii=False)
    bounds = sorted({0, len(text), *(c for c in cuts if 0 < c < len(text))})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    parser = ResponseParser(
        COMPATIBLE, output=resolve_output(ls.NativeOutput(Anything, strict=False), "native")
    )
    partials = []
    for piece in [*pieces, None]:
        delta: dict[str, Any] = {"content": piece} if piece is not None else {}
        chunk = {
            "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece else "stop"}]
        }
        events = parser.feed(f"data: {json.dumps(chunk)}\n\n".encode())
        partials += [e.partial for e in events if isinstance(e, ls.OutputDelta)]
    parser.end()
    assert all(is_consistent(partial, document) for partial in partials)
    assert partials[-1] == document
    assert parser.partial().output == Anything(value=value)


# -- partials of a long value: paced, linear, and the last is the value ---------------------------


class Essay(BaseModel):
    title: str
    essay: str


ESSAY = {"title": "On length", "essay": "the quick brown fox, " * 12_000}  # 252,000 characters


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_long_string_streams_paced_partials_that_end_in_the_object(api: str) -> None:
    """A quarter-million-character field in 8-character deltas: a partial after each would
    copy the field 30,000 times; paced, there are far fewer, and the last is the object."""
    pieces = _pieces(json.dumps(ESSAY), 8)
    fake = FakeLLM(FakeReply(text=pieces), api=api)
    output = ls.NativeOutput(Essay)
    with (
        fake.client() as client,
        client.stream(model="m", messages=[ls.user("Write")], output=output) as stream,
    ):
        partials = [e.partial for e in stream if isinstance(e, ls.OutputDelta)]
    assert isinstance(stream.message.output, Essay)
    assert partials[-1] == stream.message.output.model_dump() == ESSAY
    assert 1000 < len(partials) < len(pieces) // 4
    assert all(is_consistent(partial, ESSAY) for partial in partials)


def test_long_tool_arguments_stream_paced_partials_that_end_in_the_object() -> None:
    """The same through a tool call's arguments, read both as `ToolCallDelta.partial` and as
    the output tool's `OutputDelta`."""
    function = {"name": "Essay", "arguments": ""}
    start = {"index": 0, "id": "c1", "type": "function", "function": function}
    deltas = [{"tool_calls": [start]}]
    deltas += [
        {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
        for piece in _pieces(json.dumps(ESSAY), 8)
    ]
    chunks: list[dict[str, Any]] = [
        {"id": "r", "model": "m", "choices": [{"index": 0, "delta": delta}]} for delta in deltas
    ]
    end = {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    chunks.append({"id": "r", "model": "m", "choices": [end]})
    fake = FakeLLM(FakeReply(chunks=chunks))
    with (
        fake.client() as client,
        client.stream(
            model="m",
            messages=[ls.user("Write")],
            output=ls.ToolOutput(Essay),
            partial_tool_arguments=True,
        ) as stream,
    ):
        events = list(stream)
    arguments = [e.partial for e in events if isinstance(e, ls.ToolCallDelta)]
    outputs = [e.partial for e in events if isinstance(e, ls.OutputDelta)]
    assert len(arguments) == len(deltas) - 1, "a ToolCallDelta for every fragment"
    assert arguments[-1] == outputs[-1] == ESSAY
    assert stream.message.output == Essay(**ESSAY)
    assert 1000 < len(outputs) < len(arguments) // 4
    assert 1000 < len({id(partial) for partial in arguments}) < len(arguments) // 4


# -- the agent ------------------------------------------------------------------------------------


PERSON = '{"name": "Alice", "age": 30, "city": "Paris"}'


@pytest.mark.anyio
async def test_an_agent_answers_with_a_validated_object() -> None:
    model = ScriptedModel(Reply(text=PERSON))
    agent = ls.Agent(ls.AsyncClient(COMPATIBLE, transport=model.transport), "m",
                     output=ls.NativeOutput(Person))  # fmt: skip
    result = await agent.run("Who is Alice?")
    assert result.output == Person(name="Alice", age=30, city="Paris")
    assert result.stop_reason == "done"


@pytest.mark.anyio
async def test_an_agent_asks_again_with_the_validation_errors() -> None:
    model = ScriptedModel(Reply(text='{"name": "Alice"}'), Reply(text=PERSON))
    agent = ls.Agent(ls.AsyncClient(COMPATIBLE, transport=model.transport), "m",
                     output=ls.NativeOutput(Person))  # fmt: skip
    result = await agent.run("Who is Alice?")
    assert result.output.age == 30
    second = model.requests[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"name": "Alice"}'}
    assert "age: Field required" in second[-1]["content"]
    assert "ls.ToolOutput" not in second[-1]["content"]  # the hint is for the developer
    assert len(result.steps) == 2


@pytest.mark.anyio
async def test_an_agent_gives_up_after_output_retries() -> None:
    model = ScriptedModel(Reply(text="{}"), Reply(text="{}"), Reply(text="{}"))
    agent = ls.Agent(ls.AsyncClient(COMPATIBLE, transport=model.transport), "m",
                     output=ls.NativeOutput(Person), output_retries=1)  # fmt: skip
    with pytest.raises(ls.OutputValidationError):
        await agent.run("Who is Alice?")
    assert len(model.requests) == 2


@ls.tool
def lookup(name: str) -> str:
    """Look a person up.

    Args:
        name: who
    """
    return "Alice, 30, lives in Paris"


@pytest.mark.anyio
async def test_in_tool_mode_the_output_tool_ends_the_run() -> None:
    model = ScriptedModel(
        Reply(calls=[call("lookup", {"name": "Alice"})]),
        Reply(calls=[call("Person", {"name": "Alice", "age": "x", "city": "Paris"})]),
        Reply(calls=[call("Person", json.loads(PERSON))]),
    )
    agent = ls.Agent(ls.AsyncClient(COMPATIBLE, transport=model.transport), "m",
                     tools=[lookup], output=ls.ToolOutput(Person))  # fmt: skip
    result = await agent.run("Who is Alice?")
    assert result.output == Person(name="Alice", age=30, city="Paris")
    first, second, third = model.requests
    assert first["tool_choice"] == "required"  # a real tool or the output tool, never prose
    assert {t["function"]["name"] for t in first["tools"]} == {"lookup", "Person"}
    assert second["messages"][-1]["content"] == "Alice, 30, lives in Paris"
    rejection = third["messages"][-1]  # the invalid object went back as the tool's result
    assert rejection["role"] == "tool"
    assert "age: Input should be a valid integer" in rejection["content"]
    assert len(result.steps) == 3


def _refused(output: Any, message: str, status: int = 400) -> ls.APIStatusError:
    """The error for a server's refusal of a call for `output`."""
    parser = ResponseParser(
        COMPATIBLE,
        status=status,
        headers={"content-type": "application/json"},
        output=resolve_output(output, "native"),
    )
    parser.feed(json.dumps({"error": {"message": message, "type": "invalid_request"}}).encode())
    with pytest.raises(ls.APIStatusError) as caught:
        parser.end()
    return caught.value


@pytest.mark.parametrize(
    ("output", "message", "hint"),
    [
        # vLLM, LM Studio and older llama.cpp builds refuse a schema they cannot serve.
        (
            ls.NativeOutput(Person),
            "'response_format.type' must be 'json_object' or 'text'",
            "output=ls.ToolOutput(Person) asks for a forced tool call instead",
        ),
        (
            Person,
            "json_schema is not supported by this model",
            "output=ls.PromptedOutput(Person) puts the schema in the prompt",
        ),
        # A server without forced tool calls.
        (
            ls.ToolOutput(Person),
            "tool_choice 'required' is not supported",
            "output=ls.NativeOutput(Person) asks through response_format",
        ),
    ],
    ids=["native-format-refused", "native-schema-refused", "tool-choice-refused"],
)
def test_a_refused_output_mode_names_the_mode_that_would_work(
    output: Any, message: str, hint: str
) -> None:
    error = _refused(output, message)
    assert isinstance(error, ls.BadRequestError)
    assert error.message.startswith(message)  # the server's words first, as received
    assert hint in str(error)


def test_a_refusal_about_something_else_names_no_other_mode() -> None:
    assert "ls." not in str(_refused(Person, "temperature must be at most 2"))
    assert "ls." not in str(_refused(ls.PromptedOutput(Person), "json_schema is not supported"))
    # Not a refusal of the request: no advice about it.
    assert "ls." not in str(_refused(Person, "json_schema is not supported", status=500))
