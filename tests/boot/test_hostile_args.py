"""Hostile syscall arguments (issue 12): wrapping sizes, offsets, addresses and descriptor
numbers get Linux's answer and leave the kernel and the app intact. Each app runs on the
host too (same_as_host), so the expected output is what Linux answers."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost

# Raw syscalls through ctypes: every argument goes in as a full 64-bit register, so the
# kernel sees exactly the hostile value (Python's own wrappers would refuse most of them).
PRELUDE = """
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
M64 = 2**64 - 1

def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & M64) for a in args])
    return -ctypes.get_errno() if r == -1 and ctypes.get_errno() else r

def res(r):
    return errno.errorcode[-r] if -4096 < r < 0 else "ok"

def show(what, r):
    print(what, res(r), flush=True)
"""

SYS_mmap, SYS_mprotect, SYS_munmap, SYS_brk, SYS_mremap, SYS_msync, SYS_madvise = 9, 10, 11, 12, 25, 26, 28


def app(body: str) -> str:
    return PRELUDE + body


def test_mremap_never_maps_outside_the_app_half_and_a_failed_mremap_keeps_the_old_mapping(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(app("""
RW, PRIV_ANON = 3, 0x22
MAYMOVE, FIXED = 1, 2
p = sc(9, 0, 8192, RW, PRIV_ANON, M64, 0)
ctypes.memset(p, 0x5a, 8192)

def intact(what):
    print(what, "old mapping intact:", ctypes.string_at(p, 8192) == b"\\x5a" * 8192, flush=True)

show("wrapping new_addr + new_len", sc(25, p, 4096, 8192, MAYMOVE | FIXED, 2**64 - 4096))
show("into the kernel half", sc(25, p, 4096, 1 << 47, MAYMOVE | FIXED, 0xffffffff80000000))
show("onto the kernel image", sc(25, p, 4096, 4096, MAYMOVE | FIXED, 0xffffffff80000000))
show("onto the direct map", sc(25, p, 4096, 4096, MAYMOVE | FIXED, 0xffff800000000000))
show("into the non-canonical hole", sc(25, p, 4096, 4096, MAYMOVE | FIXED, 0x0000800000000000))
show("ending just past the top", sc(25, p, 4096, 8192, MAYMOVE | FIXED, 0x7ffffffff000 - 4096))
intact("after FIXED")
show("new_len 2**64-1", sc(25, p, 8192, M64, 0))
show("new_len 2**64-1, may move", sc(25, p, 8192, M64, MAYMOVE))
show("new_len 2**63", sc(25, p, 8192, 2**63, MAYMOVE))
show("old_len 2**64-1", sc(25, p, M64, 4096, 0))
show("old_len past the area", sc(25, p, 2**63, 4096, 0))
show("unaligned old", sc(25, p + 1, 4096, 4096, 0))
intact("after sizes")
show("munmap 2**64-1 bytes", sc(11, p, M64))
show("munmap across the top", sc(11, p, 2**47))
show("mprotect 2**64-1 bytes", sc(10, p, M64, 1))
# (Not "mprotect across the top": Linux changes the areas up to the first hole before it
# fails, which would make the interpreter's own data read-only.)
show("madvise 2**64-1 bytes", sc(28, p, M64, 4))
show("madvise across the top (MADV_NORMAL)", sc(28, p, 2**47, 0))
show("msync 2**64-1 bytes", sc(26, p, M64, 1))
show("msync across the top", sc(26, p, 2**47, 1))
show("mmap 2**64-1 bytes", sc(9, 0, M64, RW, PRIV_ANON, M64, 0))
show("mmap FIXED in the kernel half", sc(9, 0xffffffff80000000, 4096, RW, PRIV_ANON | 0x10, M64, 0))
show("mmap FIXED wrapping", sc(9, 2**64 - 4096, 8192, RW, PRIV_ANON | 0x10, M64, 0))
show("mmap offset wrapping", sc(9, 0, 8192, RW, PRIV_ANON, M64, 2**64 - 4096))
intact("after the other calls")

# A good move still works: the pages arrive, the old range is gone.
q = sc(9, 0, 8192, RW, PRIV_ANON, M64, 0)
moved = sc(25, p, 8192, 8192, MAYMOVE | FIXED, q)
print("moved to the target:", moved == q, ctypes.string_at(q, 8192) == b"\\x5a" * 8192)
show("the old range after the move (msync)", sc(26, p, 4096, 1))
print("still running:", sum(range(100000)))
"""))
    assert "into the kernel half EINVAL" in r.stdout
    assert "new_len 2**64-1 EINVAL" in r.stdout
    assert "old mapping intact: False" not in r.stdout


def test_descriptor_numbers_from_2_to_the_31_up_are_refused_as_linux_refuses_them(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(app("""
import resource, time
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
F_DUPFD, F_GETFD, F_DUPFD_CLOEXEC = 0, 1, 1030
fd = os.open("/dev/null", os.O_RDONLY)
for arg in [0x80000000, 0x80000001, 0xfffffff0, 0xffffffff, 2**31 - 1, 1024, 2**64 - 1]:
    show(f"F_DUPFD {arg:#x}", sc(72, fd, F_DUPFD, arg))
    show(f"F_DUPFD_CLOEXEC {arg:#x}", sc(72, fd, F_DUPFD_CLOEXEC, arg))
# Linux takes the argument as an unsigned int: the upper half of the register is dropped.
for arg in [2**32 + 10, 2**63 + 10]:
    r = sc(72, fd, F_DUPFD, arg)
    print(f"F_DUPFD {arg:#x}", res(r), r >= 10)
    if r >= 0:
        os.close(r)
r = sc(72, fd, F_DUPFD, 1023)
print("F_DUPFD 1023", res(r), r)
for newfd in [0x80000000, 0xffffffff, 2**31 - 1, 1024, 2**32 + 1024]:
    show(f"dup2 to {newfd:#x}", sc(33, fd, newfd))
    show(f"dup3 to {newfd:#x}", sc(292, fd, newfd, 0))
show("dup2 from 0x80000000", sc(33, 0x80000000, 5))
show("dup3 onto itself", sc(292, fd, fd, 0))
print("dup2 onto itself", sc(33, fd, fd) == fd)

start = time.monotonic()
show("close_range(0x80000000, 0xffffffff)", sc(436, 0x80000000, 0xffffffff, 0))
show("close_range(0xffffffff, 0xffffffff)", sc(436, 0xffffffff, 0xffffffff, 0))
show("close_range(5, 4)", sc(436, 5, 4, 0))
print("at once:", time.monotonic() - start < 5)
print("stdio still open:", [res(sc(72, n, F_GETFD)) for n in (0, 1, 2)], "fd", res(sc(72, fd, F_GETFD)))
show("close_range(1000, 0xffffffff) closes 1023", sc(436, 1000, 0xffffffff, 0))
show("1023 afterwards", sc(72, 1023, F_GETFD))
print("at once:", time.monotonic() - start < 5)
print("still running:", sum(range(100000)))
"""))
    assert "F_DUPFD 0x80000000 EINVAL" in r.stdout
    assert "close_range(0x80000000, 0xffffffff) ok" in r.stdout


def test_a_control_message_with_a_huge_cmsg_len_is_einval_on_unix_udp_and_tcp(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(app("""
import socket, struct

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]

data = ctypes.create_string_buffer(b"payload")
iov = iovec(ctypes.cast(data, ctypes.c_void_p), 7)

def send(sock, control):
    ctl = ctypes.create_string_buffer(control, len(control))
    m = msghdr(None, 0, ctypes.pointer(iov), 1, ctypes.cast(ctl, ctypes.c_void_p), len(control), 0)
    return sc(46, sock.fileno(), ctypes.addressof(m), 0)

def cmsg(length, level, kind, payload=b""):
    return struct.pack("=Qii", length, level, kind) + payload

SOL_SOCKET, SCM_RIGHTS, IPPROTO_IP, IP_TOS = 1, 1, 0, 1
one_fd = struct.pack("=i", 0) + bytes(4)
cases = {
    "2**64-1": cmsg(M64, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "2**64-8": cmsg(2**64 - 8, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "2**63": cmsg(2**63, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "2**32+20": cmsg(2**32 + 20, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "controllen+1": cmsg(25, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "0": cmsg(0, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "15": cmsg(15, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "second one huge": cmsg(20, SOL_SOCKET, SCM_RIGHTS, one_fd) + cmsg(M64, SOL_SOCKET, SCM_RIGHTS, one_fd),
    "IP level 2**64-1": cmsg(M64, IPPROTO_IP, IP_TOS, one_fd),
    "no room for a header": struct.pack("=Q", M64),
}

def pairs():
    yield "unix stream", socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    yield "unix dgram", socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.connect(u.getsockname())
    yield "udp", (u, u)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    c = socket.create_connection(srv.getsockname())
    a, _ = srv.accept()
    yield "tcp", (c, a)

for kind, (tx, rx) in pairs():
    for what, control in cases.items():
        show(f"{kind}, cmsg_len {what}:", send(tx, control))
    # The socket still works: a plain message goes through.
    print(kind, "still sends:", send(tx, b"") == 7, rx.recv(100)[:7])
print("still running:", sum(range(100000)))
"""))
    assert "unix stream, cmsg_len 2**64-1: EINVAL" in r.stdout
    assert "tcp, cmsg_len 2**64-8: EINVAL" in r.stdout


# Linux's tmpfs is /dev/shm on the host; the guest's /tmp is a tmpfs.
TMPFS = """
base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else "/tmp"
path = os.path.join(base, f"hostile-{os.getpid()}")
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.unlink(path)
"""


def test_brk_past_the_top_returns_the_break_and_file_offsets_past_2_to_the_63_fail_as_on_linux(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(app(TMPFS + """
cur = sc(12, 0)
for v in [M64, 2**64 - 4096, 2**63, 0xffffffff80000000, 0x800000000000, 0x7ffffffff000]:
    print(f"brk({v:#x}) gives the current break:", sc(12, v) == cur)
print("brk grows:", sc(12, cur + 65536) == cur + 65536)
ctypes.memset(cur, 1, 65536)
print("and shrinks back:", sc(12, cur) == cur)
junk = [bytes(1000) for _ in range(20000)]
print("the interpreter keeps running:", len(junk), sum(range(100000)))

buf = ctypes.create_string_buffer(b"xy")
def pwrite(n, off): return sc(18, fd, ctypes.addressof(buf), n, off)
def pread(n, off): return sc(17, fd, ctypes.addressof(buf), n, off)
show("pwrite 1 at 2**63-1", pwrite(1, 2**63 - 1))
show("pwrite 2 at 2**63-2", pwrite(2, 2**63 - 2))
show("pwrite 2**63 bytes", pwrite(2**63, 0))
show("pwrite 2**64-1 bytes", pwrite(M64, 0))
show("pwrite at -1", pwrite(1, M64))
print("pwrite 1 at 2**63-2:", pwrite(1, 2**63 - 2), "st_size", os.fstat(fd).st_size)
show("pread 10 at 2**63-1", pread(10, 2**63 - 1))
print("pread 1 at 2**63-2:", pread(1, 2**63 - 2), buf.raw[:1])
show("pread 2**63 bytes", pread(2**63, 0))
print("lseek to 2**63-1:", os.lseek(fd, 2**63 - 1, os.SEEK_SET) == 2**63 - 1)
show("write at position 2**63-1", sc(1, fd, ctypes.addressof(buf), 1))
show("read at position 2**63-1", sc(0, fd, ctypes.addressof(buf), 1))
show("lseek past 2**63-1", sc(8, fd, 1, os.SEEK_END))
show("ftruncate -1", sc(77, fd, M64))
show("fallocate wrapping", sc(285, fd, 0, 2**63 - 4096, 8192))
show("fallocate at -1", sc(285, fd, 0, M64, 1))
show("fallocate 0 bytes", sc(285, fd, 0, 0, 0))
os.ftruncate(fd, 0)
os.lseek(fd, 0, os.SEEK_SET)
os.write(fd, b"hello")

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
vec = (iovec * 2)(iovec(ctypes.addressof(buf), 2), iovec(ctypes.addressof(buf), 2**63))
show("pwritev with a 2**63 segment", sc(296, fd, ctypes.addressof(vec), 2, 0))
show("writev with a 2**63 segment", sc(20, fd, ctypes.addressof(vec), 2))
vec[1].len = 1
show("pwritev ending past 2**63-1", sc(296, fd, ctypes.addressof(vec), 2, 2**63 - 3))
print("nothing was written:", os.pread(fd, 100, 0), os.fstat(fd).st_size)

out = os.open(os.path.join(base, f"hostile-out-{os.getpid()}"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.unlink(os.path.join(base, f"hostile-out-{os.getpid()}"))
off = ctypes.c_int64(2**63 - 1)
show("sendfile 10 from 2**63-1", sc(40, out, fd, ctypes.addressof(off), 10))
off_out = ctypes.c_int64(2**63 - 1)
off_in = ctypes.c_int64(0)
show("copy_file_range to 2**63-1", sc(326, fd, ctypes.addressof(off_in), out, ctypes.addressof(off_out), 5, 0))
off_in.value = 2**63 - 1
show("copy_file_range 2**63 bytes", sc(326, fd, ctypes.addressof(off_in), out, 0, 2**63, 0))
show("copy_file_range 2**64-1 bytes", sc(326, fd, 0, out, 0, M64, 0))
print("copy_file_range from the start:", os.copy_file_range(fd, out, 100, 0, 0), os.pread(out, 10, 0))
"""))
    assert "brk(0xffffffffffffffff) gives the current break: True" in r.stdout
    assert "pwrite 1 at 2**63-1 EINVAL" in r.stdout


def test_a_failed_fallocate_of_a_tebibyte_gives_back_every_page(same_as_host: SameAsHost) -> None:
    r = same_as_host(app(TMPFS + """
def available():
    with open("/proc/meminfo") as f:
        return next(int(l.split()[1]) << 10 for l in f if l.startswith("MemAvailable:"))

before = available()
for attempt in range(3):
    try:
        os.posix_fallocate(fd, 0, 2**40)
        print("fallocate of 1 TiB worked")
    except OSError as e:
        print("fallocate of 1 TiB:", errno.errorcode[e.errno])
    show("fallocate KEEP_SIZE of 1 TiB", sc(285, fd, 1, 0, 2**40))
after = available()
print("size unchanged:", os.fstat(fd).st_size)
print("memory given back:", after > before - (32 << 20), flush=True)
# The app can allocate normally afterwards: a third of what is available, touched.
block = bytearray(min(after // 3, 256 << 20))
block[::4096] = b"\\x01" * len(block[::4096])
print("allocated and touched:", sum(block[::4096]) == len(block[::4096]))
os.posix_fallocate(fd, 0, 1 << 20)
print("a small fallocate works:", os.fstat(fd).st_size)
"""))
    assert "fallocate of 1 TiB: ENOSPC" in r.stdout
    assert "memory given back: True" in r.stdout


def test_a_fallocate_that_runs_out_of_memory_midway_gives_back_what_it_took(boot: Boot) -> None:
    # Guest only: on the host this would take real memory. Slightly more than is free
    # passes the kernel's quick bound, so pages are taken until memory runs out; Linux's
    # answer for a tmpfs that runs out of room is ENOSPC.
    r = boot(app(TMPFS + """
def available():
    with open("/proc/meminfo") as f:
        return next(int(l.split()[1]) << 10 for l in f if l.startswith("MemAvailable:"))

before = available()
try:
    os.posix_fallocate(fd, 0, before + (16 << 20))
    print("fallocate worked")
except OSError as e:
    print("fallocate past free memory:", errno.errorcode[e.errno])
after = available()
print("memory given back:", after > before - (8 << 20), before >> 20, after >> 20)
block = bytearray(after // 3)
block[::4096] = b"\\x01" * len(block[::4096])
print("allocated and touched:", sum(block[::4096]) == len(block[::4096]))
"""))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "fallocate past free memory: ENOSPC" in r.stdout
    assert "memory given back: True" in r.stdout, r.stdout
    assert "allocated and touched: True" in r.stdout


def test_iovec_lengths_that_add_up_past_2_to_the_64_get_linux_answers_on_sockets_and_files(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(app("""
import socket

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]

def sendmsg(sock, lens):
    vec = (iovec * len(lens))(*[iovec(None, n) for n in lens])
    m = msghdr(None, 0, vec, len(lens), None, 0, 0)
    return sc(46, sock.fileno(), ctypes.addressof(m), 0)

# Four segments of 2**62 add up to 2**64, which wraps to 0 unless the lengths are cut.
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    b.setblocking(False)
    show(f"{kind.name}: four segments of 2**62 from NULL", sendmsg(a, [2**62] * 4))
    show(f"{kind.name}: 2**63-1 twice from NULL", sendmsg(a, [2**63 - 1] * 2))
    show(f"{kind.name}: a negative one", sendmsg(a, [1, 2**63]))
    try:
        print("nothing arrived:", b.recv(10))
    except BlockingIOError:
        print("nothing arrived: EAGAIN")
null = os.open("/dev/null", os.O_WRONLY)
vec = (iovec * 4)(*[iovec(None, 2**62)] * 4)
show("writev to /dev/null, four segments of 2**62", sc(20, null, ctypes.addressof(vec), 4))
vec[3].len = 2**63
show("writev to /dev/null, and a negative one", sc(20, null, ctypes.addressof(vec), 4))
print("still running:", sum(range(100000)))
"""))
    assert "SOCK_STREAM: four segments of 2**62 from NULL EFAULT" in r.stdout
