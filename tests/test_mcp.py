"""Tools from real MCP servers in the agent loop.

The servers are tests/support/mcp_server.py, written with the official SDK's `MCPServer`: one
started over stdio by each toolset (a child process), one serving streamable HTTP (and legacy
SSE) on 127.0.0.1 from a child process of its own, both in the same run. The model is scripted
(`FakeLLM`). Around every test, the child processes, TCP connections and pipes of this process
are counted: a test that leaves one behind fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import llmstream as ls
from llmstream._mcp.results import MCPToolError, result_text
from llmstream.testing import FakeLLM, FakeRequest, Reply, tool_call

from .support import processes

SERVER = Path(__file__).parent / "support" / "mcp_server.py"
TOKEN = "mcp-test-token-0123456789"
LONG_LIVED: set[int] = set()  # the HTTP server's process: not a leak while the module runs


@pytest.fixture
def anyio_backend() -> str:
    """asyncio here (each server takes seconds to start); the tests that matter most for trio
    say so."""
    return "asyncio"


BOTH_LOOPS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


@pytest.fixture(autouse=True)
def nothing_left() -> Iterator[None]:
    """No child process, TCP connection or pipe outlives the test that made it."""
    before, handles = processes.descendants(), processes.open_handles()
    yield
    expected = before | LONG_LIVED | {p for pid in LONG_LIVED for p in processes.descendants(pid)}
    extra, more = processes.settled(expected, handles)
    assert not extra, f"child processes left running: {sorted(extra)}"
    assert not more, f"handles left open: {dict(more)}"


class Marks:
    """The file a server writes what it saw to (`started hang`, `cancelled hang`...)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()

    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def count(self, line: str) -> int:
        return self.lines().count(line)

    async def wait_for(self, line: str, count: int = 1, timeout: float = 15) -> None:
        with anyio.fail_after(timeout):
            while self.count(line) < count:
                await anyio.sleep(0.05)


@dataclass
class HTTPServer:
    process: subprocess.Popen[bytes]
    port: int
    marks: Marks

    def url(self, path: str = "/mcp") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        LONG_LIVED.discard(self.process.pid)


def start_http_server(marks: Marks) -> HTTPServer:
    process = subprocess.Popen(
        [sys.executable, str(SERVER), str(marks.path), "--http", TOKEN], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    with process.stdout:
        port = int(process.stdout.readline())
    LONG_LIVED.add(process.pid)
    return HTTPServer(process, port, marks)


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HTTPServer]:
    server = start_http_server(Marks(tmp_path_factory.mktemp("mcp-http") / "marks"))
    yield server
    server.stop()


@pytest.fixture
def marks(tmp_path: Path) -> Marks:
    return Marks(tmp_path / "marks")


def stdio(marks: Marks, **options: Any) -> ls.MCPToolset:
    return ls.MCPToolset.stdio(sys.executable, [str(SERVER), str(marks.path)], **options)


def http(server: HTTPServer, **options: Any) -> ls.MCPToolset:
    return ls.MCPToolset.http(server.url(), headers={"Authorization": f"Bearer {TOKEN}"}, **options)


@pytest.fixture(params=["stdio", "http"])
def serve(
    request: pytest.FixtureRequest, marks: Marks
) -> tuple[Callable[..., ls.MCPToolset], Marks]:
    """A way to make a toolset, over stdio or over streamable HTTP, and the server's marks."""
    if request.param == "stdio":
        return (lambda **options: stdio(marks, **options)), marks
    server: HTTPServer = request.getfixturevalue("http_server")
    return (lambda **options: http(server, **options)), server.marks


def agent(fake: FakeLLM, *tools: Any, **settings: Any) -> ls.Agent:
    return ls.Agent(fake.async_client(), "m", tools=list(tools), **settings)


def offered(request: FakeRequest) -> dict[str, dict[str, Any]]:
    """The tools a request offered the model, by name."""
    return {tool["function"]["name"]: tool["function"] for tool in request.body["tools"]}


def results(result: ls.AgentResult) -> list[ls.ToolResult]:
    return [outcome for step in result.steps for outcome in step.tool_results]


@ls.tool
def weather(location: str) -> str:
    """Get weather information for a location.

    Args:
        location: the city
    """
    return f"40 C in {location}"


# -- tools from both transports, in one run ----------------------------------------------------


@BOTH_LOOPS
@pytest.mark.anyio
async def test_tools_from_stdio_and_http_servers_in_one_run(
    marks: Marks, http_server: HTTPServer
) -> None:
    local, web = stdio(marks, prefix="local"), http(http_server, prefix="web")
    fake = FakeLLM(
        Reply(
            tool_calls=[
                tool_call("weather", {"location": "Rome"}),
                tool_call("local_echo", {"text": "from stdio"}),
                tool_call("web_echo", {"text": "from http"}),
                tool_call("local_forecast", {"city": "Oslo"}),
                tool_call("web_picture", {}),
            ]
        ),
        "Done.",
    )
    async with agent(fake, weather, local, web).stream("go") as run:
        events = [event async for event in run]
    result = run.result

    assert result.text == "Done."
    assert [(r.call.name, r.output, r.is_error) for r in results(result)] == [
        ("weather", "40 C in Rome", False),
        ("local_echo", "from stdio", False),
        ("web_echo", "from http", False),
        ("local_forecast", json.dumps({"city": "Oslo", "celsius": 24}, indent=2), False),
        ("web_picture", "a red dot\n[image image/png, 32 bytes, not shown]", False),
    ]
    assert sum(isinstance(event, ls.ToolResult) for event in events) == 5
    # The model was offered the Python tool and both servers' tools, named, described and with
    # the parameters the servers declared; and was told each result after its call.
    tools = offered(fake.requests[0])
    assert {"weather", "local_echo", "web_echo", "local_hang", "web_crash"} <= set(tools)
    assert tools["local_echo"]["description"] == "Say the text back."
    assert tools["web_forecast"]["parameters"]["properties"]["city"]["type"] == "string"
    assert tools["web_forecast"]["parameters"]["required"] == ["city"]
    told = [m for m in fake.requests[1].messages if m["role"] == "tool"]
    assert [m["content"] for m in told] == [r.output for r in results(result)]


@pytest.mark.anyio
async def test_calls_to_two_servers_run_at_the_same_time(tmp_path: Path) -> None:
    # Both servers write to one file: each `hang` marks its start, and both starts are seen
    # while both calls are still running (neither waited for the other).
    shared = Marks(tmp_path / "both")
    one, two = stdio(shared, prefix="one"), stdio(shared, prefix="two")
    fake = FakeLLM(Reply(tool_calls=[tool_call("one_hang", {}), tool_call("two_hang", {})]), "ok")
    with anyio.fail_after(60):
        async with one, two:
            async with agent(fake, one, two, tool_timeout=None).stream("go") as run:
                async for event in run:
                    if isinstance(event, ls.Finish):
                        await shared.wait_for("started hang", count=2)
                        break  # both calls are running: leaving the block cancels them
            await shared.wait_for("cancelled hang", count=2)


# -- failures become results the model reads ----------------------------------------------------


@pytest.mark.anyio
async def test_a_tool_that_fails_is_an_error_result_and_the_run_goes_on(
    serve: tuple[Callable[..., ls.MCPToolset], Marks],
) -> None:
    make, _ = serve
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("fail", {"why": "no reason"}), tool_call("echo", {})]),
        Reply(tool_calls=[tool_call("echo", {"text": "again"})]),
        "Gave up.",
    )
    result = await agent(fake, make()).run("go")
    failed, invalid, again = results(result)
    assert failed.is_error
    assert failed.failure == "error"
    assert failed.output == (  # the server's own words
        "Error: fail failed: MCPToolError: Error executing tool fail: cannot comply: no reason"
    )
    assert invalid.is_error  # the server checked the arguments, and said what was wrong
    assert "text" in invalid.output
    assert "Field required" in invalid.output
    assert (again.output, again.is_error) == ("again", False)
    assert result.text == "Gave up."


@pytest.mark.anyio
async def test_a_hanging_tool_times_out_and_the_server_hears_it_was_cancelled(
    serve: tuple[Callable[..., ls.MCPToolset], Marks],
) -> None:
    make, marks = serve
    cancelled = marks.count("cancelled hang")
    toolset = make(tool_timeout=0.5)
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("hang", {})]),
        Reply(tool_calls=[tool_call("hang", {})]),
        "It hangs.",
    )
    # The session stays open after the run: the server hears of the cancellation from the
    # client, not from its own shutdown.
    async with toolset:
        started = time.monotonic()
        result = await agent(fake, toolset, tool_timeout=None).run("go")
        took = time.monotonic() - started
        await marks.wait_for("cancelled hang", count=cancelled + 2)
    first, second = results(result)
    assert first.failure == second.failure == "timeout"
    assert first.output == "Error: hang did not finish within 0.5s and was stopped."
    assert took < 10  # two half-second limits: it stopped waiting when each passed
    # The agent's own limit applies when the toolset sets none.
    fake.add(Reply(tool_calls=[tool_call("hang", {})]), "It hangs.")
    result = await agent(fake, make(), tool_timeout=0.5).run("go")
    assert results(result)[0].output == "Error: hang did not finish within 0.5s and was stopped."


@pytest.mark.anyio
async def test_a_time_limit_per_tool_applies_to_that_tool_alone(
    serve: tuple[Callable[..., ls.MCPToolset], Marks], caplog: pytest.LogCaptureFixture
) -> None:
    make, _marks = serve
    limits = {"hang": 0.5, "echo": None, "ech0": 3.0}
    toolset = make(tool_timeout=limits)
    limits["hang"] = 100.0  # the toolset keeps the limits it was given
    calls = [tool_call("hang", {}), tool_call("echo", {"text": "hi"})]
    fake = FakeLLM(Reply(tool_calls=calls), "Done.")
    async with toolset:
        tools = {tool.name: tool.timeout for tool in await toolset.list_tools()}
        result = await agent(fake, toolset, tool_timeout=30).run("go")
    assert (tools["hang"], tools["echo"], tools["fail"]) == (0.5, None, None)
    hang, echo = results(result)
    assert hang.output == "Error: hang did not finish within 0.5s and was stopped."
    assert (echo.output, echo.failure) == ("hi", None)
    # A name the server does not offer is a typo to show, not a limit to drop in silence.
    unknown = [r.getMessage() for r in caplog.records if "does not offer" in r.getMessage()]
    assert unknown
    assert "tool_timeout names 'ech0'" in unknown[0]
    assert "'echo'" in unknown[0]
    for bad in (0, -1.0, float("nan"), "5", True):
        with pytest.raises(ls.ConfigurationError, match="tool_timeout"):
            make(tool_timeout={"hang": bad})
    with pytest.raises(ls.ConfigurationError, match=r"tool_timeout must be a positive number"):
        make(tool_timeout=0)


@BOTH_LOOPS
@pytest.mark.anyio
async def test_cancelling_a_run_cancels_the_call_on_the_server_at_once(
    serve: tuple[Callable[..., ls.MCPToolset], Marks],
) -> None:
    make, marks = serve
    started, cancelled = marks.count("started hang"), marks.count("cancelled hang")
    toolset = make()
    fake = FakeLLM(Reply(tool_calls=[tool_call("hang", {})]), Reply(text="still here"))
    async with toolset:
        async with agent(fake, toolset, tool_timeout=None).stream("go") as run:
            async for event in run:
                if isinstance(event, ls.Finish):  # the model is done: the call goes out next
                    await marks.wait_for("started hang", count=started + 1)
                    break
            leaving = time.monotonic()
        assert time.monotonic() - leaving < 2  # nothing waited for the server to answer
        await marks.wait_for("cancelled hang", count=cancelled + 1)
        # The session is still good for the next run.
        assert (await agent(fake, toolset).run("again")).text == "still here"


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.anyio
async def test_a_server_that_crashes_mid_call(transport: str, marks: Marks) -> None:
    """The server dies while two of its calls run: both are told so at once, so is a call in
    the next step, and the run goes on (the stdio child is reaped: see `nothing_left`)."""
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("hang", {}), tool_call("crash", {"while_hanging": True})]),
        Reply(tool_calls=[tool_call("echo", {"text": "hello?"})]),
        "The server is down.",
    )
    server = start_http_server(marks) if transport == "http" else None
    try:
        toolset = http(server) if server else stdio(marks)
        with anyio.fail_after(60):
            result = await agent(fake, toolset, tool_timeout=None).run("go")
    finally:
        if server:
            server.stop()
    hung, crashed, after = results(result)
    assert hung.failure == crashed.failure == after.failure == "error"
    where = f"{sys.executable} {SERVER} {marks.path}" if transport == "stdio" else server.url()
    if transport == "stdio":
        assert crashed.output == (
            f"Error: crash failed: MCPServerGone: the MCP server {where} closed the connection "
            "(it may have crashed) while crash was running; its tools cannot be used for the "
            "rest of this run"
        )
    assert crashed.output.startswith("Error: crash failed: MCPServerGone: the ")
    assert f"MCP server {where} " in crashed.output
    assert hung.output.startswith("Error: hang failed: MCPServerGone: the ")
    assert hung.output.endswith(
        "while hang was running; its tools cannot be used for the rest of this run"
    )
    assert after.output.startswith("Error: echo failed: MCPServerGone: the ")
    assert after.output.endswith("; its tools cannot be used for the rest of this run")
    assert result.text == "The server is down."
    assert marks.lines()[-2:] == ["started hang", "crashing"]


# -- approval, refreshing the list, names --------------------------------------------------------


@pytest.mark.anyio
async def test_an_approval_hook_on_mcp_tools(
    serve: tuple[Callable[..., ls.MCPToolset], Marks],
) -> None:
    make, marks = serve
    asked: list[tuple[str, dict[str, Any]]] = []

    async def approve(call: ls.ToolCall, arguments: dict[str, Any]) -> ls.Approval:
        asked.append((call.name, arguments))
        if call.name == "files_hang":
            return ls.Approval.deny("not today")
        return ls.Approval.replace({"text": arguments["text"].upper()})

    started = marks.count("started hang")
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("files_hang", {}), tool_call("files_echo", {"text": "hi"})]),
        "ok",
    )
    result = await agent(fake, make(prefix="files", approval=approve)).run("go")
    denied, replaced = results(result)
    assert asked == [("files_hang", {}), ("files_echo", {"text": "hi"})]
    assert denied.failure == "denied"
    assert denied.output == "Error: the user did not allow this call to files_hang: not today"
    assert marks.count("started hang") == started  # the server never saw the call
    assert (replaced.output, replaced.is_error) == ("HI", False)


@pytest.mark.parametrize("transport", ["stdio", "sse"])
@pytest.mark.anyio
async def test_the_list_is_fetched_again_when_the_server_says_it_changed(
    transport: str, marks: Marks, request: pytest.FixtureRequest
) -> None:
    """Over stdio the session speaks protocol 2026-07-28 (the change comes on a subscription),
    over legacy SSE 2024-11-05 (a notification)."""
    if transport == "stdio":
        toolset = stdio(marks)
    else:
        server: HTTPServer = request.getfixturevalue("http_server")
        url, headers = server.url("/sse"), {"Authorization": f"Bearer {TOKEN}"}
        toolset = ls.MCPToolset.sse(url, headers=headers)
    name = f"extra_{transport}"
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("grow", {"name": name})]),
        Reply(tool_calls=[tool_call(name, {})]),
        "ok",
    )
    listed = marks.count("listed")
    result = await agent(fake, toolset).run("go")
    assert [r.output for r in results(result)] == ["grown", f"{name} is here"]
    if transport == "stdio":  # (the HTTP server's marks are shared by the module's tests)
        assert marks.count("listed") == listed + 2  # when the session opened, and once again
    assert name not in offered(fake.requests[0])
    assert offered(fake.requests[1])[name]["description"] == "A tool that was not there at first."


@pytest.mark.anyio
async def test_two_tools_with_one_name_are_a_configuration_error(
    marks: Marks, http_server: HTTPServer
) -> None:
    @ls.tool
    def echo(text: str) -> str:
        """A Python echo."""
        return text

    fake = FakeLLM("never asked")
    with pytest.raises(ls.ConfigurationError) as caught:
        await agent(fake, stdio(marks), http(http_server)).run("go")
    assert str(caught.value).startswith(
        f"two tools are named 'echo': one from MCPToolset.stdio('{sys.executable} {SERVER} "
        f"{marks.path}'), one from MCPToolset.http('{http_server.url()}'). Give a toolset a "
        "prefix"
    )
    with pytest.raises(ls.ConfigurationError, match="one from the agent's own tools"):
        await agent(fake, echo, http(http_server)).run("go")
    assert fake.requests == []  # found before the first model call


# -- sessions ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_one_session_per_run_or_per_async_with_block(marks: Marks) -> None:
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("echo", {"text": "a"})]),
        Reply(tool_calls=[tool_call("echo", {"text": "b"})]),
        "one",
        *[Reply(tool_calls=[tool_call("echo", {"text": "a"})]), "one"] * 3,
    )
    toolset = stdio(marks)
    assert (await agent(fake, toolset).run("go")).text == "one"
    assert marks.lines() == ["server started", "listed"]  # once for the run's three steps
    assert (await agent(fake, toolset).run("go")).text == "one"
    assert marks.count("server started") == 2  # one session for each run, each closed after it
    async with toolset:
        assert (await agent(fake, toolset).run("go")).text == "one"
        assert (await agent(fake, toolset).run("go")).text == "one"
        listed = await toolset.list_tools()
        echo = next(tool for tool in listed if tool.name == "echo")
        assert await echo.run({"text": "direct"}) == "direct"
    assert marks.count("server started") == 3  # ...and one for the whole block
    assert echo.description == "Say the text back."
    assert echo.parameters["properties"]["text"]["type"] == "string"
    with pytest.raises(Exception, match="is closed: its tools run in an agent run"):
        await echo.run({"text": "too late"})


@pytest.mark.anyio
async def test_list_tools_outside_a_block_opens_a_session_to_list_them(marks: Marks) -> None:
    tools = await stdio(marks, prefix="notes").list_tools()
    assert [tool.name for tool in tools][:3] == ["notes_echo", "notes_forecast", "notes_fail"]
    assert all(isinstance(tool, ls.Tool) for tool in tools)
    assert marks.count("server started") == 1


def test_the_sync_agent_runs_mcp_tools(marks: Marks) -> None:
    fake = FakeLLM(*[Reply(tool_calls=[tool_call("echo", {"text": "sync"})]), "done"] * 2)
    sync_agent = ls.Agent(fake.client(), "m", tools=[stdio(marks)])
    assert results(sync_agent.run_sync("go"))[0].output == "sync"
    with sync_agent.stream_sync("go") as run:
        kinds = [event.type for event in run]
    assert kinds.count("tool_result") == 1
    assert run.result.text == "done"
    assert marks.count("server started") == 2


@pytest.mark.anyio
async def test_each_mcp_call_is_an_execute_tool_span(marks: Marks) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("echo", {"text": "a"}), tool_call("fail", {"why": "b"})]),
        "ok",
    )
    client = fake.async_client(tracing=ls.Tracing(tracer_provider=provider))
    await ls.Agent(client, "m", tools=[stdio(marks)]).run("go")
    spans = {span.name: span for span in exporter.get_finished_spans()}
    provider.shutdown()
    run = spans["invoke_agent"]
    echo, fail = spans["execute_tool echo"], spans["execute_tool fail"]
    assert echo.parent is not None
    assert fail.parent is not None
    assert echo.parent.span_id == fail.parent.span_id == run.context.span_id
    assert dict(echo.attributes or {})["gen_ai.tool.description"] == "Say the text back."
    assert dict(fail.attributes or {})["error.type"] == "error"


# -- opening ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_server_that_cannot_be_opened_is_a_toolset_error(
    marks: Marks, http_server: HTTPServer
) -> None:
    fake = FakeLLM("never asked")
    missing = ls.MCPToolset.stdio("/nonexistent/mcp-server", ["--flag"])
    with pytest.raises(ls.ToolsetError) as caught:
        await agent(fake, missing).run("go")
    assert str(caught.value).startswith(
        "could not open the MCP server /nonexistent/mcp-server --flag: FileNotFoundError"
    )
    # A server that dies at once, given a key on its command line: the key is nowhere.
    key = "sk-argument-0123456789"
    dying = ls.MCPToolset.stdio(
        sys.executable, ["-c", "import sys; print(sys.argv[-1], file=sys.stderr)", "--key", key]
    )
    with pytest.raises(ls.ToolsetError) as caught:
        await agent(fake, dying).run("go")
    assert "--key '[redacted]'" in str(caught.value)
    assert key not in str(caught.value)

    secret = "Bearer wrong-token-0123456789"
    for make in (ls.MCPToolset.http, ls.MCPToolset.sse):  # the server answers 401
        url = http_server.url("/sse") + "?key=query-secret-0123456789"
        refused = make(url, headers={"Authorization": secret})
        with pytest.raises(ls.ToolsetError, match="could not open the MCP server") as caught:
            await agent(fake, refused).run("go")
        assert "wrong-token" not in str(caught.value)
        assert "query-secret" not in str(caught.value)
    assert "401 Unauthorized" in str(caught.value)  # the SSE transport says what it got

    silent = ls.MCPToolset.stdio(
        sys.executable, ["-c", "import time; time.sleep(60)"], connect_timeout=0.5
    )
    with pytest.raises(ls.ToolsetError, match="it did not answer in time"):
        await agent(fake, silent).run("go")
    assert fake.requests == []


def test_without_the_sdk_the_error_names_the_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["mcp"] = None  # as if it were not installed
        import llmstream as ls
        try:
            ls.MCPToolset.stdio("server")
        except ls.ConfigurationError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == (
        "ls.MCPToolset needs the official MCP SDK, which is not installed: "
        "pip install 'llmstream[mcp]'"
    )


def test_no_secret_in_a_repr() -> None:
    key = "sk-secret-0123456789"
    toolsets = [
        ls.MCPToolset.http("https://user:pw@mcp.example.com/mcp?key=" + key,
                           headers={"Authorization": f"Bearer {key}"}, prefix="web"),
        ls.MCPToolset.sse("https://mcp.example.com/sse", headers={"X-Key": key}),
        ls.MCPToolset.stdio("npx", ["-y", "server"], env={"API_KEY": key}),
        # Keys on a command line: a credential flag's value (either form), a URL's secrets.
        ls.MCPToolset.stdio("srv", [f"--api-key={key}", "--auth-token", key, "--dir", "/tmp",
                                    f"https://u:{key}@h.example/x?sig={key}"]),
    ]  # fmt: skip
    shown = [repr(toolset) for toolset in toolsets]
    assert shown == [
        "MCPToolset.http('https://mcp.example.com/mcp', prefix='web')",
        "MCPToolset.sse('https://mcp.example.com/sse')",
        "MCPToolset.stdio('npx -y server')",
        "MCPToolset.stdio(\"srv '--api-key=[redacted]' --auth-token '[redacted]' --dir /tmp "
        'https://h.example/x")',
    ]


# -- results as text --------------------------------------------------------------------------


def test_results_become_text_for_the_model() -> None:
    png = ImageContent(data="iVBORw0KGgo=", mime_type="image/png")
    wav = AudioContent(data="UklGRg==", mime_type="audio/wav")
    link = ResourceLink(name="report", uri="file:///r.pdf", mime_type="application/pdf",
                        description="the report")  # fmt: skip
    text = EmbeddedResource(resource=TextResourceContents(uri="file:///a.txt", text="hello"))
    blob = EmbeddedResource(
        resource=BlobResourceContents(uri="file:///b.bin", blob="AAAA", mime_type="x/y")
    )
    result = CallToolResult(content=[TextContent(text="look:"), png, wav, link, text, blob])
    assert result_text(result).splitlines() == [
        "look:",
        "[image image/png, 8 bytes, not shown]",
        "[audio audio/wav, 4 bytes, not shown]",
        "[resource link report file:///r.pdf (application/pdf): the report]",
        "[resource file:///a.txt]",
        "hello",
        "[resource file:///b.bin (x/y), 3 bytes, not shown]",
    ]
    # Structured content with no text beside it is its JSON; beside text, the text says it.
    structured = CallToolResult(content=[], structured_content={"celsius": 24, "sky": "clear"})
    assert result_text(structured) == '{"celsius": 24, "sky": "clear"}'
    both = CallToolResult(content=[TextContent(text="24 C")], structured_content={"celsius": 24})
    assert result_text(both) == "24 C"
    assert result_text(CallToolResult(content=[])) == ""
    with pytest.raises(MCPToolError, match=r"^disk full$"):
        result_text(CallToolResult(content=[TextContent(text="disk full")], is_error=True))
    with pytest.raises(MCPToolError, match="said nothing more"):
        result_text(CallToolResult(content=[], is_error=True))


# -- the leak count itself ----------------------------------------------------------------------


def test_the_count_sees_a_child_process_and_a_connection_left_behind(
    http_server: HTTPServer,
) -> None:
    import socket

    before, handles = processes.descendants(), processes.open_handles()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    connection = socket.create_connection(("127.0.0.1", http_server.port))
    try:
        extra, more = processes.settled(before, handles, timeout=0.2)
        assert extra == {child.pid}
        assert more["tcp"] == 1
    finally:
        connection.close()
        child.kill()
        child.wait()
    assert processes.settled(before, handles) == (set(), processes.Counter())


@pytest.mark.anyio
async def test_a_stdio_server_gets_the_variables_it_is_given_and_few_others(
    marks: Marks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMSTREAM_MCP_TEST_INHERITED", "from the parent")
    toolset = stdio(marks, env={"LLMSTREAM_MCP_TEST_GIVEN": "given"})
    async with toolset:
        variable = next(tool for tool in await toolset.list_tools() if tool.name == "variable")
        assert await variable.run({"name": "LLMSTREAM_MCP_TEST_GIVEN"}) == "given"
        assert await variable.run({"name": "LLMSTREAM_MCP_TEST_INHERITED"}) == "(unset)"
        assert await variable.run({"name": "PATH"}) == os.environ["PATH"]
