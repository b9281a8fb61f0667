#!/usr/bin/env python3
"""Bursts of concurrent HTTP requests through a published port (`-p`) of a guest
running http.server's one-at-a-time TCPServer, round after round, reporting the
slowest request of each round and any that failed. Thousands of short
connections in a minute find what a few hundred do not: it found libslirp's
accept queue of 1 (SYN retries of 1-63 s) and TIME_WAIT connections that kept
their send buffers until memory ran out (stalls of 6-20 s after ~2400).

    tools/stress_published_port.py --rounds 45 --concurrency 50 [-- RUN-OPTIONS]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SERVER_APP = """
import http.server, socketserver

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello " + self.path + "\\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/quit":
            self.server.done = True
    def log_message(self, *args):
        pass

with socketserver.TCPServer(("", 8000), Handler) as server:
    server.done = False
    print("serving", flush=True)
    while not server.done:
        server.handle_request()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=45)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100, help="per round")
    ap.add_argument("--timeout", type=float, default=20.0, help="per request, seconds")
    ap.add_argument("run_options", nargs="*", help="more `unipython run` options")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "server.py"
        app.write_text(SERVER_APP)
        port = free_port()
        vm = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout", "3600",
                               "-p", f"{port}:8000", *args.run_options, str(app)],
                              stdout=subprocess.PIPE, text=True)
        assert vm.stdout is not None
        if vm.stdout.readline() != "serving\n":
            vm.kill()
            print("the server did not start", file=sys.stderr)
            return 2
        base = f"http://127.0.0.1:{port}"

        def fetch(i: int) -> tuple[float, str | None]:
            start = time.monotonic()
            try:
                with urllib.request.urlopen(f"{base}/r{i}", timeout=args.timeout) as r:
                    r.read()
                return time.monotonic() - start, None
            except OSError as exc:
                return time.monotonic() - start, repr(exc)

        failed = 0
        worst = 0.0
        try:
            for rnd in range(args.rounds):
                with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                    res = list(pool.map(fetch, range(args.requests)))
                slowest = max(t for t, _ in res)
                errors = [e for _, e in res if e]
                failed += len(errors)
                worst = max(worst, slowest)
                print(f"round {rnd}: slowest {slowest:.2f} s, {len(errors)} failed"
                      + (f" ({errors[0]})" if errors else ""), flush=True)
            urllib.request.urlopen(f"{base}/quit", timeout=60).read()
            vm.wait(timeout=120)
        finally:
            if vm.poll() is None:
                vm.kill()
        print(f"{args.rounds * args.requests} requests, {failed} failed, slowest {worst:.2f} s")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
