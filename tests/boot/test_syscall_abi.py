"""Syscall arguments arrive as Linux's: six 64-bit registers, each narrowed to
the type Linux's syscall declares (linux/syscall.h's SYSCALL_DEFINEn). An
`int` or `unsigned int` argument (fds, whence, cmd, most flags) is the low 32
bits of its register, whatever the app left above them; an `unsigned long`
one (mprotect's prot, mremap's and mmap's flags) is checked whole. Compared
with the host's Linux, through ctypes' syscall() with garbage in the high bits."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_syscall_arguments_are_narrowed_as_linux_narrows_them(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import ctypes, errno, mmap, os
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.syscall.argtypes = [ctypes.c_long] * 7
        HI = 0xDEAD_BEEF << 32  # garbage in the upper half of a 64-bit register

        def sys(name, nr, *args):
            args = [a - (1 << 64) if a >= 1 << 63 else a for a in args] + [0] * (6 - len(args))
            r = libc.syscall(nr, *args)
            print(name, errno.errorcode[ctypes.get_errno()] if r == -1 else "ok", flush=True)
            return r

        r, w = os.pipe()
        sys("write to fd|HI", 1, w | HI, ctypes.addressof(ctypes.create_string_buffer(b"x")), 1)
        print("pipe got", os.read(r, 1))
        sys("close fd|HI", 3, r | HI)
        print("closed:", not os.path.exists(f"/proc/self/fd/{r}"))
        fd = os.open(__file__, os.O_RDONLY)
        sys("lseek whence SEEK_SET|HI", 8, fd | HI, 0, os.SEEK_SET | HI)
        sys("fcntl F_GETFD|HI", 72, fd | HI, 1 | HI)
        sys("dup2 newfd|HI", 33, fd, 100 | HI)
        print("dup2 made 100:", os.path.exists("/proc/self/fd/100"))
        sys("dup3 to fd|HI", 292, fd | HI, 101 | HI, 0)
        sys("umask|HI", 95, 0o022 | HI)
        m = mmap.mmap(-1, 8192)
        p = ctypes.addressof(ctypes.c_char.from_buffer(m))
        sys("mprotect prot|1<<32", 10, p, 4096, mmap.PROT_READ | 1 << 32)
        sys("mprotect prot|HI", 10, p, 4096, mmap.PROT_READ | HI)
        sys("mprotect prot", 10, p, 4096, mmap.PROT_READ | mmap.PROT_WRITE)
        sys("madvise advice|HI", 28, p, 4096, HI)
        sys("msync flags|HI", 26, p, 4096, 4 | HI)  # MS_SYNC
        sys("mremap flags|1<<32", 25, p, 4096, 4096, 1 << 32, 0)
        sys("mmap prot|1<<32", 9, 0, 4096, 3 | 1 << 32, 0x22, (1 << 64) - 1, 0)
        sys("mmap anonymous MAP_SHARED_VALIDATE", 9, 0, 4096, 3, 0x03 | 0x20, (1 << 64) - 1, 0)
        # unknown high, unknown low, MAP_32BIT, MAP_HUGE_2MB, MAP_SYNC
        for flag in (0, 1 << 40, 1 << 24, 0x40, 21 << 26, 0x80000):
            sys(f"mmap file MAP_SHARED_VALIDATE|{flag:#x}", 9, 0, 4096, 1, 0x03 | flag, fd | HI, 0)
        sys("mmap file MAP_SHARED_VALIDATE|MAP_FIXED_NOREPLACE", 9, 0x300000000, 4096, 1,
            0x03 | 0x100000, fd, 0)
        sys("mmap MAP_PRIVATE|1<<40", 9, 0, 4096, 3, 0x02 | 0x20 | 1 << 40, (1 << 64) - 1, 0)
        sys("getrandom flags|HI", 318, ctypes.addressof(ctypes.create_string_buffer(8)), 8, HI)
        ts = ctypes.addressof(ctypes.create_string_buffer(16))
        sys("clock_gettime clock|HI", 228, 1 | HI, ts)
        sys("kill pid|HI", 62, os.getpid() | HI, 0)
        sys("flock cmd|HI", 73, fd | HI, 8 | HI)  # LOCK_UN
        sys("fchmod fd|HI", 91, fd | HI, 0o644 | HI)
        sys("ftruncate fd|HI len -1", 77, fd | HI, (1 << 64) - 1)
        sys("pipe2 flags|HI", 293, ctypes.addressof((ctypes.c_int * 2)()), HI)
        sys("epoll_create1 flags|HI", 291, HI)
        sys("eventfd2 flags|HI", 290, 0, HI)
        sys("socket domain|HI", 41, 1 | HI, 1 | HI, HI)
        dents = ctypes.addressof(ctypes.create_string_buffer(512))
        sys("getdents64 fd|HI", 217, fd | HI, dents, 512)
        r, w = os.pipe()
        os.write(w, b"abc")
        n = ctypes.c_int(0)
        sys("ioctl FIONREAD|HI", 16, r | HI, 0x541B | HI, ctypes.addressof(n))  # cmd: unsigned int
        print("FIONREAD", n.value)
        sys("fcntl F_DUPFD arg 1<<32|5", 72, r, 0, (1 << 32) | 5)  # Linux's do_fcntl: (int)arg
        sys("fcntl F_SETFD arg HI|1", 72, r, 2, HI | 1)
        sys("fcntl F_SETFL arg HI|O_NONBLOCK", 72, r, 4, HI | 0o4000)
        sys("fcntl F_SETPIPE_SZ arg 1<<32|8192", 72, w, 1031, (1 << 32) | 8192)  # unsigned int
        sys("eventfd2 initval HI|5", 290, HI | 5, 0)
        sys("wait4 options HI|WNOHANG", 61, -1, 0, HI | 1, 0)
    """)
    assert "mprotect prot|HI EINVAL" in r.stdout
    assert "write to fd|HI ok" in r.stdout
    assert "FIONREAD 3" in r.stdout


def test_fds_with_bit_31_set_are_refused_as_linux_refuses_them(same_as_host: SameAsHost) -> None:
    # Linux takes most fds as unsigned int, some (openat's dirfd, epoll's) as
    # int: either way no such descriptor exists, and the error (and the
    # order of the checks: epoll_ctl reads its event first) must match.
    r = same_as_host(r"""
        import ctypes, errno, os
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.syscall.argtypes = [ctypes.c_long] * 7
        def sys(name, nr, *args):
            args = [a - (1 << 64) if a >= 1 << 63 else a for a in args] + [0] * (6 - len(args))
            r = libc.syscall(nr, *args)
            print(name, errno.errorcode[ctypes.get_errno()] if r == -1 else f"ok {r}", flush=True)
        for fd in (0x80000000, 0xffffffff, 0xfffffffe):
            sys(f"close {fd:#x}", 3, fd)
            sys(f"dup2 0 {fd:#x}", 33, 0, fd)
            sys(f"dup3 0 {fd:#x}", 292, 0, fd, 0)
            sys(f"dup {fd:#x}", 32, fd)
            sys(f"read {fd:#x}", 0, fd, 0, 0)
            sys(f"lseek {fd:#x}", 8, fd, 0, 0)
            sys(f"fstat {fd:#x}", 5, fd, 0)
            sys(f"fcntl {fd:#x}", 72, fd, 1, 0)
            sys(f"fcntl F_DUPFD arg {fd:#x}", 72, 0, 0, fd)
            name = ctypes.addressof(ctypes.create_string_buffer(b"x"))
            sys(f"openat dirfd {fd:#x}", 257, fd, name, 0, 0)
            sys(f"close_range {fd:#x}", 436, fd, fd, 0)
            sys(f"getdents64 {fd:#x}", 217, fd, 0, 0)
            sys(f"ioctl {fd:#x}", 16, fd, 0x541B, 0)
            sys(f"epoll_ctl {fd:#x}", 233, fd, 1, 0, 0)
            sys(f"sendto {fd:#x}", 44, fd, 0, 0, 0, 0, 0)
    """)
    assert "close 0x80000000 EBADF" in r.stdout


def test_prot_bits_beyond_rwx_are_ignored_by_mmap_and_checked_by_mprotect_as_on_linux(
        same_as_host: SameAsHost) -> None:
    # mmap keeps read, write and exec and ignores the rest; mprotect also
    # accepts PROT_SEM (meaningless on x86) and refuses any other bit.
    r = same_as_host(r"""
        import ctypes, errno, mmap
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.syscall.argtypes = [ctypes.c_long] * 7
        def sys(name, nr, *args):
            args = [a - (1 << 64) if a >= 1 << 63 else a for a in args] + [0] * (6 - len(args))
            r = libc.syscall(nr, *args)
            print(name, errno.errorcode[ctypes.get_errno()] if r == -1 else "ok", flush=True)
        m = mmap.mmap(-1, 8192)
        p = ctypes.addressof(ctypes.c_char.from_buffer(m))
        for bit in (0x8, 0x10, 0x100, 0x01000000, 0x02000000):
            sys(f"mprotect prot|{bit:#x}", 10, p, 4096, 1 | bit)
            sys(f"mmap prot|{bit:#x}", 9, 0, 4096, 1 | bit, 0x22, -1 & (2**64 - 1), 0)
    """)
    assert "mmap prot|0x100 ok" in r.stdout and "mprotect prot|0x100 EINVAL" in r.stdout
