"""One open session with one MCP server: started, listed, called, and always closed.

The SDK's `Client` lives in a task of its own (the host), started by `open_session` and ended
when the block that opened it ends. Its transport's own tasks can fail (an HTTP server that
drops the connection mid-call fails them with the transport's error): that failure ends the host
and is kept as the reason the session is over, instead of cancelling whoever happened to open
it.

Each call runs in a task of the session too, which the caller waits for. A call to a server that
died is cancelled by the host, and its caller told why at once. A caller that is cancelled (the
agent's time limit, or the run being cancelled) stops waiting at once: its call is cancelled
behind it, and the SDK sends the server MCP's `notifications/cancelled` (a write that may wait,
but not the caller). Closing a stdio session closes the child's stdin, then terminates and kills
it if it does not exit: the SDK's shutdown, shielded from cancellation, so the child is reaped
however the block ends.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.abc
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, ToolListChangedNotification
from mcp.types import Tool as MCPTool

from .._redact import redact_secret
from ..errors import ToolsetError
from .results import MCPToolError
from .servers import Server

__all__ = ["MCPServerGone", "MCPSession", "open_session"]

logger = logging.getLogger("llmstream.mcp")

# A server that pages its tool list forever cannot hang a listing or fill memory.
MAX_PAGES = 100


class MCPServerGone(Exception):
    """The session with the MCP server is over (it crashed, exited, or dropped the connection),
    or was closed; the message says which, for the model."""


def _reason(error: BaseException) -> str:
    """The innermost errors of `error` (task groups wrap them), each as `Type: message`."""
    inner = getattr(error, "exceptions", None)  # an exception group (a builtin from 3.11)
    if isinstance(inner, tuple) and inner:
        return "; ".join(_reason(each) for each in inner)
    if isinstance(error, TimeoutError) and not str(error):
        return "it did not answer in time"
    text = str(error) or "(no message)"
    return f"{type(error).__name__}: {text}"


class MCPSession:
    """A live session: `tools()` (listed again when the server says its list changed) and
    `call_tool()`. Made by `open_session`."""

    def __init__(self, server: Server, secrets: list[str], group: anyio.abc.TaskGroup) -> None:
        self.server = server
        self._group = group  # where the host and the calls run
        self._secrets = secrets
        self._client: Client | None = None
        self._tools: list[MCPTool] = []
        self._stale = True  # the list must be fetched (again) before it is used
        self._closing = anyio.Event()
        self._calls: set[anyio.CancelScope] = set()
        self.gone: str | None = None
        """Why the session is over, once it is."""
        self._lost = False  # over because the server or the connection failed, not closed

    # -- the host task ---------------------------------------------------------------------
    async def host(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Run the SDK client until the session closes or the connection fails."""
        target, mode = self.server.connect()
        started = False
        try:
            async with Client(
                target, mode=mode, message_handler=self._on_message, cache=None
            ) as client:
                self._client = client
                async with anyio.create_task_group() as watchers:
                    capabilities = client.server_capabilities.tools
                    if capabilities is not None and capabilities.list_changed:
                        watchers.start_soon(self._listen, client)
                    task_status.started()
                    started = True
                    await self._closing.wait()
                    watchers.cancel_scope.cancel()
        except Exception as error:
            if not started:
                raise
            why = self._redact(_reason(error))
            self._end(f"the connection to the MCP server {self.server.describe()} failed ({why})")
        finally:
            self._end(None)

    def _end(self, lost: str | None) -> None:
        """The session is over, `lost` (why) or closed: the first word on it stands, and every
        call stops waiting."""
        if self.gone is None:
            self.gone = lost or f"the session with the MCP server {self.server.describe()} closed"
            self._lost = lost is not None
        for scope in self._calls:
            scope.cancel()

    async def _on_message(self, message: Any) -> None:
        """Server notifications (up to protocol 2025-11-25): a changed tool list is listed again
        before the next step. Other notifications, and transport errors the SDK reports here
        (a line that is not JSON-RPC), are logged."""
        if isinstance(message, ToolListChangedNotification):
            self._stale = True
        elif isinstance(message, Exception):
            logger.debug("MCP server %s: %s", self.server.describe(), _reason(message))

    async def _listen(self, client: Client) -> None:
        """From protocol 2026-07-28 a client subscribes to list changes; a server that cannot
        keep its subscription keeps the list it gave."""
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    self._stale = True
        except Exception as error:
            logger.debug("MCP server %s: no list changes: %s", self.server.describe(), error)

    # -- what callers use --------------------------------------------------------------------
    def _live(self) -> Client:
        if self.gone is not None and self._lost:
            raise MCPServerGone(f"{self.gone}; its tools cannot be used for the rest of this run")
        if self.gone is not None or self._client is None:
            raise MCPServerGone(
                f"the session with the MCP server {self.server.describe()} is closed: its tools "
                "run in an agent run, or inside `async with toolset:`"
            )
        return self._client

    async def tools(self) -> list[MCPTool]:
        """The server's tools: listed on first use, and again after the server said its list
        changed. A listing that fails keeps the last list (and is tried again next time)."""
        if not self._stale or self.gone is not None:
            return self._tools
        client = self._live()
        self._stale = False
        try:
            tools: list[MCPTool] = []
            cursor: str | None = None
            for _page in range(MAX_PAGES):
                page = await client.list_tools(cursor=cursor)
                tools += page.tools
                cursor = page.next_cursor
                if cursor is None:
                    break
        except Exception:
            self._stale = True
            raise
        self._tools = tools
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        """Call the tool `name`; raises `MCPServerGone` when the session ends before the result,
        and `MCPToolError` when the server answers with a protocol error."""
        client = self._live()
        scope = anyio.CancelScope()
        done = anyio.Event()
        outcome: list[CallToolResult | Exception] = []

        async def call() -> None:
            with scope:
                try:
                    outcome.append(await client.call_tool(name, arguments))
                except Exception as error:  # handed to the caller, whatever it is
                    outcome.append(error)
            self._calls.discard(scope)
            done.set()

        self._calls.add(scope)
        self._group.start_soon(call)
        try:
            await done.wait()
        except BaseException:  # cancelled: the call is cancelled behind us (the server told)
            scope.cancel()
            raise
        result = outcome[0] if outcome else None  # None: the host cancelled it
        if isinstance(result, CallToolResult):
            return result
        if self.gone is None and isinstance(result, MCPError) and _connection_closed(result):
            self._end(
                f"the MCP server {self.server.describe()} closed the connection (it may have "
                "crashed)"
            )
        if self.gone is None and isinstance(result, MCPError):
            raise MCPToolError(self._redact(result.message))
        if self.gone is None and result is not None:
            raise result  # the SDK's own, e.g. a result that does not fit the tool's schema
        raise MCPServerGone(
            f"{self.gone} while {name} was running; its tools cannot be used for the rest of "
            "this run"
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = redact_secret(text, secret)
        return text


def _connection_closed(error: MCPError) -> bool:
    from mcp.types import CONNECTION_CLOSED

    return error.code == CONNECTION_CLOSED


@contextlib.asynccontextmanager
async def open_session(
    server: Server, *, secrets: list[str], connect_timeout: float | None
) -> AsyncIterator[MCPSession]:
    """Start `server` (or connect to it), shake hands, list its tools, and close it all when the
    block ends: the child process is reaped and the HTTP session ended, however the block ends.
    Raises `ToolsetError` when the server cannot be started, reached or listed."""
    failure: str | None = None
    escaped: Exception | None = None
    async with anyio.create_task_group() as group:
        session = MCPSession(server, secrets, group)
        try:
            with anyio.fail_after(connect_timeout):
                await group.start(session.host)
                await session.tools()
        except Exception as error:  # the SDK's and the transport's, wrapped in groups or not
            failure = session._redact(_reason(error))
            session._closing.set()
        if failure is None:
            try:
                yield session
            except Exception as error:  # the block's own: it leaves as it came, not in a group
                escaped = error
            finally:
                session._closing.set()
    if escaped is not None:
        raise escaped
    if failure is not None:
        raise ToolsetError(f"could not open the MCP server {server.describe()}: {failure}")
