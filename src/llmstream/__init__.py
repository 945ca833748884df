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

# The public names, for type checkers and IDEs (`import X as X`: each one is exported). At run
# time nothing here is imported: `_SOURCES` below says the same, name by name, and
# tests/test_package.py checks that the two agree.
if TYPE_CHECKING:
    from ._client import AsyncClient as AsyncClient
    from ._client import Client as Client
    from ._core.request import MessageLike as MessageLike
    from ._core.request import ToolChoice as ToolChoice
    from ._core.request import ToolLike as ToolLike
    from ._core.request import ToolSpec as ToolSpec
    from ._io.drivers import AsyncChatStream as AsyncChatStream
    from ._io.drivers import ChatStream as ChatStream
    from ._io.pacing import RateLimitPacer as RateLimitPacer
    from ._mcp import MCPToolset as MCPToolset
    from ._options import CallOptions as CallOptions
    from ._options import ModelOptions as ModelOptions
    from ._sse_events import sse_events as sse_events
    from ._sse_events import sse_events_sync as sse_events_sync
    from ._tracing import Tracing as Tracing
    from ._version import __version__ as __version__
    from ._vocabulary.cost import Cost as Cost
    from ._vocabulary.logprobs import TokenLogprob as TokenLogprob
    from ._vocabulary.output import NativeOutput as NativeOutput
    from ._vocabulary.output import OutputLike as OutputLike
    from ._vocabulary.output import PromptedOutput as PromptedOutput
    from ._vocabulary.output import ToolOutput as ToolOutput
    from ._vocabulary.ratelimits import RateLimits as RateLimits
    from ._vocabulary.retry import RetryPolicy as RetryPolicy
    from ._vocabulary.timeouts import Timeouts as Timeouts
    from ._vocabulary.usage import Usage as Usage
    from .agent import Agent as Agent
    from .agent import AgentEvent as AgentEvent
    from .agent import AgentResult as AgentResult
    from .agent import AgentRun as AgentRun
    from .agent import RunFinish as RunFinish
    from .agent import Step as Step
    from .agent import StepFinish as StepFinish
    from .agent import StepSettings as StepSettings
    from .agent import StepStart as StepStart
    from .agent import StopCondition as StopCondition
    from .agent import SyncAgentRun as SyncAgentRun
    from .agent import ToolResult as ToolResult
    from .agent import has_tool_call as has_tool_call
    from .agent import step_count_is as step_count_is
    from .errors import APIConnectionError as APIConnectionError
    from .errors import APIError as APIError
    from .errors import APIStatusError as APIStatusError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import BadRequestError as BadRequestError
    from .errors import ConfigurationError as ConfigurationError
    from .errors import ContextLengthError as ContextLengthError
    from .errors import IncompleteStreamError as IncompleteStreamError
    from .errors import LLMStreamError as LLMStreamError
    from .errors import MalformedChunkError as MalformedChunkError
    from .errors import NotFoundError as NotFoundError
    from .errors import OutputValidationError as OutputValidationError
    from .errors import OverloadedError as OverloadedError
    from .errors import PermissionDeniedError as PermissionDeniedError
    from .errors import RateLimitError as RateLimitError
    from .errors import RateLimitWaitError as RateLimitWaitError
    from .errors import RefusalError as RefusalError
    from .errors import ResponseTooLargeError as ResponseTooLargeError
    from .errors import ServerError as ServerError
    from .errors import StreamBusyError as StreamBusyError
    from .errors import StreamError as StreamError
    from .errors import StreamNotFinishedError as StreamNotFinishedError
    from .errors import StreamTimeoutError as StreamTimeoutError
    from .errors import ToolArgumentsError as ToolArgumentsError
    from .errors import ToolsetError as ToolsetError
    from .events import CitationAdded as CitationAdded
    from .events import Finish as Finish
    from .events import LogprobsDelta as LogprobsDelta
    from .events import OutputDelta as OutputDelta
    from .events import ReasoningDelta as ReasoningDelta
    from .events import ReasoningEnd as ReasoningEnd
    from .events import RefusalDelta as RefusalDelta
    from .events import RequestWarning as RequestWarning
    from .events import StreamEvent as StreamEvent
    from .events import TextDelta as TextDelta
    from .events import ToolCallDelta as ToolCallDelta
    from .events import ToolCallEnd as ToolCallEnd
    from .events import ToolCallStart as ToolCallStart
    from .messages import AssistantMessage as AssistantMessage
    from .messages import Citation as Citation
    from .messages import ContentPart as ContentPart
    from .messages import FinishReason as FinishReason
    from .messages import ImagePart as ImagePart
    from .messages import Message as Message
    from .messages import SystemMessage as SystemMessage
    from .messages import TextPart as TextPart
    from .messages import ToolCall as ToolCall
    from .messages import ToolMessage as ToolMessage
    from .messages import UserMessage as UserMessage
    from .messages import assistant as assistant
    from .messages import image as image
    from .messages import system as system
    from .messages import tool_result as tool_result
    from .messages import user as user
    from .providers import XAI as XAI
    from .providers import AzureOpenAI as AzureOpenAI
    from .providers import Cerebras as Cerebras
    from .providers import Groq as Groq
    from .providers import OpenAI as OpenAI
    from .providers import OpenAICompatible as OpenAICompatible
    from .providers import OpenRouter as OpenRouter
    from .providers import OpenRouterRouting as OpenRouterRouting
    from .providers import Provider as Provider
    from .tools import Approval as Approval
    from .tools import Tool as Tool
    from .tools import ToolInputError as ToolInputError
    from .tools import tool as tool
    from .toolsets import Toolset as Toolset

# Every public name, and the module that defines it: the one list that `__all__` and the lazy
# loading below are made from. Modules load on first use (PEP 562), so `import llmstream` costs
# almost nothing, and a program that never builds an agent never loads the agent, the tools or
# the testing helpers.
_SOURCES: dict[str, str] = {
    "AsyncClient": "._client",
    "Client": "._client",
    "MessageLike": "._core.request",
    "ToolChoice": "._core.request",
    "ToolLike": "._core.request",
    "ToolSpec": "._core.request",
    "AsyncChatStream": "._io.drivers",
    "ChatStream": "._io.drivers",
    "RateLimitPacer": "._io.pacing",
    "MCPToolset": "._mcp",
    "CallOptions": "._options",
    "ModelOptions": "._options",
    "sse_events": "._sse_events",
    "sse_events_sync": "._sse_events",
    "Tracing": "._tracing",
    "__version__": "._version",
    "Cost": "._vocabulary.cost",
    "TokenLogprob": "._vocabulary.logprobs",
    "NativeOutput": "._vocabulary.output",
    "OutputLike": "._vocabulary.output",
    "PromptedOutput": "._vocabulary.output",
    "ToolOutput": "._vocabulary.output",
    "RateLimits": "._vocabulary.ratelimits",
    "RetryPolicy": "._vocabulary.retry",
    "Timeouts": "._vocabulary.timeouts",
    "Usage": "._vocabulary.usage",
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
    "CitationAdded": ".events",
    "Finish": ".events",
    "LogprobsDelta": ".events",
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
    "Citation": ".messages",
    "TextPart": ".messages",
    "ToolCall": ".messages",
    "ToolMessage": ".messages",
    "UserMessage": ".messages",
    "assistant": ".messages",
    "image": ".messages",
    "system": ".messages",
    "tool_result": ".messages",
    "user": ".messages",
    "XAI": ".providers",
    "AzureOpenAI": ".providers",
    "Cerebras": ".providers",
    "Groq": ".providers",
    "OpenAI": ".providers",
    "OpenAICompatible": ".providers",
    "OpenRouter": ".providers",
    "OpenRouterRouting": ".providers",
    "Provider": ".providers",
    "Approval": ".tools",
    "Tool": ".tools",
    "ToolInputError": ".tools",
    "tool": ".tools",
    "Toolset": ".toolsets",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'llmstream' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
