"""`python3 tasks.py serve`: the end-to-end tier's real server, for anyone to run. It prints its
URL, answers llmstream, and on Ctrl-C stops and leaves no process behind."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from typing import IO

import httpx
import pytest

import llmstream as ls

from .launcher import ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a process group's SIGINT"),
]

URL = re.compile(rb"listening on (http://127\.0\.0\.1:\d+)")


def _lines(stream: IO[bytes], into: queue.Queue[bytes]) -> None:
    for line in stream:
        into.put(line)
    into.put(b"")


def test_serve_prints_its_url_answers_and_stops_on_ctrl_c() -> None:
    # A session of its own, as a terminal's foreground job: Ctrl-C is a SIGINT to the group.
    command = [sys.executable, str(ROOT / "tasks.py"), "serve", "--port", "0"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    said: list[bytes] = []
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line, b"".join(said).decode(errors="replace")  # it ended without serving
            said.append(line)
            if found := URL.search(line):
                url = found.group(1).decode()
        while b"Ctrl-C stops it." not in said[-1]:
            said.append(lines.get(timeout=10))
        shown = b"".join(said).decode()
        assert f'ls.OpenAICompatible("{url}/v1")' in shown
        assert f"chat --base-url {url}/v1" in shown

        with ls.Client(ls.OpenAICompatible(f"{url}/v1")) as client:
            reply = client.generate(model="smollm2", messages=[ls.user("Say hi")], max_tokens=8)
        assert reply.text.strip()
        assert reply.usage is not None
        assert reply.usage.output_tokens > 0

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    rest = b""
    while line := lines.get(timeout=10):
        rest += line
    assert b"stopped." in rest, rest.decode(errors="replace")
    assert b"Traceback" not in b"".join(said) + rest
    # Nothing of it is left (the server ran in a child of the command), and the port is closed.
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=5)
