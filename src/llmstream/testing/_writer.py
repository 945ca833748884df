"""Writing go-vcr cassettes that review well in a diff.

The layout mirrors the cassettes go-vcr writes (and `Cassette.load` reads): `version: 2`, then
one entry per interaction with the request (`body`, `form`, `headers`, `url`, `method`) and the
response (`body`, `headers`, `status`, `code`, `duration`). Keys keep go-vcr's order, headers are
sorted, request bodies are pretty-printed JSON with sorted keys, and every multi-line string is
a YAML block literal, so a re-recording shows up as a readable line diff.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["Recording", "dump_cassette", "pretty_body", "read_interactions", "write_cassette"]


@dataclass(frozen=True)
class Recording:
    """One finished exchange, already redacted, as it goes into the file."""

    method: str
    url: str
    request_headers: dict[str, list[str]]
    request_body: str
    request_length: int
    status: int
    response_headers: dict[str, list[str]]
    response_body: str
    response_length: int
    http_version: str
    duration: float

    def document(self, number: int) -> dict[str, Any]:
        major, minor = _version_numbers(self.http_version)
        return {
            "id": number,
            "request": {
                "proto": "HTTP/1.1",
                "proto_major": 1,
                "proto_minor": 1,
                "content_length": self.request_length,
                "host": "",
                "body": self.request_body,
                "form": {},
                "headers": self.request_headers,
                "url": self.url,
                "method": self.method,
            },
            "response": {
                "proto": self.http_version,
                "proto_major": major,
                "proto_minor": minor,
                "content_length": self.response_length,
                "body": self.response_body,
                "headers": self.response_headers,
                "status": f"{self.status} {httpx.codes.get_reason_phrase(self.status)}".strip(),
                "code": self.status,
                "duration": _go_duration(self.duration),
            },
        }


def _version_numbers(http_version: str) -> tuple[int, int]:
    number = http_version.partition("/")[2] or "1.1"
    major, _, minor = number.partition(".")
    return int(major or 1), int(minor or 0)


def _go_duration(seconds: float) -> str:
    """A duration as Go prints it: `283.289209ms`."""
    return f"{seconds * 1000:.6f}".rstrip("0").rstrip(".") + "ms"


def pretty_body(body: bytes) -> str:
    """A request body as the cassette shows it: JSON indented with sorted keys (replay compares
    JSON values, so the layout is free), anything else as text."""
    text = body.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "writing cassettes needs PyYAML: pip install 'llmstream[testing]'"
        ) from None
    return yaml


def _dumper() -> Any:
    yaml = _yaml()

    class Dumper(yaml.SafeDumper):  # type: ignore[misc, name-defined]
        """Block literals for multi-line strings. PyYAML still falls back to a quoted string
        where a literal cannot hold the text exactly (trailing spaces, tabs, control bytes)."""

    def represent_str(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


def dump_cassette(interactions: Sequence[dict[str, Any]]) -> str:
    """The text of a cassette holding `interactions` (documents as `Recording.document` makes)."""
    document = {"version": 2, "interactions": list(interactions)}
    text: str = _yaml().dump(
        document,
        Dumper=_dumper(),
        sort_keys=False,
        allow_unicode=True,
        explicit_start=True,
        width=1 << 16,  # never fold long lines: a folded JSON line diffs badly
    )
    return text


def read_interactions(path: Path) -> list[dict[str, Any]]:
    """The interactions of an existing cassette as plain documents, to write back unchanged."""
    document = _yaml().safe_load(path.read_text(encoding="utf-8")) or {}
    return list(document.get("interactions") or [])


def write_cassette(path: Path, interactions: Sequence[dict[str, Any]]) -> None:
    """Write a cassette atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dump_cassette(interactions)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a cassette is a shared file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
