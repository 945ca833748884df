"""Tools from Model Context Protocol servers, for the agent: `MCPToolset` (toolset.py), where a
server is and how to reach it (servers.py), one open session (session.py), and a tool's result
as the text the model is told (results.py). Only session.py and results.py import the SDK, and
only once a session opens: `import llmstream` never loads it."""

from .toolset import MCPToolset

__all__ = ["MCPToolset"]
