"""Reading the error objects providers send, in their three shapes.

- nested, OpenAI and Groq: `{"error": {"message", "type", "param", "code"}}` (Groq may add
  `failed_generation`, and `status_code` inside a stream);
- flat, Cerebras: `{"message", "type", "param", "code"}`;
- flat, xAI: `{"code": "<gRPC status text>", "error": "<message>"}`, the message sometimes
  percent-encoded.

`reported_error` makes the `StreamError` for an error a provider reports inside a response, on
either wire.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..errors import StreamError

if TYPE_CHECKING:
    from .accumulator import MessageAccumulator

__all__ = ["ErrorFields", "read_error", "reported_error"]

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


def reported_error(
    payload: Any, fields: ErrorFields | None, *, provider: str, accumulator: MessageAccumulator
) -> StreamError:
    """The error a provider reported inside a response (`payload`, read as `fields`), as a
    `StreamError` carrying the message assembled before it as `partial`."""
    if fields is None or not fields.message:
        try:
            shown = json.dumps(payload, ensure_ascii=False)
        except (ValueError, TypeError, RecursionError):
            shown = repr(payload)
        message = f"the provider reported an error: {shown[:500]}"
    else:
        message = fields.message
    return StreamError(
        message,
        type=fields.type if fields else None,
        code=fields.code if fields else None,
        param=fields.param if fields else None,
        status_code=fields.status_code if fields else None,
        body=payload,
        provider=provider,
        request_id=accumulator.request_id,
        partial=accumulator.build(),
    )
