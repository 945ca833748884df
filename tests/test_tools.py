"""Tools from typed Python functions: schemas, docstrings, validation, return values."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any, Literal

import anyio
import pytest
from pydantic import BaseModel, Field

import llmstream as ls
from llmstream._docstrings import parse_docstring
from llmstream.messages import output_text


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    return "40 C"


def test_the_weather_tool_schema_is_exactly_clean() -> None:
    assert json.dumps(weather.parameters, sort_keys=True, separators=(",", ":")) == (
        '{"properties":{"location":{"description":"the city","type":"string"}},'
        '"required":["location"],"type":"object"}'
    )
    assert weather.spec == ls.ToolSpec(
        name="weather",
        description="Get weather information for a location.",
        parameters=weather.parameters,
    )


def test_a_tool_is_still_the_function() -> None:
    assert weather("Rome") == "40 C"
    assert weather.__name__ == "weather"
    assert "Get weather" in (weather.__doc__ or "")


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    """Where someone lives."""

    street: str = Field(description="the street and number")
    title: str | None = None  # a property named "title" must survive the title cleanup


def test_schema_across_types() -> None:
    @ls.tool
    def everything(
        count: int,
        ratio: float,
        name: str,
        flag: bool,
        mode: Literal["fast", "slow"],
        color: Color,
        tags: list[str],
        address: Address,
        limit: int | None = None,
        note: str = "none",
        sizes: Annotated[list[int], Field(description="sizes in cm")] = [],  # noqa: B006
    ) -> None:
        """Exercise every kind of parameter."""

    schema = everything.parameters
    properties = schema["properties"]
    assert properties["count"] == {"type": "integer"}
    assert properties["ratio"] == {"type": "number"}
    assert properties["name"] == {"type": "string"}
    assert properties["flag"] == {"type": "boolean"}
    assert properties["mode"] == {"enum": ["fast", "slow"], "type": "string"}
    assert properties["color"] == {"enum": ["red", "blue"], "type": "string"}
    assert properties["tags"] == {"items": {"type": "string"}, "type": "array"}
    assert properties["address"] == {
        "description": "Where someone lives.",
        "properties": {
            "street": {"description": "the street and number", "type": "string"},
            "title": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["street"],
        "type": "object",
    }
    assert properties["limit"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "default": None,
    }
    assert properties["note"] == {"default": "none", "type": "string"}
    assert properties["sizes"] == {
        "default": [],
        "description": "sizes in cm",
        "items": {"type": "integer"},
        "type": "array",
    }
    assert schema["required"] == [
        "count",
        "ratio",
        "name",
        "flag",
        "mode",
        "color",
        "tags",
        "address",
    ]
    assert "title" not in json.dumps({k: v for k, v in schema.items() if k != "properties"})
    assert "$ref" not in json.dumps(schema)
    assert "$defs" not in schema


class Node(BaseModel):
    value: int
    children: list[Node] = []


def test_a_recursive_model_keeps_its_definitions() -> None:
    @ls.tool
    def walk(tree: Node) -> int:
        """Walk a tree."""
        return 0

    schema = walk.parameters
    assert schema["properties"]["tree"]["properties"]["children"]["items"] == {
        "$ref": "#/$defs/Node"
    }
    assert set(schema["$defs"]) == {"Node"}
    assert "title" not in schema["$defs"]["Node"]


GOOGLE = """Book a table.

    Longer explanation
    over two lines.

    Args:
        restaurant (str): the restaurant's name
        people: how many guests,
            children included
        when: ISO date and time

    Returns:
        str: a confirmation code

    Raises:
        ValueError: if full
    """

NUMPY = """Book a table.

    Longer explanation
    over two lines.

    Parameters
    ----------
    restaurant : str
        the restaurant's name
    people : int
        how many guests,
        children included
    when
        ISO date and time

    Returns
    -------
    str
        a confirmation code
    """

SPHINX = """Book a table.

    Longer explanation
    over two lines.

    :param restaurant: the restaurant's name
    :param int people: how many guests,
        children included
    :param when: ISO date and time
    :returns: a confirmation code
    :rtype: str
    """


@pytest.mark.parametrize("docstring", [GOOGLE, NUMPY, SPHINX], ids=["google", "numpy", "sphinx"])
def test_docstring_styles(docstring: str) -> None:
    def book(restaurant: str, people: int, when: str) -> str:
        return "OK"

    book.__doc__ = docstring
    spec = ls.Tool.from_function(book).spec
    assert spec.description == "Book a table.\n\nLonger explanation over two lines."
    descriptions = {
        name: prop.get("description") for name, prop in spec.parameters["properties"].items()
    }
    assert descriptions == {
        "restaurant": "the restaurant's name",
        "people": "how many guests, children included",
        "when": "ISO date and time",
    }


def test_docstring_edge_cases() -> None:
    assert parse_docstring(None).description is None
    assert parse_docstring("Just a line.").description == "Just a line."
    only_args = parse_docstring("\n    Args:\n        x: the x\n    ")
    assert (only_args.description, only_args.parameters) == (None, {"x": "the x"})


def test_name_description_and_options_can_be_given() -> None:
    @ls.tool(name="lookup", description="Look it up", strict=True, timeout=3)
    async def find(query: str) -> list[str]:
        return [query]

    assert (find.name, find.description, find.strict, find.timeout) == (
        "lookup",
        "Look it up",
        True,
        3,
    )
    assert find.spec.strict is True


def test_a_tool_from_a_pydantic_model() -> None:
    class Search(BaseModel):
        """Search the catalogue."""

        query: str = Field(description="what to look for")
        limit: int = 10

    seen: list[Search] = []

    def search(arguments: Search) -> dict[str, Any]:
        seen.append(arguments)
        return {"hits": arguments.limit}

    tool = ls.Tool.from_model(Search, search)
    assert (tool.name, tool.description) == ("Search", "Search the catalogue.")
    assert tool.parameters == {
        "properties": {
            "query": {"description": "what to look for", "type": "string"},
            "limit": {"default": 10, "type": "integer"},
        },
        "required": ["query"],
        "type": "object",
    }
    result = anyio.run(tool.run, tool.validate({"query": "socks"}))
    assert result == {"hits": 10}
    assert seen == [Search(query="socks")]


def test_a_tool_from_a_raw_schema() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    tool = ls.Tool.from_schema("double", schema, lambda x: x * 2, description="Double x")
    assert tool.spec.parameters == schema
    assert anyio.run(tool.run, tool.validate({"x": 21})) == 42
    with pytest.raises(ls.ToolInputError, match="JSON object"):
        tool.validate([1, 2])


def test_validation_errors_are_written_for_the_model() -> None:
    @ls.tool
    def book(people: int, mode: Literal["lunch", "dinner"], address: Address) -> str:
        return "ok"

    with pytest.raises(ls.ToolInputError) as caught:
        book.validate({"people": "many", "mode": "brunch", "address": {}})
    assert str(caught.value) == (
        "- people: Input should be a valid integer, unable to parse string as an integer"
        ' (got "many")\n'
        "- mode: Input should be 'lunch' or 'dinner' (got \"brunch\")\n"
        "- address.street: Field required"
    )
    assert (
        book.validate({"people": "4", "mode": "lunch", "address": {"street": "x"}})["people"] == 4
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain text", "plain text"),
        ({"a": 1}, '{"a":1}'),
        ([1, "x"], '[1,"x"]'),
        (None, "null"),
        (42, "42"),
        (Address(street="Main St 1"), '{"street":"Main St 1","title":null}'),
    ],
)
def test_return_values(value: Any, text: str) -> None:
    assert output_text(value) == text


def test_sync_tools_run_in_a_worker_thread() -> None:
    import threading

    main = threading.get_ident()

    @ls.tool
    def where() -> bool:
        """Which thread am I in?"""
        return threading.get_ident() != main

    assert anyio.run(where.run, where.validate({})) is True


def test_types_defined_next_to_the_tool_are_found() -> None:
    class Point(BaseModel):
        x: int

    @ls.tool
    def move(to: Point) -> str:
        """Move."""
        return "moved"

    assert move.parameters["properties"]["to"] == {
        "properties": {"x": {"type": "integer"}},
        "required": ["x"],
        "type": "object",
    }


def test_tools_must_have_named_parameters() -> None:
    def spread(*args: int) -> int:
        return sum(args)

    with pytest.raises(ls.ConfigurationError, match="parameters must be named"):
        ls.tool(spread)
