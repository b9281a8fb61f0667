"""What happens when things go wrong: clear messages, non-zero exits, never a hang."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.boot.conftest import Boot, unipython

from unipython import abi
from unipython.runcmd import RunOptions
from unipython.vmm import qemu


def test_syntax_error_is_reported_at_build_time(tmp_path: Path) -> None:
    app = tmp_path / "bad.py"
    app.write_text("print('ok')\nif True\n    pass\n")
    r = unipython("build", str(app), "-o", str(tmp_path / "bad.img"))
    assert r.returncode == 2
    assert "line 2" in r.stderr and "SyntaxError" in r.stderr
    assert not (tmp_path / "bad.img").exists()


def test_missing_app_file_is_a_one_line_error(tmp_path: Path) -> None:
    r = unipython("run", str(tmp_path / "nope.py"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"unipython: error: app file not found: {tmp_path / 'nope.py'}"


def test_kernel_panic_prints_a_reason_and_a_symbolized_backtrace(image_of, capsys) -> None:
    image = image_of("print('never runs')\n")
    # Ask the kernel to start a program the image does not have.
    cfg = qemu.VMConfig(image=image, cmdline="exec=/no/such/program", timeout=120)
    result = qemu.boot(cfg, stdout=None)
    assert result.panic is not None and "/no/such/program" in result.panic
    from unipython.runcmd import report

    assert report(result, image) == abi.STATUS_PANIC
    err = capsys.readouterr().err
    assert "the guest kernel panicked" in err
    assert "kernel_main+0x" in err  # a frame named from the image's symbols


def test_segfault_in_the_app_kills_it_with_sigsegv_after_faulthandler_reports(boot: Boot) -> None:
    r = boot("""
        import faulthandler, ctypes
        faulthandler.enable()
        print("about to crash", flush=True)
        ctypes.string_at(0)
    """)
    assert r.returncode == 128 + 11, r.stdout + r.stderr
    assert r.stdout == "about to crash\n"
    assert "Fatal Python error: Segmentation fault" in r.stderr
    assert "the app was killed by SIGSEGV" in r.stderr


def test_fork_and_exec_fail_with_enosys_not_a_crash(boot: Boot) -> None:
    r = boot("""
        import errno, os, subprocess
        try:
            os.fork()
        except OSError as e:
            print("fork", errno.errorcode[e.errno])
        try:
            subprocess.run(["/bin/true"])
        except OSError as e:
            print("subprocess", type(e).__name__)
    """)
    assert r.returncode == 0, r.stdout
    assert "fork ENOSYS" in r.stdout
    assert "subprocess" in r.stdout


def test_trace_syscalls_prints_strace_style_lines(boot: Boot) -> None:
    r = boot("open('/tmp/traced', 'w').close()\n", options=["--trace-syscalls"])
    assert r.returncode == 0
    assert 'openat(AT_FDCWD, "/tmp/traced", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3' in r.stderr
    assert "= -1 ENOENT (No such file or directory)" in r.stderr
    assert "exit_group(0) = ?" in r.stderr


def test_trace_shows_what_a_read_returned_not_the_bytes_past_it(boot: Boot) -> None:
    # The buffer is full of X before the read: only the 5 bytes read are the call's.
    r = boot("""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        with open('/tmp/five', 'wb') as f:
            f.write(b'hello')
        buf = ctypes.create_string_buffer(b'X' * 40, 40)
        fd = os.open('/tmp/five', os.O_RDONLY)
        print(libc.read(fd, buf, 40), libc.pread(fd, buf, 40, 1))
        wfd = os.open('/tmp/five', os.O_WRONLY)
        print(libc.read(wfd, buf, 40))
    """, options=["--trace-syscalls"])
    assert r.returncode == 0 and r.stdout == "5 4\n-1\n", r.stdout + r.stderr
    assert re.search(r'read\(\d+, "hello", 40\) = 5', r.stderr), r.stderr
    assert re.search(r'pread64\(\d+, "ello", 40, 1\) = 4', r.stderr), r.stderr
    assert re.search(r"read\(\d+, 0x[0-9a-f]+, 40\) = -1 EBADF", r.stderr), r.stderr
    assert "XXXX" not in r.stderr


def test_deadlocked_app_is_reported_instead_of_hanging(boot: Boot) -> None:
    r = boot("""
        import threading
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()  # never released
    """)
    assert r.returncode == abi.STATUS_DEADLOCK, r.stdout + r.stderr
    assert "deadlock" in r.stdout + r.stderr


def test_too_little_memory_for_the_image_is_refused(image_of) -> None:
    image = image_of("print('x')\n")
    from unipython.errors import UserError
    from unipython.runcmd import run_image

    try:
        run_image(image, RunOptions(memory="8M"))
    except UserError as e:
        assert "too small" in str(e)
    else:
        raise AssertionError("8M was accepted")


def test_an_app_without_sockets_gets_no_network_stack(tmp_path: Path) -> None:
    app = tmp_path / "hello.py"
    app.write_text("print('hi')\n")
    r = unipython("build", str(app), "-o", str(tmp_path / "hello.img"))
    assert r.returncode == 0, r.stderr
    assert "without networking: the app uses no sockets" in r.stdout
    assert unipython("run", str(tmp_path / "hello.img")).stdout == "hi\n"


def test_socket_calls_without_the_network_component_fail_with_enosys(tmp_path: Path) -> None:
    # The kernel without networking, as an app gets it that the builder sees use no
    # sockets: its socket syscalls are not there, as on a Linux without CONFIG_NET.
    app = tmp_path / "app.py"
    app.write_text("import socket\ntry:\n    socket.socket()\nexcept OSError as e:\n"
                   "    print(e)\n")
    lean = Path(__file__).resolve().parents[2] / "kernel" / "build" / "kernel-nonet.elf"
    proc = subprocess.run([sys.executable, "-m", "unipython", "run", "--trace-syscalls",
                           str(app)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "UNIPYTHON_KERNEL": str(lean)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[Errno 38] Function not implemented\n"
    assert ("socket(0x2, 0x80001, 0, ...) = -1 ENOSYS (Function not implemented) "
            "[not implemented]") in proc.stderr
