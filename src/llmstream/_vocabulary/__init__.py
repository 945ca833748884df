"""The vocabulary every layer speaks, beside the public `messages`, `events` and `errors`.

The public value types that describe a call and what came back, and what they are built on;
each is exported by `llmstream/__init__.py`. Nothing here sends, reads or parses a stream: the
core (`_core`), the I/O layer (`_io`) and the clients use these types, never the other way.

- `root_errors`: `LLMStreamError` and `ConfigurationError`, which every layer (these types
  included) may raise; `llmstream.errors` holds the whole hierarchy;
- `reprs`: short reprs for messages, events and results;
- `usage`: `Usage`, and how a provider's raw usage object becomes one;
- `cost`: `Cost` (what a call cost; the pricing is in `_core/cost.py`);
- `ratelimits`: `RateLimits`, read from the rate-limit headers, and `retry-after`;
- `timeouts`: `Timeouts`, a call's time limits (the clock that enforces them is `_io`'s);
- `retry`: `RetryPolicy`, and which failures are worth another attempt;
- `output`: `NativeOutput`, `ToolOutput`, `PromptedOutput`: how structured output is asked for.
"""
