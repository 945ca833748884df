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

Time limits. An async tool that outlasts its limit is cancelled. A sync tool runs in a worker
thread, and Python cannot stop a thread: its limit counts its own running time (from the moment
its thread starts it, not the wait for a free thread), and when it passes the tool is
abandoned, still running, and the model is told so. While `ABANDONED_THREADS_LIMIT` abandoned
calls are still running in the process, no sync tool is started (`ToolThreadsExhausted`), so
their number passes the limit by no more than the calls already running when it was reached. At
most `SYNC_TOOL_THREADS` sync tools run at once per event loop; the others wait for a thread,
and that wait is not part of their limit.
"""

from __future__ import annotations

import functools
import inspect
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from pydantic import BaseModel, ValidationError

from ._core.request import ToolSpec
from ._docstrings import parse_docstring
from ._schema import arguments_model, clean_schema, strict_schema
from .errors import ConfigurationError
from .messages import ToolCall

__all__ = [
    "ABANDONED_THREADS_LIMIT",
    "SYNC_TOOL_THREADS",
    "Approval",
    "ApprovalHook",
    "Tool",
    "ToolInputError",
    "ToolSpec",
    "ToolThreadsExhausted",
    "ToolTimedOut",
    "tool",
]

R = TypeVar("R")

ABANDONED_THREADS_LIMIT = 16
"""How many sync tool calls that outlasted their time limit (or whose run was cancelled) may
still be running in their threads, in the whole process, before no sync tool is started: until
one of them ends, each call is answered with `ToolThreadsExhausted` instead. (Calls running when
the limit is reached may still be abandoned: at most `SYNC_TOOL_THREADS` more per event
loop.)"""

SYNC_TOOL_THREADS = 40
"""How many sync tools run at once per event loop (anyio's own default); the others wait for a
thread, and the wait does not count against their time limit."""


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


class ToolTimedOut(Exception):
    """A tool did not finish within its time limit. `still_running` is False for an async tool
    (it was cancelled) and True for a sync one (its thread cannot be stopped: it was abandoned
    and may still be running)."""

    def __init__(self, seconds: float, *, still_running: bool) -> None:
        super().__init__(f"did not finish within {seconds:g}s")
        self.seconds = seconds
        self.still_running = still_running


class ToolThreadsExhausted(Exception):
    """A sync tool was not started: `ABANDONED_THREADS_LIMIT` abandoned calls are still running
    in their threads. `running` is how many."""

    def __init__(self, running: int) -> None:
        super().__init__(
            f"{running} earlier sync tool calls that did not finish within their time limits are "
            f"still running (at most {ABANDONED_THREADS_LIMIT} may be)"
        )
        self.running = running


class _Abandoned:
    """The sync tool calls abandoned while their threads still run, in the whole process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def check(self) -> None:
        """Raise `ToolThreadsExhausted` while the limit is reached."""
        with self._lock:
            if self.count >= ABANDONED_THREADS_LIMIT:
                raise ToolThreadsExhausted(self.count)

    def started(self, run: _ThreadRun) -> bool:
        """`run`'s thread takes it up: True when its function is to be called, False when its
        caller already left (nothing waits for it: it is not run, nor counted)."""
        with self._lock:
            if run.state == "dropped":
                return False
            run.state = "running"
            return True

    def left(self, run: _ThreadRun) -> None:
        """The caller stopped waiting for `run` (its limit passed, or it was cancelled)."""
        with self._lock:
            if run.state == "waiting":
                # Cancelled before a thread started it: the backend may never start it (asyncio
                # skips a call whose caller left), so it is not counted, and never runs.
                run.state = "dropped"
            elif run.state == "running":
                run.state = "abandoned"
                self.count += 1

    def ended(self, run: _ThreadRun) -> None:
        """`run`'s function returned or raised, in its thread."""
        with self._lock:
            if run.state == "abandoned":
                self.count -= 1
            run.state = "ended"


ABANDONED = _Abandoned()


class _ThreadRun:
    """One sync tool call: `waiting` for its thread, then `running` in it, then `ended` or
    `abandoned` (and then `ended`, once the thread is done); or `dropped`, when its caller left
    before a thread started it."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = "waiting"


class _Dropped(Exception):
    """The thread found the call dropped: raised where nothing waits for the result."""


# Per event loop: how many sync tools run at once (released when a run ends or is abandoned),
# and the capacity anyio's threads are taken from (room for the abandoned ones too, so that a
# backend that holds a thread's token until it ends never blocks a new call on them).
_RUNNING: anyio.lowlevel.RunVar[anyio.CapacityLimiter] = anyio.lowlevel.RunVar("llmstream_tools")
_THREADS: anyio.lowlevel.RunVar[anyio.CapacityLimiter] = anyio.lowlevel.RunVar(
    "llmstream_tool_threads"
)


def _limiter(var: anyio.lowlevel.RunVar[anyio.CapacityLimiter], size: int) -> anyio.CapacityLimiter:
    try:
        return var.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(size)
        var.set(limiter)
        return limiter


async def _run_in_thread(function: Callable[[], R], timeout: float | None) -> R:
    """`function` in a worker thread, its time limit counted from the moment the thread starts
    it; past the limit (or when the caller is cancelled) it is abandoned, still running."""
    running = _limiter(_RUNNING, SYNC_TOOL_THREADS)
    threads = _limiter(_THREADS, SYNC_TOOL_THREADS + ABANDONED_THREADS_LIMIT)
    scope = anyio.CancelScope()

    def start_clock() -> None:
        if timeout is not None:
            scope.deadline = anyio.current_time() + timeout

    def in_thread() -> R:
        if not ABANDONED.started(run):
            raise _Dropped
        try:
            if timeout is not None:
                anyio.from_thread.run_sync(start_clock)
            return function()
        finally:
            ABANDONED.ended(run)

    async with running:
        ABANDONED.check()
        run = _ThreadRun()
        try:
            with scope:
                return await anyio.to_thread.run_sync(
                    in_thread, abandon_on_cancel=True, limiter=threads
                )
        finally:
            ABANDONED.left(run)  # nothing when it ended; else it runs on, without us
    raise ToolTimedOut(timeout or 0.0, still_running=True)


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

    async def run(self, arguments: dict[str, Any], *, timeout: float | None = None) -> R:
        """Run the tool with validated arguments (from `validate`), within `timeout` seconds
        (None: no limit). Sync functions run in a worker thread so that they do not block the
        event loop.

        Raises `ToolTimedOut` when the limit passes: an async tool has been cancelled; a sync
        one has been abandoned and may still be running (its limit counts from the moment its
        thread starts it). Raises `ToolThreadsExhausted`, without running a sync tool, while
        `ABANDONED_THREADS_LIMIT` abandoned calls are still running."""
        if self._call_style == "model":
            call = functools.partial(self.function, arguments["__model__"])
        else:
            call = functools.partial(self.function, **arguments)
        if not self._is_async:
            return await _run_in_thread(cast("Callable[[], R]", call), timeout)
        if timeout is None:
            return await cast("Awaitable[R]", call())
        with anyio.move_on_after(timeout) as scope:
            return await cast("Awaitable[R]", call())
        assert scope.cancelled_caught
        raise ToolTimedOut(timeout, still_running=False)


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
