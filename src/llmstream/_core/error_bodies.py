"""Reading the error objects providers send, in their three shapes.

- nested, OpenAI and Groq: `{"error": {"message", "type", "param", "code"}}` (Groq may add
  `failed_generation`, and `status_code` inside a stream);
- flat, Cerebras: `{"message", "type", "param", "code"}`;
- flat, xAI: `{"code": "<gRPC status text>", "error": "<message>"}`, the message sometimes
  percent-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

__all__ = ["ErrorFields", "read_error"]

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True)
class ErrorFields:
    message: str | None = None
    type: str | None = None
    code: str | int | None = None
    param: str | None = None
    status_code: int | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _code(value: Any) -> str | int | None:
    if value is None or isinstance(value, (str, int)):
        return value
    return str(value)


def _decode_message(message: str) -> str:
    # xAI percent-encodes some messages ("Incorrect%20API%20key"); plain prose keeps its spaces.
    if " " not in message and _PERCENT_ESCAPE.search(message):
        return unquote(message)
    return message


def read_error(payload: Any) -> ErrorFields | None:
    """The error fields of a provider's error object, or None if it holds no error."""
    if isinstance(payload, str):
        return ErrorFields(message=_decode_message(payload)) if payload.strip() else None
    if not isinstance(payload, dict):
        return None
    inner = payload.get("error")
    if isinstance(inner, dict):
        message = _text(inner.get("message"))
        status = inner.get("status_code", payload.get("status_code"))
        return ErrorFields(
            message=_decode_message(message) if message else None,
            type=_text(inner.get("type")),
            code=_code(inner.get("code")),
            param=_text(inner.get("param")),
            status_code=status if isinstance(status, int) else None,
        )
    if isinstance(inner, str):  # xAI: {"code": "...", "error": "..."}
        return ErrorFields(message=_decode_message(inner), code=_code(payload.get("code")))
    message = _text(payload.get("message") or payload.get("detail"))
    if message is None and "code" not in payload and "type" not in payload:
        return None
    return ErrorFields(
        message=_decode_message(message) if message else None,
        type=_text(payload.get("type")),
        code=_code(payload.get("code")),
        param=_text(payload.get("param")),
    )
