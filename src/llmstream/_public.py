"""Public classes say where they are imported from, not the private module that defines them.

A traceback names an exception by its class's `__module__`: `llmstream.testing.CassetteMismatch`
is what a user can look up and catch, `llmstream.testing._replay.CassetteMismatch` is not. So
each private module that defines public names ends with `publish(globals(), "<package>")`,
which gives every class of the package's `__all__` defined there the package as its
`__module__` (as httpx and trio do), at the moment the class is made, however it was imported.

`typing.get_type_hints` and pydantic read a class's annotations in the namespace of the module
its `__module__` names; the package's namespace does not hold those names, so they are read
first, here, where they are defined, and the class keeps them resolved.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Mapping
from typing import Any

__all__ = ["publish"]


def publish(namespace: Mapping[str, Any], package: str) -> None:
    """Make `package` the `__module__` of each class of `package.__all__` that the module whose
    globals are `namespace` defines."""
    defining = namespace["__name__"]
    for name in getattr(sys.modules[package], "__all__", ()):
        cls = namespace.get(name)
        if not isinstance(cls, type) or cls.__module__ != defining:
            continue  # not a class, or defined elsewhere and only imported here
        own = inspect.get_annotations(cls)
        if own:
            try:
                hints = typing.get_type_hints(cls, include_extras=True)
            except Exception:  # a name only type checkers see: as unreadable before as after
                hints = {}
            if hints:
                cls.__annotations__ = {key: hints.get(key, value) for key, value in own.items()}
                # pydantic reads a dataclass's fields, not its annotations
                for field in getattr(cls, "__dataclass_fields__", {}).values():
                    field.type = hints.get(field.name, field.type)
        cls.__module__ = package
