"""`AsyncClient` and `Client`: one provider, one HTTP connection pool, streams and replies."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import anyio
import httpx
from typing_extensions import Unpack

from ._http_errors import status_error
from ._options import CallOptions
from ._protocol import parse_completion
from ._request import ChatRequest, MessageLike, build_body
from ._retry import RetryPolicy
from ._sse import DEFAULT_MAX_LINE_BYTES
from ._streams import (
    AsyncChatStream,
    ChatStream,
    read_error_body,
    read_error_body_sync,
    read_reply_body,
    read_reply_body_sync,
)
from ._timeouts import EventClock, Timeouts
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ConfigurationError,
    MalformedChunkError,
    StreamTimeoutError,
)
from .events import RequestWarning
from .messages import AssistantMessage
from .providers._base import Provider

__all__ = ["AsyncClient", "Client", "PreparedCall"]

logger = logging.getLogger("llmstream")
T = TypeVar("T")
_USER_AGENT = "llmstream/0.1.0"
_REQUEST_FIELDS = frozenset(ChatRequest.__dataclass_fields__) - {"model", "messages"}
_WAITING_FOR = {
    "connect": "connecting to the provider",
    "first_event": "waiting for the first event",
    "idle": "waiting for the next event",
    "total": "on the whole call",
}


def _redact(value: Any, secret: str | None) -> Any:
    """Remove the API key from anything a provider echoed back."""
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, "[redacted]")
    if isinstance(value, dict):
        return {key: _redact(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, secret) for item in value]
    return value


@dataclass
class PreparedCall:
    """One call, ready to send (and to send again on retry)."""

    provider: Provider
    body: bytes
    headers: dict[str, str]
    warnings: list[RequestWarning]
    timeouts: Timeouts
    retry: RetryPolicy
    max_line_bytes: int

    def build_request(self, http: httpx.AsyncClient | httpx.Client) -> httpx.Request:
        limits = self.timeouts
        if isinstance(http, httpx.AsyncClient):
            # Async reads run under cancel scopes driven by the event clock.
            timeout = httpx.Timeout(connect=limits.connect, read=None, write=None, pool=None)
        else:
            # The sync watchdog takes over once the body flows; until then httpx's read timeout
            # bounds the wait for the response headers.
            waits = [t for t in (limits.first_event, limits.total) if t is not None]
            wait = min(waits) if waits else None
            timeout = httpx.Timeout(connect=limits.connect, read=wait, write=wait, pool=wait)
        try:
            return http.build_request(
                "POST",
                self.provider.chat_url,
                content=self.body,
                headers=self.headers,
                timeout=timeout,
            )
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"cannot send to {self.provider.chat_url!r}: {exc}") from None

    def status_error(self, response: httpx.Response, body: bytes) -> APIStatusError:
        error = status_error(
            response.status_code,
            response.headers,
            body,
            provider=self.provider,
            request_id=self.provider.request_id_from(response.headers),
        )
        secret = self.provider.api_key.get_secret_value() if self.provider.api_key else None
        if secret:
            error.message = _redact(error.message, secret)
            error.args = (error.message,)
            error.body = _redact(error.body, secret)
        return error

    @staticmethod
    def is_json_response(response: httpx.Response) -> bool:
        return "json" in response.headers.get("content-type", "")

    def connection_error(
        self,
        exc: Exception,
        *,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
    ) -> APIError:
        """The typed error for an httpx failure: a body that cannot be decoded is malformed,
        everything else is a connection that failed."""
        detail = f"{type(exc).__name__}: {exc or 'no detail'}"
        if isinstance(exc, httpx.DecodingError):
            return MalformedChunkError(
                f"the response body could not be decoded ({detail})",
                provider=self.provider.name,
                request_id=request_id,
                partial=partial,
            )
        return APIConnectionError(
            f"the connection failed: {detail}",
            provider=self.provider.name,
            request_id=request_id,
            partial=partial,
        )

    def timeout_error(
        self,
        limit: str,
        seconds: float,
        *,
        request_id: str | None = None,
        partial: AssistantMessage | None = None,
    ) -> StreamTimeoutError:
        return StreamTimeoutError(
            f"timed out {_WAITING_FOR[limit]}: the {limit} limit of {seconds:g}s passed "
            f"(set Timeouts({limit}=...) to change it)",
            limit=limit,
            seconds=seconds,
            provider=self.provider.name,
            request_id=request_id,
            partial=partial,
        )

    def _retry_delay(self, error: APIError, attempt: int) -> float | None:
        delay = self.retry.delay_before_retry(error, attempt)
        if delay is not None:
            logger.info(
                "retrying %s call in %.2fs (attempt %d of %d failed: %s)",
                self.provider.name,
                delay,
                attempt + 1,
                self.retry.max_retries + 1,
                error,
            )
        return delay

    async def with_retries(self, attempt: Callable[[int], Awaitable[T]]) -> T:
        """`attempt(0)`, `attempt(1)`... until one succeeds or the policy gives up, which raises
        the last error. Each attempt cleans up after itself before raising."""
        number = 0
        while True:
            try:
                return await attempt(number)
            except APIError as error:
                delay = self._retry_delay(error, number)
                if delay is None:
                    raise
            await anyio.sleep(delay)
            number += 1

    def with_retries_sync(self, attempt: Callable[[int], T]) -> T:
        """The sync twin of `with_retries`."""
        number = 0
        while True:
            try:
                return attempt(number)
            except APIError as error:
                delay = self._retry_delay(error, number)
                if delay is None:
                    raise
            time.sleep(delay)
            number += 1


class _ClientBase:
    def __init__(
        self,
        provider: Provider,
        *,
        timeouts: Timeouts | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        max_line_bytes: int,
        http_client: object,
        transport: object,
    ) -> None:
        if not isinstance(provider, Provider):
            raise ConfigurationError(
                f"a client needs a provider such as ls.OpenAI() or ls.Groq(), got {provider!r}"
            )
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        if policy.max_retries < 0:
            raise ConfigurationError("max_retries must be 0 or more")
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        self.provider = provider
        self.timeouts = timeouts or Timeouts()
        self.retry_policy = policy
        self.max_line_bytes = max_line_bytes
        self._owns_http = http_client is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"

    def _prepare(
        self,
        model: str,
        messages: Sequence[MessageLike],
        options: Mapping[str, Any],
        *,
        stream: bool,
    ) -> PreparedCall:
        fields = dict(options)
        timeouts = fields.pop("timeouts", None) or self.timeouts
        max_retries = fields.pop("max_retries", None)
        extra_headers = fields.pop("extra_headers", None) or {}
        unknown = set(fields) - _REQUEST_FIELDS
        if unknown:
            raise ConfigurationError(
                f"unknown option(s) {', '.join(sorted(unknown))}; provider-specific fields go in "
                "extra_body={...}"
            )
        request = ChatRequest(model=model, messages=messages, **fields)
        body, warnings = build_body(request, self.provider, stream=stream)
        for warning in warnings:
            logger.warning("%s: %s", self.provider.name, warning.message)
        try:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"the request body is not JSON-serialisable: {exc}") from None
        headers = {
            **self.provider.request_headers(),
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
            **extra_headers,
        }
        retry = self.retry_policy
        if max_retries is not None:
            retry = dataclasses.replace(retry, max_retries=max_retries)
        return PreparedCall(
            provider=self.provider,
            body=payload,
            headers=headers,
            warnings=warnings,
            timeouts=timeouts,
            retry=retry,
            max_line_bytes=self.max_line_bytes,
        )


def _connection_limits() -> httpx.Limits:
    # Streams hold their connection for as long as the model talks; do not cap concurrency here.
    return httpx.Limits(max_connections=None, max_keepalive_connections=64)


class AsyncClient(_ClientBase):
    """Talks to one provider, under asyncio or trio.

    ```python
    client = ls.AsyncClient(ls.Groq())
    async with client.stream(model="...", messages=[ls.user("Hi")]) as stream:
        async for event in stream: ...
    reply = stream.message
    ```
    - `timeouts`: the time limits of every call (`Timeouts()` by default; see docs/errors.md).
    - `max_retries`: retries before the first event reaches you (2 by default); `retry_policy`
      sets the backoff too. Both can be overridden per call.
    - `http_client`: your own `httpx.AsyncClient` to share (it is then yours to close), or
      `transport`: a custom httpx transport (tests use `httpx.MockTransport`).
    - `max_line_bytes`: the longest SSE line, or whole JSON reply, accepted (16 MiB); a longer
      one raises `MalformedChunkError` instead of filling memory.
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
    ) -> None:
        super().__init__(
            provider,
            timeouts=timeouts,
            max_retries=max_retries,
            retry_policy=retry_policy,
            max_line_bytes=max_line_bytes,
            http_client=http_client,
            transport=transport,
        )
        self.transport: httpx.AsyncBaseTransport | None = transport
        self.http = http_client or httpx.AsyncClient(
            transport=transport, limits=_connection_limits(), timeout=None
        )

    def stream(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AsyncChatStream:
        """Stream a chat completion: `async with client.stream(...) as stream:`."""
        return AsyncChatStream(self, self._prepare(model, messages, options, stream=True))

    async def generate(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AssistantMessage:
        """One whole (non-streamed) chat completion."""
        call = self._prepare(model, messages, options, stream=False)
        return await call.with_retries(lambda _: self._generate_once(call))

    async def _generate_once(self, call: PreparedCall) -> AssistantMessage:
        clock = EventClock(call.timeouts)
        deadline = clock.next_deadline()
        request = call.build_request(self.http)
        scope_deadline = float("inf") if deadline is None else anyio.current_time() + deadline[2]
        try:
            with anyio.CancelScope(deadline=scope_deadline) as scope:
                response = await self.http.send(request, stream=True)
                try:
                    if response.status_code >= 400:
                        body = await read_error_body(response)
                    else:
                        body = await read_reply_body(response, call)
                finally:
                    await response.aclose()
        except httpx.ConnectTimeout:
            raise call.timeout_error("connect", call.timeouts.connect or 0.0) from None
        except httpx.HTTPError as exc:
            raise call.connection_error(exc) from exc
        if scope.cancelled_caught:
            assert deadline is not None
            raise call.timeout_error(deadline[1], deadline[2])
        if response.status_code >= 400:
            raise call.status_error(response, body)
        return parse_completion(body, call.provider, headers=response.headers)

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
    ) -> None:
        super().__init__(
            provider,
            timeouts=timeouts,
            max_retries=max_retries,
            retry_policy=retry_policy,
            max_line_bytes=max_line_bytes,
            http_client=http_client,
            transport=transport,
        )
        self.transport: httpx.BaseTransport | None = transport
        self.http = http_client or httpx.Client(
            transport=transport, limits=_connection_limits(), timeout=None
        )

    def stream(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> ChatStream:
        """Stream a chat completion: `with client.stream(...) as stream:`."""
        return ChatStream(self, self._prepare(model, messages, options, stream=True))

    def generate(
        self, *, model: str, messages: Sequence[MessageLike], **options: Unpack[CallOptions]
    ) -> AssistantMessage:
        """One whole (non-streamed) chat completion."""
        call = self._prepare(model, messages, options, stream=False)
        return call.with_retries_sync(lambda _: self._generate_once(call))

    def _generate_once(self, call: PreparedCall) -> AssistantMessage:
        request = call.build_request(self.http)
        try:
            response = self.http.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    body = read_error_body_sync(response)
                else:
                    body = read_reply_body_sync(response, call)
            finally:
                response.close()
        except httpx.ConnectTimeout:
            raise call.timeout_error("connect", call.timeouts.connect or 0.0) from None
        except httpx.TimeoutException:
            deadline = EventClock(call.timeouts).next_deadline()
            limit, seconds = (deadline[1], deadline[2]) if deadline else ("total", 0.0)
            raise call.timeout_error(limit, seconds) from None
        except httpx.HTTPError as exc:
            raise call.connection_error(exc) from exc
        if response.status_code >= 400:
            raise call.status_error(response, body)
        return parse_completion(body, call.provider, headers=response.headers)

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
