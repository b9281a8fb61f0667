"""The app's standard input: what `unipython run` reads from its own stdin."""

from __future__ import annotations

import hashlib
import os
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.boot.conftest import BOOT_TIMEOUT, REPO, Boot


def test_input_lines_then_the_rest_then_end_of_file(boot: Boot) -> None:
    data = "".join(f"{i}\n" for i in range(1, 20001))
    r = boot("""
        import hashlib, sys
        first = input("name? ")
        second = input()
        rest = sys.stdin.read()
        print()
        print(first, second, len(rest), hashlib.sha256(rest.encode()).hexdigest())
        print("again", repr(sys.stdin.read()))
        try:
            input()
        except EOFError:
            print("EOFError")
    """, input="world\nsecond line\n" + data)
    assert r.returncode == 0, r.stderr
    digest = hashlib.sha256(data.encode()).hexdigest()
    assert r.stdout.splitlines() == [
        "", f"world second line {len(data)} {digest}", "again ''", "EOFError"]
    # On a terminal (the guest's console is one) input() prompts on stderr, as
    # CPython's PyOS_StdioReadline does.
    assert r.stderr.startswith("name? ")


def test_binary_input_arrives_whole(boot: Boot) -> None:
    r = boot("""
        import hashlib, sys
        data = sys.stdin.buffer.read()
        print(len(data), hashlib.sha256(data).hexdigest())
    """, input="".join(chr(c) for c in range(1, 128)) * 3000)
    expected = ("".join(chr(c) for c in range(1, 128)) * 3000).encode()
    assert r.stdout.split() == [str(len(expected)), hashlib.sha256(expected).hexdigest()]


def test_no_input_reads_end_of_file(boot: Boot) -> None:
    r = boot("""
        import select, sys
        print(select.select([sys.stdin], [], [], 5)[0] == [sys.stdin], repr(sys.stdin.read()))
    """)
    assert r.stdout == "True ''\n", r.stdout + r.stderr


def test_a_read_waits_for_input_that_comes_later(tmp_path: Path) -> None:
    # While stdin is open the app may wait for it: not a deadlock, and select
    # says when a line is there.
    app = tmp_path / "app.py"
    app.write_text(
        "import select, sys, time\n"
        "print('waiting', select.select([sys.stdin], [], [], 0.2)[0], flush=True)\n"
        "print('got', sys.stdin.readline().strip(), flush=True)\n"
        "print('ready', select.select([sys.stdin], [], [], 5)[0] == [sys.stdin])\n"
        "print('end', repr(sys.stdin.read()))\n")
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", str(app)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline() == b"waiting []\n"
    time.sleep(1)
    proc.stdin.write(b"late\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == b"got late\n"
    proc.stdin.write(b"more")
    proc.stdin.close()
    proc.stdin = None  # closed: communicate must not flush it
    out, err = proc.communicate(timeout=BOOT_TIMEOUT)
    assert proc.returncode == 0, err
    assert out == b"ready True\nend 'more'\n"


class Terminal:
    """`unipython run APP` on a pseudo-terminal, as a person at a terminal runs it."""

    def __init__(self, app: Path) -> None:
        import pty

        self.out = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(REPO)
            os.execv(sys.executable, [sys.executable, "-m", "unipython", "run", str(app)])

    def read_until(self, text: bytes, seconds: float = BOOT_TIMEOUT) -> None:
        end = time.monotonic() + seconds
        while text not in self.out and time.monotonic() < end:
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:  # the child is gone
                    return

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_at_a_terminal_lines_go_in_as_typed_and_ctrl_d_ends_input(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text("import sys\nname = input('name? ')\nprint('hello', name)\n"
                   "print('rest', repr(sys.stdin.read()))\n")
    term = Terminal(app)
    fd, read_until = term.fd, term.read_until
    read_until(b"name? ")
    os.write(fd, b"world\n")  # the terminal echoes it, as it would for a person
    read_until(b"hello world\r\n")
    os.write(fd, b"more\n\x04")
    read_until(b"rest 'more\\n'")
    status = term.wait()
    assert b"name? world\r\nhello world\r\n" in term.out, term.out
    assert b"rest 'more\\n'" in term.out, term.out
    assert status == 0


def test_ctrl_c_at_a_terminal_is_a_keyboard_interrupt_in_the_app(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text("import time\ntry:\n    print('working', flush=True)\n"
                   "    time.sleep(60)\nexcept KeyboardInterrupt:\n"
                   "    print('cleaned up after Ctrl-C')\n")
    term = Terminal(app)
    term.read_until(b"working")
    os.write(term.fd, b"\x03")  # the terminal turns it into SIGINT for the runner
    term.read_until(b"cleaned up after Ctrl-C")
    assert term.wait() == 0
    assert b"cleaned up after Ctrl-C" in term.out, term.out
