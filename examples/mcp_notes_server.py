"""A small MCP server, written with the official SDK: the user's notes, as tools.

    python examples/mcp_notes_server.py     # speaks MCP over stdin and stdout

examples/mcp_agent.py starts it as a child process and gives its tools to an agent.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("notes")

NOTES = {
    "shopping": "eggs, flour, milk",
    "ideas": "a bread oven in the garden",
}


@server.tool()
def list_notes() -> list[str]:
    """The names of the user's notes."""
    return sorted(NOTES)


@server.tool()
def read_note(name: str) -> str:
    """Read one of the user's notes.

    Args:
        name: the note's name, as list_notes gives it
    """
    if name not in NOTES:
        raise ToolError(f"there is no note called {name!r}")
    return NOTES[name]


if __name__ == "__main__":
    server.run()
