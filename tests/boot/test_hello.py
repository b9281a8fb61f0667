"""The foundation: apps boot, talk to the console, and end with their own status."""

from __future__ import annotations

import re
import time

from tests.boot.conftest import REPO, Boot, unipython


def test_hello_example_prints_its_line_and_exits_zero() -> None:
    r = unipython("run", str(REPO / "examples" / "hello.py"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Hello from unipython!\n"


def test_run_without_an_app_boots_the_builtin_demo() -> None:
    r = unipython("run")
    assert r.returncode == 0, r.stderr
    assert "Hello from unipython!" in r.stdout
    assert "pid 1" in r.stdout


def test_sys_exit_status_becomes_the_command_status(boot: Boot) -> None:
    r = boot("import sys\nsys.exit(3)\n")
    assert r.returncode == 3


def test_uncaught_exception_gives_status_1_and_a_traceback(boot: Boot) -> None:
    r = boot("""
        def inner():
            raise ValueError("boom")
        inner()
    """)
    assert r.returncode == 1
    # On stderr, apart from stdout (a virtio-console port each).
    assert r.stdout == ""
    assert "Traceback (most recent call last):" in r.stderr
    assert 'File "/app/app.py", line 3, in inner' in r.stderr
    assert "ValueError: boom" in r.stderr


def test_argv_and_environment_reach_the_app(boot: Boot) -> None:
    r = boot("""
        import os, sys
        print(sys.argv[1:])
        print(os.environ["GREETING"], os.environ["PATH"])
    """, args=["one", "two words", "ünïcode"], env={"GREETING": "hi there"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["['one', 'two words', 'ünïcode']",
                                     "hi there /usr/local/bin:/usr/bin:/bin"]


def test_files_written_to_tmp_read_back(boot: Boot) -> None:
    r = boot("""
        import os
        with open("/tmp/x", "w") as f:
            f.write("written in the guest\\n" * 1000)
        with open("/tmp/x") as f:
            data = f.read()
        print(len(data), data.splitlines()[0], os.path.getsize("/tmp/x"))
    """)
    assert r.returncode == 0, r.stdout
    assert r.stdout == "21000 written in the guest 21000\n"


def test_opening_a_missing_file_raises_file_not_found(boot: Boot) -> None:
    r = boot("""
        try:
            open("/no/such/file")
        except FileNotFoundError as e:
            print("FileNotFoundError", e.errno)
    """)
    assert r.stdout == "FileNotFoundError 2\n"


def test_stdlib_imports_and_sqlite_query_return_the_right_rows(boot: Boot) -> None:
    r = boot("""
        import json, re, datetime, hashlib, collections, sqlite3
        db = sqlite3.connect(":memory:")
        db.execute("create table t (n integer, name text)")
        db.executemany("insert into t values (?, ?)", [(1, "one"), (2, "two"), (3, "three")])
        rows = db.execute("select n, name from t where n >= 2 order by n desc").fetchall()
        print(json.dumps(rows))
        print(hashlib.sha256(b"unipython").hexdigest()[:12], re.sub(r"o+", "0", "foo"))
        print(collections.Counter("abca").most_common(1), datetime.date(2024, 2, 29).isoformat())
    """)
    assert r.returncode == 0, r.stdout
    import hashlib
    assert r.stdout.splitlines() == [
        '[[3, "three"], [2, "two"]]',
        f"{hashlib.sha256(b'unipython').hexdigest()[:12]} f0",
        "[('a', 2)] 2024-02-29",
    ]


def test_wall_clock_is_within_a_few_seconds_of_the_host(boot: Boot) -> None:
    before = time.time()
    r = boot("import time\nprint(time.time())\n")
    after = time.time()
    guest = float(r.stdout)
    assert before - 3 <= guest <= after + 3


def test_urandom_differs_between_boots(image_of) -> None:
    image = image_of("import os\nprint(os.urandom(16).hex())\n")
    first = unipython("run", str(image)).stdout.strip()
    second = unipython("run", str(image)).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_zip_member_names_and_idna_host_names_encode(boot: Boot) -> None:
    r = boot("""
        import io, zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("caf\\u00e9.txt", "x")
        print(zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist())
        import socket
        print("b\\u00fccher.example".encode("idna"))
    """)
    assert r.stdout == "['café.txt']\nb'xn--bcher-kva.example'\n", r.stdout + r.stderr
