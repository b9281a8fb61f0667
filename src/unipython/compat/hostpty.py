"""Running a program on the host with a terminal like the guest's console.

Inside unipython, stdin, stdout and stderr are the console: a terminal in raw mode (no
echo, no output processing) of size 0x0. Host runs that are compared with the guest
(and the fork/exec ignore list's generator) give the program a new pseudo-terminal set
up the same way, so tests that look at isatty(), the terminal's modes or its size
behave alike on both sides. Only reading stdin differs: end-of-file inside, nothing
typed on the host. No imports beyond the stdlib: tools/ use this module too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PtyRun:
    status: int | None  # None when it timed out (then it was killed)
    seconds: float
    output: str  # stdout and stderr as the terminal got them


class _Reader(threading.Thread):
    """Drains the master side (a full terminal would block the writer)."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.chunks: list[bytes] = []

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every slave side is closed
                break
            if not chunk:
                break
            self.chunks.append(chunk)

    def finish(self, grace: float = 10.0) -> str:
        """The output, once the slave side is closed (or after ``grace`` seconds, when
        a leftover process of the program still holds it)."""
        self.join(grace)
        os.close(self.master)
        self.join()
        return b"".join(self.chunks).decode("utf-8", "replace")


# Makes the terminal on stdin the controlling terminal of the new session, then runs the
# program: the guest's console is its app's controlling terminal (/dev/tty opens there),
# and a pty given to a child as a descriptor is not one until the child asks.
TAKE_TERMINAL = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                 "os.execvp(sys.argv[1], sys.argv[1:])")


def run_on_pty(argv: Sequence[str], cwd: Path, env: Mapping[str, str],
               timeout: float) -> PtyRun:
    """Run ``argv`` in a new session on a new raw pseudo-terminal, its controlling
    terminal; kill its process group after ``timeout`` seconds."""
    master, slave = os.openpty()
    tty.setraw(slave)
    reader = _Reader(master)
    start = time.monotonic()
    try:
        proc = subprocess.Popen([sys.executable, "-c", TAKE_TERMINAL, *argv], cwd=cwd,
                                env=dict(env), stdin=slave, stdout=slave, stderr=slave,
                                start_new_session=True)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    reader.start()
    status: int | None
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        status = None
    seconds = time.monotonic() - start
    return PtyRun(status, seconds, reader.finish())
