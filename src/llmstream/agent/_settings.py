"""`AgentSettings`: everything an `Agent` was made with but its client, checked and frozen.

A run reads these and nothing else of the agent: the run (`_driver.py`) never imports the
`Agent` that made it, and an agent's settings cannot change under a run in progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._core.output import ResolvedOutput
from .._core.request import ToolChoice
from ..tools import Tool
from ..toolsets import Toolset
from ._types import PrepareStep, StopCondition

__all__ = ["AgentSettings"]


@dataclass(frozen=True)
class AgentSettings:
    """An agent's model, prompt, tools and rules, as its runs read them (see `Agent` for what
    each one means). `tools` is keyed by name; `toolsets` are opened for each run, and offer
    their tools beside those; `output` is the `output=` spec resolved for the
    client's provider; `options` are the `ModelOptions` given to every model call."""

    model: str
    name: str | None
    system: str | None
    tools: Mapping[str, Tool[Any]]
    toolsets: tuple[Toolset, ...]
    max_steps: int
    stop_when: tuple[StopCondition, ...]
    tool_choice: ToolChoice | None
    prepare_step: PrepareStep | None
    tool_timeout: float | None
    streaming: bool
    output: ResolvedOutput | None
    output_retries: int
    options: Mapping[str, Any]
