"""Resource limits enforced as Linux enforces them: RLIMIT_FSIZE (SIGXFSZ, then EFBIG or a
short write) on every call that grows a regular file; RLIMIT_AS and RLIMIT_DATA on every mmap,
brk and mremap that grows the address space (ENOMEM, so Python raises MemoryError)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from tests.boot.conftest import Boot, SameAsHost


def test_fsize_limit_cuts_writes_and_fails_growth_with_efbig(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import errno, os, resource, signal, tempfile

        def attempt(what, fn):
            try:
                print(what, fn())
            except OSError as e:
                print(what, errno.errorcode[e.errno])

        got = []
        fd, path = tempfile.mkstemp()
        resource.setrlimit(resource.RLIMIT_FSIZE, (10000, resource.RLIM_INFINITY))
        for disposition in (signal.SIG_IGN, lambda s, f: got.append(s)):
            signal.signal(signal.SIGXFSZ, disposition)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, 0)
            got.clear()
            attempt("write 20000", lambda: os.write(fd, b"x" * 20000))
            attempt("write past", lambda: os.write(fd, b"x"))
            attempt("write 0 past", lambda: os.write(fd, b""))
            attempt("pwrite at 9999", lambda: os.pwrite(fd, b"ab", 9999))
            attempt("pwrite at 10000", lambda: os.pwrite(fd, b"a", 10000))
            attempt("pwrite at 2**62", lambda: os.pwrite(fd, b"a", 2**62))
            attempt("writev", lambda: os.writev(fd, [b"a", b"b"]))
            attempt("ftruncate 20000", lambda: os.ftruncate(fd, 20000))
            attempt("ftruncate 10000", lambda: os.ftruncate(fd, 10000))
            attempt("ftruncate 5000", lambda: os.ftruncate(fd, 5000))
            attempt("truncate 10001", lambda: os.truncate(path, 10001))
            attempt("posix_fallocate to 12000", lambda: os.posix_fallocate(fd, 8000, 4000))
            attempt("posix_fallocate to 9000", lambda: os.posix_fallocate(fd, 8000, 1000))
            src = os.open(path, os.O_RDONLY)
            out = os.open(path + ".2", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.pwrite(fd, b"y" * 10000, 0)
            attempt("sendfile 10000", lambda: os.sendfile(out, src, 0, 10000))
            attempt("sendfile past", lambda: os.sendfile(out, src, 0, 10))
            app = os.open(path + ".2", os.O_WRONLY | os.O_APPEND)
            attempt("append past", lambda: os.write(app, b"z"))
            for f in (src, out, app):
                os.close(f)
            r, w = os.pipe()
            attempt("pipe is not limited", lambda: os.write(w, b"p" * 12000))
            os.close(r); os.close(w)
            print("size", os.fstat(fd).st_size, "signals", len(got), set(got))
        os.unlink(path); os.unlink(path + ".2")
    """)
    assert "write 20000 10000" in r.stdout and "size 10000 signals 9 {25}" in r.stdout


FSIZE_DEFAULT_ACTION = """
    import os, resource, signal, tempfile
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # CPython ignores it from the start
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, resource.RLIM_INFINITY))
    fd, path = tempfile.mkstemp()
    os.unlink(path)
    os.write(fd, b"x" * 100)
    print("at the limit", flush=True)
    os.write(fd, b"x")
    print("not reached")
"""


def test_fsize_limit_default_action_kills_with_sigxfsz(boot: Boot, tmp_path: Path) -> None:
    script = tmp_path / "native.py"
    script.write_text(textwrap.dedent(FSIZE_DEFAULT_ACTION))
    native = subprocess.run(["/usr/bin/python3.11", str(script)], capture_output=True, text=True,
                            timeout=60)
    assert native.returncode == -25 and native.stdout == "at the limit\n"
    r = boot(FSIZE_DEFAULT_ACTION)
    assert r.returncode == 128 + 25, r.stdout + r.stderr
    assert r.stdout.startswith("at the limit\n") and "not reached" not in r.stdout
    assert "SIGXFSZ" in r.stderr or "signal 25" in r.stderr


def test_address_space_and_data_limits_fail_growth_with_enomem(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import errno, mmap, resource

        def vm(field):
            for line in open("/proc/self/status"):
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

        def attempt(what, fn):
            try:
                fn()
                print(what, "ok")
            except MemoryError:
                print(what, "MemoryError")
            except OSError as e:
                print(what, errno.errorcode[e.errno])

        MiB = 1 << 20
        print("setrlimit AS", resource.setrlimit(resource.RLIMIT_AS, (vm("VmSize") + 64 * MiB, resource.RLIM_INFINITY)))
        attempt("bytearray 256 MiB", lambda: bytearray(256 * MiB))
        attempt("mmap 256 MiB", lambda: mmap.mmap(-1, 256 * MiB))
        attempt("mmap 16 MiB", lambda: mmap.mmap(-1, 16 * MiB).close())
        attempt("bytearray 16 MiB", lambda: bytearray(16 * MiB))
        m = mmap.mmap(-1, 16 * MiB)
        attempt("mremap grow past", lambda: m.resize(512 * MiB))
        attempt("mremap grow within", lambda: m.resize(20 * MiB))
        m.close()
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        attempt("mmap 64 MiB unlimited", lambda: mmap.mmap(-1, 64 * MiB).close())

        print("setrlimit DATA", resource.setrlimit(resource.RLIMIT_DATA, (vm("VmData") + 32 * MiB, resource.RLIM_INFINITY)))
        attempt("data: bytearray 128 MiB", lambda: bytearray(128 * MiB))
        attempt("data: private writable mmap 128 MiB", lambda: mmap.mmap(-1, 128 * MiB, flags=mmap.MAP_PRIVATE))
        attempt("data: shared mmap 128 MiB", lambda: mmap.mmap(-1, 128 * MiB, flags=mmap.MAP_SHARED).close())
        attempt("data: read-only mmap 128 MiB", lambda: mmap.mmap(-1, 128 * MiB, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ).close())
        attempt("data: bytearray 4 MiB", lambda: bytearray(4 * MiB))
    """)
    assert "bytearray 256 MiB MemoryError" in r.stdout
    assert "data: private writable mmap 128 MiB ENOMEM" in r.stdout
