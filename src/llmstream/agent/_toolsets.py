"""The tools of one run: the agent's own, and those its toolsets offer while the run is open.

The run opens every toolset in its exit stack (so each is closed in the run's own task, however
the run ends) and asks for the tool table before each step: a toolset whose list changed offers
its new tools from the next step on. Two tools with one name are a `ConfigurationError` that
names both sources, whenever the clash appears.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigurationError
from ..tools import Tool
from ..toolsets import CurrentTools, Toolset

__all__ = ["RunTools", "split_tools"]


def split_tools(items: Sequence[Any]) -> tuple[list[Tool[Any]], list[Toolset]]:
    """An agent's `tools=`, sorted into tools and toolsets; anything else is a
    `ConfigurationError` that says what would do."""
    tools: list[Tool[Any]] = []
    toolsets: list[Toolset] = []
    for item in items:
        if isinstance(item, Tool):
            tools.append(item)
        elif isinstance(item, Toolset):
            toolsets.append(item)
        else:
            raise ConfigurationError(
                f"{item!r} is not a runnable tool: decorate a function with @ls.tool, use "
                "ls.Tool.from_model / ls.Tool.from_schema, or pass a toolset (ls.MCPToolset)"
            )
    return tools, toolsets


class RunTools:
    """The tool table of one run (`await tools.current()` before each step)."""

    def __init__(self, own: Mapping[str, Tool[Any]], toolsets: Sequence[Toolset]) -> None:
        self._own = own
        self._toolsets = list(toolsets)
        self._sources: list[tuple[Toolset, CurrentTools]] = []

    async def open(self, stack: contextlib.AsyncExitStack) -> RunTools:
        """Open every toolset for the run; each closes when `stack` does."""
        for toolset in self._toolsets:
            current = await stack.enter_async_context(toolset.open())
            self._sources.append((toolset, current))
        return self

    async def current(self) -> Mapping[str, Tool[Any]]:
        """The tools offered now, by name: the agent's own, then each toolset's in order."""
        if not self._sources:
            return self._own
        table = dict(self._own)
        owners: dict[str, str] = dict.fromkeys(self._own, "the agent's own tools")
        for toolset, current in self._sources:
            for tool in await current():
                if tool.name in table:
                    raise ConfigurationError(
                        f"two tools are named {tool.name!r}: one from {owners[tool.name]}, one "
                        f"from {toolset!r}. Give a toolset a prefix (ls.MCPToolset.stdio(..., "
                        "prefix='files') offers files_<name>), or rename a tool"
                    )
                table[tool.name] = tool
                owners[tool.name] = repr(toolset)
        return table
