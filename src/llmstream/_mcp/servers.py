"""Where an MCP server is and how to reach it: a child process over stdio, streamable HTTP, or a
legacy SSE endpoint.

Each is plain data, safe to show: `describe()` names the command or the URL (without its query
or credentials), never an environment variable's or a header's value, nor an argument that
carries a credential (`--api-key=...`, `--token ...`, a URL's password or query).
`connect()` (called in the session's own task) gives what the SDK's `Client` takes, and the
protocol negotiation to use; the SDK is imported only there.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from .._redact import REDACTED, is_credential_name

__all__ = ["HTTPServer", "SSEServer", "Server", "StdioServer", "secret_arguments"]

# How long an HTTP request may wait to connect or write, and an SSE stream between events:
# the SDK's own defaults. A tool call's time limit is the agent's, not these.
HTTP_TIMEOUT = 30.0
SSE_READ_TIMEOUT = 300.0


def _safe_url(url: str) -> str:
    """The URL without user info, query or fragment: what may appear in a repr or an error."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def _read_arguments(args: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """Each argument as a repr or an error may show it, and the credentials it carries: the
    value of a flag named like one (`--api-key=VALUE`, `--token VALUE`), a URL's password and
    query."""
    flag_before = False
    for arg in args:
        name, equals, value = arg.partition("=")
        flag = arg.startswith("-") and is_credential_name(name.lstrip("-"))
        if flag_before:
            yield REDACTED, [arg]
        elif flag and value:
            yield f"{name}={REDACTED}", [value]
        elif "://" in arg and urlsplit(arg).scheme:
            parts = urlsplit(arg)
            yield _safe_url(arg), [text for text in (parts.password, parts.query) if text]
        else:
            yield arg, []
        flag_before = flag and not equals


def secret_arguments(args: Sequence[str]) -> list[str]:
    """The credentials among a command's arguments (see `_read_arguments`)."""
    return [secret for _shown, secrets in _read_arguments(args) for secret in secrets]


@dataclass(frozen=True, repr=False)
class StdioServer:
    """A server the toolset starts as a child process and talks to over its stdin and stdout."""

    command: str
    args: Sequence[str] = ()
    env: Mapping[str, str] | None = None
    cwd: str | Path | None = None
    stderr: TextIO | None = None

    def describe(self) -> str:
        return shlex.join([str(self.command), *(shown for shown, _ in _read_arguments(self.args))])

    def connect(self) -> tuple[Any, str]:
        from mcp.client.stdio import StdioServerParameters, stdio_client

        parameters = StdioServerParameters(
            command=self.command,
            args=list(self.args),
            env=dict(self.env) if self.env is not None else None,
            cwd=self.cwd,
        )
        return stdio_client(parameters, errlog=self.stderr or sys.stderr), "auto"


@dataclass(frozen=True, repr=False)
class HTTPServer:
    """A server reached over streamable HTTP, each request carrying `headers`."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return _safe_url(self.url)

    def connect(self) -> tuple[Any, str]:
        return _streamable_http(self.url, dict(self.headers)), "auto"


@dataclass(frozen=True, repr=False)
class SSEServer:
    """A legacy server (protocol 2024-11-05) that streams over server-sent events at `url` and
    takes messages at the endpoint it names."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return _safe_url(self.url)

    def connect(self) -> tuple[Any, str]:
        from mcp.client.sse import sse_client

        transport = sse_client(
            self.url, headers=dict(self.headers), sse_read_timeout=SSE_READ_TIMEOUT
        )
        return transport, "legacy"  # such a server knows only the initialize handshake


Server = StdioServer | HTTPServer | SSEServer


@contextlib.asynccontextmanager
async def _streamable_http(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    """The SDK's streamable HTTP transport on an HTTP client that sends `headers`, closed with
    it."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(HTTP_TIMEOUT, read=SSE_READ_TIMEOUT)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            yield streams
