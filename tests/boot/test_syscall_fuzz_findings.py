"""Kernel bugs the in-guest syscall fuzzer (tools/fuzz/syscall_app.py) found, one test each,
pinned to what Linux answers. Some of these calls would be unsafe on the host (kill(-1)
signals every process of the user there), so they run in the guest only."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost

PRELUDE = """
import ctypes, errno, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & (2**64 - 1)) for a in args])
    return errno.errorcode[ctypes.get_errno()] if r == -1 else r
"""


def test_kill_minus_one_signals_every_other_process_so_none_and_never_the_caller(
        boot: Boot) -> None:
    # Linux's kill(-1, sig) skips init and the caller's own thread group; a lone process
    # gets ESRCH. (Found as kill(0x7fffffffffffffff, 0x100000009): pid and signal are ints.)
    r = boot(PRELUDE + """
got = []
signal.signal(signal.SIGUSR1, lambda *_: got.append("USR1"))
print("kill(-1, SIGUSR1)", sc(62, -1, signal.SIGUSR1), got)
print("kill(-1, 0)", sc(62, -1, 0))
print("kill(-1, 65)", sc(62, -1, 65))
print("kill(-1 as a long, SIGKILL as a long)", sc(62, 0x7fffffffffffffff, 0x100000009))
print("kill(0, SIGUSR1)", sc(62, 0, signal.SIGUSR1), got)
print("kill(getpid(), SIGUSR1)", sc(62, os.getpid(), signal.SIGUSR1), got)
print("still alive")
""")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "kill(-1, SIGUSR1) ESRCH []",
        "kill(-1, 0) ESRCH",
        "kill(-1, 65) EINVAL",
        "kill(-1 as a long, SIGKILL as a long) ESRCH",
        "kill(0, SIGUSR1) 0 ['USR1']",
        "kill(getpid(), SIGUSR1) 0 ['USR1', 'USR1']",
        "still alive",
    ]


def test_sendmmsg_sends_many_messages_through_one_socket_lookup(same_as_host: SameAsHost) -> None:
    # It looked the socket up once per message, holding a file each time: the fifth
    # message panicked the kernel ("a syscall holds more than 4 files").
    same_as_host(PRELUDE + """
import struct
pair = (ctypes.c_int * 2)()
assert sc(53, 1, 2, 0, ctypes.addressof(pair)) == 0    # socketpair(AF_UNIX, SOCK_DGRAM)
data = ctypes.create_string_buffer(b"m" * 16)
iov = ctypes.create_string_buffer(struct.pack("<QQ", ctypes.addressof(data), 16))
one = struct.pack("<QIxxxxQQQQi4xII", 0, 0, ctypes.addressof(iov), 1, 0, 0, 0, 0, 0)
vec = ctypes.create_string_buffer(one * 25)
print("sendmmsg of 25", sc(307, pair[0], ctypes.addressof(vec), 25, 0))
lens = [struct.unpack_from("<I", vec, i * len(one) + 56)[0] for i in range(25)]
print("lengths", set(lens))
print("received", sum(len(os.read(pair[1], 100)) for _ in range(25)))
print("sendmmsg on a bad fd, no messages", sc(307, 1000, 0, 0, 0))
print("sendmmsg on a bad fd, bad vector", sc(307, 1000, 0x10, 1, 0))
print("sendmsg on a bad fd, bad header", sc(46, 1000, 0x10, 0))
print("sendmsg on a socket, bad header", sc(46, pair[0], 0x10, 0))
""")
