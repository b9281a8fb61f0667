"""AF_INET and AF_INET6 sockets on loopback behave as on Linux: TCP and UDP, ports,
wildcard and dual-stack binding, errors, options, and the name service files."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_tcp_on_loopback_matches_linux(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import errno, os, select, socket, threading

        def err(fn):
            try:
                r = fn()
                return f"ok {r!r}" if r is not None else "ok"
            except OSError as e:
                return errno.errorcode.get(e.errno, e.errno)

        # A TCP echo server in a thread, a client in the main thread.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        host, port = srv.getsockname()
        print("server", host, 1024 <= port < 65536)

        def serve():
            conn, peer = srv.accept()
            with conn:
                print("accepted from", peer[0], "local", conn.getsockname() == (host, port))
                while data := conn.recv(1000):
                    conn.sendall(data.upper())

        t = threading.Thread(target=serve)
        t.start()
        c = socket.create_connection((host, port))
        c.sendall(b"hello " * 1000)
        got = b""
        while len(got) < 6000:
            got += c.recv(65536)
        print("echo", got[:12], len(got))
        print("peer", c.getpeername() == (host, port), "local", c.getsockname()[0])
        c.shutdown(socket.SHUT_WR)
        print("eof after shutdown", c.recv(10))
        c.close()
        t.join()

        # Names: unbound sockets, wildcard binds, "this host".
        print("unbound", socket.socket().getsockname(), socket.socket(socket.AF_INET6).getsockname()[:2])
        print("not connected", err(lambda: socket.socket().getpeername()))
        print("recv unconnected", err(lambda: socket.socket().recv(1)))
        print("send unconnected", err(lambda: socket.socket().send(b"x")))
        print("foreign address", err(lambda: socket.socket().bind(("192.0.2.1", 0))))
        w = socket.socket()
        w.bind(("", 0))
        w.listen()
        wport = w.getsockname()[1]
        print("wildcard", w.getsockname()[0])
        print("bind clash", err(lambda: socket.socket().bind(("127.0.0.1", wport))))
        print("v6 dual-stack clash", err(lambda: socket.socket(socket.AF_INET6).bind(("::", wport))))
        v6only = socket.socket(socket.AF_INET6)
        v6only.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        print("v6only shares the port", err(lambda: v6only.bind(("::", wport))))
        zero = socket.create_connection(("0.0.0.0", wport))
        a, peer = w.accept()
        print("connect to 0.0.0.0 lands on", a.getsockname()[0], peer[0])
        zero.close()
        print("peer closed: recv", a.recv(10))
        p = select.poll()
        p.register(a, select.POLLIN | select.POLLOUT | select.POLLRDHUP | select.POLLHUP)
        print("poll after peer close", p.poll(0))
        print("first send to a closed peer", err(lambda: a.send(b"x")))
        print("poll after reset", p.poll(0))
        print("second send", err(lambda: a.send(b"x", socket.MSG_NOSIGNAL)))
        a.close()

        # Non-blocking connect: EINPROGRESS, then the outcome.
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
        closed.close()
        nb = socket.socket()
        nb.setblocking(False)
        print("nb connect refused", errno.errorcode[nb.connect_ex(("127.0.0.1", dead_port))])
        print("SO_ERROR", errno.errorcode[nb.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)])
        print("blocking connect refused", err(lambda: socket.create_connection(("127.0.0.1", dead_port))))
        nb = socket.socket()
        nb.setblocking(False)
        print("nb connect", errno.errorcode[nb.connect_ex(("127.0.0.1", wport))])
        print("writable", select.select([], [nb], [], 5)[1] == [nb], nb.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
        print("again", nb.connect_ex(("127.0.0.1", wport)), errno.errorcode[nb.connect_ex(("127.0.0.1", wport))])
        w.accept()[0].close()
        nb.close()

        # Dual stack: an IPv4 client reaches an IPv6 server as a v4-mapped address.
        s6 = socket.socket(socket.AF_INET6)
        s6.bind(("::", 0))
        s6.listen()
        c4 = socket.create_connection(("127.0.0.1", s6.getsockname()[1]))
        a6, addr = s6.accept()
        print("v4 on v6", addr[0], a6.getsockname()[0])
        c6 = socket.create_connection(("::1", s6.getsockname()[1]))
        a6b, addr6 = s6.accept()
        print("v6", addr6[0], c6.family == socket.AF_INET6)
        for s in (c4, a6, c6, a6b, s6):
            s.close()

        # Options.
        o = socket.socket()
        print("defaults", o.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
              o.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
              o.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
              o.getsockopt(socket.IPPROTO_IP, socket.IP_TTL),
              o.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL),
              o.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
        o.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        o.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        o.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
        print("set", o.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
              o.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR),
              o.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
        print("bad keepidle", err(lambda: o.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 0)))
        print("v6 option on v4", err(lambda: o.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)))
        print("tcp option on udp", err(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

        # SO_REUSEADDR lets a new server take a port at once.
        r1 = socket.socket(); r1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        r1.bind(("127.0.0.1", 0)); rport = r1.getsockname()[1]
        r2 = socket.socket(); r2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        print("reuseaddr bind", err(lambda: r2.bind(("127.0.0.1", rport))))
        r1.listen()
        print("second listen", err(lambda: r2.listen()))
    """)


def test_after_the_peers_close_recv_and_send_answer_as_linux(same_as_host: SameAsHost) -> None:
    """The peer closed cleanly (FIN) or with unread data (RST): an empty send provokes no
    reset, the end of file comes before a later reset's EPIPE, and sends then break
    (test_ssl's test_bio_handshake does sendall(b"") after the server's close)."""
    same_as_host("""
        import socket, time
        def trial(unread):
            srv = socket.create_server(("127.0.0.1", 0))
            c = socket.create_connection(srv.getsockname())
            s, _ = srv.accept()
            if unread:
                c.sendall(b"x")
                time.sleep(0.2)
            s.sendall(b"bye")
            s.close()
            time.sleep(0.2)
            out = []
            for step in ("recv", "send0", "recv", "send1", "recv", "send1", "recv"):
                try:
                    if step == "recv":
                        r = c.recv(100)
                    else:
                        r = c.send(b"z" * int(step[-1]))
                    out.append(f"{step}={r!r}")
                except OSError as e:
                    out.append(f"{step}={e.__class__.__name__}")
                time.sleep(0.05)
            print("unread" if unread else "clean", " ".join(out), flush=True)
            c.close()
            srv.close()
        trial(False)
        trial(True)
    """)


def test_udp_and_host_names_match_linux(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import errno, socket

        def err(fn):
            try:
                r = fn()
                return f"ok {r!r}" if r is not None else "ok"
            except OSError as e:
                return errno.errorcode.get(e.errno, e.errno)

        # UDP.
        u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u1.bind(("127.0.0.1", 0))
        u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        print("udp unbound", u2.getsockname())
        u2.sendto(b"ping", u1.getsockname())
        print("udp after send", u2.getsockname()[0], u2.getsockname()[1] > 0)
        data, frm = u1.recvfrom(100)
        print("udp got", data, frm == ("127.0.0.1", u2.getsockname()[1]))
        u1.sendto(b"pong" * 10, frm)
        print("udp truncated", u2.recv(4))
        print("udp FIONREAD gone", u2.setblocking(False), err(lambda: u2.recv(100)))
        u2.setblocking(True)
        udead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udead.bind(("127.0.0.1", 0))
        udport = udead.getsockname()[1]; udead.close()
        print("udp to nobody", err(lambda: u2.sendto(b"x", ("127.0.0.1", udport))))
        u2.connect(("127.0.0.1", udport))
        u2.send(b"x")
        print("connected udp refused", err(lambda: u2.recv(10)))
        print("udp peer", u2.getpeername()[1] == udport)
        print("udp too big", err(lambda: u2.sendto(b"x" * 70000, u1.getsockname())))
        print("udp port 0", err(lambda: u2.sendto(b"x", ("127.0.0.1", 0))))
        print("no address", err(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).send(b"x")))

        # Names for sockets.
        print("getaddrinfo", sorted({ai[4][0] for ai in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}))
        print("services", socket.getservbyname("http", "tcp"), socket.getprotobyname("udp"))
        print("socketpair inet", err(lambda: socket.socketpair(socket.AF_INET)))
    """)


def test_urgent_data_matches_linux(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import errno, select, socket
        def err(fn):
            try:
                return f"ok {fn()!r}"
            except OSError as e:
                return errno.errorcode[e.errno]
        l = socket.create_server(("127.0.0.1", 0))
        c = socket.create_connection(l.getsockname())
        a, _ = l.accept()
        print("no urgent yet", err(lambda: a.recv(1, socket.MSG_OOB)))
        c.send(b"abc")
        c.send(b"XYZ", socket.MSG_OOB)
        c.send(b"def")
        print("poll", select.select([a], [], [a], 1)[2] == [a])
        print("at mark", err(lambda: a.recv(100)))
        print("urgent", err(lambda: a.recv(1, socket.MSG_OOB)))
        print("again", err(lambda: a.recv(1, socket.MSG_OOB)))
        print("rest", err(lambda: a.recv(100)))
        a.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        c.send(b"!", socket.MSG_OOB)
        print("inline", err(lambda: a.recv(100)), err(lambda: a.recv(1, socket.MSG_OOB)))
        u1, u2 = socket.socketpair()
        print("unix oob", err(lambda: u1.send(b"x", socket.MSG_OOB)))
    """)


def test_ip_control_messages_match_linux(same_as_host: SameAsHost) -> None:
    # Hop limit / TTL and traffic class / TOS per datagram (RFC 3542, ip(7)),
    # with Linux's truncation of control data that does not fit.
    same_as_host("""
        import array, errno, socket
        I = array.array("i")
        def ints(data):
            return list(array.array("i", data)) if len(data) % 4 == 0 else list(data)
        def show(label, sock, bufsize, *rest):
            try:
                msg, anc, flags, _ = sock.recvmsg(64, bufsize, *rest)
            except OSError as e:
                print(label, errno.errorcode[e.errno]); return
            print(label, msg, [(l, t, ints(d)) for l, t, d in anc], bool(flags & socket.MSG_CTRUNC))

        r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        r.bind(("::1", 0))
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.connect(r.getsockname())
        r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
        for size in (10240, socket.CMSG_SPACE(4), socket.CMSG_LEN(4), socket.CMSG_LEN(4) - 1,
                     socket.CMSG_LEN(0), socket.CMSG_LEN(0) - 1, 1, 0):
            s.send(b"hop")
            show(f"hop limit in {size}", r, size)
        r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x20)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 7)
        for size in (10240, socket.CMSG_SPACE(4) * 2, socket.CMSG_SPACE(4) + socket.CMSG_LEN(4) - 1,
                     socket.CMSG_SPACE(4) + 2, socket.CMSG_SPACE(4)):
            s.send(b"both")
            show(f"both in {size}", r, size)
        s.sendmsg([b"set"], [(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, array.array("i", [2])),
                             (socket.IPPROTO_IPV6, socket.IPV6_TCLASS, array.array("i", [0x40]))])
        show("per packet", r, 10240)
        for bad in ([(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, array.array("i", [256]))],
                    [(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, bytes(5))]):
            try:
                s.sendmsg([b"x"], bad)
            except OSError as e:
                print("bad cmsg", errno.errorcode[e.errno])
        s.send(b"peek")
        show("peek", r, 10240, socket.MSG_PEEK)
        show("after peek", r, 10240)

        r4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r4.bind(("127.0.0.1", 0))
        r4.setsockopt(socket.IPPROTO_IP, 12, 1)  # IP_RECVTTL: not in the socket module
        r4.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s4.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x10)
        s4.sendto(b"v4", r4.getsockname())
        show("v4", r4, 10240)
        s4.sendmsg([b"v4 ttl"], [(socket.IPPROTO_IP, socket.IP_TTL, array.array("i", [9]))], 0, r4.getsockname())
        show("v4 per packet", r4, 10240)
        l = socket.create_server(("127.0.0.1", 0))
        t = socket.create_connection(l.getsockname())
        for label, cmsgs in (("rights on tcp", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0]))]),
                             ("ip level on tcp", [(socket.IPPROTO_IP, 99, b"junk")]),
                             ("unknown SOL_SOCKET", [(socket.SOL_SOCKET, 99, b"")]),
                             ("bad ip type on udp", [(socket.IPPROTO_IP, 99, b"junkjunk")])):
            sock = s4 if "udp" in label else t
            try:
                print(label, sock.sendmsg([b"x"], cmsgs, 0, *([r4.getsockname()] if sock is s4 else [])))
            except OSError as e:
                print(label, errno.errorcode[e.errno])
        u1, u2 = socket.socketpair()
        print("ip level on unix", u1.sendmsg([b"x"], [(socket.IPPROTO_IP, 1, b"")]))
    """)


def test_asyncio_and_http_server_over_tcp(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import asyncio, http.server, threading, urllib.request

        async def handle(reader, writer):
            writer.write((await reader.readline()).upper())
            await writer.drain()
            writer.close()

        async def main():
            server = await asyncio.start_server(handle, "localhost", 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("localhost", port)
            writer.write(b"over tcp\\n")
            print(await reader.readline())
            writer.close()
            server.close()
            await server.wait_closed()
        asyncio.run(main())

        class Hello(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"you asked for {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass

        httpd = http.server.HTTPServer(("127.0.0.1", 0), Hello)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        with urllib.request.urlopen(url) as reply:
            print(reply.status, reply.read())
        httpd.shutdown()
    """)


def test_what_loopback_cannot_reach_fails_as_linux_would(boot: Boot) -> None:
    result = boot("""
        import errno, socket
        for family, host in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
            s = socket.socket(family)
            for call in (s.connect, s.bind):
                try:
                    call((host, 80))
                except OSError as e:
                    print(call.__name__, host, errno.errorcode[e.errno])
        for args in ((socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                     (socket.AF_PACKET, socket.SOCK_RAW, 0)):
            try:
                socket.socket(*args)
            except OSError as e:
                print(args[0].name, errno.errorcode[e.errno])
    """, options=["--trace-syscalls", "--net", "none"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connect 192.0.2.1 ENETUNREACH", "bind 192.0.2.1 EADDRNOTAVAIL",
        "connect 2001:db8::1 ENETUNREACH", "bind 2001:db8::1 EADDRNOTAVAIL",
        "AF_INET EPROTONOSUPPORT", "AF_PACKET EAFNOSUPPORT",
    ]
    assert "= -1 ENETUNREACH" in result.stderr
