"""A system call fuzzer that runs inside the guest (issue 12, "Hardening").

    syscall_app.py SEED CALLS [--echo]

Makes CALLS raw system calls through ctypes' libc.syscall() with numbers and arguments
drawn from random.Random(SEED): small and huge integers, -1, valid buffers, kernel,
non-canonical, read-only and unmapped addresses, NULL, descriptors of files, pipes,
sockets, a pty, eventfd and epoll, path names and small structures (iovec, timespec,
sockaddr, msghdr, sigset) built in a scratch area. Then it checks that the interpreter
is still sound (memory it set aside, hashlib, json, threads, a file round trip in /tmp):
a kernel that wrote where it should not have shows up there, as "later corruption".

The fuzzer must not destroy itself the way Linux would let it, so the few calls that
would (end the process, unmap its memory, change its signal handling...) are skipped
or steered, each with the reason in RULES below. Memory calls get their own "victim"
area. What the fuzzer changes in its own process state (signal mask, alternate stack,
limits, timers, umask, cwd) it puts back after the call, so the next call runs in a sane
process again. A blocking call (read on an empty pipe, futex wait, accept, pause) is
cut short by an interval timer (SIGALRM, EINTR); a kernel that hangs anyway is caught by
the caller's timeout.

Output: "probe: ..." (which numbers are implemented), "progress: ..." lines, and at the
end "fuzz done: seed=S calls=N ... sanity=DIGEST" and exit status 0. On a failure it
prints "FUZZ FAILURE: ...", the last calls from its ring buffer, and exits with 1.
With --echo every call is printed before it is made (to find the call a panic follows).
"""

from __future__ import annotations

import collections
import ctypes
import errno
import hashlib
import json
import os
import random
import signal
import struct
import sys
import threading

M64 = 2**64 - 1
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.syscall.argtypes = [ctypes.c_long] * 7


def signed(v: int) -> int:
    v &= M64
    return v - 2**64 if v >= 2**63 else v


def raw(nr: int, *args: int) -> int:
    """One system call; returns the result or -errno, as the kernel does."""
    a = [signed(x) for x in args] + [0] * (6 - len(args))
    ctypes.set_errno(0)
    r = libc.syscall(nr, *a)
    if r == -1:
        e = ctypes.get_errno()
        return -e if e else -1
    return r


# --- the fuzzer's own memory, at fixed addresses far from everything else -----------------
# The interpreter lives at 0x400000 (python is not PIE), its brk heap just above, its
# mmaps and stack at the top of the lower half. Nothing ever goes near these, so a range
# starting in either area and staying below HOLE_END touches only the fuzzer's pages, and
# both are surrounded by unmapped holes (so a partial copy ends in EFAULT, and an mprotect
# running past the end stops at the hole, as Linux's does).
PAGE = 4096
VICTIM, VICTIM_SIZE = 0x100000000000, 256 * PAGE      # for mmap/munmap/mprotect/madvise/...
SCRATCH, SCRATCH_SIZE = 0x200000000000, 16 * PAGE     # buffers and structures for arguments
ALT_STACK, ALT_STACK_SIZE = 0x210000000000, 16 * PAGE  # the only stack sigaltstack may enable
HOLE = 0x300000000000                                 # never mapped
HOLE_END = 0x400000000000                             # memory ranges stay below this
KERNEL_ADDRS = [0xffff800000000000, 0xffff888000000000, 0xffffffff80000000,
                0xffffffff81000000, 0xfffffffffffff000, M64]
NONCANONICAL = [0x0000800000000000, 0x8000000000000000, 0x00007ffffffff000]
READ_ONLY = [0x400000, 0x401000]   # python's ELF header and text: writes must fail (EFAULT)
PROT_RW, MAP_PRIV_ANON, MAP_FIXED, MAP_FIXED_NOREPLACE = 3, 0x22, 0x10, 0x100000


def map_fixed(addr: int, size: int) -> None:
    r = raw(9, addr, size, PROT_RW, MAP_PRIV_ANON | MAP_FIXED, M64, 0)
    if r != addr:
        raise SystemExit(f"FUZZ FAILURE: cannot map the fuzzer's own area at {addr:#x}: {r}")


# --- signal numbers -----------------------------------------------------------------------
S = signal.Signals
# Signals the fuzzer may have sent to itself or the kernel may generate: their disposition
# keeps them harmless (the timer's handler, default-ignored, or ignored by us below).
HARMLESS_TO_DELIVER = [S.SIGALRM, S.SIGCHLD, S.SIGURG, S.SIGWINCH, S.SIGCONT]
IGNORED_BY_US = [S.SIGPIPE, S.SIGXFSZ, S.SIGXCPU, S.SIGVTALRM, S.SIGPROF, S.SIGIO, S.SIGHUP,
                 S.SIGINT, S.SIGQUIT, S.SIGTSTP, S.SIGTTIN, S.SIGTTOU]
DELIVERABLE = set(HARMLESS_TO_DELIVER) | set(IGNORED_BY_US)
# The kernel sends these for faults; a handler at a random address would turn the next
# fault into a jump to nowhere, and they must keep killing the process as they should.
FAULTS = {S.SIGSEGV, S.SIGBUS, S.SIGILL, S.SIGFPE, S.SIGTRAP, S.SIGABRT, S.SIGSYS}
# rt_sigaction may install anything for these: nothing ever sends them (SIGKILL and SIGSTOP
# are here to check the kernel refuses them).
INSTALLABLE = [s for s in range(1, 65) if s not in DELIVERABLE and s not in FAULTS]
# (Not 2**32 + 9: the signal is an int, so that is SIGKILL.)
BAD_SIGNALS = [0, 65, 100, 2**31, 2**32 + int(S.SIGCHLD), M64]
SIGALRM_BIT = 1 << (S.SIGALRM - 1)


# --- the descriptors the fuzzer plays with ------------------------------------------------
FUZZ_DIR = "/tmp/fuzz"
NAMES = ["a", "b", "c", "d/e", "fifo", "sock", "link", "dir"]
PATHS = ([f"{FUZZ_DIR}/{n}" for n in NAMES] + NAMES +
         ["", ".", "..", "/", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/ptmx",
          "/proc/self/maps", "/proc/self/fd/0", "/proc/self/status", "/usr/lib/python3.11/os.py",
          "/etc/passwd",
          f"{FUZZ_DIR}/a/", f"{FUZZ_DIR}/dir/../a", "/nonexistent/x", "x" * 300, "/" + "y/" * 2100])
SYMLINK_TARGETS = [f"{FUZZ_DIR}/a", f"{FUZZ_DIR}/dir", "a", "link", "/dev/null", "/nonexistent"]


class Resources:
    """Files, pipes, sockets, a pty, eventfd, epoll, memfd: opened at start and again after each
    cleanup, so calls find live descriptors of every kind."""

    def __init__(self) -> None:
        self.fds: list[int] = []

    def open_all(self) -> None:
        os.makedirs(f"{FUZZ_DIR}/d", exist_ok=True)
        os.makedirs(f"{FUZZ_DIR}/dir", exist_ok=True)
        # Every open is non-blocking: calls may have left a FIFO under any of these names
        # (as root the fuzzer may replace /dev/zero with one, as on Linux).
        for name in ("a", "b", "c"):
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK
                fd = os.open(f"{FUZZ_DIR}/{name}", flags)
                os.write(fd, os.urandom(5000))
                os.close(fd)
            except OSError:
                pass
        fds = []
        for path, flags in [(f"{FUZZ_DIR}/a", os.O_RDWR), (f"{FUZZ_DIR}/b", os.O_RDONLY),
                            (f"{FUZZ_DIR}/a", os.O_RDWR | os.O_APPEND), (FUZZ_DIR, os.O_RDONLY),
                            ("/dev/null", os.O_RDWR), ("/dev/zero", os.O_RDONLY),
                            ("/usr/lib/python3.11/os.py", os.O_RDONLY)]:
            try:
                fd = os.open(path, flags | os.O_NONBLOCK)
                os.set_blocking(fd, True)   # (blocking calls are fuzzed too: the timer ends them)
                fds.append(fd)
            except OSError:
                pass
        fds += os.pipe()
        fds += os.pipe2(os.O_NONBLOCK)
        for maker in (self._socketpair, self._listener, self._udp, self._pty, self._eventfd,
                      self._epoll, self._memfd):
            try:
                fds += maker()
            except OSError:
                pass  # a kind the kernel lacks is simply not fuzzed through a live descriptor
        self.fds = fds

    # Made with raw calls: importing socket would give the image a network device, and
    # the fuzzer must not send random packets anywhere but to itself.
    def _checked(self, r: int) -> int:
        if r < 0:
            raise OSError(-r, "setup")
        return r

    def _socketpair(self) -> list[int]:
        pair = (ctypes.c_int * 2)()
        self._checked(raw(53, 1, 1, 0, ctypes.addressof(pair)))   # AF_UNIX SOCK_STREAM
        dgram = (ctypes.c_int * 2)()
        self._checked(raw(53, 1, 2, 0, ctypes.addressof(dgram)))  # AF_UNIX SOCK_DGRAM
        return list(pair) + list(dgram)

    def _listener(self) -> list[int]:
        s = self._checked(raw(41, 1, 1, 0))
        addr = struct.pack("<H", 1) + f"{FUZZ_DIR}/sock".encode() + b"\0"
        buf = ctypes.create_string_buffer(addr, 110)
        try:
            os.unlink(f"{FUZZ_DIR}/sock")
        except OSError:
            pass
        self._checked(raw(49, s, ctypes.addressof(buf), len(addr)))
        self._checked(raw(50, s, 4))
        t = self._checked(raw(41, 2, 1, 0))                          # AF_INET TCP on loopback
        sin = ctypes.create_string_buffer(struct.pack("<HH4s8x", 2, 0, bytes([127, 0, 0, 1])), 16)
        raw(49, t, ctypes.addressof(sin), 16)
        raw(50, t, 4)
        return [s, t]

    def _udp(self) -> list[int]:
        return [self._checked(raw(41, 2, 2, 0)), self._checked(raw(41, 10, 2, 0))]

    def _pty(self) -> list[int]:
        master = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        fds = [master]
        try:
            os.grantpt(master) if hasattr(os, "grantpt") else None
            unlock = ctypes.c_int(0)
            raw(16, master, 0x40045431, ctypes.addressof(unlock))   # TIOCSPTLCK
            n = ctypes.c_uint(0)
            if raw(16, master, 0x80045430, ctypes.addressof(n)) == 0:  # TIOCGPTN
                flags = os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK
                fds.append(os.open(f"/dev/pts/{n.value}", flags))
        except OSError:
            pass
        return fds

    def _eventfd(self) -> list[int]:
        return [self._checked(raw(290, 3, 0))]

    def _epoll(self) -> list[int]:
        ep = self._checked(raw(291, 0))
        ev = ctypes.create_string_buffer(struct.pack("<IQ", 1, 7), 12)
        raw(233, ep, 1, self.fds[0] if self.fds else 0, ctypes.addressof(ev))
        return [ep]

    def _memfd(self) -> list[int]:
        name = ctypes.create_string_buffer(b"fuzz")
        return [self._checked(raw(319, ctypes.addressof(name), 0))]

    def pick(self, rng: random.Random) -> int:
        return rng.choice(self.fds) if self.fds else 3


def cleanup_fuzz_dir() -> None:
    """Removes what calls made under /tmp/fuzz (modes may be anything by now)."""
    for root, dirs, files in os.walk(FUZZ_DIR, topdown=False):
        for name in files + dirs:
            path = os.path.join(root, name)
            try:
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
            except OSError:
                pass
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except OSError:
                pass


# --- arguments ----------------------------------------------------------------------------
# O_WRONLY.. from asm-generic/fcntl.h: CREAT EXCL NOCTTY TRUNC APPEND NONBLOCK DSYNC DIRECT
# LARGEFILE DIRECTORY NOFOLLOW NOATIME CLOEXEC PATH TMPFILE
OPEN_FLAGS = [0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000, 0o10000, 0o40000, 0o100000, 0o200000,
              0o400000, 0o1000000, 0o2000000, 0o10000000, 0o20200000]
FILE_TYPES = [0, 0, 0o010000, 0o020000, 0o040000, 0o060000, 0o100000, 0o140000, 0o170000]
INTERESTING = [0, 1, 2, 3, 7, 8, 16, 64, 255, 256, 4095, 4096, 4097, 65536, 2**31 - 1, 2**31,
               2**32 - 1, 2**32, 2**47, 2**63 - 1, 2**63, M64, M64 - 1, M64 - 4095, -100 & M64,
               0x7ffff000, 0xffffff9c]


class OwnMemory:
    """The writable memory this process lives in (its heap, stacks, Python's arenas,
    libraries' data), from /proc/self/maps. A random integer that happens to fall in it
    (a flags word such as 0x2000440 is inside the brk heap of a non-PIE python) and
    reaches a pointer argument would have the kernel write into the fuzzer's own objects,
    as Linux would too: bytecode turns into "unknown opcode", a pointer into a crash. Such
    a value is replaced by an unmapped address; the scratch and victim areas stay fair."""

    HEAP_GROWTH = 256 << 20  # the brk heap grows between two reads of the maps

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def refresh(self) -> None:
        ranges = []
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                start, end = (int(x, 16) for x in fields[0].split("-"))
                if "w" not in fields[1] or start in (SCRATCH, VICTIM):
                    continue
                if fields[-1] == "[heap]":
                    end += self.HEAP_GROWTH
                ranges.append((start, end))
        self.ranges = ranges

    def steer(self, value: int) -> int:
        v = value & M64
        if any(start <= v < end for start, end in self.ranges):
            return HOLE + (v & 0xFFF)
        return value


class Args:
    """Draws arguments; structures go into the scratch area through a bump allocator that
    starts afresh at each call (what earlier calls left there stays, as more randomness)."""

    def __init__(self, rng: random.Random, res: Resources) -> None:
        self.rng, self.res = rng, res
        self.top = 0

    def start_call(self) -> None:
        self.top = self.rng.randrange(0, 2048, 8)

    def put(self, data: bytes) -> int:
        """Writes data into scratch and returns its address (wrapping to the start)."""
        if self.top + len(data) > SCRATCH_SIZE - 64:
            self.top = 0
        addr = SCRATCH + self.top
        ctypes.memmove(addr, data, len(data))
        self.top = (self.top + len(data) + 15) & ~7
        return addr

    def scratch_ptr(self) -> int:
        r = self.rng.random()
        if r < 0.1:   # straddles the end of scratch: a copy stops at the hole with EFAULT
            return SCRATCH + SCRATCH_SIZE - self.rng.choice([1, 4, 8, 16, 100])
        return self.put(self.content())

    def content(self) -> bytes:
        rng = self.rng
        kind = rng.randrange(12)
        if kind == 0:
            return rng.randbytes(rng.choice([8, 16, 64, 128, 512]))
        if kind == 1:
            return rng.choice(PATHS).encode() + b"\0"
        if kind == 2:   # iovec[]
            lengths = [0, 1, 16, 100, 4096, 2**31, M64]
            return b"".join(struct.pack("<QQ", self.ptr_for_iov(), rng.choice(lengths))
                            for _ in range(rng.randint(1, 4)))
        if kind == 3:   # timespec: short, zero or invalid
            return struct.pack("<qq", rng.choice([0, 0, 1, -1, 2**62]),
                               rng.choice([0, 1000, 5_000_000, 999_999_999, 1_000_000_000, -1]))
        if kind == 4:   # sockaddr_un, _in, _in6
            c = rng.randrange(4)
            if c == 0:
                path = rng.choice([f"{FUZZ_DIR}/sock", f"{FUZZ_DIR}/s2", "\0abstract", ""])
                return struct.pack("<H", 1) + path.encode() + b"\0"
            if c == 1:
                ip = rng.choice([[127, 0, 0, 1], [0, 0, 0, 0], [255] * 4, [224, 0, 0, 1]])
                return struct.pack(">HH4s8x", 2 << 8, rng.choice([0, 1, 7, 80, 65535]), bytes(ip))
            if c == 2:
                return struct.pack("<HHI16sI", 10, rng.randrange(65536), 0, b"\0" * 15 + b"\1", 0)
            return struct.pack("<H", rng.randrange(65536)) + rng.randbytes(rng.choice([0, 14, 126]))
        if kind == 5:   # a signal set that never blocks the timer's SIGALRM
            return struct.pack("<Q", rng.getrandbits(64) & ~SIGALRM_BIT)
        if kind == 6:   # msghdr with a control message passing descriptors (SCM_RIGHTS)
            fds = [self.res.pick(rng) for _ in range(rng.randint(1, 3))]
            cmsg = (struct.pack("<Qii", 16 + 4 * len(fds), 1, rng.choice([1, 1, 2, 0x40]))
                    + struct.pack(f"<{len(fds)}i", *fds))
            iov = struct.pack("<QQ", self.put(rng.randbytes(64)), rng.choice([1, 64, 4096]))
            name = 0
            if rng.random() < 0.3:
                name = self.put(struct.pack("<H", 1) + f"{FUZZ_DIR}/sock".encode() + b"\0")
            return struct.pack("<QIxxxxQQQQi4x", name, 20 if name else 0, self.put(iov),
                               rng.choice([1, 1, 2, 1024]), self.put(cmsg),
                               rng.choice([len(cmsg), len(cmsg), 8, 4096, M64]), 0)
        if kind == 7:   # epoll_event / pollfd[]
            if rng.random() < 0.5:
                return struct.pack("<IQ", rng.getrandbits(32), rng.getrandbits(64))
            return b"".join(struct.pack("<ihh", self.res.pick(rng), rng.choice([1, 4, 0x3f, -1]), 0)
                            for _ in range(rng.randint(1, 4)))
        if kind == 8:   # rlimit / itimerval
            return struct.pack("<QQ", rng.choice(INTERESTING), rng.choice(INTERESTING))
        if kind == 9:   # a few small ints (flags words, fd arrays, lengths)
            return struct.pack("<4i", *(rng.choice([0, 1, 3, -1, 4096, self.res.pick(rng)])
                                        for _ in range(4)))
        if kind == 10:  # a clone_args-sized, mostly zero block
            return bytes(88)
        return bytes(rng.choice([8, 64, 256]))

    def ptr_for_iov(self) -> int:
        return self.rng.choice([SCRATCH + self.rng.randrange(0, SCRATCH_SIZE, 8), 0, HOLE,
                                KERNEL_ADDRS[0], READ_ONLY[1], SCRATCH + SCRATCH_SIZE - 8])

    def pointer(self) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return self.scratch_ptr()
        if r < 0.65:
            return 0
        if r < 0.75:
            offset = rng.choice([0, 0, 8, 4096 * rng.randrange(1, 1000)])
            return rng.choice(KERNEL_ADDRS) + offset & M64
        if r < 0.82:
            return rng.choice(NONCANONICAL)
        if r < 0.89:
            return rng.choice([HOLE, HOLE + 123, 0x1000, 16])
        if r < 0.95:
            return rng.choice(READ_ONLY) + rng.randrange(0, 256, 8)
        return VICTIM + rng.randrange(0, VICTIM_SIZE, 8)

    def integer(self) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return rng.randrange(0, 40)
        if r < 0.55:
            return rng.choice(INTERESTING)
        if r < 0.75:
            return self.res.pick(rng)
        if r < 0.9:   # a flags word: a few bits
            v = 0
            for _ in range(rng.randint(1, 3)):
                v |= 1 << rng.randrange(0, 32 if rng.random() < 0.9 else 64)
            return v
        return rng.getrandbits(64)

    def any(self) -> int:
        return self.pointer() if self.rng.random() < 0.4 else self.integer()

    def of_kind(self, kind: str) -> int:
        """An argument of the kernel's kind (tools/fuzz/signatures.py), most of the time."""
        rng = self.rng
        if rng.random() < 0.25:
            return self.any()
        if kind == "f":
            return self.res.pick(rng) if rng.random() < 0.8 else rng.choice([-100 & M64, M64, 1023])
        if kind == "s":
            return self.put(rng.choice(PATHS).encode() + b"\0")
        if kind in "bBp":
            return self.pointer()
        if kind == "o":
            flags = rng.choice([0, 1, 2])
            for bit in rng.sample(OPEN_FLAGS, rng.randint(0, 4)):
                flags |= bit
            return flags
        if kind == "m":
            return rng.choice([0, 0o600, 0o777, 0o7777, 0o644]) | rng.choice(FILE_TYPES)
        if kind == "P":
            return rng.randrange(8) if rng.random() < 0.9 else rng.getrandbits(32)
        if kind in "du":
            return rng.randrange(0, 64) if rng.random() < 0.5 else self.integer()
        return self.integer()

    def signal(self) -> int:
        """A signal that may be sent: harmless to this process, or invalid."""
        r = self.rng.random()
        if r < 0.6:
            return int(self.rng.choice(sorted(DELIVERABLE)))
        return self.rng.choice(BAD_SIGNALS)

    def memory_range(self) -> tuple[int, int]:
        """(addr, len) for a call that unmaps, remaps or changes memory: in the victim area,
        or where the kernel must refuse whatever the length (kernel half, non-canonical),
        or low or in the hole with a length that stays clear of the interpreter."""
        rng = self.rng
        r = rng.random()
        wrapping = [M64, M64 - 4095, 2**64 - VICTIM, 2**63, 2**63 + 4096]
        if r < 0.7:
            addr = VICTIM + rng.randrange(0, VICTIM_SIZE // PAGE) * PAGE
            if rng.random() < 0.1:
                addr += rng.choice([1, 8])
            left = VICTIM + VICTIM_SIZE - addr
            length = rng.choice([0, 1, PAGE, 2 * PAGE, rng.randrange(0, left + 1), left,
                                 left + PAGE, rng.randrange(0, 2**40), rng.choice(wrapping)])
            return addr, length
        if r < 0.85:
            addr = rng.choice(KERNEL_ADDRS + NONCANONICAL[:2])
            return addr, rng.choice([0, PAGE, 2**20, rng.getrandbits(64)] + wrapping)
        if r < 0.93:
            return rng.choice([0, PAGE, 16]), rng.choice([0, PAGE, 0x100000] + wrapping)
        return HOLE + rng.randrange(0, 1000) * PAGE, rng.choice([0, PAGE, 2**30, 2**40] + wrapping)


# --- rules: the calls the fuzzer skips or steers, and why ---------------------------------
# Skipped outright: the call ends or replaces the process, or Linux would let it wreck
# the fuzzer with no kernel bug involved.
SKIP = {
    15: "rt_sigreturn: restores registers from a random 'signal frame' on the stack",
    59: "execve: replaces the process", 322: "execveat: replaces the process",
    60: "exit: ends the (only) thread", 231: "exit_group: ends the process",
    161: "chroot: the interpreter could no longer find its own modules",
    165: "mount", 166: "umount2", 155: "pivot_root: would move the root away",
    169: "reboot: ends the machine", 246: "kexec_load", 320: "kexec_file_load",
    167: "swapon", 168: "swapoff", 163: "acct",
    175: "init_module", 176: "delete_module", 313: "finit_module",
    317: "seccomp: a random filter kills the fuzzer at its next call",
    446: "landlock_restrict_self: would take away /tmp and the stdlib",
    311: "process_vm_writev: writes this process's memory at addresses found in scratch",
    153: "vhangup: hangs up the console",
}
# Fds 0-2 are the console the fuzzer reports on: calls that write to, close, replace or
# reconfigure a descriptor (O_NONBLOCK, terminal modes) never get 0-2 there.
PROTECTED_FD_ARGS = {
    1: [0], 18: [0], 20: [0], 296: [0], 328: [0],   # write, pwrite64, writev, pwritev, pwritev2
    3: [0], 33: [1], 292: [1],                     # close, dup2/dup3 onto
    16: [0], 72: [0],                              # ioctl (FIONBIO, TCSETS...), fcntl (F_SETFL...)
    40: [0], 275: [2], 276: [1], 326: [2],         # sendfile, splice, tee, copy_file_range: out
    48: [0], 44: [0], 46: [0], 307: [0],           # shutdown, sendto, sendmsg, sendmmsg
}
# kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal
SIGNAL_ARG = {62: 1, 200: 1, 234: 2, 129: 1, 297: 2, 424: 1}
SIGMASK_ARG = {130: 0, 271: 3, 281: 4, 441: 4}   # rt_sigsuspend, ppoll, epoll_pwait, epoll_pwait2
MEMORY_CALLS = {10: "mprotect", 11: "munmap", 26: "msync", 28: "madvise", 149: "mlock",
                150: "munlock", 216: "remap_file_pages", 325: "mlock2", 329: "pkey_mprotect",
                440: "process_madvise", 462: "mseal", 27: "mincore"}
# These write addresses of the interpreter's own memory into their buffers (the TLS
# pointer, the robust list, the alternate stack); the scratch area is wiped after them
# so no later call takes such an address for a buffer and writes through it.
WIPE_AFTER = {158, 157, 274, 131, 13}
# Process state the fuzzer restores after the call (see Process.restore).
RESTORE_AFTER = {14, 131, 160, 302, 37, 38, 95, 80, 81, 135, 13,
                 105, 106, 113, 114, 117, 119, 122, 123}
# Calls whose result is a count no larger than one argument: nr -> that argument.
COUNTED = {0: 2, 1: 2, 17: 2, 18: 2, 89: 2, 267: 3, 79: 1, 318: 1, 217: 2, 40: 3}


SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31


def alt_stack(rng: random.Random) -> bytes:
    """A stack_t for sigaltstack. One that enables an alternate stack names ALT_STACK: Python
    installs its handlers with SA_ONSTACK, so the timer's next SIGALRM runs there, and on a
    stack at a random address it cannot be delivered (the kernel kills the process, as
    Linux does: seed 3034). Disabling, refused flags and too-small sizes stay random."""
    flags = rng.choice([0, SS_ONSTACK, SS_DISABLE, SS_AUTODISARM, SS_AUTODISARM | SS_DISABLE,
                        4, rng.getrandbits(32)])
    sp, size = rng.getrandbits(64), rng.choice([0, 1, 2047, 2**31, rng.getrandbits(64)])
    enables = flags & ~SS_AUTODISARM in (0, SS_ONSTACK)
    if enables and size >= 2048:
        sp, size = ALT_STACK, rng.choice([ALT_STACK_SIZE, ALT_STACK_SIZE // 2])
    return struct.pack("<QiiQ", sp, flags - (1 << 32) if flags >= 1 << 31 else flags, 0, size)


def steer(nr: int, a: list[int], args: Args) -> str | None:
    """Makes the call safe for the fuzzer (in place); returns why it is skipped, or None."""
    rng = args.rng
    if nr in SKIP:
        return SKIP[nr]
    for pos in PROTECTED_FD_ARGS.get(nr, ()):
        if (a[pos] & 0xffffffff) in (0, 1, 2):
            a[pos] = args.res.pick(rng)
    if nr == 436 and (a[0] & 0xffffffff) <= 2:          # close_range: never stdio
        a[0] = rng.choice([3, 10, 2**31, 0xffffffff])
    if nr in SIGNAL_ARG:
        a[SIGNAL_ARG[nr]] = args.signal()
    if nr == 72 and (a[1] & 0xffffffff) == 10:          # fcntl F_SETSIG: only harmless signals
        a[2] = args.signal()
    pos = SIGMASK_ARG.get(nr)
    # A mask read from scratch, or from python's own read-only pages (whose bits may
    # block SIGALRM: rt_sigsuspend then waits for good, as on Linux; seed 3048), gets
    # SIGALRM cleared; other pointers stay, for EFAULT.
    readable = SCRATCH <= a[pos] < SCRATCH + SCRATCH_SIZE - 8 if pos is not None else False
    if pos is not None and READ_ONLY[0] <= a[pos] < READ_ONLY[-1] + PAGE:
        readable = True
    if pos is not None and readable:
        a[pos] = args.put(struct.pack("<Q", rng.getrandbits(64) & ~SIGALRM_BIT))
    if nr == 270 and a[5]:                              # pselect6: {sigset *, size}
        mask = args.put(struct.pack("<Q", rng.getrandbits(64) & ~SIGALRM_BIT))
        a[5] = args.put(struct.pack("<QQ", rng.choice([mask, mask, 0, HOLE]),
                                    rng.choice([8, 8, 0, 16])))
    if nr == 13:                                        # rt_sigaction
        s = a[0] & 0xffffffff
        if 1 <= s <= 64 and s not in INSTALLABLE:
            a[1] = 0                                    # only query these
        elif rng.random() < 0.5:
            handler = rng.choice([0, 1, rng.getrandbits(64), READ_ONLY[1]])
            a[1] = args.put(struct.pack("<QQQQ", handler, rng.getrandbits(32),
                                        rng.getrandbits(64), rng.getrandbits(64)))
        a[3] = rng.choice([8, 8, 8, a[3]])
    if nr == 131 and a[0] and rng.random() < 0.9:      # sigaltstack: a new stack
        a[0] = args.put(alt_stack(rng))
    if nr == 158 and (a[0] & 0xffffffff) == 0x1002:     # arch_prctl(ARCH_SET_FS): the TLS itself
        return "arch_prctl(ARCH_SET_FS): replaces the interpreter's thread-local storage"
    if nr == 157 and (a[0] & 0xffffffff) in (22, 35, 59, 26):
        return "prctl(PR_SET_SECCOMP/PR_SET_MM/PR_SET_SYSCALL_USER_DISPATCH/PR_SET_TSC)"
    if nr in (56, 435):                     # clone, clone3: a thread on a random stack dies
        if nr == 56:
            a[0] &= ~0x00010900                         # no CLONE_VM, CLONE_SIGHAND, CLONE_THREAD
        elif SCRATCH <= a[0] < SCRATCH + SCRATCH_SIZE - 8:
            flags = rng.getrandbits(64) & ~0x00010900
            a[0] = args.put(struct.pack("<Q", flags) + rng.randbytes(80))
    if nr == 222 and a[1]:                              # timer_create: NULL sigevent means SIGALRM
        a[1] = rng.choice([0, HOLE, KERNEL_ADDRS[0]])
    if nr == 12:                                        # brk: never below the current break
        cur = raw(12, 0)
        a[0] = rng.choice([0, cur, cur + PAGE * rng.randrange(1, 64), rng.choice(KERNEL_ADDRS),
                           HOLE, M64])
    if nr in MEMORY_CALLS or nr == 25 or (nr == 9 and a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)):
        a[0], a[1] = args.memory_range()
        if nr == 28 and rng.random() < 0.5:
            a[2] = rng.choice([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 14, 15, 16, 17, 20, 21, 22, 100])
    if nr == 25 and a[3] & 2:                           # mremap(MREMAP_FIXED): the target too
        a[4], _ = args.memory_range()
    if nr == 9 and rng.random() < 0.5:                  # mmap: mostly anonymous or one of our files
        a[3] = (a[3] & ~0xff) | rng.choice([0x22, 0x21, 0x02, 0x01, 0x03]) | (a[3] & MAP_FIXED)
        a[4] = M64 if a[3] & 0x20 else args.res.pick(rng)
        if not a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE):
            a[1] = rng.choice([PAGE, 2 * PAGE, 2**20, 2**30, 2**40, a[1]])
    if nr == 30:                                        # shmat: the address is a memory range's
        a[1], _ = args.memory_range()
    # Credentials: root may drop every id for good (setuid), after which the fuzzer could not
    # clean up its files; the saved id stays 0 here, so Process.restore gets root back.
    if nr in (105, 106):
        a[0] = rng.choice([0, 0xffffffff, 2**32, M64])
    if nr in (113, 114):
        a[1] = rng.choice([0, 0xffffffff])
    if nr in (117, 119):
        a[2] = rng.choice([0, 0xffffffff])
    if nr == 101 and (a[0] & 0xffffffff) in (16, 0x4206, 0x4207):  # attach, seize, interrupt
        return "ptrace(PTRACE_ATTACH/SEIZE/INTERRUPT): would stop the process"
    return None


# --- the process state the fuzzer keeps sane ----------------------------------------------
class Process:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.ticks = 0
        self.mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        self.cwd = FUZZ_DIR
        self.umask = os.umask(0o022)
        import resource
        self.resource = resource
        self.limits = {r: resource.getrlimit(r) for r in range(16)}

    def start(self) -> None:
        for s in IGNORED_BY_US:
            signal.signal(s, signal.SIG_IGN)
        signal.signal(signal.SIGALRM, self._tick)
        signal.setitimer(signal.ITIMER_REAL, self.interval, self.interval)

    def _tick(self, signum: int, frame: object) -> None:
        self.ticks += 1

    def restore(self, nr: int) -> None:
        if nr in (14, 13):
            signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)
        if nr == 13:
            for s in IGNORED_BY_US:
                signal.signal(s, signal.SIG_IGN)
        if nr == 131:
            raw(131, ctypes.addressof(DISABLED_STACK), 0)
        if nr in (160, 302):
            for r, lim in self.limits.items():
                try:
                    self.resource.setrlimit(r, lim)
                except (OSError, ValueError):
                    pass
        if nr in (37, 38):
            signal.setitimer(signal.ITIMER_REAL, self.interval, self.interval)
        if nr == 95:
            os.umask(0o022)
        if nr in (80, 81):
            os.chdir(self.cwd)
        if nr == 135:
            raw(135, 0)
        if nr in (105, 106, 113, 114, 117, 119, 122, 123):
            raw(117, 0, 0, 0)
            raw(119, 0, 0, 0)
            raw(122, 0)
            raw(123, 0)


DISABLED_STACK = ctypes.create_string_buffer(struct.pack("<QiiQ", 0, 2, 0, 0), 24)  # SS_DISABLE


# --- the run --------------------------------------------------------------------------------
class Failure(Exception):
    pass


def describe(nr: int, a: list[int]) -> str:
    return f"{nr}({', '.join(hex(x) for x in a)})"


def probe(args: Args, proc: Process) -> list[int]:
    """Calls every number once with all arguments -1 (steered as usual): those that do not
    answer ENOSYS are implemented and get most of the calls."""
    implemented = []
    for nr in range(0, 470):
        a = [M64] * 6
        if steer(nr, a, args) is not None:
            continue
        r = raw(nr, *a)
        cleanup_after(nr, a, r, proc)
        if r != -errno.ENOSYS:
            implemented.append(nr)
    return implemented


def cleanup_after(nr: int, a: list[int], r: int, proc: Process) -> None:
    if nr in RESTORE_AFTER:
        proc.restore(nr)
    if nr in WIPE_AFTER:
        ctypes.memset(SCRATCH, 0, SCRATCH_SIZE)
    # New mappings outside the victim area go right away, or they would pile up and leave
    # no room for the interpreter's own.
    in_victim = VICTIM <= r < VICTIM + VICTIM_SIZE
    if nr in (9, 25) and 0 <= r < HOLE_END and r % PAGE == 0 and not in_victim:
        raw(11, r, (a[1] if nr == 9 else a[2]) & ~(PAGE - 1) or PAGE)


def check_result(nr: int, a: list[int], r: int) -> None:
    """Answers no Linux gives: an errno above 133 (the kernel's internal ERESTART*, ENOIOCTLCMD
    leaking out), a count above what was asked for, a mapping outside the app's half."""
    if -4096 < r < -133:
        raise Failure(f"errno {-r} is not a Linux errno (an internal code leaked)")
    if nr in COUNTED and r > (a[COUNTED[nr]] & M64) and r >= 0:
        raise Failure(f"returned {r}, more than the {a[COUNTED[nr]]} asked for")
    if nr in (9, 25) and r >= 0:
        if r % PAGE or r >= 0x00007ffffffff000:
            raise Failure(f"a mapping at {r:#x}")
        fixed = (nr == 9 and a[3] & MAP_FIXED) or (nr == 25 and a[3] & 2)
        want = a[0] if nr == 9 else a[4]
        if fixed and r != want:
            raise Failure(f"a fixed mapping at {r:#x}, not at {want:#x}")


def sanity(tag: str) -> str:
    """A workload whose answer is fixed: hashlib, json, threads and a file round trip."""
    data = json.dumps({"tag": "sanity", "values": [i * i for i in range(2000)],
                       "nested": {"s": "héllo" * 50}}, sort_keys=True).encode()
    digests = [hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()]
    results = [0] * 4

    def work(i: int) -> None:
        results[i] = sum(x * x for x in range(i * 10000, (i + 1) * 10000)) % 1000003

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    path = f"/tmp/sanity-{tag}"
    with open(path, "wb") as f:
        f.write(data * 20)
    with open(path, "rb") as f:
        back = f.read()
    os.unlink(path)
    if back != data * 20 or json.loads(back[:len(data)]) != json.loads(data):
        raise Failure("sanity: the file round trip in /tmp came back different")
    return hashlib.sha256(repr((digests, results)).encode()).hexdigest()[:16]


def load_signatures(path: str = "/fuzz/signatures.txt") -> dict[int, str]:
    """The kernel's argument kinds, when the image has them (tools/fuzz/signatures.py)."""
    try:
        with open(path) as f:
            return {int(nr): kinds.strip("-") for nr, kinds in (line.split() for line in f)}
    except OSError:
        return {}


def main() -> int:
    seed, calls = int(sys.argv[1]), int(sys.argv[2])
    echo = "--echo" in sys.argv
    rng = random.Random(seed)
    # Memory set aside before the run, checked after it: the kernel must not have written here.
    keep = bytes(random.Random(seed ^ 0x5eed).randbytes(1 << 20))
    keep_digest = hashlib.sha256(keep).hexdigest()
    before = sanity("before")
    cleanup_fuzz_dir()
    os.makedirs(FUZZ_DIR, exist_ok=True)
    os.chdir(FUZZ_DIR)
    map_fixed(VICTIM, VICTIM_SIZE)
    map_fixed(SCRATCH, SCRATCH_SIZE)
    map_fixed(ALT_STACK, ALT_STACK_SIZE)
    res = Resources()
    res.open_all()
    own = OwnMemory()
    own.refresh()
    args = Args(rng, res)
    proc = Process(interval=0.02)
    proc.start()
    implemented = probe(args, proc)
    print(f"probe: {len(implemented)} implemented: {' '.join(map(str, implemented))}", flush=True)
    sigs = load_signatures()
    print(f"signatures: {len(sigs)} calls with argument kinds", flush=True)
    numbers = implemented * 20 + list(range(0, 470)) + [470, 512, 1000, 2**30 + 1, 0x40000000, M64]
    ring: collections.deque[str] = collections.deque(maxlen=24)
    errnos: collections.Counter[str] = collections.Counter()
    made = skipped = 0
    i = 0
    try:
        for i in range(calls):
            if i % 1000 == 0 and i:
                if echo:
                    print("call (the fuzzer's own: close, clean /tmp/fuzz, reopen)", flush=True)
                os.closerange(3, 1 << 16)   # descriptors made by calls would fill the table
                cleanup_fuzz_dir()
                res.open_all()
                map_fixed(VICTIM, VICTIM_SIZE)
                own.refresh()
                print(f"progress: {i} calls, {skipped} skipped, timer ticks {proc.ticks}",
                      flush=True)
            nr = rng.choice(numbers)
            args.start_call()
            kinds = sigs.get(nr, "")
            a = [own.steer(args.of_kind(kinds[k]) if k < len(kinds) else args.any())
                 for k in range(6)]
            why = steer(nr, a, args)
            if why is not None:
                skipped += 1
                continue
            line = f"#{i} {describe(nr, a)}"
            ring.append(line)
            if echo:
                print("call", line, flush=True)
            r = raw(nr, *a)
            ring[-1] = f"{line} = {r}"
            made += 1
            errnos["ok" if r >= 0 else errno.errorcode.get(-r, str(-r))] += 1
            check_result(nr, a, r)
            cleanup_after(nr, a, r, proc)
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        os.chdir("/")
        os.closerange(3, 1 << 16)
        if hashlib.sha256(keep).hexdigest() != keep_digest:
            raise Failure("memory set aside before the run changed")
        after = sanity("after")
        if after != before:
            raise Failure(f"sanity digest {after} after the run, {before} before")
    except BaseException as e:  # noqa: BLE001 - any failure, reported with the last calls
        # (At exit Python puts SIG_DFL back for SIGALRM: a tick then would kill the process.)
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        print(f"FUZZ FAILURE: seed={seed} at call #{i}: {type(e).__name__}: {e}", flush=True)
        print("last calls (nr(args) = result):", flush=True)
        for line in ring:
            print("  " + line, flush=True)
        return 1
    top = " ".join(f"{k}:{v}" for k, v in errnos.most_common(8))
    print(f"fuzz done: seed={seed} calls={made} skipped={skipped} ticks={proc.ticks} "
          f"results {top} sanity={after}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
