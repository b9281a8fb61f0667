"""tcflush (TCFLSH) discards input not read yet, on the console and on ptys, as on Linux."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_pty_flush_discards_each_sides_input_as_linux(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import errno, fcntl, os, pty, struct, termios, time
        def pending(fd):
            return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
        def attempt(what, fn):
            try:
                print(what, fn())
            except (OSError, termios.error) as e:
                print(what, errno.errorcode[e.args[0]])
        m, s = pty.openpty()
        attrs = termios.tcgetattr(s); attrs[3] &= ~(termios.ECHO | termios.ICANON); termios.tcsetattr(s, termios.TCSANOW, attrs)
        os.write(m, b"typed ahead\n"); time.sleep(0.1)
        print("slave input before", pending(s))
        termios.tcflush(s, termios.TCIFLUSH); print("slave TCIFLUSH ->", pending(s))
        os.write(s, b"output\n"); time.sleep(0.1)
        print("master input before", pending(m))
        termios.tcflush(s, termios.TCOFLUSH); print("slave TCOFLUSH -> master has", pending(m))
        os.write(s, b"output\n"); time.sleep(0.1)
        termios.tcflush(m, termios.TCIFLUSH); print("master TCIFLUSH -> master has", pending(m))
        os.write(m, b"more\n"); time.sleep(0.1)
        termios.tcflush(m, termios.TCOFLUSH); print("master TCOFLUSH -> slave has", pending(s))
        os.write(m, b"more\n"); os.write(s, b"out\n"); time.sleep(0.1)
        termios.tcflush(s, termios.TCIOFLUSH); print("slave TCIOFLUSH ->", pending(s), pending(m))
        attempt("bad queue", lambda: termios.tcflush(s, 3))
        attempt("bad queue master", lambda: termios.tcflush(m, 7))
        r, w = os.pipe()
        attempt("pipe", lambda: termios.tcflush(r, termios.TCIFLUSH))
    """)
    assert "slave TCIFLUSH -> 0" in r.stdout
    assert "master TCIFLUSH -> master has 0" in r.stdout


def test_console_flush_discards_typed_ahead_input(boot: Boot) -> None:
    # Linux's terminal drops what was received and not read; the end of the
    # input (the runner's EOF) still comes after it.
    r = boot("""
        import fcntl, os, struct, termios, time
        def pending():
            return struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, b"\\0" * 4))[0]
        deadline = time.monotonic() + 60
        while pending() < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        print("waiting", pending(), "isatty", os.isatty(0))
        termios.tcflush(0, termios.TCIFLUSH)
        print("after TCIFLUSH", pending(), repr(os.read(0, 100)))
        try:
            termios.tcflush(0, 3)
        except termios.error as e:
            print("bad queue", e.args[0])
    """, input="typed\nahead\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["waiting 12 isatty True", "after TCIFLUSH 0 b''", "bad queue 22"]
