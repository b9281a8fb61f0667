"""Pseudo-terminals: line discipline, echo and hang-up as on Linux."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_openpty_line_discipline_matches_linux(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import os, tty, termios, select
        m, s = os.openpty()
        print(os.isatty(m), os.isatty(s), os.ttyname(s).startswith("/dev/pts/"),
              os.get_inheritable(m), os.get_inheritable(s))
        os.write(m, b"hello\\rwor\\x7fld\\n")
        print(os.read(s, 100))          # a canonical line: CR became NL, DEL erased
        print(os.read(m, 100))          # what the terminal echoed, with ONLCR
        os.write(s, b"out\\n"); print(os.read(m, 100))
        tty.setraw(s)
        os.write(m, b"abc"); print(os.read(s, 100))
        attrs = termios.tcgetattr(s); attrs[3] |= termios.ICANON
        termios.tcsetattr(s, termios.TCSANOW, attrs)
        os.write(m, b"\\x04"); print(repr(os.read(s, 10)))   # EOF on an empty line
        print(select.select([s], [], [], 0)[0])
        os.close(s)
        try:
            os.read(m, 10)
        except OSError as e:
            print("master after slave close:", e.errno)
    """)
