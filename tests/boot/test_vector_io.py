"""File operations take a buffer object (kernel/mm/iov_iter.h) instead of a raw pointer
plus a global "kernel pointers allowed" flag (issue 12, bug 1): readv/writev move the
whole vector in one operation, as Linux does, and no app pointer into the kernel's half
is ever taken for a kernel buffer, not even while another thread is blocked inside a
kernel-internal copy (splice)."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_writev_and_readv_on_datagram_sockets_are_one_datagram(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import os, socket

        def drained(s):
            s.setblocking(False)
            try:
                return f"left {s.recv(100)!r}"
            except BlockingIOError:
                return "none left"
            finally:
                s.setblocking(True)

        def datagrams(a, b):
            print(os.writev(a.fileno(), [b"ab", b"", b"cd", b"ef"]), b.recv(100), drained(b))
            a.sendmsg([b"gh", b"ij"])
            print(b.recv(100), drained(b))
            # One datagram spread over the vectors; what does not fit is lost.
            a.send(b"0123456789")
            x, y = bytearray(3), bytearray(4)
            print(os.readv(b.fileno(), [x, y]), bytes(x), bytes(y), drained(b))
            a.send(b"klmno")
            x, y = bytearray(2), bytearray(10)
            print(b.recvmsg_into([x, y])[0], bytes(x), bytes(y), drained(b))

        for kind in (socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
            datagrams(*socket.socketpair(socket.AF_UNIX, kind))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        v.connect(u.getsockname())
        datagrams(v, u)
    """)


def test_readv_returns_what_a_pipe_holds_without_waiting_for_more(same_as_host: SameAsHost) -> None:
    # Segment by segment, the second segment's read would wait for data that never comes.
    same_as_host("""
        import os, signal
        signal.signal(signal.SIGALRM, lambda *a: print("the readv blocked"))
        signal.alarm(5)
        r, w = os.pipe()
        os.write(w, b"abc")
        x, y = bytearray(3), bytearray(8)
        print(os.readv(r, [x, y]), bytes(x), bytes(y))
        print(os.writev(w, [b"12", b"345"]), os.read(r, 100))
        signal.alarm(0)
    """)


def test_kernel_copies_between_descriptors_reach_sockets_and_pipes(
        same_as_host: SameAsHost) -> None:
    # sendfile and splice copy through a kernel buffer into and out of socket and
    # pipe operations: the buffer is kernel memory there, and says so.
    same_as_host("""
        import os, socket
        data = bytes(range(256)) * 300
        with open("/tmp/data", "wb") as f:
            f.write(data)
        a, b = socket.socketpair()
        fd = os.open("/tmp/data", os.O_RDONLY)
        print(os.sendfile(a.fileno(), fd, 0, 5000), os.sendfile(a.fileno(), fd, 76000, 1000))
        got = b""
        while len(got) < 5800:
            got += b.recv(65536)
        print(len(got), got == data[:5000] + data[76000:])
        r, w = os.pipe()
        a.send(b"through a pipe")
        print(os.splice(b.fileno(), w, 100), os.read(r, 100))
        d1, d2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        os.write(w, b"one datagram")
        print(os.splice(r, d1.fileno(), 100), d2.recv(100))
    """)


def test_no_thread_sends_kernel_memory_while_another_is_blocked_in_splice(boot: Boot) -> None:
    # While the helper thread waits inside splice (a pipe read into the kernel's own
    # buffer), the main thread hands send() addresses in the kernel's half: before
    # the iov_iter, a global flag let them through and the peer got kernel memory.
    r = boot("""
        import ctypes, os, socket, threading, time
        libc = ctypes.CDLL(None, use_errno=True)
        r, w = os.pipe()
        out = os.open("/tmp/out", os.O_WRONLY | os.O_CREAT, 0o600)
        t = threading.Thread(target=lambda: print("spliced", os.splice(r, out, 10)))
        t.start()
        time.sleep(0.5)
        a, b = socket.socketpair()
        for addr in (0xffffffff80000000, 0xffff800000000000):
            n = libc.send(a.fileno(), ctypes.c_void_p(addr), 64, 0)
            print(hex(addr), n, os.strerror(ctypes.get_errno()) if n < 0 else "")
        os.write(w, b"go")
        t.join()
        b.setblocking(False)
        try:
            print("the peer got", len(b.recv(1000)), "bytes")
        except BlockingIOError:
            print("the peer got nothing")
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "0xffffffff80000000 -1 Bad address",
        "0xffff800000000000 -1 Bad address",
        "spliced 2",
        "the peer got nothing",
    ], r.stdout
