"""The guest side of the network rows: servers on the guest's own address, one
role after another, each announced on the console with "ready ROLE" once it
listens. The host measures each, then ends it; every role gives up after
DEADLINE seconds (then the app exits with status 3), so a stalled peer cannot
keep the VM up.

    net_server.py DEADLINE ROLE...

    http        stdlib http.server (ThreadingHTTPServer) on port 8000: GET / gives a
                small body; GET /quit ends the role
    asyncio     a minimal asyncio HTTP/1.1 server (keep-alive) on port 8001; /quit
    echo        port 8002: for each connection, read 32 bytes, send them back,
                close; a message starting with "quit" ends the role
    sink        port 8003: one connection; count what arrives until EOF, answer the
                count in ASCII
    source:S    port 8004: one connection; send for S seconds, then close
"""

import asyncio
import http.server
import socket
import sys
import threading
import time

BODY = b"hello from the guest\n"
MESSAGE = 32


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
        if self.path == "/quit":
            threading.Thread(target=self.server.shutdown).start()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # not the default 5: the bench measures the stack, not SYN drops

    def handle_error(self, request, client_address):
        # wrk closes the connections it has open when its time is up: a broken
        # pipe then is the load generator leaving, not a failure to report.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_http(deadline):
    late = threading.Event()

    def give_up():
        late.set()
        server.shutdown()

    with Server(("0.0.0.0", 8000), Handler) as server:
        timer = threading.Timer(deadline, give_up)
        timer.start()
        print("ready http", flush=True)
        server.serve_forever()
        timer.cancel()
    return not late.is_set()


async def asyncio_main(deadline):
    stop = asyncio.Event()
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(response)
                await writer.drain()
                if head.startswith(b"GET /quit "):
                    stop.set()
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "0.0.0.0", 8001, backlog=128)
    async with server:
        print("ready asyncio", flush=True)
        try:
            await asyncio.wait_for(stop.wait(), deadline)
        except asyncio.TimeoutError:
            return False
    return True


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def listener(port, deadline):
    srv = socket.create_server(("0.0.0.0", port), backlog=128)
    srv.settimeout(deadline)
    return srv


def serve_echo(deadline):
    with listener(8002, deadline) as srv:
        print("ready echo", flush=True)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(deadline)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                data = recv_exactly(conn, MESSAGE)
                if data.startswith(b"quit"):
                    return True
                conn.sendall(data)
    return False


def serve_sink(deadline):
    with listener(8003, deadline) as srv:
        print("ready sink", flush=True)
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(deadline)
            buf = bytearray(1 << 18)
            total = 0
            while n := conn.recv_into(buf):
                total += n
            conn.sendall(str(total).encode())
    return True


def serve_source(deadline, seconds):
    block = bytes(range(256)) * 256  # 64 KiB
    with listener(8004, deadline) as srv:
        print("ready source", flush=True)
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(deadline)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                conn.sendall(block)
    return True


def main():
    deadline = float(sys.argv[1])
    for role in sys.argv[2:]:
        name, _, arg = role.partition(":")
        try:
            if name == "http":
                ok = serve_http(deadline)
            elif name == "asyncio":
                ok = asyncio.run(asyncio_main(deadline))
            elif name == "echo":
                ok = serve_echo(deadline)
            elif name == "sink":
                ok = serve_sink(deadline)
            elif name == "source":
                ok = serve_source(deadline, float(arg))
            else:
                raise SystemExit(f"unknown role {role}")
        except (TimeoutError, OSError) as exc:
            print(f"gave up {name}: {exc!r}", flush=True)
            sys.exit(3)
        if not ok:
            print(f"gave up {name}: no end within {deadline} s", flush=True)
            sys.exit(3)
        print(f"done {name}", flush=True)


main()
