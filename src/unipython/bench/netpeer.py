"""The host side of the network rows that are not HTTP: a Python peer, run inside
the bench's network namespace (``python -m unipython.bench.netpeer ...``); it
prints one JSON object. Every socket operation has a timeout.

    latency HOST PORT N     N times: connect, send 32 bytes, read the 32 echoed back
                            (seconds each, from before connect to the last byte);
                            then a "quit" message
    send HOST PORT SECONDS  send for SECONDS, close our side, read the guest's count
                            of what arrived (seconds: connect to that answer)
    recv HOST PORT          read until the guest closes (seconds: connect to EOF)
    get HOST PORT PATH      one HTTP GET (to end an HTTP role)
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
from typing import Any

MESSAGE = 32
TIMEOUT = 60.0
BLOCK = bytes(range(256)) * 256  # 64 KiB


def _recv_exactly(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def latency(host: str, port: int, n: int) -> dict[str, Any]:
    samples = []
    message = bytes(range(MESSAGE))
    for _ in range(n):
        t0 = time.perf_counter()
        with socket.create_connection((host, port), timeout=TIMEOUT) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(message)
            reply = _recv_exactly(s, MESSAGE)
            samples.append(time.perf_counter() - t0)
        if reply != message:
            raise SystemExit(f"netpeer: the echo came back as {reply!r}")
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        s.sendall(b"quit".ljust(MESSAGE, b"\0"))
    return {"samples": samples}


def send(host: str, port: int, seconds: float) -> dict[str, Any]:
    sent = 0
    t0 = time.perf_counter()
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        end = t0 + seconds
        while time.perf_counter() < end:
            s.sendall(BLOCK)
            sent += len(BLOCK)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(64):
            answer += chunk
        elapsed = time.perf_counter() - t0
    got = int(answer or b"-1")
    if got != sent:
        raise SystemExit(f"netpeer: sent {sent} bytes, the guest counted {got}")
    return {"bytes": sent, "seconds": elapsed}


def recv(host: str, port: int) -> dict[str, Any]:
    total = 0
    buf = bytearray(1 << 18)
    t0 = time.perf_counter()
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        while n := s.recv_into(buf):
            total += n
        elapsed = time.perf_counter() - t0
    return {"bytes": total, "seconds": elapsed}


def get(host: str, port: int, path: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return {"status": response.status}
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    what, host, port = argv[0], argv[1], int(argv[2])
    if what == "latency":
        out = latency(host, port, int(argv[3]))
    elif what == "send":
        out = send(host, port, float(argv[3]))
    elif what == "recv":
        out = recv(host, port)
    elif what == "get":
        out = get(host, port, argv[3])
    else:
        raise SystemExit(f"netpeer: unknown {what!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
