"""Advisory file locks behave as on Linux for one process with several descriptions."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_flock_posix_and_ofd_locks_follow_linux_ownership_rules(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import errno, fcntl, os, struct, tempfile
        path = os.path.join(tempfile.mkdtemp(), "lockfile")
        fd1 = os.open(path, os.O_RDWR | os.O_CREAT)
        fd2 = os.open(path, os.O_RDWR)
        fcntl.flock(fd1, fcntl.LOCK_EX)
        try:
            fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("flock: two open files conflict")
        fcntl.flock(fd1, fcntl.LOCK_UN)
        fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("flock: free after unlock")
        fcntl.lockf(fd1, fcntl.LOCK_EX)
        fcntl.lockf(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("posix: one process never conflicts with itself")
        ofd = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)
        try:
            fcntl.fcntl(fd2, fcntl.F_OFD_SETLK, ofd)
        except OSError as e:
            print("ofd vs posix:", errno.errorcode[e.errno])
        os.close(fd2)
        fcntl.fcntl(fd1, fcntl.F_OFD_SETLK, ofd)
        print("closing any descriptor dropped the posix locks")
        got = struct.unpack("hhqqi", fcntl.fcntl(fd1, fcntl.F_GETLK, ofd))
        print("F_GETLK reports the OFD lock:", got[0] == fcntl.F_WRLCK, "pid", got[4])
    """)


def test_sparse_files_far_beyond_ram_read_back_holes_as_zeros(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import os, tempfile
        path = os.path.join(tempfile.mkdtemp(), "big")
        with open(path, "w+b") as f:
            f.seek(2**31 + 5); f.write(b"xyz"); f.flush()
            print(os.path.getsize(path))
            f.seek(2**31 + 4); print(f.read(5))
            f.seek(100); print(f.read(3))
            f.truncate(10); print(os.path.getsize(path))
            f.seek(0); print(f.read())
        os.truncate(path, 2**40); print(os.stat(path).st_size)
    """)
