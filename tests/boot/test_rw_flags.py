"""preadv2/pwritev2: the file position at offset -1 and the RWF_ flags, as on Linux."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_preadv2_and_pwritev2_flags_match_linux(same_as_host: SameAsHost) -> None:
    r = same_as_host("""
        import errno, os, socket, tempfile
        os.chdir(tempfile.mkdtemp())

        def attempt(what, fn):
            try:
                print(what, fn())
            except OSError as e:
                print(what, errno.errorcode[e.errno])

        fd = os.open("data", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b"hello world")
        buf = bytearray(5)
        attempt("hipri", lambda: (os.preadv(fd, [buf], 0, os.RWF_HIPRI), bytes(buf)))
        attempt("nowait file", lambda: (os.preadv(fd, [buf], 6, os.RWF_NOWAIT), bytes(buf)))
        attempt("dsync", lambda: os.pwritev(fd, [b"J"], 0, os.RWF_DSYNC))
        attempt("sync", lambda: os.pwritev(fd, [b"W"], 6, os.RWF_SYNC))
        attempt("write flags on a read", lambda: os.preadv(fd, [buf], 0, os.RWF_APPEND | os.RWF_SYNC))
        os.lseek(fd, 2, os.SEEK_SET)
        attempt("offset -1 reads at the position and advances it",
                lambda: (os.preadv(fd, [buf], -1, 0), bytes(buf), os.lseek(fd, 0, os.SEEK_CUR)))
        attempt("append, explicit offset: position unchanged",
                lambda: (os.pwritev(fd, [b"AB"], 0, os.RWF_APPEND), os.lseek(fd, 0, os.SEEK_CUR)))
        attempt("append at the position: it moves to the end",
                lambda: (os.pwritev(fd, [b"C", b"D"], -1, os.RWF_APPEND), os.lseek(fd, 0, os.SEEK_CUR)))
        attempt("append was for one call only",
                lambda: (os.pwritev(fd, [b"E"], 2, 0), os.lseek(fd, 0, os.SEEK_CUR)))
        print(os.pread(fd, 100, 0))

        attempt("unknown flag", lambda: os.preadv(fd, [buf], 0, 0x40000000))
        attempt("unknown flag on a write", lambda: os.pwritev(fd, [b"x"], 0, 0x40000000))
        attempt("unknown flag, nothing to move", lambda: os.preadv(fd, [bytearray(0)], 0, 0x40000000))
        attempt("offset -2", lambda: os.preadv(fd, [buf], -2, 0))
        attempt("offset -2 beats a bad fd", lambda: os.preadv(99, [buf], -2, 0))
        attempt("bad fd", lambda: os.preadv(99, [buf], 0, os.RWF_HIPRI))
        ro = os.open("data", os.O_RDONLY)
        attempt("EBADF before the flags", lambda: os.pwritev(ro, [b"x"], 0, 0x40000000))
        attempt("too many iovecs", lambda: os.preadv(fd, [bytearray(1)] * 1025, 0, 0))

        r, w = os.pipe()
        attempt("pipe with an offset", lambda: os.preadv(r, [buf], 0, 0))
        attempt("pipe nowait, empty", lambda: os.preadv(r, [buf], -1, os.RWF_NOWAIT))
        attempt("pipe nowait write, append ignored",
                lambda: os.pwritev(w, [b"xy"], -1, os.RWF_NOWAIT | os.RWF_APPEND))
        attempt("pipe nowait, data", lambda: (os.preadv(r, [buf], -1, os.RWF_NOWAIT), bytes(buf[:2])))
        print("the pipe still blocks", os.get_blocking(r))
        os.write(w, b"z" * 65536)
        attempt("pipe nowait, full", lambda: os.pwritev(w, [b"q"], -1, os.RWF_NOWAIT))
        a, b = socket.socketpair()
        attempt("socket nowait, empty", lambda: os.preadv(a.fileno(), [buf], -1, os.RWF_NOWAIT))
        b.send(b"hi")
        attempt("socket nowait, data", lambda: os.preadv(a.fileno(), [buf], -1, os.RWF_NOWAIT))
    """)
    out = r.stdout.splitlines()
    assert "hipri (5, b'hello')" in out
    assert "b'JeElo WorldABCD'" in out
    assert "unknown flag ENOTSUP" in out
    assert "pipe nowait, empty EAGAIN" in out
