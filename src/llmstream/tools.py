"""Tools the model can call."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ToolSpec"]


class ToolSpec(BaseModel):
    """A tool as the model sees it: a name, a description and a JSON schema for its arguments.

    `strict` asks the provider to hold the arguments to the schema exactly (OpenAI's structured
    outputs); it is sent as given, `false` by default.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool = False
