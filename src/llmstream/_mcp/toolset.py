"""`MCPToolset`: the tools of one MCP server, for an agent, and when its sessions open and close.

A run opens a session of its own, in the run's task, and closes it when the run ends, however
it ends. Inside `async with toolset:` there is one session for the whole block instead, which
every run in the same event loop uses; a run in another event loop (`agent.run_sync`,
`agent.stream_sync`) still opens its own. The SDK is imported only when a session opens.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from .._public import publish
from ..errors import ConfigurationError
from ..tools import ApprovalHook, Tool
from ..toolsets import CurrentTools, Toolset
from .servers import HTTPServer, Server, SSEServer, StdioServer, secret_arguments

if TYPE_CHECKING:
    from mcp.types import Tool as MCPTool

    from .session import MCPSession

__all__ = ["MCPToolset"]

logger = logging.getLogger("llmstream.mcp")

INSTALL = "pip install 'llmstream[mcp]'"

ToolTimeout = float | Mapping[str, float | None] | None
"""A toolset's time limit: one for all its tools, one per tool by name, or none of its own."""


def _require_sdk() -> None:
    """Fail early, and cheaply (the SDK takes a second or two to import), without the SDK."""
    try:
        found = importlib.util.find_spec("mcp") is not None
    except (ImportError, ValueError):  # a broken or blocked package
        found = False
    if not found:
        raise ConfigurationError(
            f"ls.MCPToolset needs the official MCP SDK, which is not installed: {INSTALL}"
        )


def _checked_timeout(limit: ToolTimeout) -> ToolTimeout:
    """`tool_timeout` as given, once each limit in it is a positive number of seconds (or
    None); a mapping is copied, so changing the caller's dict later changes nothing."""
    limits = dict(limit) if isinstance(limit, Mapping) else {"": limit}
    for name, seconds in limits.items():
        if seconds is None:
            continue
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
            where = f"tool_timeout[{name!r}]" if isinstance(limit, Mapping) else "tool_timeout"
            raise ConfigurationError(
                f"{where} must be a positive number of seconds or None, not {seconds!r}"
            )
    return limits if isinstance(limit, Mapping) else limit


def _url_secrets(url: str) -> list[str]:
    """What a URL may carry that is nobody's business: its password, its query and each value in
    it (an error message may quote the URL)."""
    parts = urlsplit(url)
    values = [value for _name, value in parse_qsl(parts.query)]
    return [text for text in (parts.password, parts.query, *values) if text]


class MCPToolset(Toolset):
    """The tools of one MCP server, for an agent's `tools=`, beside Python tools.

    ```python
    files = ls.MCPToolset.stdio("npx", ["-y", "@modelcontextprotocol/server-filesystem", "/data"])
    search = ls.MCPToolset.http("https://mcp.example.com/mcp", headers={"Authorization": "..."})
    agent = ls.Agent(client, model="...", tools=[weather, files, search])
    ```

    Make one with `MCPToolset.stdio`, `MCPToolset.http` or `MCPToolset.sse`. Each run opens a
    session (or uses the one `async with toolset:` keeps open), lists the tools once, lists them
    again when the server says they changed, and closes it at the end of the run. The calls run
    like any tool's: within the time limit, after the approval hook, reported as `ToolResult`s,
    an error told to the model. Needs `pip install 'llmstream[mcp]'`.

    Args:
        server: Where the server is and how to reach it; `stdio`, `http` and `sse` make it.
        prefix: Put before each tool's name, with `_`: `prefix="files"` offers
            `files_read_file`. Two tools with one name in a run are a `ConfigurationError`.
        tool_timeout: The longest one call of its tools may run, in seconds; or a
            limit per tool, by the server's name for it (`{"search": 60}`). The
            agent's `tool_timeout` applies where it sets none.
        approval: An approval hook called before each call of its tools; `call.name` says
            which tool.
        connect_timeout: The longest starting or connecting to the server, the handshake, and
            each listing of its tools may take, in seconds (60); None: no limit.
        secrets: Texts never to show in an error (the constructors pass the header and
            environment values).
    """

    def __init__(
        self,
        server: Server,
        *,
        prefix: str | None = None,
        tool_timeout: float | Mapping[str, float | None] | None = None,
        approval: ApprovalHook | None = None,
        connect_timeout: float | None = 60.0,
        secrets: Sequence[str] = (),
    ) -> None:
        _require_sdk()
        if prefix is not None and not prefix:
            raise ConfigurationError("prefix must be a non-empty string, or None")
        self.server = server
        self.prefix = prefix
        self.tool_timeout = _checked_timeout(tool_timeout)
        self.approval = approval
        self.connect_timeout = connect_timeout
        self._secrets = list(secrets)
        self._shared: MCPSession | None = None
        self._shared_block: AbstractAsyncContextManager[MCPSession] | None = None
        self._shared_thread: int | None = None

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def stdio(
        cls,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        stderr: TextIO | None = None,
        prefix: str | None = None,
        tool_timeout: float | Mapping[str, float | None] | None = None,
        approval: ApprovalHook | None = None,
        connect_timeout: float | None = 60.0,
    ) -> MCPToolset:
        """A server the toolset starts as a child process, talking over its stdin and stdout.

        Args:
            command: The program to run (`npx`, `uvx`, `sys.executable`...).
            args: Its arguments. A credential among them (the value of `--api-key=...`,
                `--token ...` or any flag named like a credential, a URL's password or query)
                never appears in a repr or an error.
            env: Variables for the child, beside the few it inherits (`PATH`, `HOME`, `USER`,
                `SHELL`, `TERM`, `LOGNAME`): nothing else from this process's environment
                reaches it. Their values never appear in a repr or an error.
            cwd: The child's working directory (this process's by default).
            stderr: Where the child's standard error goes (this process's by default); a file
                with a file descriptor.
            prefix: Put before each tool's name, with `_`: `prefix="files"` offers
                `files_read_file`. Two tools with one name in a run are an error.
            tool_timeout: The longest one call of its tools may run, in seconds; or a
                limit per tool, by the server's name for it (`{"search": 60}`). The
                agent's `tool_timeout` applies where it sets none.
            approval: An approval hook called before each call of its tools (see
                `@ls.tool(approval=...)`); `call.name` says which tool.
            connect_timeout: The longest starting the server, the handshake, and each listing
                of its tools may take, in seconds (60); None: no limit.
        """
        server = StdioServer(command, tuple(args), env=env, cwd=cwd, stderr=stderr)
        return cls(
            server,
            prefix=prefix,
            tool_timeout=tool_timeout,
            approval=approval,
            connect_timeout=connect_timeout,
            secrets=[*(env or {}).values(), *secret_arguments(args)],
        )

    @classmethod
    def http(
        cls,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        prefix: str | None = None,
        tool_timeout: float | Mapping[str, float | None] | None = None,
        approval: ApprovalHook | None = None,
        connect_timeout: float | None = 60.0,
    ) -> MCPToolset:
        """A server reached over streamable HTTP (the MCP endpoint, often ending in `/mcp`).

        Args:
            url: The endpoint.
            headers: Sent with every request (`Authorization`...). Their values never appear in
                a repr or an error.
            prefix: Put before each tool's name, with `_`.
            tool_timeout: The longest one call of its tools may run, in seconds; or a
                limit per tool, by the server's name for it (`{"search": 60}`). The
                agent's `tool_timeout` applies where it sets none.
            approval: An approval hook called before each call of its tools.
            connect_timeout: The longest connecting, the handshake, and each listing of its
                tools may take, in seconds (60); None: no limit.
        """
        return cls(
            HTTPServer(url, dict(headers or {})),
            prefix=prefix,
            tool_timeout=tool_timeout,
            approval=approval,
            connect_timeout=connect_timeout,
            secrets=[*(headers or {}).values(), *_url_secrets(url)],
        )

    @classmethod
    def sse(
        cls,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        prefix: str | None = None,
        tool_timeout: float | Mapping[str, float | None] | None = None,
        approval: ApprovalHook | None = None,
        connect_timeout: float | None = 60.0,
    ) -> MCPToolset:
        """A legacy server that speaks the older HTTP+SSE transport (protocol 2024-11-05): an
        event stream at `url`, and an endpoint it names for the messages. Use `http` for any
        server that supports streamable HTTP.

        Args:
            url: The event stream's URL (often ending in `/sse`).
            headers: Sent with every request. Their values never appear in a repr or an error.
            prefix: Put before each tool's name, with `_`.
            tool_timeout: The longest one call of its tools may run, in seconds; or a
                limit per tool, by the server's name for it (`{"search": 60}`). The
                agent's `tool_timeout` applies where it sets none.
            approval: An approval hook called before each call of its tools.
            connect_timeout: The longest connecting, the handshake, and each listing of its
                tools may take, in seconds (60); None: no limit.
        """
        return cls(
            SSEServer(url, dict(headers or {})),
            prefix=prefix,
            tool_timeout=tool_timeout,
            approval=approval,
            connect_timeout=connect_timeout,
            secrets=[*(headers or {}).values(), *_url_secrets(url)],
        )

    def __repr__(self) -> str:
        kind = {StdioServer: "stdio", HTTPServer: "http", SSEServer: "sse"}[type(self.server)]
        prefix = f", prefix={self.prefix!r}" if self.prefix else ""
        return f"MCPToolset.{kind}({self.server.describe()!r}{prefix})"

    # -- sessions -------------------------------------------------------------------------------
    def _session(self) -> AbstractAsyncContextManager[MCPSession]:
        from .session import open_session

        return open_session(
            self.server, secrets=self._secrets, connect_timeout=self.connect_timeout
        )

    def _open_here(self) -> MCPSession | None:
        """The session `async with` keeps open, if it was opened on this thread's event loop."""
        if self._shared_thread == threading.get_ident():
            return self._shared
        return None

    async def __aenter__(self) -> MCPToolset:
        """Keep one session open until the block ends, for every run (and `list_tools`) in
        this event loop; the server starts now, and stops when the block ends."""
        if self._shared_block is not None:
            raise RuntimeError(f"{self!r} is already open: `async with` it once at a time")
        block = self._session()
        session = await block.__aenter__()
        self._shared, self._shared_block = session, block
        self._shared_thread = threading.get_ident()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        block = self._shared_block
        self._shared = self._shared_block = self._shared_thread = None
        assert block is not None, "__aexit__ without __aenter__"
        return await block.__aexit__(exc_type, exc, tb)

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[CurrentTools]:
        """Open for one run: the session `async with` keeps open in this event loop, or else a
        session of the run's own, closed when the run ends."""
        shared = self._open_here()
        if shared is not None:
            yield self._current(shared)
            return
        async with self._session() as session:
            yield self._current(session)

    async def list_tools(self) -> list[Tool[Any]]:
        """The tools the server offers now, as `ls.Tool`s (names with the prefix, descriptions,
        parameter schemas). Inside `async with toolset:` they can be run; otherwise a session is
        opened just to list them, and they say so if called."""
        shared = self._open_here()
        if shared is not None:
            return self._tools(shared, await shared.tools())
        async with self._session() as session:
            return self._tools(session, await session.tools())

    # -- tools ----------------------------------------------------------------------------------
    def _current(self, session: MCPSession) -> CurrentTools:
        """The run's view of `session`: its tools, made again only when its list changed."""
        made: tuple[list[MCPTool], list[Tool[Any]]] | None = None

        async def current() -> list[Tool[Any]]:
            nonlocal made
            try:
                listed = await session.tools()
            except Exception as error:  # the last list stands; the next step tries again
                logger.warning("listing the tools of %r again failed: %s", self, error)
                return made[1] if made else []
            if made is None or made[0] is not listed:
                made = (listed, self._tools(session, listed))
            return made[1]

        return current

    def _tools(self, session: MCPSession, listed: list[MCPTool]) -> list[Tool[Any]]:
        limits = self.tool_timeout
        if isinstance(limits, Mapping):
            offered = [spec.name for spec in listed]
            unknown = sorted(set(limits) - set(offered))
            if unknown:  # a typo, or a tool the server no longer offers: say so, never ignore
                logger.warning(
                    "%r: tool_timeout names %s, which the server does not offer (it offers %s)",
                    self, ", ".join(map(repr, unknown)), ", ".join(map(repr, offered)) or "none",
                )  # fmt: skip
        return [self._tool(session, spec) for spec in listed]

    def _timeout_of(self, name: str) -> float | None:
        limits = self.tool_timeout
        return limits.get(name) if isinstance(limits, Mapping) else limits

    def _tool(self, session: MCPSession, spec: MCPTool) -> Tool[str]:
        from .results import result_text

        name = spec.name

        async def call(**arguments: Any) -> str:
            return result_text(await session.call_tool(name, arguments))

        return Tool.from_schema(
            f"{self.prefix}_{name}" if self.prefix else name,
            dict(spec.input_schema),
            call,
            description=spec.description,
            timeout=self._timeout_of(name),
            approval=self.approval,
        )


publish(globals(), "llmstream")
