"""The pytest plugin as a user meets it: fresh pytest sessions (pytester) running small test
files that use `fake_llm` and `llmstream_cassette`, and the worked example of docs/testing.md."""

from __future__ import annotations

import inspect
import json
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from llmstream.testing import RECORD_MODE_ENV, Cassette, ReplayServer

from .support.corpus import SEEDS

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

# anyio runs `@pytest.mark.anyio` tests on every backend installed; say which, so the counts
# below hold wherever this suite runs.
BOTH_LOOPS = """
import pytest

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RECORD_MODE_ENV, raising=False)
    monkeypatch.delenv("GROQ_API_KEY", raising=False)


def test_the_plugin_is_registered_through_its_entry_point(pytestconfig: pytest.Config) -> None:
    [entry] = [e for e in entry_points(group="pytest11") if e.name == "llmstream"]
    assert entry.value == "llmstream.testing.pytest_plugin"
    assert pytestconfig.pluginmanager.hasplugin("llmstream")


# -- the fault matrix, in the user's own pytest -------------------------------------------------

FAULT_MATRIX = """
import pytest

import llmstream as ls
from llmstream.testing import Reply, disconnect, error_event, stall, status

# Only the limit a case tests is tight, so a slow machine cannot trip another one.
IDLE = ls.Timeouts(first_event=10, idle=0.3)
FIRST_EVENT = ls.Timeouts(first_event=0.3, idle=10)
MATRIX = [
    pytest.param(Reply("a b c", faults=[stall(after=2, seconds=1)]), IDLE,
                 ls.StreamTimeoutError, {"limit": "idle"}, "a b ", id="stall"),
    pytest.param(Reply("a b c", faults=[stall(after=0, seconds=1)]), FIRST_EVENT,
                 ls.StreamTimeoutError, {"limit": "first_event"}, "", id="stall-first-event"),
    pytest.param(Reply("a b c", faults=[disconnect(after=2)]), IDLE,
                 ls.APIConnectionError, {}, "a b ", id="disconnect"),
    pytest.param(Reply("a b c", faults=[disconnect(after=2, graceful=True)]), IDLE,
                 ls.IncompleteStreamError, {}, "a b ", id="graceful-disconnect"),
    pytest.param(Reply("a b c", faults=[error_event(after=2, message="boom", code="e1")]), IDLE,
                 ls.StreamError, {"message": "boom", "code": "e1"}, "a b ", id="error-event"),
    pytest.param(status(429, retry_after=1.5), IDLE,
                 ls.RateLimitError, {"status_code": 429, "retry_after": 1.5}, "", id="429"),
    pytest.param(status(503), IDLE, ls.OverloadedError, {"status_code": 503}, "", id="503"),
    pytest.param(status(401), IDLE, ls.AuthenticationError, {"status_code": 401}, "", id="401"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("over", ["transport", "server"])
@pytest.mark.parametrize(("entry", "timeouts", "error", "fields", "partial"), MATRIX)
async def test_fault(fake_llm, over, entry, timeouts, error, fields, partial):
    fake_llm.add(entry)
    target = fake_llm if over == "transport" else fake_llm.serve()
    async with target.async_client(timeouts=timeouts, max_retries=0) as client:
        with pytest.raises(error) as caught:
            async with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                await stream.collect()
    assert type(caught.value) is error
    assert {name: getattr(caught.value, name) for name in fields} == fields
    assert caught.value.partial.text == partial


@pytest.mark.parametrize("over", ["transport", "server"])
def test_split_bytes_sync(fake_llm, over):
    fake_llm.add(Reply("Olá mundo", split_bytes=True))
    target = fake_llm if over == "transport" else fake_llm.serve()
    with target.client() as client:
        with client.stream(model="m", messages=[ls.user("hi")]) as stream:
            assert stream.collect().text == "Olá mundo"


@pytest.mark.anyio
async def test_429_is_retried_by_the_client(fake_llm):
    fake_llm.add(status(429, retry_after=0.1), "after the wait")
    async with fake_llm.serve().async_client(max_retries=1) as client:
        reply = await client.generate(model="m", messages=[ls.user("hi")])
    assert reply.text == "after the wait"
    assert len(fake_llm.requests) == 2
"""


def test_the_fault_matrix_in_a_users_pytest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(BOTH_LOOPS)
    pytester.makepyfile(test_faults=FAULT_MATRIX)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # 8 faults x 2 ways in x 2 event loops, split bytes on 2 ways, one retry on 2 loops.
    result.assert_outcomes(passed=32 + 2 + 2)


def test_a_wrong_expectation_fails_in_a_users_pytest(pytester: pytest.Pytester) -> None:
    """The matrix can fail: a disconnect is not an incomplete stream."""
    pytester.makeconftest(BOTH_LOOPS)
    pytester.makepyfile(
        test_wrong="""
        import pytest
        import llmstream as ls
        from llmstream.testing import Reply, disconnect

        @pytest.mark.anyio
        async def test_wrong(fake_llm):
            fake_llm.add(Reply("a b c", faults=[disconnect(after=2)]))
            async with fake_llm.async_client(max_retries=0) as client:
                with pytest.raises(ls.IncompleteStreamError):
                    await client.generate(model="m", messages=[ls.user("hi")])
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*APIConnectionError*"])


# -- recording and replaying, switched from the command line ---------------------------------------

RECORDED_TEST = """
import json
import os

import pytest

import llmstream as ls

BASE_URL = {base_url!r}


@pytest.mark.anyio
async def test_greeting(llmstream_cassette):
    provider = ls.Groq(api_key=os.environ.get("GROQ_API_KEY", "replay"), base_url=BASE_URL)
    async with ls.AsyncClient(provider, transport=llmstream_cassette, max_retries=0) as client:
        async with client.stream(
            model="moonshotai/kimi-k2-instruct-0905",
            messages=[ls.system("You are a helpful assistant"), ls.user("Say hi in Portuguese")],
            max_tokens=4000,
        ) as stream:
            events = [event.model_dump() async for event in stream]
    with open({events_file!r}, "a") as out:
        out.write(json.dumps(events) + "\\n")
"""

KEY = "gsk_live-looking_key_0123456789abcdef"


def test_record_then_replay_offline_through_the_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_file = pytester.path / "events.jsonl"
    cassette = pytester.path / "cassettes" / "test_greeting" / "test_greeting.yaml"
    with ReplayServer(Cassette.load(SEEDS / "groq-simple_streaming.yaml")) as server:
        base_url = server.base_url("https://api.groq.com/openai/v1")
        pytester.makeconftest(BOTH_LOOPS)
        pytester.makepyfile(
            test_greeting=RECORDED_TEST.format(base_url=base_url, events_file=str(events_file))
        )
        # Replay only, and nothing recorded yet: the test fails, and says how to record.
        missing = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        missing.assert_outcomes(failed=2)
        missing.stdout.fnmatch_lines([f"*no cassette at*{RECORD_MODE_ENV}=once*"])
        assert server.matcher.unused != []  # it did not call the server

        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv(RECORD_MODE_ENV, "once")
        # asyncio records the one interaction the server has; trio then replays the file.
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
        assert server.matcher.unused == []
    assert cassette.exists()
    assert KEY not in cassette.read_text()

    # The server is gone, the key too, and the variable asks to re-record everything: the
    # option wins, so this can only pass by replaying the file.
    monkeypatch.delenv("GROQ_API_KEY")
    monkeypatch.setenv(RECORD_MODE_ENV, "all")
    replayed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--llmstream-record-mode=none"
    )
    replayed.assert_outcomes(passed=2)
    recorded, *replays = (json.loads(line) for line in events_file.read_text().splitlines())
    assert replays == [recorded] * 3
    assert [event["type"] for event in recorded] == ["text_delta", "text_delta", "usage", "finish"]
    assert [path.name for path in cassette.parent.iterdir()] == ["test_greeting.yaml"]


def test_the_cassette_dir_setting_and_test_names(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nllmstream_cassette_dir = recorded/llm\n")
    pytester.makepyfile(
        test_paths="""
        import pytest

        @pytest.mark.parametrize("word", ["a b", "c/d"])
        def test_named(llmstream_cassette_path, llmstream_cassette, word, pytestconfig):
            base = pytestconfig.rootpath / "recorded" / "llm" / "test_paths"
            safe = {"a b": "a-b", "c/d": "c-d"}[word]
            assert llmstream_cassette_path == base / f"test_named-{safe}.yaml"
            assert llmstream_cassette.path == llmstream_cassette_path
            assert llmstream_cassette.mode.value == "none"

        class TestGrouped:
            def test_inside(self, llmstream_cassette_path):
                assert llmstream_cassette_path.name == "TestGrouped.test_inside.yaml"

        @pytest.mark.anyio
        @pytest.mark.parametrize("n", [3])
        async def test_on_both_loops(llmstream_cassette_path, n):
            assert llmstream_cassette_path.name == "test_on_both_loops-3.yaml"
        """
    )
    pytester.makeconftest(BOTH_LOOPS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3 + 2)


def test_a_bad_record_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("--llmstream-record-mode=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'sometimes'*"])


# -- without the extra -----------------------------------------------------------------------------


def test_without_pyyaml_the_plugin_registers_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        def test_plain():
            assert 1 + 1 == 2

        def test_wants_the_fixture(fake_llm):
            pass
        """
    )
    hide_yaml = (
        "import sys; sys.modules['yaml'] = None; import pytest; "
        "raise SystemExit(pytest.main(['-p', 'no:cacheprovider', '-q']))"
    )
    result = pytester.run(sys.executable, "-c", hide_yaml)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_llm' not found*"])
    with_option = hide_yaml.replace("'-q'", "'-q', '--llmstream-record-mode=none'")
    unknown = pytester.run(sys.executable, "-c", with_option)
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR


# -- the worked example of docs/testing.md ---------------------------------------------------------


def _example_files() -> dict[str, str]:
    """The fenced Python blocks of docs/testing.md that start with `# <file name>`."""
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    files = {}
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        first, _, rest = block.partition("\n")
        if re.fullmatch(r"# \w+\.py", first):
            files[first[2:]] = rest
    return files


def test_the_worked_example_in_the_docs_passes(pytester: pytest.Pytester) -> None:
    files = _example_files()
    assert sorted(files) == ["myapp.py", "test_myapp.py"]
    for name, source in files.items():
        pytester.path.joinpath(name).write_text(source, encoding="utf-8")
    pytester.makeconftest(BOTH_LOOPS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=5 * 2)


def test_the_worked_example_catches_a_broken_app(pytester: pytest.Pytester) -> None:
    """Its tests can fail: an app that forgets to keep the partial answer is caught."""
    files = _example_files()
    broken = files["myapp.py"].replace(
        'return Answer(error.partial.text if error.partial else "", complete=False)',
        'return Answer("", complete=False)',
    )
    assert broken != files["myapp.py"]
    pytester.path.joinpath("myapp.py").write_text(broken, encoding="utf-8")
    pytester.path.joinpath("test_myapp.py").write_text(files["test_myapp.py"], encoding="utf-8")
    pytester.makeconftest(BOTH_LOOPS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3 * 2, failed=2 * 2)


def test_every_public_name_is_documented_and_has_a_docstring() -> None:
    import llmstream.testing

    names = llmstream.testing.__all__
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert [name for name in names if f"`{name}" not in text] == []
    undocumented = []
    for name in names:
        value = getattr(llmstream.testing, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            doc = inspect.getdoc(value) or ""
            if not doc or doc.startswith(f"{name}("):  # a dataclass's generated signature
                undocumented.append(name)
    assert undocumented == []
