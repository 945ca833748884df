"""Every error llmstream raises, rooted at `LLMStreamError`.

```
LLMStreamError
├── ConfigurationError          the client or a call was set up wrong (no key, key over plain http)
├── StreamBusyError             two tasks read one stream at once
├── StreamNotFinishedError      `stream.message` asked of a stream not read to its end
├── ToolArgumentsError          a tool call's arguments are not valid JSON
├── ToolsetError                a toolset could not be opened (an MCP server did not start)
└── APIError                    something went wrong talking to the provider
    ├── APIStatusError          an HTTP error status; subclasses by status
    │   ├── BadRequestError         400, 413, 422
    │   │   └── ContextLengthError      ...the prompt does not fit the model's context
    │   ├── AuthenticationError     401 (and xAI's 400 for a bad key)
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404, e.g. an unknown model
    │   ├── RateLimitError          429, with `retry_after`
    │   │   └── RateLimitWaitError      ...foreseen by the pacer: the call was not sent
    │   ├── OverloadedError         503, Groq's 498 capacity_exceeded
    │   └── ServerError             other 5xx
    ├── APIConnectionError      the transport failed (refused, reset, EOF, protocol error)
    │   └── StreamTimeoutError      a connect / first_event / idle / total limit fired
    ├── StreamError             the provider reported an error inside a 200 stream
    ├── IncompleteStreamError   the stream ended before the model finished
    ├── OutputValidationError   the structured output does not validate (or was cut short)
    ├── RefusalError            the model refused to produce the structured output
    └── MalformedChunkError     a chunk was not valid JSON (or not a chunk at all)
        └── ResponseTooLargeError   ...a line, an event, a reply or a stream past a size limit
```

Errors raised while a stream was running carry `partial`: the `AssistantMessage` assembled from
what arrived before the failure. Events already yielded stay valid.

Three of them are defined below the messages, which raise them: `LLMStreamError` and
`ConfigurationError` (in `llmstream._vocabulary.root_errors`) and `ToolArgumentsError` (beside
`ToolCall` in `llmstream.messages`); they are part of this module all the same.
"""

from __future__ import annotations

from typing import Any

from ._vocabulary.ratelimits import RateLimits
from ._vocabulary.root_errors import ConfigurationError, LLMStreamError
from .messages import AssistantMessage, ToolArgumentsError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContextLengthError",
    "IncompleteStreamError",
    "LLMStreamError",
    "MalformedChunkError",
    "NotFoundError",
    "OutputValidationError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitWaitError",
    "RefusalError",
    "ResponseTooLargeError",
    "ServerError",
    "StreamBusyError",
    "StreamError",
    "StreamNotFinishedError",
    "StreamTimeoutError",
    "ToolArgumentsError",
    "ToolsetError",
]


class StreamBusyError(LLMStreamError, RuntimeError):
    """Two tasks (or threads) read one stream at the same time.

    A stream hands out its events in order to one reader. To give them to several consumers,
    read it in one task and pass each event on (an anyio memory object stream, a queue).
    """


class StreamNotFinishedError(LLMStreamError, RuntimeError):
    """`stream.message` was asked of a stream that was not read to its end (a `break`, an
    error, or still reading): there is no final message. `stream.partial` is what arrived.
    An agent run's `run.result` raises it too, before the run has ended.

    Also a `RuntimeError`, which it was before it had a class of its own.
    """


class ToolsetError(LLMStreamError):
    """A toolset could not be opened for a run: its MCP server could not be started or reached,
    refused the session, or did not list its tools in time. The message names the server and
    what went wrong (never a header's or an environment variable's value)."""


class APIError(LLMStreamError):
    """A failure while talking to a provider.

    `message` is the provider's own message when it sent one. `partial` is the message assembled
    before the failure (an empty one if the failure came before any of the response).
    `attempts` is how many HTTP requests the call made, retries and fallbacks included, and
    `attempt_errors` what each of them ended with.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
        attempts: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.request_id = request_id
        self.partial = partial
        self.attempts = attempts
        self.attempt_errors: list[APIError] = [self]
        """The error of every attempt the call made, in order, retries and fallbacks included
        (the last one is this error)."""

    def __str__(self) -> str:
        where = f"{self.provider}: " if self.provider else ""
        request = f" [request_id={self.request_id}]" if self.request_id else ""
        tries = f" (after {self.attempts} attempts)" if (self.attempts or 0) > 1 else ""
        return f"{where}{self.message}{self._details()}{tries}{request}"

    def _details(self) -> str:
        return ""


class _ProviderErrorFields(APIError):
    """Errors that carry the provider's error `type`, `code` and `param`."""

    def __init__(
        self,
        message: str,
        *,
        type: str | None = None,
        code: str | int | None = None,
        param: str | None = None,
        body: Any = None,
        provider: str | None = None,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
    ) -> None:
        super().__init__(message, provider=provider, request_id=request_id, partial=partial)
        self.type = type
        self.code = code
        self.param = param
        self.body = body

    def _details(self) -> str:
        fields = [f"{name}={value}" for name, value in self._detail_fields() if value is not None]
        return f" ({', '.join(fields)})" if fields else ""

    def _detail_fields(self) -> list[tuple[str, Any]]:
        return [("type", self.type), ("code", self.code), ("param", self.param)]


class APIStatusError(_ProviderErrorFields):
    """The provider answered with an HTTP error status.

    `status_code`, the provider's `type`, `code` and `param`, the parsed `body`, the response
    `headers` and its rate-limit headers as `limits` are all kept.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: dict[str, str] | None = None,
        limits: RateLimits | None = None,
        retry_after: float | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.status_code = status_code
        self.headers = headers or {}
        self.limits = limits
        self.retry_after = retry_after

    def _detail_fields(self) -> list[tuple[str, Any]]:
        return [("status", self.status_code), *super()._detail_fields()]


class BadRequestError(APIStatusError):
    """400, 413 or 422: the request itself was refused. Retrying will not help."""


class ContextLengthError(BadRequestError):
    """The prompt (plus `max_tokens`) does not fit the model's context window."""


class AuthenticationError(APIStatusError):
    """401 (or xAI's 400 for a bad key): the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not use this model or endpoint."""


class NotFoundError(APIStatusError):
    """404: most often a model name the provider does not know."""


class RateLimitError(APIStatusError):
    """429: too many requests or tokens. `retry_after` is how long the provider asked to wait."""


class RateLimitWaitError(RateLimitError):
    """The client's `RateLimitPacer` did not send the call: the provider's rate limit is used up
    for longer than the pacer's `max_wait`, so the answer would have been a 429.

    Nothing was sent. `retry_after` is how long until the limit reopens, `limits` the latest
    rate-limit headers, `status_code` the 429 that was foreseen. The call is not retried on the
    same provider (it would only wait again), but it falls back like a 429.
    """


class OverloadedError(APIStatusError):
    """503, or Groq's 498 `capacity_exceeded`: the provider is out of capacity for now."""


class ServerError(APIStatusError):
    """A 5xx other than 503: the provider failed."""


class APIConnectionError(APIError):
    """The connection failed: refused, reset, closed early, or the HTTP exchange was broken."""


class StreamTimeoutError(APIConnectionError):
    """A time limit fired. `limit` says which: `connect`, `first_event`, `idle` or `total`."""

    def __init__(self, message: str, *, limit: str, seconds: float, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.limit = limit
        self.seconds = seconds


class StreamError(_ProviderErrorFields):
    """The provider reported an error inside a stream that had started with HTTP 200.

    `status_code` is the status the provider put inside the error, when it gave one.
    """

    def __init__(self, message: str, *, status_code: int | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.status_code = status_code


class IncompleteStreamError(APIError):
    """The stream ended before the model finished (no `finish_reason`): the reply is cut short."""


class OutputValidationError(APIError):
    """The reply does not hold a valid object of the structured output's model.

    `text` is the raw JSON text (the reply's text, or the output tool's arguments), `errors` is
    pydantic's list of what failed (empty when the reply was cut short or the output tool was
    not called), and `partial` the whole message. `hint`, when the failure is one another
    structured-output mode would avoid (a server that cannot force a tool call, or ignores
    `response_format`), names that mode and how to ask for it; it is part of `str(error)`, not
    of `message` (which an agent sends back to the model).
    """

    def __init__(
        self, message: str, *, text: str, errors: list[Any], hint: str | None = None, **fields: Any
    ) -> None:
        super().__init__(message, **fields)
        self.text = text
        self.errors = errors
        self.hint = hint

    def _details(self) -> str:
        return f"; {self.hint}" if self.hint else ""


class RefusalError(APIError):
    """The model refused to produce the structured output; `refusal` is what it said."""

    def __init__(self, message: str, *, refusal: str, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.refusal = refusal


class MalformedChunkError(APIError):
    """A stream chunk (or a whole response) could not be read. `data` is the offending text."""

    def __init__(self, message: str, *, data: str | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.data = data


class ResponseTooLargeError(MalformedChunkError):
    """A response grew past one of the client's size limits, and nothing more of it was read.

    `limit` names the limit: `max_line_bytes` (one server-sent-events line, one event with all
    its `data:` lines, or a whole JSON reply) or `max_response_bytes` (a whole stream);
    `max_bytes` is its value. Raise it on the client, e.g.
    `ls.AsyncClient(provider, max_line_bytes=64 * 1024 * 1024)`, if a server you trust needs
    more.
    """

    def __init__(self, message: str, *, limit: str, max_bytes: int, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.limit = limit
        self.max_bytes = max_bytes
