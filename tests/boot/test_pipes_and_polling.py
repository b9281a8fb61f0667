"""Pipes, FIFOs, and waiting on descriptors: poll, select, epoll, eventfd."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_pipes_carry_data_between_threads_with_eof_and_epipe(boot: Boot) -> None:
    r = boot("""
        import errno, os, threading
        rd, wr = os.pipe()
        def writer():
            for i in range(100):
                os.write(wr, b"x" * 1000)   # 100 kB: more than the 64 KiB buffer
            os.close(wr)
        t = threading.Thread(target=writer); t.start()
        got = b""
        while chunk := os.read(rd, 4096):
            got += chunk
        t.join()
        print(len(got), os.read(rd, 10))
        r2, w2 = os.pipe()
        os.close(r2)
        try:
            os.write(w2, b"x")
        except BrokenPipeError as e:
            print("EPIPE", e.errno == errno.EPIPE)
        r3, w3 = os.pipe2(os.O_NONBLOCK)
        try:
            os.read(r3, 1)
        except BlockingIOError:
            print("EAGAIN")
        import fcntl
        print(fcntl.fcntl(r3, fcntl.F_GETPIPE_SZ), fcntl.fcntl(r3, fcntl.F_SETPIPE_SZ, 10000))
    """)
    assert r.stdout.splitlines() == ["100000 b''", "EPIPE True", "EAGAIN", "65536 16384"], r.stdout + r.stderr


def test_poll_select_and_epoll_see_readiness_and_time_out(boot: Boot) -> None:
    r = boot("""
        import os, select, time
        rd, wr = os.pipe()
        p = select.poll(); p.register(rd, select.POLLIN)
        start = time.monotonic()
        print(p.poll(100), round(time.monotonic() - start, 1))
        os.write(wr, b"hi")
        print(p.poll(0))
        print(select.select([rd], [wr], [], 0) == ([rd], [wr], []))
        ep = select.epoll()
        ep.register(rd, select.EPOLLIN)
        print(ep.poll(0) == [(rd, select.EPOLLIN)])
        os.read(rd, 2)
        print(ep.poll(0.05))
        ep.modify(rd, select.EPOLLIN | select.EPOLLET)
        os.write(wr, b"a")
        print(len(ep.poll(0)), len(ep.poll(0)))   # one edge, reported once
        os.close(wr)
        print(p.poll(0) == [(rd, select.POLLIN | select.POLLHUP)])
    """)
    assert r.stdout.splitlines() == ["[] 0.1", f"[(3, 1)]", "True", "True", "[]", "1 0", "True"], \
        r.stdout + r.stderr


def test_a_thread_blocked_in_epoll_wakes_when_another_writes(boot: Boot) -> None:
    r = boot("""
        import os, select, threading, time
        efd = os.eventfd(0)
        ep = select.epoll(); ep.register(efd, select.EPOLLIN)
        threading.Timer(0.1, lambda: os.eventfd_write(efd, 5)).start()
        events = ep.poll(5)
        print(events == [(efd, select.EPOLLIN)], os.eventfd_read(efd))
    """)
    assert r.stdout == "True 5\n", r.stdout + r.stderr


def test_fifos_connect_a_reader_and_a_writer_by_name(boot: Boot) -> None:
    r = boot("""
        import os, stat, threading
        os.mkfifo("/tmp/fifo")
        print(stat.S_ISFIFO(os.stat("/tmp/fifo").st_mode))
        def writer():
            with open("/tmp/fifo", "w") as f:
                f.write("through the fifo")
        t = threading.Thread(target=writer); t.start()
        with open("/tmp/fifo") as f:
            print(f.read())
        t.join()
        try:
            os.open("/tmp/fifo", os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            print(e.errno)
    """)
    assert r.stdout.splitlines() == ["True", "through the fifo", "6"], r.stdout + r.stderr



def test_closing_a_descriptor_another_thread_reads(same_as_host: SameAsHost) -> None:
    # As on Linux, a blocked call keeps its open file: the read still gets the data
    # written after another thread closed the descriptor.
    same_as_host("""
        import os, threading, time
        r, w = os.pipe()
        got = []
        reader = threading.Thread(target=lambda: got.append(os.read(r, 10)))
        reader.start()
        time.sleep(0.2)
        os.close(r)
        os.write(w, b"late")
        reader.join()
        print("read after close:", got)
    """)


def test_closing_a_socket_another_thread_selects_on(boot: Boot) -> None:
    # select looks the descriptor up again when it wakes; a closed one is not ready
    # (as in Linux 6.1's do_select; the host's newer kernel may differ). This was a
    # kernel page fault.
    result = boot("""
        import select, socket, threading, time
        a, b = socket.socketpair()
        seen = []
        waiter = threading.Thread(target=lambda: seen.append(select.select([a], [], [], 0.5)))
        waiter.start()
        time.sleep(0.2)
        a.close()
        b.send(b"wake up")
        waiter.join()
        print("select after close:", seen)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "select after close: [([], [], [])]\n"


def test_epoll_keeps_many_items_straight(same_as_host: SameAsHost) -> None:
    # Items found by (fd, file): many of them, removed from the middle, changed,
    # and dropped when their file is finally closed (not when one dup of it is).
    same_as_host("""
        import errno, os, select
        ep = select.epoll()
        pipes = [os.pipe() for _ in range(300)]
        for r, w in pipes:
            ep.register(r, select.EPOLLIN)
            ep.register(w, select.EPOLLOUT)
        def attempt(label, f):
            try:
                print(label, f())
            except OSError as e:
                print(label, errno.errorcode[e.errno])
        attempt("again", lambda: ep.register(pipes[10][0], select.EPOLLIN))
        for r, w in pipes[100:200]:
            ep.unregister(w)
        attempt("gone", lambda: ep.unregister(pipes[150][1]))
        os.write(pipes[3][1], b"x")
        ep.modify(pipes[4][0], select.EPOLLIN | select.EPOLLOUT)
        dup = os.dup(pipes[5][1])
        ep.register(dup, select.EPOLLOUT)
        os.close(pipes[5][1])          # the file stays open through dup
        for r, w in pipes[250:]:
            os.close(r); os.close(w)   # their items go away with their files
        ready = ep.poll(0, 2000)
        fds = {fd: ev for fd, ev in ready}
        print(len(ready), fds[pipes[3][0]] & select.EPOLLIN, dup in fds, pipes[5][1] in fds)
        os.close(dup)
        print(len(ep.poll(0, 2000)))
    """)
