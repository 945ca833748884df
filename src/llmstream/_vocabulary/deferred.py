"""Fields of a frozen model worked out when first read, not when the model is made.

Pricing a reply through genai-prices costs about as much CPU as the rest of a short call, and
most callers never look at `message.cost`. So a reply's cost is stored as a `Deferred` (the
work, not its result) and worked out the first time anything reads it; from then on it is an
ordinary value.

A field that may hold one is made readable with `deferrable(Model, "name")` (a data descriptor
on the class, so every read goes through it); the model is serialized through `settle_fields`
(a model serializer that works the value out first). To everything else the model is unchanged:

- `model.name` works the value out once and keeps it in the instance (`__dict__`), where
  pydantic keeps every field;
- `model_dump()`, its JSON and `repr()` show the value (worked out then); equality compares
  values, so a model whose cost was read equals one whose cost was not;
- copies share the one `Deferred`, so the work is done at most once for all of them; pickling
  stores the value;
- `match` reads attributes, so it reads the value.

`defer(model, name, value)` puts a `Deferred` into a model just made; `unread(model, name)`
takes out what a field holds without working it out, to hand it on to another model (an agent's
`StepFinish` carries its message's cost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler

__all__ = ["Deferred", "defer", "deferrable", "settle_fields", "settled", "unread"]

_UNSET: Any = object()


class Deferred:
    """A value worked out by `compute()` the first time it is asked for (`get()`), then kept."""

    __slots__ = ("_compute", "_value")

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._value: Any = _UNSET

    def get(self) -> Any:
        value = self._value
        if value is _UNSET:
            # Two threads reading it at once may both work it out: the same value either way.
            value = self._value = self._compute()
        return value

    def __eq__(self, other: object) -> bool:
        return bool(self.get() == settled(other))

    def __hash__(self) -> int:
        return hash(self.get())

    def __repr__(self) -> str:
        return repr(self.get())

    def __copy__(self) -> Deferred:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Deferred:
        return self  # what it holds is worked out once and never changed

    def __reduce__(self) -> tuple[Callable[[Any], Any], tuple[Any]]:
        return _same, (self.get(),)  # pickled as its value


def _same(value: Any) -> Any:
    return value


def settled(value: Any) -> Any:
    """`value`, worked out if it is a `Deferred`."""
    return value.get() if type(value) is Deferred else value


class _DeferrableField:
    """Reads a field that may hold a `Deferred`: its value, worked out once and kept."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:  # as on any pydantic model: fields are not class attributes
            raise AttributeError(self.name)
        fields = instance.__dict__
        value = fields[self.name]
        if type(value) is Deferred:
            value = fields[self.name] = value.get()
        return value

    def __set__(self, instance: object, value: Any) -> None:
        # Not reached on a frozen model (pydantic refuses the assignment first); said anyway.
        raise AttributeError(f"{self.name} cannot be assigned: the model is frozen")


def deferrable(model: type[BaseModel], name: str) -> None:
    """Let the field `name` of `model` hold a `Deferred` (see the module docstring); the model
    must be serialized through `settle_fields`."""
    if name not in model.model_fields:
        raise TypeError(f"{model.__name__} has no field {name!r}")
    setattr(model, name, _DeferrableField(name))


def settle_fields(self: BaseModel, handler: SerializerFunctionWrapHandler) -> Any:
    """The serializer of a model with deferrable fields (`model_serializer(mode="wrap")`):
    each `Deferred` worked out and kept, then the model serialized as pydantic always does
    (field defaults, `exclude_defaults` and its JSON schema unchanged). pydantic reads the
    parameters' names: `self` makes it a method."""
    fields = self.__dict__
    for name, value in fields.items():
        if type(value) is Deferred:
            fields[name] = value.get()
    return handler(self)


# With a return annotation pydantic would describe the serialized model as that type in its JSON
# schema (`Any`: anything); without one it describes it as the model, as before.
del settle_fields.__annotations__["return"]


def defer(model: BaseModel, name: str, value: Deferred) -> None:
    """Put `value` into the field `name` of `model`, just made (the field must be
    `deferrable`): it is worked out when first read."""
    model.__dict__[name] = value


def unread(model: BaseModel, name: str) -> Any:
    """What the field `name` holds, a `Deferred` left as it is."""
    return model.__dict__[name]
