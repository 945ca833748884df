"""The JSON body of a request, in the wire the provider speaks.

Input: a wire-neutral `ChatRequest` and the provider. Output: the body (a dict from
`build_body`, or the bytes that are sent from `encode_body`) and a `RequestWarning` for each
thing that had to be dropped or changed on the way. The wire (`_core/wire/`) writes the body;
this module picks it and encodes what it wrote.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ConfigurationError
from ..events import RequestWarning
from .checks import check_json_numbers
from .provider import ProviderSpec
from .request import ChatRequest
from .wire import wire_for

__all__ = ["build_body", "encode_body"]

# One encoder for every body: `json.dumps` with any non-default option makes a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def build_body(
    request: ChatRequest, provider: ProviderSpec, *, stream: bool
) -> tuple[dict[str, Any], list[RequestWarning]]:
    """The JSON body for `request` in the wire `provider` speaks, and a warning for each
    parameter that had to be dropped or changed."""
    return wire_for(provider).build_body(request, provider, stream=stream)


def encode_body(
    request: ChatRequest, provider: ProviderSpec, *, stream: bool
) -> tuple[bytes, list[RequestWarning]]:
    """`build_body`, encoded as the bytes that are sent."""
    body, warnings = build_body(request, provider, stream=stream)
    try:
        text = _ENCODER.encode(body)
    except ValueError:
        check_json_numbers(body)  # says where the NaN or Infinity is
        raise
    except (TypeError, RecursionError) as exc:
        raise ConfigurationError(f"the request body is not JSON-serialisable: {exc}") from None
    return text.encode(), warnings
