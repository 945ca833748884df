"""Tools the model can call: declared from typed Python functions, pydantic models or raw schemas.

```python
@ls.tool
def weather(location: str) -> str:
    \"\"\"Get weather information for a location.

    Args:
        location: the city
    \"\"\"
    return "40 C"
```

The JSON schema comes from the type hints (through pydantic), the descriptions from the
docstring (Google, NumPy or Sphinx style). A `Tool` is still callable as the function it wraps.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload

import anyio.to_thread
from pydantic import BaseModel, ValidationError

from ._core.request import ToolSpec
from ._docstrings import parse_docstring
from ._schema import arguments_model, clean_schema, strict_schema
from .errors import ConfigurationError
from .messages import ToolCall

__all__ = ["Approval", "ApprovalHook", "Tool", "ToolInputError", "ToolSpec", "tool"]

R = TypeVar("R")


@dataclass(frozen=True)
class Approval:
    """What an approval hook decided about one tool call.

    `Approval.allow()` runs it, `Approval.deny("why")` does not (the model is told, with the
    reason), `Approval.replace({...})` runs it with other arguments. A hook may also return
    `True` or `False`.
    """

    allowed: bool
    reason: str | None = None
    arguments: dict[str, Any] | None = None

    @classmethod
    def allow(cls) -> Approval:
        return cls(True)

    @classmethod
    def deny(cls, reason: str | None = None) -> Approval:
        return cls(False, reason=reason)

    @classmethod
    def replace(cls, arguments: dict[str, Any]) -> Approval:
        return cls(True, arguments=arguments)


ApprovalHook = Callable[[ToolCall, dict[str, Any]], "Approval | bool | Awaitable[Approval | bool]"]
"""Called with the tool call and its validated arguments, before the tool runs."""


class ToolInputError(ValueError):
    """The model's arguments do not fit the tool; the message is written for the model."""


class Tool(Generic[R]):
    """A tool the agent can run: its `spec` (what the model sees) and the code behind it.

    Make one with `@ls.tool`, `Tool.from_model` or `Tool.from_schema`. `timeout` bounds one run
    (the agent's `tool_timeout` applies when it is None); `approval` is called before each run.
    """

    def __init__(
        self,
        function: Callable[..., R | Awaitable[R]],
        *,
        name: str,
        description: str | None,
        parameters: dict[str, Any],
        validator: Callable[[dict[str, Any]], Any] | None,
        call_style: str,
        strict: bool = False,
        timeout: float | None = None,
        approval: ApprovalHook | None = None,
    ) -> None:
        self.function = function
        self.name = name
        self.description = description
        # Strict mode holds the model to the schema only if the schema follows its rules.
        self.parameters = strict_schema(parameters, name=name) if strict else parameters
        self.strict = strict
        self.timeout = timeout
        self.approval = approval
        self._validator = validator
        self._call_style = call_style  # "keywords" or "model"
        self._is_async = inspect.iscoroutinefunction(function)
        functools.update_wrapper(self, function)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, description={self.description!r})"

    def __call__(self, *args: Any, **kwargs: Any) -> R | Awaitable[R]:
        """Call the wrapped function directly, as if it were not a tool."""
        return self.function(*args, **kwargs)

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name,
            description=self.description,
            parameters=self.parameters,
            strict=self.strict,
        )

    # -- constructors -----------------------------------------------------------------------
    @classmethod
    def from_function(
        cls,
        function: Callable[..., R | Awaitable[R]],
        *,
        name: str | None = None,
        description: str | None = None,
        strict: bool = False,
        timeout: float | None = None,
        approval: ApprovalHook | None = None,
        namespace: dict[str, Any] | None = None,
    ) -> Tool[R]:
        """A tool from a typed function: what `@ls.tool` does.

        `namespace` holds names the type hints use besides the module's globals (`@ls.tool`
        passes the locals of the scope where the function is defined).
        """
        tool_name = name or function.__name__
        docs = parse_docstring(inspect.getdoc(function))
        model = arguments_model(function, docs.parameters, name=tool_name, namespace=namespace)
        return cls(
            function,
            name=tool_name,
            description=description if description is not None else docs.description,
            parameters=clean_schema(model.model_json_schema()),
            validator=model.model_validate,
            call_style="keywords",
            strict=strict,
            timeout=timeout,
            approval=approval,
        )

    @classmethod
    def from_model(
        cls,
        arguments: type[BaseModel],
        function: Callable[[Any], R | Awaitable[R]],
        *,
        name: str | None = None,
        description: str | None = None,
        strict: bool = False,
        timeout: float | None = None,
        approval: ApprovalHook | None = None,
    ) -> Tool[R]:
        """A tool whose arguments are a pydantic model; `function` receives the model instance.

        The name and description default to the model's class name and docstring.
        """
        docs = parse_docstring(inspect.getdoc(arguments)) if arguments.__doc__ else None
        parameters = clean_schema(arguments.model_json_schema())
        parameters.pop("description", None)  # the model's docstring is the tool's description
        return cls(
            function,
            name=name or arguments.__name__,
            description=description or (docs.description if docs else None),
            parameters=parameters,
            validator=arguments.model_validate,
            call_style="model",
            strict=strict,
            timeout=timeout,
            approval=approval,
        )

    @classmethod
    def from_schema(
        cls,
        name: str,
        parameters: dict[str, Any],
        function: Callable[..., R | Awaitable[R]],
        *,
        description: str | None = None,
        strict: bool = False,
        timeout: float | None = None,
        approval: ApprovalHook | None = None,
    ) -> Tool[R]:
        """A tool from a raw JSON schema; `function` receives the arguments as keywords.

        Nothing checks the arguments against the schema but the function itself.
        """
        return cls(
            function,
            name=name,
            description=description,
            parameters=parameters,
            validator=None,
            call_style="keywords",
            strict=strict,
            timeout=timeout,
            approval=approval,
        )

    # -- running ----------------------------------------------------------------------------
    def validate(self, arguments: Any) -> dict[str, Any]:
        """The arguments, checked and converted; raises `ToolInputError` saying what is wrong."""
        if not isinstance(arguments, dict):
            raise ToolInputError(
                f"the arguments must be a JSON object, got {type(arguments).__name__}"
            )
        if self._validator is None:
            return arguments
        try:
            value = self._validator(arguments)
        except ValidationError as exc:
            problems = [_describe(error) for error in exc.errors(include_url=False)]
            raise ToolInputError("\n".join(problems)) from None
        if self._call_style == "model":
            return {"__model__": value}
        return {name: getattr(value, name) for name in type(value).model_fields}

    async def run(self, arguments: dict[str, Any]) -> R:
        """Run the tool with validated arguments (from `validate`). Sync functions run in a
        worker thread so that they do not block the event loop."""
        if self._call_style == "model":
            call = functools.partial(self.function, arguments["__model__"])
        else:
            call = functools.partial(self.function, **arguments)
        if self._is_async:
            return await cast("Awaitable[R]", call())
        return await anyio.to_thread.run_sync(cast("Callable[[], R]", call), abandon_on_cancel=True)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(arguments)"
    got = "" if error["type"] == "missing" else f" (got {json.dumps(error.get('input'))[:100]})"
    return f"- {where}: {error['msg']}{got}"


@overload
def tool(function: Callable[..., R | Awaitable[R]], /) -> Tool[R]: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
    timeout: float | None = None,
    approval: ApprovalHook | None = None,
) -> Callable[[Callable[..., R | Awaitable[R]]], Tool[R]]: ...


def tool(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
    timeout: float | None = None,
    approval: ApprovalHook | None = None,
) -> Any:
    """Make a tool from a typed function, sync or async: `@ls.tool` or `@ls.tool(timeout=5)`."""
    # The scope that declares the tool, for types defined there (a class inside a function).
    caller = inspect.currentframe()
    namespace = dict(caller.f_back.f_locals) if caller and caller.f_back else None

    def make(fn: Callable[..., Any]) -> Tool[Any]:
        if not callable(fn):
            raise ConfigurationError(f"@ls.tool needs a function, got {fn!r}")
        return Tool.from_function(
            fn,
            name=name,
            description=description,
            strict=strict,
            timeout=timeout,
            approval=approval,
            namespace=namespace,
        )

    return make if function is None else make(function)
