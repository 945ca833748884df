"""OpenTelemetry spans for calls, agent runs and tool executions (optional: `opentelemetry-api`).

The spans follow the OpenTelemetry GenAI semantic conventions as released in
semantic-conventions v1.41 (schema https://opentelemetry.io/schemas/1.41.0), the last release
that carries them before they moved to their own repository: `gen_ai.provider.name` (not the
older `gen_ai.system`), `gen_ai.request.stream`, `gen_ai.response.time_to_first_chunk`,
`gen_ai.input.messages` / `gen_ai.output.messages` as JSON strings. docs/telemetry.md lists
every span, attribute and event.

Nothing here costs anything per chunk. The I/O layer and the agent call in at a few points per
call: `chat_trace()` when a call is prepared (None when nothing would be recorded, which is all
an untraced call ever pays), then `ChatSpan` at the start, at the first events, on a retry and at
the end. The agent's own spans (`agent_span()` around a run, `tool_span()` around each tool
call) are in `llmstream.agent._spans`, built from the pieces here: this package sits below the
I/O layer and knows nothing of the agent. opentelemetry is never imported by this package: a
program that has not imported it has no tracer provider to trace with, so an untraced call looks
at `sys.modules` and stops.

- `config`: the `Tracing` option, and the tracer a call gets (or None);
- `call`: the span of one call;
- `attributes`: attributes from what llmstream knows, and keys scrubbed out of every text;
- `content`: messages in the conventions' shapes (opt-in).
"""

from __future__ import annotations

from .attributes import CallTarget
from .call import ChatSpan, ChatTrace, chat_trace, span_in_context
from .config import CONTENT_ENV, Tracing, checked_tracing, current_context

__all__ = [
    "CONTENT_ENV",
    "CallTarget",
    "ChatSpan",
    "ChatTrace",
    "Tracing",
    "chat_trace",
    "checked_tracing",
    "current_context",
    "span_in_context",
]
