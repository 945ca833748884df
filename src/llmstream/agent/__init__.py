"""The agent loop: the model asks for tools, llmstream runs them, feeds the results back, and
streams every step as it happens.

```python
agent = ls.Agent(ls.AsyncClient(ls.Cerebras()), model="qwen-3-coder-480b",
                 system="You are a helpful assistant", tools=[weather], max_tokens=4000)
result = await agent.run("What's the weather in Florence,Italy?")

async with agent.stream("What's the weather in Florence,Italy?") as run:
    async for event in run:
        ...
```

Each step is one model call. Its reply goes into the history exactly as received (tool-call ids
and raw argument strings unchanged, reasoning replayed only where the provider accepts it), its
tool calls run concurrently, and their results follow in the order of the calls. A tool that
cannot run (unknown name, invalid JSON, arguments that fail validation, an exception, a timeout,
a denial) becomes a result that tells the model what went wrong; the run goes on.
"""

from ._agent import Agent
from ._driver import AgentRun, SyncAgentRun
from ._settings import AgentSettings
from ._types import (
    AgentEvent,
    AgentResult,
    RunFinish,
    Step,
    StepFinish,
    StepSettings,
    StepStart,
    StopCondition,
    ToolResult,
    has_tool_call,
    step_count_is,
)

__all__ = [
    "Agent",
    "AgentEvent",
    "AgentResult",
    "AgentRun",
    "AgentSettings",
    "RunFinish",
    "Step",
    "StepFinish",
    "StepSettings",
    "StepStart",
    "StopCondition",
    "SyncAgentRun",
    "ToolResult",
    "has_tool_call",
    "step_count_is",
]
