"""Serve a GGUF model with llama.cpp's own HTTP server (xllamacpp), in a process of its own.

    python _serve.py MODEL.gguf [--chat-template FILE] [--reasoning-budget N]

Prints `listening on http://127.0.0.1:PORT` on stdout once the model is loaded and the server
accepts connections, then serves until its stdin closes: the test fixture holds the other end of
that pipe, so the server also goes away when pytest itself dies. llama.cpp logs to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--chat-template", type=Path, help="a Jinja chat template file")
    parser.add_argument("--reasoning-budget", type=int, default=-1, help="-1: no limit")
    args = parser.parse_args()

    import xllamacpp  # only here, in the child: its native code must not run inside pytest

    params = xllamacpp.CommonParams()
    params.model.path = str(args.model)
    params.n_ctx = 4096
    params.n_parallel = 1  # one request at a time: the tests never overlap requests
    # One thread, a fixed count (the sums then come out the same on every run). Two threads are
    # about 1.5x faster on an idle 2-core machine, but wait for each other at every step of the
    # model: with one other busy process on the machine the tier took 5x as long with two.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.use_jinja = True
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the server binds a free port itself and reports it: no race for one
    if args.chat_template:
        params.chat_template = args.chat_template.read_text()
    params.sampling.reasoning_budget_tokens = args.reasoning_budget

    server = xllamacpp.Server(params)  # returns once the model is loaded and the port is open
    print(f"listening on {server.listening_address}", flush=True)
    sys.stdin.read()  # until the parent closes the pipe, or exits
    del server  # stops the HTTP and inference threads and closes the port


if __name__ == "__main__":
    main()
