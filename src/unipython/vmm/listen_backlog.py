"""A deeper accept queue for QEMU's published TCP ports (`-p`).

QEMU's user networking (libslirp) listens on each `hostfwd` port with a backlog
of 1. The host kernel then drops the SYNs of clients that arrive together, and
each waits for its SYN to be sent again: 1 s, 3 s, 7 s... up to a minute for a
burst of 50 concurrent requests (measured with 50 urllib threads against an
http.server in the guest). Calling listen() again on a listening socket only
changes its backlog, so the runner takes a duplicate of QEMU's socket with
pidfd_getfd(2) (QEMU is its child) and gives it the backlog a Linux server gets
by default (SOMAXCONN)."""

from __future__ import annotations

import ctypes
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

BACKLOG = 4096  # SOMAXCONN since Linux 5.4
SYS_PIDFD_GETFD = 438
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp

_libc = ctypes.CDLL(None, use_errno=True)


def tcp_forward_ports(netdev: str | None) -> list[int]:
    """The host ports of a user netdev's `hostfwd=tcp:...` rules."""
    if not netdev:
        return []
    return [int(m) for m in re.findall(r"hostfwd=tcp:[^:,]*:(\d+)-", netdev)]


def _listening_inodes(pid: int, ports: set[int]) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == TCP_LISTEN and int(f[1].rsplit(":", 1)[1], 16) in ports:
                inodes.add(f[9])
    return inodes


def _fds_of(pid: int, inodes: set[str]) -> list[int]:
    fds = []
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(entry)
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            fds.append(int(entry.name))
    return fds


def deepen(pid: int, fds: Iterable[int], backlog: int = BACKLOG) -> None:
    """listen(backlog) on each of process pid's socket fds."""
    pidfd = os.pidfd_open(pid)
    try:
        for fd in fds:
            mine = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
            if mine < 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            with socket.socket(fileno=mine) as s:
                s.listen(backlog)
    finally:
        os.close(pidfd)


def deepen_when_listening(proc: subprocess.Popen[bytes], ports: list[int],
                          warn: Callable[[str], None] | None = None,
                          wait_s: float = 20.0) -> threading.Thread:
    """In the background: once QEMU listens on every port, deepens their queues.
    A failure is a warning: the ports still work, with SYN retries under bursts."""

    def run() -> None:
        deadline = time.monotonic() + wait_s
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                inodes = _listening_inodes(proc.pid, set(ports))
                if len(inodes) >= len(set(ports)):
                    deepen(proc.pid, _fds_of(proc.pid, inodes))
                    return
                time.sleep(0.02)
        except OSError as exc:
            (warn or (lambda m: print(m, file=sys.stderr)))(
                f"unipython: note: QEMU's published ports keep an accept queue of 1 "
                f"({exc.strerror}); concurrent clients may wait for SYN retries")

    t = threading.Thread(target=run, daemon=True, name="listen-backlog")
    t.start()
    return t
