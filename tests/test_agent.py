"""The agent loop against a scripted model: every failure path, asserting what the model is told
next; parallel tools; stop conditions; cancellation; the sync twins."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest

import llmstream as ls

from .support.corpus import TEST_KEY
from .support.scripted import Reply, ScriptedModel, call


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    if location == "Atlantis":
        raise ValueError("no data for Atlantis")
    return "40 C"


def make_agent(model: ScriptedModel, *tools: ls.Tool[Any], **settings: Any) -> ls.Agent:
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY), transport=model.transport)
    return ls.Agent(
        client, "gpt-4o-mini", system="Be brief.", tools=list(tools or [weather]), **settings
    )


def told_next(model: ScriptedModel, request: int = 1) -> list[dict[str, Any]]:
    """The tool messages the model received in request number `request` (from 0)."""
    return [m for m in model.requests[request]["messages"] if m["role"] == "tool"]


# -- the happy path -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_two_step_run() -> None:
    model = ScriptedModel(
        Reply(text="Let me check.", calls=[call("weather", {"location": "Rome"})], usage=(10, 5)),
        Reply(text="It is 40 C in Rome.", usage=(30, 7)),
    )
    agent = make_agent(model, max_tokens=100)
    async with agent.stream("Weather in Rome?") as run:
        events = [event async for event in run]
    result = run.result

    kinds = [event.type for event in events]
    assert kinds[0] == "step_start"
    assert kinds.index("tool_result") > kinds.index("tool_call_end")
    assert kinds[-3:] == ["finish", "step_finish", "run_finish"]
    assert [e.step for e in events if isinstance(e, ls.StepStart)] == [1, 2]
    [finished_one, finished_two] = [e for e in events if isinstance(e, ls.StepFinish)]
    assert finished_one.finish_reason == "tool_calls"
    assert finished_two.finish_reason == "stop"
    assert isinstance(events[-1], ls.RunFinish)
    assert events[-1].result == result

    assert result.text == "It is 40 C in Rome."
    assert result.stop_reason == "done"
    assert len(result.steps) == 2
    assert result.steps[0].tool_results[0].output == "40 C"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (40, 12)

    # The second request carries the reply exactly as received, then the tool's result.
    second = model.requests[1]
    assert second["max_tokens"] == 100
    assert second["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Rome?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"location": "Rome"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "40 C"},
    ]
    assert second["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "strict": False,
                "description": "Get weather information for a location.",
                "parameters": weather.parameters,
            },
        }
    ]

    # The messages continue the conversation.
    assert [m.role if hasattr(m, "role") else m["role"] for m in result.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    model.replies.append(Reply(text="Still 40 C."))
    again = await agent.run("And now?", history=result.messages)
    assert again.text == "Still 40 C."
    assert [m["role"] for m in model.requests[2]["messages"]] == [
        "system", "user", "assistant", "tool", "assistant", "user",
    ]  # fmt: skip


# -- every way a tool call can fail: the run goes on, and the model is told ---------------------


@pytest.mark.anyio
async def test_invalid_json_arguments() -> None:
    model = ScriptedModel(Reply(calls=[call("weather", '{"location": "Rome"')]), Reply(text="ok"))
    async with make_agent(model).stream("hi") as run:
        results = [e async for e in run if isinstance(e, ls.ToolResult)]
    assert (results[0].is_error, results[0].failure) == (True, "invalid_json")
    [told] = told_next(model)
    assert told["content"].startswith("Error: the arguments for weather are not valid JSON (")
    assert told["content"].endswith("Call weather again with a JSON object as its arguments.")
    # The model's raw text is replayed unchanged, broken as it was.
    assert (
        model.requests[1]["messages"][2]["tool_calls"][0]["function"]["arguments"]
        == '{"location": "Rome"'
    )
    assert run.result.text == "ok"


@pytest.mark.anyio
async def test_arguments_that_fail_validation() -> None:
    model = ScriptedModel(Reply(calls=[call("weather", {"place": "Rome"})]), Reply(text="ok"))
    result = await make_agent(model).run("hi")
    assert result.steps[0].tool_results[0].failure == "invalid_arguments"
    assert told_next(model)[0]["content"] == (
        "Error: the arguments for weather do not fit its parameters:\n"
        "- location: Field required\n"
        "Call weather again with corrected arguments."
    )


@pytest.mark.anyio
async def test_an_unknown_tool() -> None:
    model = ScriptedModel(Reply(calls=[call("forecast", {"days": 3})]), Reply(text="ok"))
    result = await make_agent(model).run("hi")
    assert result.steps[0].tool_results[0].failure == "unknown_tool"
    assert told_next(model)[0]["content"] == (
        "Error: there is no tool named 'forecast'. The tools you can call are: weather."
    )


@pytest.mark.anyio
async def test_a_tool_that_raises() -> None:
    model = ScriptedModel(
        Reply(calls=[call("weather", {"location": "Atlantis"})]), Reply(text="ok")
    )
    result = await make_agent(model).run("hi")
    outcome = result.steps[0].tool_results[0]
    assert (outcome.is_error, outcome.failure) == (True, "error")
    assert (
        told_next(model)[0]["content"] == "Error: weather failed: ValueError: no data for Atlantis"
    )


@pytest.mark.anyio
async def test_a_tool_that_takes_too_long() -> None:
    import llmstream.tools

    finished: list[bool] = []
    release = threading.Event()

    @ls.tool(timeout=0.2)
    async def slow() -> str:
        """Take forever."""
        await anyio.sleep(10)
        finished.append(True)
        return "done"

    @ls.tool
    def blocking() -> str:
        """Block a thread."""
        release.wait(10)
        return "done"

    model = ScriptedModel(Reply(calls=[call("slow", {}), call("blocking", {})]), Reply(text="ok"))
    agent = make_agent(model, slow, blocking, tool_timeout=0.3)
    start = time.monotonic()
    try:
        result = await agent.run("hi")
        # Neither tool was waited for (each would take 10 s): the run went on past its limit.
        assert time.monotonic() - start < 5
    finally:
        release.set()
    with anyio.fail_after(5):
        while llmstream.tools.ABANDONED.count:  # the abandoned thread ends, and is counted out
            await anyio.sleep(0.01)
    assert [r.failure for r in result.steps[0].tool_results] == ["timeout", "timeout"]
    assert [m["content"] for m in told_next(model)] == [
        "Error: slow did not finish within 0.2s and was stopped.",
        "Error: blocking did not finish within 0.3s; it may still be running.",
    ]
    assert finished == []


@pytest.mark.anyio
async def test_a_sync_tools_limit_counts_its_own_running_time() -> None:
    """50 sync tools of 1 s each, in parallel, with a 1.5 s limit: 40 run at once (one per
    worker thread), the other 10 wait for a thread. Waiting is not running: none times out."""

    @ls.tool(timeout=1.5)
    def work(n: int) -> str:
        """Work for a second.

        Args:
            n: which piece of work
        """
        time.sleep(1)
        return f"done {n}"

    calls = [call("work", {"n": n}) for n in range(50)]
    model = ScriptedModel(Reply(calls=calls), Reply(text="ok"))
    result = await make_agent(model, work).run("hi")
    outcomes = result.steps[0].tool_results
    assert [r.failure for r in outcomes if r.is_error] == []
    assert [r.output for r in outcomes] == [f"done {n}" for n in range(50)]


@pytest.mark.anyio
async def test_abandoned_sync_tool_threads_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync tool that hangs is abandoned past its limit, still running; once as many are as
    the limit allows, no sync tool is started until one of them ends, and the model is told."""
    import llmstream.tools

    monkeypatch.setattr(llmstream.tools, "ABANDONED_THREADS_LIMIT", 2)
    release = threading.Event()
    started: list[int] = []

    @ls.tool(timeout=0.2)
    def hang(n: int) -> str:
        """Wait for the test.

        Args:
            n: which call
        """
        started.append(n)
        release.wait(10)
        return f"done {n}"

    try:
        model = ScriptedModel(
            Reply(calls=[call("hang", {"n": 1}), call("hang", {"n": 2})]),
            Reply(calls=[call("hang", {"n": 3})]),
            Reply(text="ok"),
        )
        result = await make_agent(model, hang).run("hi")
        assert [r.failure for r in result.steps[0].tool_results] == ["timeout", "timeout"]
        assert told_next(model, 1)[0]["content"] == (
            "Error: hang did not finish within 0.2s; it may still be running."
        )
        assert [r.failure for r in result.steps[1].tool_results] == ["busy"]
        assert told_next(model, 2)[-1]["content"] == (
            "Error: hang was not run: 2 earlier sync tool calls that did not finish within "
            "their time limits are still running (at most 2 may be). It can run once one of "
            "them ends."
        )
        assert sorted(started) == [1, 2]  # the third never started
        assert llmstream.tools.ABANDONED.count == 2
    finally:
        release.set()
    with anyio.fail_after(5):
        while llmstream.tools.ABANDONED.count:  # the abandoned threads end, and are counted out
            await anyio.sleep(0.01)
    model = ScriptedModel(Reply(calls=[call("hang", {"n": 4})]), Reply(text="ok"))
    result = await make_agent(model, hang).run("hi")
    assert result.steps[0].tool_results[0].output == "done 4"


@pytest.mark.anyio
async def test_a_sync_tool_cancelled_before_its_thread_starts_is_not_left_counted() -> None:
    """A sync call cancelled (its run left) before a thread takes it up may never be started:
    asyncio skips a call whose caller left. It is not run, and not counted as still running
    (each would hold one of the `ABANDONED_THREADS_LIMIT` places for good)."""
    import llmstream.tools

    @ls.tool
    def work(n: int) -> str:
        """Work.

        Args:
            n: which call
        """
        return f"done {n}"

    for n in range(20):
        async with anyio.create_task_group() as group:
            group.start_soon(work.run, {"n": n})
            await anyio.lowlevel.checkpoint()  # the call is on its way to a thread
            group.cancel_scope.cancel()  # and its caller leaves before a thread starts it
    with anyio.fail_after(5):
        while llmstream.tools.ABANDONED.count:  # any that did start end, and are counted out
            await anyio.sleep(0.01)


@pytest.mark.anyio
async def test_a_tool_that_raises_timeout_error_itself_is_an_error() -> None:
    """A tool's own TimeoutError (a socket timeout inside it) is its failure, not the limit."""

    @ls.tool(timeout=5)
    async def fetch() -> str:
        """Fetch something."""
        raise TimeoutError("the upstream socket timed out")

    model = ScriptedModel(Reply(calls=[call("fetch", {})]), Reply(text="ok"))
    result = await make_agent(model, fetch).run("hi")
    assert result.steps[0].tool_results[0].failure == "error"
    assert told_next(model)[0]["content"] == (
        "Error: fetch failed: TimeoutError: the upstream socket timed out"
    )


@pytest.mark.anyio
async def test_max_steps_reached() -> None:
    model = ScriptedModel(*[Reply(calls=[call("weather", {"location": "Rome"})]) for _ in range(3)])
    result = await make_agent(model, max_steps=3).run("hi")
    assert result.stop_reason == "max_steps"
    assert len(model.requests) == 3  # and no fourth
    assert len(result.steps) == 3
    # What the model would be told next is in the history, ready for another run.
    assert result.messages[-1].content == "40 C"
    assert len(told_next(model, 2)) == 2


@pytest.mark.anyio
async def test_approval_denied() -> None:
    asked: list[tuple[str, dict[str, Any]]] = []
    ran: list[str] = []

    async def ask(tool_call: ls.ToolCall, arguments: dict[str, Any]) -> ls.Approval:
        asked.append((tool_call.name, arguments))
        return ls.Approval.deny("not on weekends")

    @ls.tool(approval=ask)
    def delete_file(path: str) -> str:
        """Delete a file."""
        ran.append(path)
        return "deleted"

    model = ScriptedModel(
        Reply(calls=[call("delete_file", {"path": "/etc/hosts"})]), Reply(text="ok")
    )
    result = await make_agent(model, delete_file).run("clean up")
    assert asked == [("delete_file", {"path": "/etc/hosts"})]
    assert ran == []
    assert result.steps[0].tool_results[0].failure == "denied"
    assert told_next(model)[0]["content"] == (
        "Error: the user did not allow this call to delete_file: not on weekends"
    )


@pytest.mark.anyio
async def test_approval_can_replace_the_arguments_or_allow() -> None:
    ran: list[str] = []

    def sandbox(tool_call: ls.ToolCall, arguments: dict[str, Any]) -> ls.Approval | bool:
        if arguments["path"].startswith("/tmp/"):
            return True
        return ls.Approval.replace({"path": "/tmp" + arguments["path"]})

    @ls.tool(approval=sandbox)
    def delete_file(path: str) -> str:
        """Delete a file."""
        ran.append(path)
        return f"deleted {path}"

    model = ScriptedModel(
        Reply(
            calls=[
                call("delete_file", {"path": "/etc/hosts"}),
                call("delete_file", {"path": "/tmp/x"}),
            ]
        ),
        Reply(text="ok"),
    )
    await make_agent(model, delete_file).run("clean up")
    assert sorted(ran) == ["/tmp/etc/hosts", "/tmp/x"]  # they ran concurrently
    assert [m["content"] for m in told_next(model)] == ["deleted /tmp/etc/hosts", "deleted /tmp/x"]
    # The history keeps the model's own call, unchanged.
    assert (
        '"/etc/hosts"' in model.requests[1]["messages"][2]["tool_calls"][0]["function"]["arguments"]
    )


@pytest.mark.anyio
async def test_an_approval_hook_that_fails_stops_the_run_with_its_error() -> None:
    def broken(tool_call: ls.ToolCall, arguments: dict[str, Any]) -> bool:
        raise LookupError("the approvals service is down")

    @ls.tool(approval=broken)
    def delete_file(path: str) -> str:
        """Delete a file."""
        return "deleted"

    model = ScriptedModel(Reply(calls=[call("delete_file", {"path": "/x"})]))
    with pytest.raises(LookupError, match="approvals service is down"):
        await make_agent(model, delete_file).run("clean up")


# -- parallel tools ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_parallel_calls_overlap_and_keep_call_order() -> None:
    spans: dict[str, tuple[float, float]] = {}

    @ls.tool
    async def nap(seconds: float, label: str) -> str:
        """Sleep, then say the label."""
        start = time.monotonic()
        await anyio.sleep(seconds)
        spans[label] = (start, time.monotonic())
        return label

    model = ScriptedModel(
        Reply(
            calls=[
                call("nap", {"seconds": 0.5, "label": "first"}),
                call("nap", {"seconds": 0.1, "label": "second"}),
            ]
        ),
        Reply(text="ok"),
    )
    async with make_agent(model, nap).stream("go") as run:
        finished_order = [e.output async for e in run if isinstance(e, ls.ToolResult)]
    # The second call started before the first one ended: they overlapped.
    assert spans["second"][0] < spans["first"][1]
    assert finished_order == ["second", "first"]  # reported as they finish...
    assert [m["content"] for m in told_next(model)] == ["first", "second"]  # ...sent in call order
    assert [m["tool_call_id"] for m in told_next(model)] == ["call_1", "call_2"]


# -- stopping, steering ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_stop_when_a_given_tool_is_called() -> None:
    @ls.tool
    def final_answer(answer: str) -> str:
        """Give the final answer."""
        return answer

    model = ScriptedModel(
        Reply(calls=[call("weather", {"location": "Rome"})]),
        Reply(calls=[call("final_answer", {"answer": "40 C"})]),
    )
    result = await make_agent(
        model, weather, final_answer, stop_when=ls.has_tool_call("final_answer")
    ).run("hi")
    assert result.stop_reason == "stop_condition"
    assert len(model.requests) == 2
    assert result.steps[-1].tool_results[0].output == "40 C"


@pytest.mark.anyio
async def test_stop_on_step_count_or_a_predicate() -> None:
    looping = [Reply(calls=[call("weather", {"location": "Rome"})]) for _ in range(5)]
    result = await make_agent(ScriptedModel(*looping), stop_when=ls.step_count_is(2)).run("hi")
    assert (result.stop_reason, len(result.steps)) == ("stop_condition", 2)

    def two_calls(steps: Any) -> bool:
        return len(steps[-1].tool_calls) >= 2

    model = ScriptedModel(
        Reply(calls=[call("weather", {"location": "Rome"})]),
        Reply(calls=[call("weather", {"location": "Rome"}), call("weather", {"location": "Oslo"})]),
    )
    result = await make_agent(model, stop_when=[two_calls]).run("hi")
    assert (result.stop_reason, len(result.steps)) == ("stop_condition", 2)


@pytest.mark.anyio
async def test_tool_choice_and_active_tools_per_step() -> None:
    @ls.tool
    def other() -> str:
        """Another tool."""
        return "x"

    def prepare(number: int, steps: Any) -> ls.StepSettings:
        if number == 1:
            return ls.StepSettings(tool_choice="required", active_tools=["weather"])
        return ls.StepSettings(tool_choice="none")

    model = ScriptedModel(Reply(calls=[call("other", {})]), Reply(text="ok"))
    result = await make_agent(model, weather, other, prepare_step=prepare).run("hi")
    first, second = model.requests
    assert first["tool_choice"] == "required"
    assert [t["function"]["name"] for t in first["tools"]] == ["weather"]
    assert second["tool_choice"] == "none"
    assert [t["function"]["name"] for t in second["tools"]] == ["weather", "other"]
    # A call to a tool that was not offered in that step is not run.
    assert result.steps[0].tool_results[0].failure == "unknown_tool"


@pytest.mark.anyio
async def test_reasoning_goes_back_only_where_the_provider_reads_it() -> None:
    for provider, field in (
        (ls.Groq, "reasoning"),
        (ls.XAI, "reasoning_content"),
        (ls.OpenAI, None),
    ):
        model = ScriptedModel(
            Reply(reasoning="I should look.", calls=[call("weather", {"location": "Rome"})]),
            Reply(text="40 C"),
        )
        client = ls.AsyncClient(provider(api_key=TEST_KEY), transport=model.transport)
        await ls.Agent(client, "m", tools=[weather]).run("hi")
        assistant = model.requests[1]["messages"][1]
        assert {k for k in assistant if "reasoning" in k} == ({field} if field else set())
        if field:
            assert assistant[field] == "I should look."


# -- cancellation -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_cancelling_the_run_cancels_its_tools() -> None:
    started = anyio.Event()
    cancelled: list[bool] = []

    @ls.tool
    async def wait_long() -> str:
        """Wait a long time."""
        started.set()
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise
        return "never"

    model = ScriptedModel(Reply(calls=[call("wait_long", {})]))
    with anyio.move_on_after(5):
        async with make_agent(model, wait_long).stream("go") as run:
            async for event in run:
                if isinstance(event, ls.Finish):  # the model is done: its tool runs next
                    await started.wait()
                    break  # leaving the block cancels the run
    assert cancelled == [True]


@pytest.mark.anyio
async def test_cancelling_the_run_closes_the_model_stream() -> None:
    model = ScriptedModel(Reply(text=" ".join(["word"] * 200), delay=0.01))
    with anyio.move_on_after(0.2) as scope:
        async with make_agent(model).stream("go") as run:
            async for _ in run:
                pass
    assert scope.cancelled_caught
    assert model.closed  # the response body was closed before its end


@pytest.mark.anyio
async def test_an_error_from_the_model_reaches_the_caller() -> None:
    def broken(body: dict[str, Any]) -> Reply:
        raise RuntimeError("the model fell over")

    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY), transport=ScriptedModel(broken).transport)
    agent = ls.Agent(client, "m", tools=[weather])
    with pytest.raises(RuntimeError, match="fell over"):
        await agent.run("hi")


# -- whole replies and the sync twins -------------------------------------------------------------


@pytest.mark.anyio
async def test_without_streaming() -> None:
    model = ScriptedModel(
        Reply(reasoning="Hmm.", calls=[call("weather", {"location": "Rome"})]), Reply(text="40 C")
    )
    async with make_agent(model, streaming=False).stream("hi") as run:
        kinds = [event.type async for event in run]
    assert "stream" not in model.requests[0]
    assert kinds[:7] == [
        "step_start", "reasoning_delta", "reasoning_end", "tool_call_start", "tool_call_delta",
        "tool_call_end", "usage",
    ]  # fmt: skip
    assert run.result.text == "40 C"


def test_run_sync_and_stream_sync() -> None:
    replies = [Reply(calls=[call("weather", {"location": "Rome"})]), Reply(text="40 C in Rome")]
    model = ScriptedModel(*replies)
    agent = ls.Agent(
        ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=model.transport), "m", tools=[weather]
    )
    assert agent.run_sync("hi").text == "40 C in Rome"

    model.replies.extend(replies)
    with agent.stream_sync("hi") as run:
        kinds = [event.type for event in run]
    assert kinds[-1] == "run_finish"
    assert run.result.text == "40 C in Rome"
    assert len(model.requests) == 4


@pytest.mark.anyio
async def test_the_result_of_a_run_left_early_is_a_typed_error() -> None:
    async with make_agent(ScriptedModel(Reply(text="40 C"))).stream("hi") as run:
        async for _ in run:
            break
    with pytest.raises(ls.StreamNotFinishedError, match="has not finished"):
        run.result  # noqa: B018


def test_the_result_of_a_sync_run_left_early_is_a_typed_error() -> None:
    agent = ls.Agent(
        ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=ScriptedModel(Reply(text="ok")).transport),
        "m",
    )
    run = agent.stream_sync("hi")
    with pytest.raises(ls.StreamNotFinishedError, match="has not started"):
        run.result  # noqa: B018
    with run:
        next(run)
    with pytest.raises(ls.StreamNotFinishedError, match="has not finished"):
        run.result  # noqa: B018


def test_run_sync_with_an_async_client() -> None:
    model = ScriptedModel(Reply(text="hello"))
    agent = make_agent(model)
    assert agent.run_sync("hi").text == "hello"


def test_a_sync_run_calls_through_a_copy_with_every_client_setting() -> None:
    """A sync run needs an async client in its own event loop: the copy is made from the
    client's stored settings, so no option is lost (the pacer once was)."""
    import dataclasses
    import inspect

    from llmstream._client import ClientSettings, async_copy

    arguments = {field.name for field in dataclasses.fields(ClientSettings)}
    for cls in (ls.AsyncClient, ls.Client):
        taken = set(inspect.signature(cls).parameters) - {"http_client", "transport"}
        assert arguments == taken - {"max_retries"}  # folded into retry_policy
    model = ScriptedModel(Reply(text="hello"))
    client = ls.Client(
        ls.OpenAI(api_key=TEST_KEY),
        transport=model.transport,
        timeouts=ls.Timeouts(idle=7),
        retry_policy=ls.RetryPolicy(initial_delay=0.1),
        max_retries=4,
        max_line_bytes=4096,
        fallbacks=[(ls.Groq(api_key=TEST_KEY), "m2")],
        pacer=ls.RateLimitPacer(),
        tracing=False,
    )
    copy = async_copy(client)
    assert ClientSettings.of(copy) == ClientSettings.of(client)
    assert copy.retry_policy.max_retries == 4
    assert copy.transport is model.transport  # it speaks both sync and async: shared
    assert ls.Agent(client, "m").run_sync("hi").text == "hello"


def test_run_sync_is_stream_sync_read_to_the_end() -> None:
    """One sync mechanism: both run on an event loop of their own, in a helper thread."""
    import threading

    threads: list[int] = []

    @ls.tool
    async def where() -> str:
        """Where the tool runs."""
        threads.append(threading.get_ident())
        return "here"

    replies = [Reply(calls=[call("where", {})]), Reply(text="done")]
    model = ScriptedModel(*replies, *replies)
    agent = ls.Agent(
        ls.Client(ls.OpenAI(api_key=TEST_KEY), transport=model.transport), "m", tools=[where]
    )
    assert agent.run_sync("hi").text == "done"
    with agent.stream_sync("hi") as run:
        for _ in run:
            pass
    assert run.result.text == "done"
    assert len(threads) == 2
    assert threading.get_ident() not in threads


def test_an_agent_s_settings_are_frozen() -> None:
    import dataclasses

    agent = make_agent(ScriptedModel(), max_tokens=100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        agent.settings.model = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        agent.settings.tools["x"] = weather  # type: ignore[index]
    with pytest.raises(TypeError):
        agent.settings.options["max_tokens"] = 5  # type: ignore[index]
    assert agent.settings.options == {"max_tokens": 100}
    assert list(agent.settings.tools) == ["weather"]
    # What were attributes of the agent itself say where they went, read or assigned: an
    # assignment is never silently ignored.
    with pytest.raises(AttributeError, match=r"read agent\.settings\.max_steps"):
        agent.max_steps  # type: ignore[attr-defined]  # noqa: B018
    model = agent.settings.model
    with pytest.raises(AttributeError, match=r"agent\.model cannot be changed"):
        agent.model = "other"  # type: ignore[attr-defined]
    assert agent.settings.model == model
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        agent.nothing  # type: ignore[attr-defined]  # noqa: B018


def test_agent_configuration_errors() -> None:
    client = ls.AsyncClient(ls.OpenAI(api_key=TEST_KEY))
    with pytest.raises(ls.ConfigurationError, match="not a runnable tool"):
        ls.Agent(client, "m", tools=[ls.ToolSpec(name="x")])  # type: ignore[list-item]
    with pytest.raises(ls.ConfigurationError, match="share the name"):
        ls.Agent(client, "m", tools=[weather, weather])
    with pytest.raises(ls.ConfigurationError, match="max_steps"):
        ls.Agent(client, "m", max_steps=0)
