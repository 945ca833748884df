"""Taking secrets out of text and data before anyone can see them.

The bottom layer: it imports nothing from llmstream, so every layer (the core, the I/O layer,
tracing, the testing tools) can reach it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REDACTED", "SHORTEST_SECRET", "redact_secret", "redact_value"]

REDACTED = "[redacted]"

# A key shorter than this is a placeholder ("test", "k"), not a secret: replacing it would only
# garble the provider's message ("Incorrect API [redacted]ey provided"). A real key is replaced
# wherever it appears, even inside a longer word: any trace of it is a leak.
SHORTEST_SECRET = 8


def redact_secret(text: str, secret: str) -> str:
    """`text` with `secret` (an API key) replaced wherever it appears; a placeholder shorter
    than a real key is left alone."""
    if len(secret) < SHORTEST_SECRET:
        return text
    return text.replace(secret, REDACTED)


def redact_value(value: Any, secret: str) -> Any:
    """`value` (text, or JSON-like data: dicts and lists at any depth) with `secret` replaced
    in every string in it; a placeholder shorter than a real key is left alone."""
    if len(secret) < SHORTEST_SECRET:
        return value
    if isinstance(value, str):
        return value.replace(secret, REDACTED)
    if isinstance(value, dict):
        return {key: redact_value(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item, secret) for item in value]
    return value
