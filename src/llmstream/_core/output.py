"""Structured output: a pydantic model in, its JSON schema on the wire, a validated object out.

Three ways to ask a model for an object, as the providers accept them (the three classes are in
`llmstream._vocabulary.output`; `resolve_output` makes a request of them concrete here):

- `NativeOutput`: `response_format: {"type": "json_schema", ...}`, strict where supported (the
  provider holds the model to the schema); the object arrives as the reply's text;
- `ToolOutput`: a tool named after the model that the model is made to call; the object arrives
  as the call's arguments (every provider with tools supports it);
- `PromptedOutput`: the schema in a system message, with `response_format: {"type":
  "json_object"}` unless `json_mode=False`; the object arrives as text, in code fences or not.

A bare model class takes the provider's preferred mode (`Provider.output_mode`).

`OutputReader` is the sans-IO half of the response: it is fed the object's JSON text as it
streams (the reply's text, or the output tool's arguments), reads it incrementally with the
partial-JSON reader, and at the end validates the whole text into the model once.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .._schema import clean_schema, strict_schema
from .._vocabulary.output import NativeOutput, OutputMode, PromptedOutput, ToolOutput
from ..errors import ConfigurationError, OutputValidationError, RefusalError
from .partial_json import PartialJSONError, PartialJSONReader

if TYPE_CHECKING:
    from ..messages import AssistantMessage

__all__ = ["OutputReader", "ResolvedOutput", "refused_mode_hint", "resolve_output"]

_DEFAULT_TEMPLATE = (
    "Answer with one JSON object that follows this JSON schema, and nothing else:\n{schema}"
)


@dataclass(frozen=True)
class ResolvedOutput:
    """An `output=` request made concrete: the mode, the wire schema, and what to validate."""

    model: type[BaseModel]
    mode: OutputMode
    name: str
    description: str | None
    schema: dict[str, Any]
    strict: bool
    json_mode: bool = False
    template: str = _DEFAULT_TEMPLATE

    # -- the request ----------------------------------------------------------------------------
    def response_format(self) -> dict[str, Any] | None:
        if self.mode == "native":
            schema: dict[str, Any] = {"name": self.name, "strict": self.strict}
            if self.description:
                schema["description"] = self.description
            schema["schema"] = self.schema
            return {"type": "json_schema", "json_schema": schema}
        if self.mode == "prompted" and self.json_mode:
            return {"type": "json_object"}
        return None

    def tool(self) -> dict[str, Any] | None:
        if self.mode != "tool":
            return None
        function: dict[str, Any] = {"name": self.name, "strict": self.strict}
        if self.description:
            function["description"] = self.description
        function["parameters"] = self.schema
        return {"type": "function", "function": function}

    def instruction(self) -> str | None:
        if self.mode != "prompted":
            return None
        return self.template.format(schema=json.dumps(self.schema, ensure_ascii=False))


def resolve_output(output: object, default_mode: OutputMode) -> ResolvedOutput:
    """`output=` as given by the caller, checked and made concrete (an agent hands its calls
    the spec it resolved once)."""
    if isinstance(output, ResolvedOutput):
        return output
    if isinstance(output, type) and issubclass(output, BaseModel):
        output = {
            "native": NativeOutput,
            "tool": ToolOutput,
            "prompted": PromptedOutput,
        }[default_mode](output)
    if not isinstance(output, (NativeOutput, ToolOutput, PromptedOutput)):
        raise ConfigurationError(
            f"output must be a pydantic model class or ls.NativeOutput / ls.ToolOutput / "
            f"ls.PromptedOutput around one, got {type(output).__name__}; for example "
            "output=Book with `class Book(pydantic.BaseModel): ...`"
        )
    model = output.model
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ConfigurationError(
            f"{type(output).__name__} needs a pydantic model class, got {model!r}"
        )
    name = output.name or model.__name__
    doc = inspect.getdoc(model) if model.__doc__ else None
    description = output.description or (doc if doc != inspect.getdoc(BaseModel) else None)
    schema = clean_schema(model.model_json_schema())
    schema.pop("description", None)  # it travels as the format's or the tool's description
    if isinstance(output, NativeOutput):
        mode: OutputMode = "native"
        strict = output.strict
    elif isinstance(output, ToolOutput):
        mode, strict = "tool", output.strict
    else:
        mode, strict = "prompted", False
    if strict:
        schema = strict_schema(schema, name=name)
    return ResolvedOutput(
        model=model,
        mode=mode,
        name=name,
        description=description,
        schema=schema,
        strict=strict,
        json_mode=getattr(output, "json_mode", False),
        template=getattr(output, "template", None) or _DEFAULT_TEMPLATE,
    )


_UNCHANGED: Any = object()


class OutputReader:
    """The object's JSON text in, growing partial values and one validated object out.

    `feed(delta)` returns the partial value when the delta changed it (paced by the reader
    once a partial is costly to copy: see `partial_json`), else `UNCHANGED`. Text
    before the object's opening brace (a code fence, a sentence) and after its end is skipped,
    so a prompted reply in fences reads the same as a native one. A partial never contradicts
    the final value (see `partial_json`); text that stops being JSON stops the partials, and the
    final validation says what was wrong.
    """

    UNCHANGED = _UNCHANGED

    def __init__(self, spec: ResolvedOutput) -> None:
        self.spec = spec
        self._reader = PartialJSONReader(ignore_trailing=True)
        self._started = False
        self._broken = False

    @property
    def from_tool(self) -> str | None:
        """The tool whose arguments carry the object, or None when the text does."""
        return self.spec.name if self.spec.mode == "tool" else None

    def feed(self, delta: str) -> Any:
        if self._broken:
            return _UNCHANGED
        if not self._started:
            start = delta.find("{")
            if start < 0:
                return _UNCHANGED
            delta = delta[start:]
            self._started = True
        try:
            changed = self._reader.feed(delta)
        except PartialJSONError:
            self._broken = True  # no more partials; the final validation says what is wrong
            return _UNCHANGED
        return self._reader.value if changed else _UNCHANGED

    def finish(self, message: AssistantMessage) -> Any:
        """The validated object, or `RefusalError` / `OutputValidationError` with `partial`.

        A reply that calls tools instead of answering (in an agent step) has no object yet:
        None, and no error."""
        spec = self.spec
        if message.refusal:
            raise RefusalError(
                f"the model refused to produce a {spec.name}: {message.refusal}",
                refusal=message.refusal,
                provider=message.provider,
                request_id=message.request_id,
                partial=message,
            )
        text = self._raw_text(message)
        if text is None:
            return None  # a step that calls tools, not the answer: nothing to validate yet
        if message.finish_reason == "length":
            raise OutputValidationError(
                f"the reply was cut off by the token limit (finish_reason length) before the "
                f"{spec.name} was complete; raise max_tokens",
                text=text,
                errors=[],
                provider=message.provider,
                request_id=message.request_id,
                partial=message,
            )
        try:
            return spec.model.model_validate_json(_json_of(text))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raise OutputValidationError(
                f"the reply is not a valid {spec.name}: {_summary(errors)}",
                text=text,
                errors=errors,
                hint=_other_mode(spec) if _off_schema(errors) else None,
                provider=message.provider,
                request_id=message.request_id,
                partial=message,
            ) from None

    def _raw_text(self, message: AssistantMessage) -> str | None:
        """The object's text; None for a reply that only calls (other) tools."""
        if self.from_tool is None:
            if not message.text.strip() and message.tool_calls:
                return None
            return message.text
        for call in message.tool_calls:
            if call.name == self.from_tool:
                return call.arguments
        if message.tool_calls:
            return None
        raise OutputValidationError(
            f"the model did not call the output tool {self.from_tool!r}",
            text=message.text,
            errors=[],
            hint=_other_mode(self.spec),
            provider=message.provider,
            request_id=message.request_id,
            partial=message,
        )


# Pydantic error types that mean the reply is not shaped like the schema at all (not JSON, not
# an object, fields missing or unknown): what a server that held the reply to it never sends.
_OFF_SCHEMA = frozenset({"json_invalid", "json_type", "model_type", "missing", "extra_forbidden"})


def _off_schema(errors: list[Any]) -> bool:
    return any(error.get("type") in _OFF_SCHEMA for error in errors)


# What a server says when it refuses the way the object was asked for: a `response_format`
# with a JSON schema (native), a forced tool call (tool). Prompted output asks for nothing a
# server can refuse.
_REFUSED_MODE = {
    "native": re.compile(
        r"response.?format|text\.format|json.?schema|structured.?output", re.IGNORECASE
    ),
    "tool": re.compile(
        r"tool.?choice|tool(?:s|_calls?)?\b.{0,40}\bnot\b|function.?call", re.IGNORECASE
    ),
}


def refused_mode_hint(spec: ResolvedOutput | None, message: str) -> str | None:
    """What to try when a server answered a call for `spec` with a client error whose
    `message` names what that output mode sends (a server without JSON-schema replies, or
    without forced tool calls): the other modes. None when the message says nothing of it."""
    if spec is None:
        return None
    refused = _REFUSED_MODE.get(spec.mode)
    if refused is None or not refused.search(message):
        return None
    return _other_mode(spec)


def _other_mode(spec: ResolvedOutput) -> str:
    """What to try when the mode itself failed: the other way of asking for the object."""
    model = spec.model.__name__
    if spec.mode == "tool":
        return (
            f"the server may not force a tool call: output=ls.NativeOutput({model}) asks "
            'through response_format with the JSON schema instead (output_mode="native" on the '
            "provider for every call)"
        )
    if spec.mode == "native":
        return (
            "the server may not hold replies to a JSON schema: "
            f"output=ls.ToolOutput({model}) asks for a forced tool call instead, "
            f"output=ls.PromptedOutput({model}) puts the schema in the prompt "
            '(output_mode="tool" or "prompted" on the provider for every call)'
        )
    return (
        "a server that constrains replies to a JSON schema holds the reply to it with "
        f'output=ls.NativeOutput({model}) (output_mode="native" on the provider for every call)'
    )


def _json_of(text: str) -> str:
    """The object in `text`: from its first `{` to its last `}` (fences and prose around it,
    which prompted models add, are not JSON)."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text


def _summary(errors: list[Any]) -> str:
    shown = [
        f"{'.'.join(str(part) for part in error['loc']) or '(the object)'}: {error['msg']}"
        for error in errors[:3]
    ]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(shown) + more
