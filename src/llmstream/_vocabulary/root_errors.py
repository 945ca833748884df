"""The root of every error, and the one any layer may raise while it is set up.

They are defined here, below the messages, because the messages raise `ConfigurationError`
while every other error carries a message (`partial`). `llmstream.errors` presents the whole
hierarchy, and these classes say they belong to it (`__module__`), as they always have.
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "LLMStreamError"]


class LLMStreamError(Exception):
    """Root of every error llmstream raises."""

    __module__ = "llmstream.errors"


class ConfigurationError(LLMStreamError, ValueError):
    """The client or a call was configured in a way that cannot work."""

    __module__ = "llmstream.errors"
