"""go-vcr v2 cassettes: recorded HTTP requests and the responses providers sent back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .._public import publish

__all__ = [
    "Cassette",
    "Difference",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "body_differences",
]


@dataclass(frozen=True)
class RecordedRequest:
    """A recorded request: its method, URL, body text and headers (each name to its values);
    `json` is the body parsed."""

    method: str
    url: str
    body: str
    headers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class RecordedResponse:
    """A recorded response: its status, body text (a streamed body is the raw SSE text) and
    headers; `is_stream` says whether it was server-sent events."""

    status: int
    body: str
    headers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        for name, values in self.headers.items():
            if name.lower() == "content-type" and values:
                return values[0]
        return ""

    @property
    def is_stream(self) -> bool:
        return "event-stream" in self.content_type

    def header_pairs(self) -> list[tuple[str, str]]:
        return [(name, value) for name, values in self.headers.items() for value in values]


@dataclass(frozen=True)
class Interaction:
    """One recorded exchange: a request and the response it got."""

    request: RecordedRequest
    response: RecordedResponse

    @property
    def path(self) -> str:
        """`/<host>/<path>`: where a replay server serves this interaction."""
        parts = urlsplit(self.request.url)
        return f"/{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class Cassette:
    """A go-vcr v2 cassette: the file it was read from and its interactions, in order.
    `Cassette.load(path)` reads one (it needs PyYAML: `pip install 'llmstream[testing]'`)."""

    path: Path
    interactions: tuple[Interaction, ...]

    @classmethod
    def load(cls, path: str | Path) -> Cassette:
        try:
            import yaml
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError(
                "reading cassettes needs PyYAML: pip install 'llmstream[testing]'"
            ) from None
        path = Path(path)
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        interactions = []
        for item in document.get("interactions") or []:
            request, response = item["request"], item["response"]
            interactions.append(
                Interaction(
                    request=RecordedRequest(
                        method=request.get("method", "POST"),
                        url=request["url"],
                        body=request.get("body") or "",
                        headers=dict(request.get("headers") or {}),
                    ),
                    response=RecordedResponse(
                        status=int(response.get("code") or 200),
                        body=response.get("body") or "",
                        headers=dict(response.get("headers") or {}),
                    ),
                )
            )
        return cls(path=path, interactions=tuple(interactions))


class Difference(NamedTuple):
    """One place where a sent JSON body differs from the recorded one."""

    path: str
    """A JSONPath-like location: `$.messages[2].content`."""
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:120]


def body_differences(expected: Any, actual: Any, path: str = "$") -> list[Difference]:
    """Where two JSON values differ (empty when they are JSON-equal: key order, and 1 vs 1.0,
    do not matter; true vs 1 does)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[Difference] = []
        for key in sorted(expected.keys() | actual.keys()):
            where = f"{path}.{key}"
            if key not in actual:
                found.append(Difference(where, f"missing (recorded {_show(expected[key])})"))
            elif key not in expected:
                found.append(Difference(where, f"not in the recording (sent {_show(actual[key])})"))
            else:
                found.extend(body_differences(expected[key], actual[key], where))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [Difference(path, f"recorded {len(expected)} items, sent {len(actual)}")]
        found = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found.extend(body_differences(left, right, f"{path}[{index}]"))
        return found
    if isinstance(expected, bool) or isinstance(actual, bool):  # True == 1 in Python, not in JSON
        equal = type(expected) is type(actual) and expected == actual
    else:
        numbers = isinstance(expected, (int, float)) and isinstance(actual, (int, float))
        equal = (type(expected) is type(actual) or numbers) and expected == actual
    if not equal:
        return [Difference(path, f"recorded {_show(expected)}, sent {_show(actual)}")]
    return []


publish(globals(), "llmstream.testing")
