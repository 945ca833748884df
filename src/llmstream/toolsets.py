"""Toolsets: tools that are known only once a run starts, such as an MCP server's.

An agent's `tools=` takes `Tool`s and `Toolset`s. A toolset is opened for each run (in the
run's own task, and closed when the run ends, however it ends); while it is open it says which
tools it offers, and may offer others from one step to the next (an MCP server whose list
changed). `ls.MCPToolset` is the toolset this package ships; any class with an `open` method
like the one below is one too:

```python
class Catalogue(ls.Toolset):
    @contextlib.asynccontextmanager
    async def open(self):
        tools = [ls.Tool.from_schema("lookup", {"type": "object"}, lambda: "found")]
        async def current():
            return tools
        yield current
```
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from .tools import Tool

__all__ = ["CurrentTools", "Toolset"]

CurrentTools = Callable[[], Awaitable[Sequence[Tool[Any]]]]
"""What an open toolset gives a run: called before each step, it returns the tools offered now."""


class Toolset(abc.ABC):
    """Tools that are known only once a run starts, such as an MCP server's.

    Pass one in an agent's `tools=`, beside `@ls.tool` functions. Each run opens it with `open()`
    (entered and left in the run's task); the function it yields is called before each step for
    the tools offered now, whose calls then run like any tool's (time limits, approval, events,
    spans). A name two tools share (across toolsets, or with the agent's own tools) stops the run
    with a `ConfigurationError`.
    """

    @abc.abstractmethod
    def open(self) -> AbstractAsyncContextManager[CurrentTools]:
        """Open for one run: an async context manager giving the run's `CurrentTools`."""
