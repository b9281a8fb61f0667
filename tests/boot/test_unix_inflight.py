"""Descriptors in flight (SCM_RIGHTS) are given back without recursion, and cycles that only
in-flight messages keep alive are garbage-collected, as Linux's unix_gc does."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_inflight_chains_and_cycles_are_released_as_on_linux(same_as_host: SameAsHost) -> None:
    # Chains of 1000 and 10000 socketpairs each holding the next one's ends:
    # closing the head used to recurse file_put -> sock_release -> file_put and
    # overflow the kernel stack.
    r = same_as_host(r"""
        import array, errno, os, select, socket

        def send_fds(sock, fds):
            sock.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])

        def chain(n):
            # Built from the tail: its queue holds a pipe's write end; each pair
            # before holds the next pair's two ends, so only the head stays open.
            r, w = os.pipe()
            nxt = socket.socketpair()
            send_fds(nxt[0], [w])
            os.close(w)
            depth = 0
            try:
                for _ in range(n):
                    cur = socket.socketpair()
                    send_fds(cur[0], [nxt[0].fileno(), nxt[1].fileno()])
                    nxt[0].close(); nxt[1].close()
                    nxt = cur
                    depth += 1
            except OSError as e:
                print("send at depth", depth, errno.errorcode[e.errno])
            nxt[0].close(); nxt[1].close()
            # The pipe's write end was at the chain's end: closing the head closed it.
            print(f"chain of {n}: pipe reads EOF", os.read(r, 1) == b"")
            os.close(r)

        for n in (1000, 10000):
            chain(n)


        def cycle(close_order):
            # a0 waits in b0's queue and b0 in a0's: once the app closes all four
            # ends, only the cycle keeps them, and the garbage collector frees them.
            a, b = socket.socketpair(), socket.socketpair()
            r, w = os.pipe()
            send_fds(a[1], [b[0].fileno(), w])
            send_fds(b[1], [a[0].fileno()])
            os.close(w)
            for s in close_order(a, b):
                s.close()
            # Linux collects when a unix socket is next released.
            socket.socketpair()[0].close()
            ready = select.select([r], [], [], 10)[0]
            print("cycle freed: pipe reads EOF", bool(ready) and os.read(r, 1) == b"")
            os.close(r)

        cycle(lambda a, b: (a[0], b[0], a[1], b[1]))
        cycle(lambda a, b: (a[1], b[1], a[0], b[0]))

        # A socket in flight in a cycle that something outside still reaches stays alive.
        a, b = socket.socketpair(), socket.socketpair()
        send_fds(a[1], [b[0].fileno()])
        send_fds(b[1], [a[0].fileno()])
        keep = socket.socketpair()
        send_fds(keep[1], [a[0].fileno()])   # a0 also waits in keep0's queue
        for s in (a[0], a[1], b[0], b[1]):
            s.close()
        socket.socketpair()[0].close()
        msg, anc, flags, addr = keep[0].recvmsg(1, socket.CMSG_SPACE(4))
        a0 = socket.socket(fileno=array.array("i", anc[0][2])[0])
        msg, anc, flags, addr = a0.recvmsg(1, socket.CMSG_SPACE(4))
        b0 = socket.socket(fileno=array.array("i", anc[0][2])[0])
        print("reachable cycle kept: received", msg, "b0 is", b0.family.name, b0.type.name)
    """)
    assert "chain of 10000: pipe reads EOF True" in r.stdout
    assert r.stdout.count("cycle freed: pipe reads EOF True") == 2


def test_collected_cycles_give_their_memory_back(boot: Boot) -> None:
    r = boot("""
        import array, socket

        def send_fds(sock, fds):
            sock.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])

        def free_kib():
            for line in open("/proc/meminfo"):
                if line.startswith("MemFree:"):
                    return int(line.split()[1])

        def cycles(n):
            for _ in range(n):
                a, b = socket.socketpair(), socket.socketpair()
                send_fds(a[1], [b[0].fileno()])
                send_fds(b[1], [a[0].fileno()])
                for s in (a[0], b[0], a[1], b[1]):
                    s.close()

        cycles(200)
        before = free_kib()
        cycles(3000)
        lost = before - free_kib()
        print("lost under 512 KiB", lost < 512, lost)
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "lost under 512 KiB True" in r.stdout, r.stdout
