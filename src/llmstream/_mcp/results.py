"""An MCP tool result, as the text the model is told.

Input: the SDK's `CallToolResult`. Output: one string. Text blocks are the text they hold;
every other block (an image, audio, a link to a resource, an embedded resource) is described in
its place, in brackets, so that the model knows it was there; a result with no text at all but
structured content is that content as JSON. (A server that sends structured content sends its
text form beside it, as the protocol asks; that text is what the model reads.) A result the
server marked as an error is raised as `MCPToolError` with that text, which the agent turns
into an error result for the model.
"""

from __future__ import annotations

import json

from mcp.types import (
    AudioContent,
    CallToolResult,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

__all__ = ["MCPToolError", "result_text"]


class MCPToolError(Exception):
    """The MCP server ran the tool and reported that it failed (`isError`), or refused the call
    with a protocol error; the message is the server's."""


def _size(base64_data: str) -> str:
    padding = base64_data[-2:].count("=")
    return f"{len(base64_data) * 3 // 4 - padding} bytes"


def _describe(block: ContentBlock) -> str:
    """A block that is not text, in brackets: its kind, type and size, never its bytes."""
    if isinstance(block, (ImageContent, AudioContent)):
        return f"[{block.type} {block.mime_type}, {_size(block.data)}, not shown]"
    if isinstance(block, ResourceLink):
        mime = f" ({block.mime_type})" if block.mime_type else ""
        about = f": {block.description}" if block.description else ""
        return f"[resource link {block.name} {block.uri}{mime}{about}]"
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        mime = f" ({resource.mime_type})" if resource.mime_type else ""
        if isinstance(resource, TextResourceContents):
            return f"[resource {resource.uri}{mime}]\n{resource.text}"
        return f"[resource {resource.uri}{mime}, {_size(resource.blob)}, not shown]"
    return f"[{getattr(block, 'type', 'unknown')} content, not shown]"  # a kind added later


def result_text(result: CallToolResult) -> str:
    """What the model is told about `result`; raises `MCPToolError` with the same text when the
    server marked it as an error."""
    texts = [block.text for block in result.content if isinstance(block, TextContent)]
    parts = [
        block.text if isinstance(block, TextContent) else _describe(block)
        for block in result.content
    ]
    if result.structured_content is not None and not texts:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    text = "\n".join(parts)
    if result.is_error:
        raise MCPToolError(text or "the tool reported an error and said nothing more")
    return text
