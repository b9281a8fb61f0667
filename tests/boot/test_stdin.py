"""The app's standard input: what `unipython run` reads from its own stdin."""

from __future__ import annotations

import hashlib
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
        "name? ", f"world second line {len(data)} {digest}", "again ''", "EOFError"]


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
