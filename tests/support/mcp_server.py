"""A real MCP server, written with the official SDK's `MCPServer`, for the MCP tests: tools that
answer, fail, hang, crash and change the list.

    python mcp_server.py MARKS              # over stdio
    python mcp_server.py MARKS --http TOKEN # streamable HTTP at /mcp, legacy SSE at /sse, on
                                            # 127.0.0.1; prints its port; every request must
                                            # carry `Authorization: Bearer TOKEN`

MARKS is a file the server appends a line to when something happens that the client cannot see
from its side: `server started`, `listed` (a tools/list request), `started hang`, `cancelled
hang` (the cancellation reached the tool), `crashing`.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

server = MCPServer("llmstream-test")
MARKS = Path(sys.argv[1] if len(sys.argv) > 1 else os.devnull)


def mark(line: str) -> None:
    with MARKS.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


list_tools = server.list_tools


async def counted_list_tools() -> Any:
    mark("listed")
    return await list_tools()


server.list_tools = counted_list_tools  # type: ignore[method-assign]


class Forecast(BaseModel):
    city: str
    celsius: int


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return text


@server.tool()
def forecast(city: str) -> Forecast:
    """The forecast for a city, as structured content."""
    return Forecast(city=city, celsius=24)


@server.tool()
def fail(why: str) -> str:
    """Always fails, saying why."""
    raise ToolError(f"cannot comply: {why}")


hanging = anyio.Event()


@server.tool()
async def hang() -> str:
    """Never answers."""
    mark("started hang")
    hanging.set()
    try:
        await anyio.sleep(3600)
    except anyio.get_cancelled_exc_class():
        mark("cancelled hang")
        raise
    return "never"


@server.tool()
async def crash(while_hanging: bool = False) -> str:
    """The server dies in the middle of the call (once a `hang` call is running, if asked)."""
    if while_hanging:
        with anyio.move_on_after(10):
            await hanging.wait()
    mark("crashing")
    os._exit(3)


@server.tool(structured_output=False)
def picture() -> list[Any]:
    """An image and a caption."""
    return ["a red dot", Image(data=b"\x89PNG\r\n\x1a\n" + bytes(24), format="png")]


@server.tool()
def variable(name: str) -> str:
    """The value of an environment variable of the server's process."""
    return os.environ.get(name, "(unset)")


@server.tool()
def weather(location: Annotated[str, Field(min_length=1, max_length=40)]) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    mark(f"weather {location}")
    return "Sunny, 24 C"


@server.tool()
async def grow(name: str, ctx: Context) -> str:
    """Adds a tool called `name`, and tells the client that the list changed."""

    def added() -> str:
        return f"{name} is here"

    server.add_tool(added, name=name, description="A tool that was not there at first.")
    await ctx.notify_tools_changed()  # protocol 2026-07-28: to `subscriptions/listen` streams
    try:
        await ctx.session.send_tool_list_changed()  # earlier protocols: a notification
    except Exception:  # a 2026-07-28 session has no such notification
        mark("no list_changed notification on this session")
    return "grown"


def serve_http(token: str) -> None:
    import uvicorn
    from starlette.responses import PlainTextResponse

    app = server.streamable_http_app()
    app.router.routes.extend(server.sse_app().routes)  # the legacy transport beside it

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                await PlainTextResponse("no", status_code=401)(scope, receive, send)
                return
        await app(scope, receive, send)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    config = uvicorn.Config(guarded, log_level="warning", lifespan="on")
    anyio.run(uvicorn.Server(config).serve, [listener])


if __name__ == "__main__":
    mark("server started")
    if "--http" in sys.argv:
        serve_http(sys.argv[sys.argv.index("--http") + 1])
    else:
        server.run()
