"""llmstream: stream chat completions from OpenAI, Groq, Cerebras, xAI and any OpenAI-compatible
server as typed events, and get one final message.

```python
import llmstream as ls

client = ls.AsyncClient(ls.Groq())
async with client.stream(model="moonshotai/kimi-k2-instruct-0905",
                         messages=[ls.user("Say hi in Portuguese")]) as stream:
    async for event in stream:
        match event:
            case ls.TextDelta(text=text):
                print(text, end="")
reply = stream.message
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._core.cost import Cost
    from ._core.output import NativeOutput, OutputLike, PromptedOutput, ToolOutput
    from ._core.ratelimits import RateLimits
    from ._core.request import MessageLike, ToolChoice, ToolLike, ToolSpec
    from ._core.usage import Usage
    from ._io.drivers import AsyncChatStream, ChatStream
    from ._io.pacing import RateLimitPacer
    from ._io.retry import RetryPolicy
    from ._io.timeouts import Timeouts
    from ._mcp import MCPToolset
    from ._options import CallOptions, ModelOptions
    from ._sse_events import sse_events, sse_events_sync
    from ._tracing import Tracing
    from .agent import (
        Agent,
        AgentEvent,
        AgentResult,
        AgentRun,
        RunFinish,
        Step,
        StepFinish,
        StepSettings,
        StepStart,
        StopCondition,
        SyncAgentRun,
        ToolResult,
        has_tool_call,
        step_count_is,
    )
    from .errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ContextLengthError,
        IncompleteStreamError,
        LLMStreamError,
        MalformedChunkError,
        NotFoundError,
        OutputValidationError,
        OverloadedError,
        PermissionDeniedError,
        RateLimitError,
        RateLimitWaitError,
        RefusalError,
        ResponseTooLargeError,
        ServerError,
        StreamBusyError,
        StreamError,
        StreamNotFinishedError,
        StreamTimeoutError,
        ToolArgumentsError,
        ToolsetError,
    )
    from .events import (
        Finish,
        OutputDelta,
        ReasoningDelta,
        ReasoningEnd,
        RefusalDelta,
        RequestWarning,
        StreamEvent,
        TextDelta,
        ToolCallDelta,
        ToolCallEnd,
        ToolCallStart,
    )
    from .messages import (
        AssistantMessage,
        ContentPart,
        FinishReason,
        ImagePart,
        Message,
        SystemMessage,
        TextPart,
        ToolCall,
        ToolMessage,
        UserMessage,
        assistant,
        image,
        system,
        tool_result,
        user,
    )
    from .providers import (
        XAI,
        AzureOpenAI,
        Cerebras,
        Groq,
        OpenAI,
        OpenAICompatible,
        OpenRouter,
        OpenRouterRouting,
        Provider,
    )
    from .tools import Approval, Tool, ToolInputError, tool
    from .toolsets import Toolset

__version__ = "0.1.0"
"""The installed version of llmstream."""

# Every public name, and the module that defines it. Modules load on first use (PEP 562), so
# `import llmstream` costs almost nothing, and a program that never builds an agent never
# loads the agent, the tools or the testing helpers.
_SOURCES: dict[str, str] = {
    "AsyncClient": "._client",
    "Client": "._client",
    "CallOptions": "._options",
    "ModelOptions": "._options",
    "Agent": ".agent",
    "AgentEvent": ".agent",
    "AgentResult": ".agent",
    "AgentRun": ".agent",
    "RunFinish": ".agent",
    "Step": ".agent",
    "StepFinish": ".agent",
    "StepSettings": ".agent",
    "StepStart": ".agent",
    "StopCondition": ".agent",
    "SyncAgentRun": ".agent",
    "ToolResult": ".agent",
    "has_tool_call": ".agent",
    "step_count_is": ".agent",
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APIStatusError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "ConfigurationError": ".errors",
    "ContextLengthError": ".errors",
    "IncompleteStreamError": ".errors",
    "LLMStreamError": ".errors",
    "MalformedChunkError": ".errors",
    "NotFoundError": ".errors",
    "OutputValidationError": ".errors",
    "OverloadedError": ".errors",
    "PermissionDeniedError": ".errors",
    "RateLimitError": ".errors",
    "RateLimitWaitError": ".errors",
    "RefusalError": ".errors",
    "ResponseTooLargeError": ".errors",
    "ServerError": ".errors",
    "StreamBusyError": ".errors",
    "StreamNotFinishedError": ".errors",
    "StreamError": ".errors",
    "StreamTimeoutError": ".errors",
    "ToolArgumentsError": ".errors",
    "ToolsetError": ".errors",
    "Finish": ".events",
    "OutputDelta": ".events",
    "ReasoningDelta": ".events",
    "ReasoningEnd": ".events",
    "RefusalDelta": ".events",
    "RequestWarning": ".events",
    "StreamEvent": ".events",
    "TextDelta": ".events",
    "ToolCallDelta": ".events",
    "ToolCallEnd": ".events",
    "ToolCallStart": ".events",
    "AssistantMessage": ".messages",
    "ContentPart": ".messages",
    "FinishReason": ".messages",
    "ImagePart": ".messages",
    "Message": ".messages",
    "SystemMessage": ".messages",
    "TextPart": ".messages",
    "ToolCall": ".messages",
    "ToolMessage": ".messages",
    "UserMessage": ".messages",
    "assistant": ".messages",
    "image": ".messages",
    "system": ".messages",
    "tool_result": ".messages",
    "user": ".messages",
    "Cerebras": ".providers",
    "Groq": ".providers",
    "OpenAI": ".providers",
    "OpenAICompatible": ".providers",
    "OpenRouterRouting": ".providers",
    "OpenRouter": ".providers",
    "AzureOpenAI": ".providers",
    "Provider": ".providers",
    "XAI": ".providers",
    "Approval": ".tools",
    "Tool": ".tools",
    "ToolInputError": ".tools",
    "tool": ".tools",
    "Toolset": ".toolsets",
    "MCPToolset": "._mcp",
    "Cost": "._core.cost",
    "NativeOutput": "._core.output",
    "OutputLike": "._core.output",
    "PromptedOutput": "._core.output",
    "ToolOutput": "._core.output",
    "RateLimits": "._core.ratelimits",
    "MessageLike": "._core.request",
    "ToolChoice": "._core.request",
    "ToolLike": "._core.request",
    "ToolSpec": "._core.request",
    "Usage": "._core.usage",
    "AsyncChatStream": "._io.drivers",
    "ChatStream": "._io.drivers",
    "RateLimitPacer": "._io.pacing",
    "RetryPolicy": "._io.retry",
    "Timeouts": "._io.timeouts",
    "sse_events": "._sse_events",
    "sse_events_sync": "._sse_events",
    "Tracing": "._tracing",
}

__all__ = [
    "XAI",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "Agent",
    "AgentEvent",
    "AgentResult",
    "AgentRun",
    "Approval",
    "AssistantMessage",
    "AsyncChatStream",
    "AsyncClient",
    "AuthenticationError",
    "AzureOpenAI",
    "BadRequestError",
    "CallOptions",
    "Cerebras",
    "ChatStream",
    "Client",
    "ConfigurationError",
    "ContentPart",
    "ContextLengthError",
    "Cost",
    "Finish",
    "FinishReason",
    "Groq",
    "ImagePart",
    "IncompleteStreamError",
    "LLMStreamError",
    "MCPToolset",
    "MalformedChunkError",
    "Message",
    "MessageLike",
    "ModelOptions",
    "NativeOutput",
    "NotFoundError",
    "OpenAI",
    "OpenAICompatible",
    "OpenRouter",
    "OpenRouterRouting",
    "OutputDelta",
    "OutputLike",
    "OutputValidationError",
    "OverloadedError",
    "PermissionDeniedError",
    "PromptedOutput",
    "Provider",
    "RateLimitError",
    "RateLimitPacer",
    "RateLimitWaitError",
    "RateLimits",
    "ReasoningDelta",
    "ReasoningEnd",
    "RefusalDelta",
    "RefusalError",
    "RequestWarning",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunFinish",
    "ServerError",
    "Step",
    "StepFinish",
    "StepSettings",
    "StepStart",
    "StopCondition",
    "StreamBusyError",
    "StreamError",
    "StreamEvent",
    "StreamNotFinishedError",
    "StreamTimeoutError",
    "SyncAgentRun",
    "SystemMessage",
    "TextDelta",
    "TextPart",
    "Timeouts",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallEnd",
    "ToolCallStart",
    "ToolChoice",
    "ToolInputError",
    "ToolLike",
    "ToolMessage",
    "ToolOutput",
    "ToolResult",
    "ToolSpec",
    "Toolset",
    "ToolsetError",
    "Tracing",
    "Usage",
    "UserMessage",
    "__version__",
    "assistant",
    "has_tool_call",
    "image",
    "sse_events",
    "sse_events_sync",
    "step_count_is",
    "system",
    "tool",
    "tool_result",
    "user",
]


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'llmstream' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
