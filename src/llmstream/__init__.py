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

from ._client import AsyncClient, Client
from ._options import CallOptions, ModelOptions
from ._ratelimits import RateLimits
from ._request import MessageLike, ToolChoice, ToolLike
from ._retry import RetryPolicy
from ._streams import AsyncChatStream, ChatStream
from ._timeouts import Timeouts
from ._usage import Usage
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
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    StreamTimeoutError,
    ToolArgumentsError,
)
from .events import (
    Finish,
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
from .providers import XAI, Cerebras, Groq, OpenAI, OpenAICompatible, Provider
from .tools import Approval, Tool, ToolInputError, ToolSpec, tool

__version__ = "0.1.0"

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
    "BadRequestError",
    "CallOptions",
    "Cerebras",
    "ChatStream",
    "Client",
    "ConfigurationError",
    "ContentPart",
    "ContextLengthError",
    "Finish",
    "FinishReason",
    "Groq",
    "ImagePart",
    "IncompleteStreamError",
    "LLMStreamError",
    "MalformedChunkError",
    "Message",
    "MessageLike",
    "ModelOptions",
    "NotFoundError",
    "OpenAI",
    "OpenAICompatible",
    "OverloadedError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitError",
    "RateLimits",
    "ReasoningDelta",
    "ReasoningEnd",
    "RefusalDelta",
    "RequestWarning",
    "RetryPolicy",
    "RunFinish",
    "ServerError",
    "Step",
    "StepFinish",
    "StepSettings",
    "StepStart",
    "StopCondition",
    "StreamError",
    "StreamEvent",
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
    "ToolResult",
    "ToolSpec",
    "Usage",
    "UserMessage",
    "__version__",
    "assistant",
    "has_tool_call",
    "image",
    "step_count_is",
    "system",
    "tool",
    "tool_result",
    "user",
]
