"""Signal-driven I/O as on Linux: O_ASYNC with F_SETOWN/F_SETOWN_EX sends SIGIO when a pipe,
socket or terminal becomes ready, F_SETSIG picks another signal with si_code and si_band, and a
regular file takes O_ASYNC and never signals."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_o_async_signals_readiness_of_pipes_and_sockets(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import errno, fcntl, os, select, signal, socket, tempfile

        F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX = 10, 11, 15, 16
        got = []
        signal.signal(signal.SIGIO, lambda s, f: got.append(s))

        def attempt(what, fn):
            try:
                print(what, fn())
            except OSError as e:
                print(what, errno.errorcode[e.errno])

        def make_async(fd, owner=os.getpid()):
            fcntl.fcntl(fd, fcntl.F_SETOWN, owner)
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)

        def check(what, action):
            got.clear()
            action()
            print(what, "SIGIO" if got else "nothing")

        r, w = os.pipe()
        check("pipe write, no O_ASYNC", lambda: os.write(w, b"x"))
        os.read(r, 10)
        fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)
        check("pipe write, O_ASYNC but no owner", lambda: os.write(w, b"x"))
        os.read(r, 10)
        make_async(r)
        print("getown is pid", fcntl.fcntl(r, fcntl.F_GETOWN) == os.getpid(),
              "O_ASYNC in F_GETFL", bool(fcntl.fcntl(r, fcntl.F_GETFL) & os.O_ASYNC))
        check("pipe write -> reader", lambda: os.write(w, b"x"))
        os.read(r, 10)
        # The writer: signalled when room comes back after the pipe was full.
        make_async(w)
        os.set_blocking(w, False)
        try:
            while True:
                os.write(w, b"y" * 4096)
        except BlockingIOError:
            pass
        got.clear()
        check("pipe drained -> writer", lambda: [os.read(r, 65536) for _ in range(20) if select.select([r], [], [], 0)[0]])
        fcntl.fcntl(r, fcntl.F_SETOWN, 0)
        check("owner 0 stops it", lambda: os.write(w, b"z"))
        os.close(r); os.close(w)

        a, b = socket.socketpair()
        make_async(b)
        check("socket send -> peer", lambda: a.send(b"hello"))
        b.recv(100)
        check("socket recv side stays quiet for the sender's end", lambda: b.send(b"back"))
        a.recv(100)

        # F_SETSIG: a real-time signal with si_code POLL_IN and si_band.
        rt = signal.SIGRTMIN
        signal.pthread_sigmask(signal.SIG_BLOCK, [rt])
        attempt("F_SETSIG", lambda: fcntl.fcntl(b, F_SETSIG, rt))
        print("F_GETSIG is SIGRTMIN", fcntl.fcntl(b, F_GETSIG) == rt)
        a.send(b"more")
        info = signal.sigtimedwait([rt], 5)
        print("siginfo", info and (info.si_signo == rt, info.si_code, hex(info.si_band)))
        b.recv(100)
        attempt("F_SETSIG 65", lambda: fcntl.fcntl(b, F_SETSIG, 65))
        attempt("F_SETOWN nobody", lambda: fcntl.fcntl(b, fcntl.F_SETOWN, 4000000))
        attempt("F_SETOWN -pgrp", lambda: fcntl.fcntl(b, fcntl.F_SETOWN, -os.getpgrp()))
        import struct
        kind, who = struct.unpack("ii", fcntl.fcntl(b, F_GETOWN_EX, bytes(8)))
        print("F_GETOWN_EX", kind, who == os.getpgrp())
        fcntl.fcntl(b, F_SETOWN_EX, struct.pack("ii", 0, os.getpid()))  # F_OWNER_TID: the main thread
        kind, who = struct.unpack("ii", fcntl.fcntl(b, F_GETOWN_EX, bytes(8)))
        print("F_SETOWN_EX tid", kind, who == os.getpid(), "F_GETOWN", fcntl.fcntl(b, fcntl.F_GETOWN) == os.getpid())
        attempt("F_SETOWN_EX bad type", lambda: fcntl.fcntl(b, F_SETOWN_EX, struct.pack("ii", 7, os.getpid())))
        a.close(); b.close()

        fd, path = tempfile.mkstemp()
        os.unlink(path)
        attempt("regular file O_ASYNC", lambda: fcntl.fcntl(fd, fcntl.F_SETFL, os.O_ASYNC) == 0)
        fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
        check("regular file write", lambda: os.write(fd, b"data"))
    """)
    assert "pipe write -> reader SIGIO" in r.stdout
    assert "socket send -> peer SIGIO" in r.stdout
    assert "siginfo (True, 1, '0x41')" in r.stdout
