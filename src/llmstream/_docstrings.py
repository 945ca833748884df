"""Reading a function's description and its parameters' descriptions from its docstring.

Three styles are understood, and a docstring may use any of them:

- Google:  `Args:` (or `Arguments:`, `Parameters:`) then `name (type): text`, indented;
- NumPy:   `Parameters` underlined with dashes, then `name : type` and the text indented below;
- Sphinx:  `:param name: text` (or `:param type name: text`).

The description is the docstring without those sections (and without Returns/Raises/Examples
sections, which describe the function to a programmer, not to the model).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["Docstring", "parse_docstring"]

_GOOGLE_PARAMS = re.compile(r"^(Args|Arguments|Parameters|Params|Keyword Args|Kwargs):\s*$")
_GOOGLE_OTHER = re.compile(
    r"^(Returns?|Yields?|Raises|Examples?|Notes?|Attributes|Todo|See Also|Warnings?):\s*$"
)
_GOOGLE_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_HEADER = re.compile(r"^-{3,}\s*$")
_NUMPY_PARAMS = {"Parameters", "Other Parameters", "Keyword Arguments"}
_NUMPY_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(:.*)?$")
_SPHINX_PARAM = re.compile(r"^:param\s+(?:[^:]*?\s+)?(\*{0,2}\w+)\s*:\s*(.*)$")


@dataclass
class Docstring:
    description: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(lines: list[str]) -> str:
    """Paragraphs kept; lines inside a paragraph joined with spaces."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs if paragraph)


def parse_docstring(docstring: str | None) -> Docstring:
    if not docstring:
        return Docstring()
    lines = inspect.cleandoc(docstring).splitlines()
    description: list[str] = []
    parameters: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""

        if _GOOGLE_PARAMS.match(stripped):
            index = _google_section(lines, index + 1, _indent(line), parameters)
        elif _GOOGLE_OTHER.match(stripped):
            index = _skip_indented(lines, index + 1, _indent(line))
        elif following and _NUMPY_HEADER.match(following):
            if stripped in _NUMPY_PARAMS:
                index = _numpy_section(lines, index + 2, parameters)
            else:
                index = _skip_numpy(lines, index + 2)
        elif stripped.startswith(":"):
            index = _sphinx_field(lines, index, parameters)
        else:
            description.append(line)
            index += 1
    text = _join(description)
    return Docstring(description=text or None, parameters=parameters)


def _google_section(lines: list[str], index: int, base: int, out: dict[str, str]) -> int:
    current: str | None = None
    item_indent: int | None = None
    while index < len(lines):
        line = lines[index]
        if line.strip() and _indent(line) <= base:
            break
        if line.strip():
            indent = _indent(line)
            match = _GOOGLE_ITEM.match(line.strip())
            if match and (item_indent is None or indent <= item_indent):
                item_indent = indent
                current = match.group(1).lstrip("*")
                out[current] = match.group(3).strip()
            elif current is not None:
                out[current] = f"{out[current]} {line.strip()}".strip()
        index += 1
    return index


def _skip_indented(lines: list[str], index: int, base: int) -> int:
    while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > base):
        index += 1
    return index


def _numpy_section(lines: list[str], index: int, out: dict[str, str]) -> int:
    current: str | None = None
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if following and _NUMPY_HEADER.match(following):
            break  # the next section
        if line.strip():
            if _indent(line) == 0:
                match = _NUMPY_ITEM.match(line.strip())
                current = match.group(1).lstrip("*") if match else None
                if current is not None:
                    out[current] = ""
            elif current is not None:
                out[current] = f"{out[current]} {line.strip()}".strip()
        index += 1
    return index


def _skip_numpy(lines: list[str], index: int) -> int:
    while index < len(lines):
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if following and _NUMPY_HEADER.match(following):
            break
        index += 1
    return index


def _sphinx_field(lines: list[str], index: int, out: dict[str, str]) -> int:
    line = lines[index].strip()
    match = _SPHINX_PARAM.match(line)
    index += 1
    continuation: list[str] = []
    while index < len(lines) and lines[index].strip() and not lines[index].strip().startswith(":"):
        continuation.append(lines[index].strip())
        index += 1
    if match:
        out[match.group(1).lstrip("*")] = " ".join([match.group(2).strip(), *continuation]).strip()
    return index
