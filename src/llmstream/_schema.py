"""JSON schemas for tools, from Python signatures, without pydantic's noise.

pydantic writes a `title` on every object and property, and `$defs` with `$ref`s for nested
models and enums. A model reads neither titles nor references well, and some OpenAI-compatible
servers reject `$ref`; so titles are dropped and references inlined (a recursive model keeps its
`$defs`, the one case inlining cannot express).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .errors import ConfigurationError

__all__ = ["arguments_model", "clean_schema"]


def arguments_model(
    function: Callable[..., Any],
    descriptions: dict[str, str],
    *,
    name: str,
    namespace: dict[str, Any] | None = None,
) -> type[BaseModel]:
    """A pydantic model of `function`'s parameters, each described from the docstring.

    `namespace` resolves names the annotations use that are not module globals: types defined
    in the function that declares the tool.
    """
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function, localns=namespace, include_extras=True)
    except NameError as exc:
        raise ConfigurationError(
            f"cannot read the type hints of tool {name!r}: {exc}. Define the types it uses "
            "before the function, or import them at module level."
        ) from None
    fields: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ConfigurationError(
                f"tool {name!r} takes *{parameter.name}: a tool's parameters must be named, so "
                "that the model can be told what to send"
            )
        default = ... if parameter.default is parameter.empty else parameter.default
        annotation = hints.get(parameter.name, Any)
        description = descriptions.get(parameter.name)
        fields[parameter.name] = (
            annotation,
            Field(default, description=description) if description else default,
        )
    return create_model(
        f"{name}_arguments",
        __config__=ConfigDict(arbitrary_types_allowed=True),
        **fields,
    )


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop titles and inline `$ref`s (see the module docstring)."""
    definitions: dict[str, Any] = schema.get("$defs", {})
    recursive: set[str] = set()

    def resolve(node: Any, expanding: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [resolve(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            target = reference.removeprefix("#/$defs/")
            if target in expanding:
                recursive.add(target)
                return {key: resolve(value, expanding) for key, value in node.items()}
            inlined = resolve(definitions[target], expanding | {target})
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return {**inlined, **resolve(siblings, expanding)}
        cleaned: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs":
                continue
            if key == "title" and isinstance(value, str):
                continue  # pydantic's metadata; a property *named* title lives under "properties"
            if key == "properties" and isinstance(value, dict):
                cleaned[key] = {prop: resolve(sub, expanding) for prop, sub in value.items()}
            else:
                cleaned[key] = resolve(value, expanding)
        return cleaned

    result: dict[str, Any] = resolve(schema, frozenset())
    if recursive:
        result["$defs"] = {
            name: resolve(definitions[name], frozenset({name})) for name in sorted(recursive)
        }
    return result


# Keywords OpenAI's strict mode refuses (structured outputs: "supported schemas"); reported
# before sending, with the field's path, rather than as the provider's 400.
_STRICT_UNSUPPORTED = (
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "minProperties",
    "maxProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "uniqueItems",
)


def strict_schema(schema: dict[str, Any], *, name: str) -> dict[str, Any]:
    """`schema` made to OpenAI's strict rules: every object closed (`additionalProperties:
    false`) with every property required, `None` defaults dropped (a field that may be None is
    already nullable in its schema). What strict mode cannot express is a `ConfigurationError`
    naming the field (`name` starts the path: `Book.author.name`).
    """
    if schema.get("type") != "object":
        raise ConfigurationError(
            f"{name}: strict mode needs an object at the top of the schema, got "
            f"{schema.get('type') or 'a union'}"
        )
    definitions = schema.get("$defs", {})
    strict: dict[str, Any] = _strict_node(schema, name)
    if definitions:
        strict["$defs"] = {key: _strict_node(value, key) for key, value in definitions.items()}
    return strict


def _strict_node(node: Any, path: str) -> Any:
    if isinstance(node, list):
        return [_strict_node(item, path) for item in node]
    if not isinstance(node, dict):
        return node
    for keyword in _STRICT_UNSUPPORTED:
        if keyword in node:
            raise ConfigurationError(
                f"{path}: strict mode does not support `{keyword}`; remove the constraint, or "
                "turn strict off for this schema"
            )
    strict: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$defs":
            continue
        if key == "properties" and isinstance(value, dict):
            strict[key] = {prop: _strict_node(sub, f"{path}.{prop}") for prop, sub in value.items()}
        elif key in ("items", "prefixItems"):
            strict[key] = _strict_node(value, f"{path}[]")
        elif key == "default" and value is None:
            continue
        else:
            strict[key] = _strict_node(value, path)
    if node.get("type") == "object":
        extra = node.get("additionalProperties")
        if extra not in (None, False):
            raise ConfigurationError(
                f"{path}: a mapping with free keys (a dict field) cannot be strict: strict mode "
                "closes every object. Use a model with named fields, or turn strict off"
            )
        strict["additionalProperties"] = False
        strict["required"] = list(strict.get("properties", {}))
    return strict
