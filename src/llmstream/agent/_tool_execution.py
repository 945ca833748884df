"""Running one tool call, turning every way it can fail into a result the model can act on.

Apart from the run driver, as pydantic-ai keeps tool execution apart from its agent graph: this
knows tools, arguments, approval and time limits, and nothing of models or streams.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from ..messages import ToolCall, output_text
from ..tools import Approval, Tool, ToolInputError, ToolThreadsExhausted, ToolTimedOut
from ._types import ToolFailure, ToolResult

__all__ = ["run_tool_call"]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def run_tool_call(
    call: ToolCall, tools: dict[str, Tool[Any]], *, default_timeout: float | None
) -> ToolResult:
    """Run one tool call, turning every way it can fail into a result the model can act on."""

    def failed(failure: ToolFailure, output: str) -> ToolResult:
        return ToolResult(call=call, output=f"Error: {output}", is_error=True, failure=failure)

    tool = tools.get(call.name)
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        return failed(
            "unknown_tool",
            f"there is no tool named {call.name!r}. The tools you can call are: {available}.",
        )
    try:
        raw = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError as exc:
        return failed(
            "invalid_json",
            f"the arguments for {call.name} are not valid JSON ({exc}). Call {call.name} "
            "again with a JSON object as its arguments.",
        )
    try:
        arguments = tool.validate(raw)
    except ToolInputError as exc:
        return failed(
            "invalid_arguments",
            f"the arguments for {call.name} do not fit its parameters:\n{exc}\nCall "
            f"{call.name} again with corrected arguments.",
        )

    if tool.approval is not None:
        decision = await _maybe_await(tool.approval(call, raw))
        if isinstance(decision, bool):
            decision = Approval(decision)
        if not decision.allowed:
            why = f": {decision.reason}" if decision.reason else "."
            return failed("denied", f"the user did not allow this call to {call.name}{why}")
        if decision.arguments is not None:
            try:
                arguments = tool.validate(decision.arguments)
            except ToolInputError as exc:
                return failed(
                    "invalid_arguments",
                    f"the arguments the user gave {call.name} instead do not fit:\n{exc}",
                )

    timeout = tool.timeout if tool.timeout is not None else default_timeout
    try:
        value = await tool.run(arguments, timeout=timeout)
    except ToolTimedOut as exc:
        # What the model is told is true: a sync tool's thread cannot be stopped.
        fate = "; it may still be running" if exc.still_running else " and was stopped"
        return failed("timeout", f"{call.name} did not finish within {exc.seconds:g}s{fate}.")
    except ToolThreadsExhausted as exc:
        return failed(
            "busy",
            f"{call.name} was not run: {exc}. It can run once one of them ends.",
        )
    except Exception as exc:  # a tool's own failure is the model's to hear about, not a crash
        return failed("error", f"{call.name} failed: {type(exc).__name__}: {exc}")
    return ToolResult(call=call, output=output_text(value))
