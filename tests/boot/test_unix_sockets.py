"""AF_UNIX sockets behave as on Linux: pairs, named servers, datagrams, descriptor passing."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_unix_sockets_match_linux(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import os, socket, select, threading, tempfile, stat
        a, b = socket.socketpair()
        a.sendall(b"ping"); print(b.recv(10))
        b.shutdown(socket.SHUT_WR); print(a.recv(10))
        d = tempfile.mkdtemp(); path = os.path.join(d, "sock")
        srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen()
        print(stat.S_ISSOCK(os.stat(path).st_mode))
        def client():
            c = socket.socket(socket.AF_UNIX); c.connect(path); c.sendall(b"hello " * 10000); c.close()
        t = threading.Thread(target=client); t.start()
        conn, peer = srv.accept()
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        t.join(); print(len(data), conn.getsockname() == path, repr(peer))
        x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        x.send(b"one"); x.send(b"two"); print(y.recv(2), y.recv(100))
        r, w = os.pipe()
        s1, s2 = socket.socketpair()
        socket.send_fds(s1, [b"fd"], [r]); msg, fds, flags, addr = socket.recv_fds(s2, 10, 1)
        os.write(w, b"via passed fd"); print(msg, os.read(fds[0], 100))
        s1.setblocking(False)
        try:
            while True:
                s1.send(b"x" * 65536)
        except BlockingIOError:
            print("full -> EAGAIN")
        print(select.select([s2], [], [], 0)[0] == [s2])
        ab = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ab.bind("\\0abstract-name")
        cd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); cd.sendto(b"to abstract", "\\0abstract-name")
        print(ab.recvfrom(100))
        try:
            socket.socket(socket.AF_UNIX).connect(os.path.join(d, "nobody"))
        except FileNotFoundError:
            print("ENOENT")
        try:
            socket.socket(socket.AF_UNIX).connect(srv.getsockname() + "x")
        except OSError as e:
            print(type(e).__name__)
        srv.close()
        try:
            socket.socket(socket.AF_UNIX).connect(path)
        except ConnectionRefusedError:
            print("refused after close")
    """)


def test_asyncio_event_loop_runs_tasks_and_a_unix_server(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import asyncio, os, tempfile
        async def handle(reader, writer):
            line = await reader.readline()
            writer.write(line.upper()); await writer.drain(); writer.close()
        async def main():
            path = os.path.join(tempfile.mkdtemp(), "s")
            server = await asyncio.start_unix_server(handle, path)
            reader, writer = await asyncio.open_unix_connection(path)
            writer.write(b"hello asyncio\\n"); await writer.drain()
            print(await reader.readline())
            writer.close(); server.close(); await server.wait_closed()
            results = await asyncio.gather(*(asyncio.sleep(0.01, result=i) for i in range(5)))
            print(results)
        asyncio.run(main())
    """)
