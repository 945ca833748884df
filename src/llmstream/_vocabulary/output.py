"""How structured output is asked for: `NativeOutput`, `ToolOutput`, `PromptedOutput` around a
pydantic model, or the bare model (`OutputLike`).

What each mode puts on the wire, and how the reply is read into the model, is in
`llmstream._core.output`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from .._public import publish

__all__ = ["NativeOutput", "OutputLike", "OutputMode", "PromptedOutput", "ToolOutput"]

OutputMode = Literal["native", "tool", "prompted"]


@dataclass(frozen=True)
class NativeOutput:
    """Ask for `model` through `response_format` with a JSON schema (OpenAI's structured
    outputs). `strict` (default True) closes every object and requires every field, as strict
    mode demands; `name` and `description` default to the class name and its docstring."""

    model: type[BaseModel]
    name: str | None = None
    description: str | None = None
    strict: bool = True


@dataclass(frozen=True)
class ToolOutput:
    """Ask for `model` as the arguments of a tool named after it, which the model is made to
    call. `strict` asks the provider to hold the arguments to the schema exactly."""

    model: type[BaseModel]
    name: str | None = None
    description: str | None = None
    strict: bool = False


@dataclass(frozen=True)
class PromptedOutput:
    """Ask for `model` by putting its schema in a system message; with `json_mode` (the default)
    also `response_format: {"type": "json_object"}`. `template` is the instruction, with
    `{schema}` where the schema goes."""

    model: type[BaseModel]
    name: str | None = None
    description: str | None = None
    json_mode: bool = True
    template: str | None = None


OutputLike = type[BaseModel] | NativeOutput | ToolOutput | PromptedOutput
"""What `output=` takes: a pydantic model class, or one of the three modes around it."""


publish(globals(), "llmstream")
