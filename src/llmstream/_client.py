"""`AsyncClient` and `Client`: one provider, one HTTP connection pool, and every call.

`stream()` and `generate()` are the same exchange through the same driver (`llmstream._io`):
`generate()` asks for `stream: false` and collects the events of the JSON reply into the
message. The clients only configure: they turn a call's options into a `Call`.

For the rest of the package: `open_call` (and `open_call_sync`) is the one way to open a call,
which the agent's steps use too; a client keeps what it was made with in `ClientSettings`, and
`async_copy` makes an `AsyncClient` from them (the agent's sync runs need one in their own
event loop), so a new client option needs no other edit to be copied.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

import httpx
from typing_extensions import Unpack

from ._core.body import encode_body
from ._core.checks import check_headers, check_type, type_name
from ._core.content_encoding import ACCEPT_ENCODING
from ._core.output import resolve_output
from ._core.parser import DEFAULT_MAX_RESPONSE_BYTES
from ._core.request import ChatRequest, MessageLike
from ._core.sse import DEFAULT_MAX_LINE_BYTES
from ._io.call import Call, Redactors, Target
from ._io.drivers import AsyncChatStream, ChatStream
from ._io.pacing import RateLimitPacer
from ._options import OPTION_NAMES, CallOptions, check_option_names, with_options_doc
from ._public import publish
from ._tracing import Tracing, chat_trace, checked_tracing
from ._version import __version__
from ._vocabulary.retry import RetryPolicy
from ._vocabulary.timeouts import Timeouts
from .errors import ConfigurationError
from .messages import AssistantMessage
from .providers._base import Provider

__all__ = ["AsyncClient", "Client", "ClientSettings", "async_copy", "open_call", "open_call_sync"]

logger = logging.getLogger("llmstream")
_USER_AGENT = f"llmstream/{__version__}"
# What every request of a client sends whatever its provider. Accept-Encoding: the codings the
# body reader decodes within its memory bounds, not httpx's default (which names brotli and zstd
# when they are installed).
_CLIENT_HEADERS: Final = {"User-Agent": _USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
# A call's options (`CallOptions`, the one typed list) are what its request asks of the model
# (the fields of `ChatRequest`) and, besides those, how the call itself is made (time limits,
# retries, headers, fallbacks...): both sets are derived, and `_prepare` reads each of the
# latter (tests/test_request.py checks that it reads them all).
_REQUEST_OPTIONS = frozenset(field.name for field in dataclasses.fields(ChatRequest)) - {
    "model",
    "messages",
}
_CALL_OPTIONS = OPTION_NAMES - _REQUEST_OPTIONS


def _checked_timeouts(timeouts: object) -> Timeouts | None:
    if timeouts is not None and not isinstance(timeouts, Timeouts):
        raise ConfigurationError(
            f"timeouts must be ls.Timeouts(...), got {type_name(timeouts)}; for example "
            "timeouts=ls.Timeouts(total=30) for a 30-second limit on the whole call"
        )
    return timeouts


def _checked_fallbacks(fallbacks: object) -> list[tuple[Provider, str]] | None:
    """`[(provider, model), ...]`, checked."""
    if fallbacks is None:
        return None
    example = "fallbacks=[(ls.Groq(), 'openai/gpt-oss-120b'), (ls.Cerebras(), 'gpt-oss-120b')]"
    if isinstance(fallbacks, (str, bytes)) or not isinstance(fallbacks, Sequence):
        raise ConfigurationError(
            f"fallbacks must be a list of (provider, model) pairs, got {type_name(fallbacks)}; "
            f"for example {example}"
        )
    checked = []
    for position, pair in enumerate(fallbacks):
        if (
            not isinstance(pair, tuple)
            or len(pair) != 2
            or not isinstance(pair[0], Provider)
            or not isinstance(pair[1], str)
            or not pair[1]
        ):
            raise ConfigurationError(
                f"fallbacks[{position}] must be a (provider, model) pair, got {pair!r}; for "
                f"example {example}"
            )
        checked.append((pair[0], pair[1]))
    return checked


def _with_max_retries(policy: RetryPolicy, max_retries: object) -> RetryPolicy:
    if max_retries is None:
        return policy
    check_type("max_retries", max_retries, int, "a whole number", "max_retries=3")
    assert isinstance(max_retries, int)
    if max_retries < 0:
        raise ConfigurationError("max_retries must be 0 or more; max_retries=0 turns retries off")
    return dataclasses.replace(policy, max_retries=max_retries)


@dataclass(frozen=True)
class ClientSettings:
    """What a client was made with, checked, but its HTTP pool: all that a copy of it needs.

    Each field is the client argument, and the client attribute, of the same name
    (`max_retries` is folded into `retry_policy`): `of()` reads them off a client, and
    `arguments()` gives them to a new one, so a new option needs no other edit to be copied
    (tests/test_agent.py checks that every argument is here).
    """

    provider: Provider
    timeouts: Timeouts
    retry_policy: RetryPolicy
    max_line_bytes: int
    max_response_bytes: int
    fallbacks: list[tuple[Provider, str]]
    pacer: RateLimitPacer | None
    tracing: Tracing

    @classmethod
    def of(cls, client: AsyncClient | Client) -> ClientSettings:
        return cls(**{field.name: getattr(client, field.name) for field in dataclasses.fields(cls)})

    def arguments(self) -> dict[str, Any]:
        """The settings as the keyword arguments of `AsyncClient` and `Client`."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


class _ClientBase:
    def __init__(
        self,
        provider: Provider,
        *,
        timeouts: Timeouts | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        max_line_bytes: int,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: object,
        transport: object,
        fallbacks: object = None,
        pacer: object = None,
        tracing: object = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(provider, Provider):
            raise ConfigurationError(
                f"{name} needs a provider such as ls.OpenAI() or ls.Groq(), got "
                f"{type_name(provider)}; for example ls.{name}(ls.Groq())"
            )
        if retry_policy is not None:
            check_type("retry_policy", retry_policy, RetryPolicy, "an ls.RetryPolicy",
                       "retry_policy=ls.RetryPolicy(max_retries=5)")  # fmt: skip
        check_type("max_line_bytes", max_line_bytes, int, "a number of bytes",
                   "max_line_bytes=32 * 1024 * 1024")  # fmt: skip
        check_type("max_response_bytes", max_response_bytes, int, "a number of bytes",
                   "max_response_bytes=1024 * 1024 * 1024")  # fmt: skip
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        if pacer is not None:
            check_type("pacer", pacer, RateLimitPacer, "an ls.RateLimitPacer",
                       "pacer=ls.RateLimitPacer()")  # fmt: skip
        # The client's settings (`ClientSettings` names them, to copy the client).
        self.pacer = pacer if isinstance(pacer, RateLimitPacer) else None
        self.provider = provider
        self.timeouts = _checked_timeouts(timeouts) or Timeouts()
        self.retry_policy = _with_max_retries(retry_policy or RetryPolicy(), max_retries)
        self.max_line_bytes = max_line_bytes
        self.max_response_bytes = max_response_bytes
        self.fallbacks = _checked_fallbacks(fallbacks) or []
        self.tracing: Tracing = checked_tracing(tracing)
        self._owns_http = http_client is None
        # `_CLIENT_HEADERS` are the defaults of llmstream's own httpx client, set once: httpx
        # merges each request's headers into its client's, and a header merged costs a short
        # call about 1% of its instructions. A client of yours is left as it is, and each
        # request through it names them instead.
        self._client_headers = {} if self._owns_http else _CLIENT_HEADERS
        self._redactors = Redactors()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"

    def _prepare(
        self,
        model: str,
        messages: Sequence[MessageLike],
        options: Mapping[str, Any],
        *,
        stream: bool,
    ) -> Call:
        timeouts = _checked_timeouts(options.get("timeouts")) or self.timeouts
        retry = _with_max_retries(self.retry_policy, options.get("max_retries"))
        extra_headers = check_headers(options.get("extra_headers") or {}, "extra_headers")
        partial_tool_arguments = bool(options.get("partial_tool_arguments", False))
        fallbacks = _checked_fallbacks(options.get("fallbacks"))
        if fallbacks is None:
            fallbacks = self.fallbacks
        check_option_names(options, OPTION_NAMES, "a call")
        # The request's own fields; `output` is made concrete for each provider in turn.
        output = options.get("output")
        fields = {
            name: value
            for name, value in options.items()
            if name in _REQUEST_OPTIONS and name != "output"
        }
        headers = (
            {**self._client_headers, **extra_headers} if self._client_headers else extra_headers
        )
        targets = [
            self._target(provider, name, messages, fields, output, headers, stream=stream)
            for provider, name in [(self.provider, model), *fallbacks]
        ]
        return Call(
            targets=targets,
            timeouts=timeouts,
            retry=retry,
            max_line_bytes=self.max_line_bytes,
            max_response_bytes=self.max_response_bytes,
            stream=stream,
            partial_tool_arguments=partial_tool_arguments,
            pacer=self.pacer,
            trace=chat_trace(self.tracing, fields, stream=stream, structured=output is not None),
            known_redactor=self._redactors.of(targets),
        )

    @staticmethod
    def _target(
        provider: Provider,
        model: str,
        messages: Sequence[MessageLike],
        fields: Mapping[str, Any],
        output: object,
        extra_headers: Mapping[str, str],
        *,
        stream: bool,
    ) -> Target:
        """The request for one provider: its own body (output limit field, reasoning in
        history, structured-output mode...) and headers."""
        resolved = None if output is None else resolve_output(output, provider.output_mode)
        request = ChatRequest(model=model, messages=messages, output=resolved, **fields)
        body, warnings = encode_body(request, provider, stream=stream)
        for warning in warnings:
            logger.warning("%s: %s", provider.name, warning.message)
        headers = {
            **provider.request_headers(),
            "Content-Type": "application/json",
            **extra_headers,
        }
        return Target(provider, model, body, headers, warnings, resolved)


def _connection_limits() -> httpx.Limits:
    # Streams hold their connection for as long as the model talks; do not cap concurrency here.
    return httpx.Limits(max_connections=None, max_keepalive_connections=64)


class AsyncClient(_ClientBase):
    """Talks to one provider, under asyncio or trio: one connection pool, every call.

    ```python
    client = ls.AsyncClient(ls.Groq())
    async with client.stream(model="...", messages=[ls.user("Hi")]) as stream:
        async for event in stream: ...
    reply = stream.message
    ```

    Close it with `await client.aclose()`, or use it as `async with ls.AsyncClient(...) as
    client:`.

    Args:
        provider: Who answers: `ls.OpenAI()`, `ls.Groq()`, `ls.OpenAICompatible(url)`... (it
            holds the base URL and the key).
        timeouts: The time limits of every call (`ls.Timeouts()` by default: connect 10 s,
            first event 600 s, idle 120 s, no total); `timeouts=` on a call overrides them.
        max_retries: How many times a call that fails before its first event is retried (2
            by default); `max_retries=` on a call overrides it.
        retry_policy: The backoff too (`ls.RetryPolicy(...)`); `max_retries` overrides its
            count.
        http_client: Your own `httpx.AsyncClient` to share (it is then yours to close).
        transport: A custom httpx transport in place of the network (tests use
            `httpx.MockTransport` or `llmstream.testing.ReplayTransport`); not with
            `http_client`.
        max_line_bytes: The longest SSE line, SSE event (its data lines together) or whole
            JSON reply accepted (16 MiB); a longer one raises `ResponseTooLargeError` instead
            of filling memory.
        max_response_bytes: The most a streamed response may send (256 MiB), a bound on
            everything assembled from it; past it the stream ends with
            `ResponseTooLargeError`.
        fallbacks: `[(provider, model), ...]` to try in turn when a call fails before its first
            event with a 429, a 5xx, a broken connection or a time limit (after its own
            retries); `fallbacks=` on a call overrides them. `message.provider` says which one
            answered.
        pacer: An `ls.RateLimitPacer`, shared by as many clients as you like, that holds each
            call back while the provider's rate-limit headers say a limit is used up (see
            docs/rate-limits.md). None (the default): calls go at once.
        tracing: OpenTelemetry spans for each call, on by default once a tracer provider is
            set (`opentelemetry-api`); `ls.Tracing(...)` chooses the provider and whether
            message contents are recorded, `False` turns it off (docs/telemetry.md).
    """

    def __init__(
        self,
        provider: Provider,
        *,
        timeouts: Timeouts | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        fallbacks: Sequence[tuple[Provider, str]] | None = None,
        pacer: RateLimitPacer | None = None,
        tracing: Tracing | bool | None = None,
    ) -> None:
        super().__init__(
            provider,
            timeouts=timeouts,
            max_retries=max_retries,
            retry_policy=retry_policy,
            max_line_bytes=max_line_bytes,
            max_response_bytes=max_response_bytes,
            http_client=http_client,
            transport=transport,
            fallbacks=fallbacks,
            pacer=pacer,
            tracing=tracing,
        )
        self.transport: httpx.AsyncBaseTransport | None = transport
        self.http = http_client or httpx.AsyncClient(
            transport=transport,
            limits=_connection_limits(),
            timeout=None,
            headers=_CLIENT_HEADERS,
        )

    @with_options_doc(CallOptions)
    def stream(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AsyncChatStream:
        """Stream a chat completion: `async with client.stream(...) as stream:`.

        Entering the block sends the request and waits for the first event, retrying what
        fails before it; iterate the stream for events (or `stream.text_stream` for the text
        alone); afterwards `stream.message` is the whole reply.

        Args:
            model: The model's name at this provider (`"gpt-4o-mini"`, `"openai/gpt-oss-20b"`).
            messages: The conversation so far: `ls.system(...)`, `ls.user(...)`, earlier
                replies as received, `ls.tool_result(...)`, or chat-completions dicts.
            **options: Any of `ls.CallOptions`: `max_tokens`, `temperature`, `tools`,
                `output`, `timeouts`... (each one is described in `ls.CallOptions`, and
                listed at the end of `help()` on this method).

        Returns:
            An `AsyncChatStream`, not yet open: enter it with `async with`.
        """
        return open_call(self, model, messages, options, stream=True)

    @with_options_doc(CallOptions)
    async def generate(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AssistantMessage:
        """One whole (non-streamed) chat completion: `reply = await client.generate(...)`.

        The same call as `stream()`, with `stream: false` in the body, read by the same code
        and collected into the message.

        Args:
            model: The model's name at this provider (`"gpt-4o-mini"`, `"openai/gpt-oss-20b"`).
            messages: The conversation so far: `ls.system(...)`, `ls.user(...)`, earlier
                replies as received, `ls.tool_result(...)`, or chat-completions dicts.
            **options: Any of `ls.CallOptions`: `max_tokens`, `temperature`, `tools`,
                `output`, `timeouts`... (each one is described in `ls.CallOptions`, and
                listed at the end of `help()` on this method).

        Returns:
            The whole reply, an `AssistantMessage` (check `finish_reason`: `"length"` means
            it was cut off at `max_tokens`).
        """
        async with open_call(self, model, messages, options, stream=False) as reply:
            return await reply.collect()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class Client(_ClientBase):
    """The sync twin of `AsyncClient`, with the same arguments.

    ```python
    client = ls.Client(ls.Groq())
    with client.stream(model="...", messages=[ls.user("Hi")]) as stream:
        for event in stream: ...
    ```

    Close it with `client.close()`, or use it as `with ls.Client(...) as client:`.

    Args:
        provider: Who answers: `ls.OpenAI()`, `ls.Groq()`, `ls.OpenAICompatible(url)`... (it
            holds the base URL and the key).
        timeouts: The time limits of every call (`ls.Timeouts()` by default: connect 10 s,
            first event 600 s, idle 120 s, no total); `timeouts=` on a call overrides them.
        max_retries: How many times a call that fails before its first event is retried (2
            by default); `max_retries=` on a call overrides it.
        retry_policy: The backoff too (`ls.RetryPolicy(...)`); `max_retries` overrides its
            count.
        http_client: Your own `httpx.Client` to share (it is then yours to close).
        transport: A custom httpx transport in place of the network; not with `http_client`.
        max_line_bytes: The longest SSE line, SSE event or whole JSON reply accepted (16 MiB).
        max_response_bytes: The most a streamed response may send (256 MiB).
        fallbacks: `[(provider, model), ...]` to try in turn when a call fails before its first
            event (see `AsyncClient`); `fallbacks=` on a call overrides them.
        pacer: An `ls.RateLimitPacer` that holds each call back while a rate limit is used up
            (see `AsyncClient`).
        tracing: OpenTelemetry spans for each call (see `AsyncClient`); `False` turns them off.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        timeouts: Timeouts | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        fallbacks: Sequence[tuple[Provider, str]] | None = None,
        pacer: RateLimitPacer | None = None,
        tracing: Tracing | bool | None = None,
    ) -> None:
        super().__init__(
            provider,
            timeouts=timeouts,
            max_retries=max_retries,
            retry_policy=retry_policy,
            max_line_bytes=max_line_bytes,
            max_response_bytes=max_response_bytes,
            http_client=http_client,
            transport=transport,
            fallbacks=fallbacks,
            pacer=pacer,
            tracing=tracing,
        )
        self.transport: httpx.BaseTransport | None = transport
        self.http = http_client or httpx.Client(
            transport=transport,
            limits=_connection_limits(),
            timeout=None,
            headers=_CLIENT_HEADERS,
        )

    @with_options_doc(CallOptions)
    def stream(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> ChatStream:
        """Stream a chat completion: `with client.stream(...) as stream:`.

        Args:
            model: The model's name at this provider.
            messages: The conversation so far (as for `AsyncClient.stream`).
            **options: Any of `ls.CallOptions` (each one is described in `ls.CallOptions`,
                and listed at the end of `help()` on this method).

        Returns:
            A `ChatStream`, not yet open: enter it with `with`.
        """
        return open_call_sync(self, model, messages, options, stream=True)

    @with_options_doc(CallOptions)
    def generate(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AssistantMessage:
        """One whole (non-streamed) chat completion: `reply = client.generate(...)`.

        Args:
            model: The model's name at this provider.
            messages: The conversation so far (as for `AsyncClient.stream`).
            **options: Any of `ls.CallOptions` (each one is described in `ls.CallOptions`,
                and listed at the end of `help()` on this method).

        Returns:
            The whole reply, an `AssistantMessage`.
        """
        with open_call_sync(self, model, messages, options, stream=False) as reply:
            return reply.collect()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_call(
    client: AsyncClient,
    model: str,
    messages: Sequence[MessageLike],
    options: Mapping[str, Any],
    *,
    stream: bool,
) -> AsyncChatStream:
    """The driver of one call, not yet entered: what `client.stream()` returns and `generate()`
    collects, and what an agent step iterates (streamed or whole alike). The package's one way
    to open a call."""
    return AsyncChatStream(client.http, client._prepare(model, messages, options, stream=stream))


def open_call_sync(
    client: Client,
    model: str,
    messages: Sequence[MessageLike],
    options: Mapping[str, Any],
    *,
    stream: bool,
) -> ChatStream:
    """The sync twin of `open_call`."""
    return ChatStream(client.http, client._prepare(model, messages, options, stream=stream))


def async_copy(client: AsyncClient | Client) -> AsyncClient:
    """An `AsyncClient` made from `client`'s settings, with a connection pool of its own (not
    yet entered: `async with` closes it).

    httpx connections belong to the event loop that opened them, so a run in an event loop of
    its own (an agent's sync run) cannot borrow the caller's pool; a transport that speaks both
    sync and async (such as the replay transport) is shared.
    """
    transport = client.transport
    shared = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
    return AsyncClient(**ClientSettings.of(client).arguments(), transport=shared)


publish(globals(), "llmstream")
