"""UDP over the guest's eth0 (net/ip_stack.c, net/neigh.c, net/inet.c): datagrams to
and from servers on the host, name lookups answered by the test's own DNS server,
ICMP port unreachable as ECONNREFUSED, and what stays unreachable (TCP and IPv6 off
loopback, everything with --net none).

Under QEMU's user networking the host is 10.0.2.2, which QEMU maps to the host's
127.0.0.1: every server here listens on host loopback only, and guests only ever
address 10.0.2.2, so nothing leaves this machine. Tests that need no host use
--net restricted (restrict=on)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.boot.conftest import Boot

from unipython.netconf import Network
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import qemu


class UdpEcho:
    """A UDP echo server on host loopback, recording what it got."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.got: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            self.got.append(data)
            self.sock.sendto(b"echo:" + data, peer)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def echo() -> Iterator[UdpEcho]:
    server = UdpEcho()
    yield server
    server.close()


def free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_udp_echo_with_a_server_on_the_host(boot: Boot, echo: UdpEcho) -> None:
    r = boot(f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(20)
        s.sendto(b"hello", ("10.0.2.2", {echo.port}))
        data, peer = s.recvfrom(100)
        print(data, peer)
        big = bytes(range(256)) * 5 + b"end"
        s.sendto(big, ("10.0.2.2", {echo.port}))
        print(s.recv(2000) == b"echo:" + big)
    """, options=["--net", "user"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"b'echo:hello' ('10.0.2.2', {echo.port})\nTrue\n"
    assert echo.got[0] == b"hello"


def test_datagrams_larger_than_the_mtu_go_as_fragments_both_ways(boot: Boot,
                                                                echo: UdpEcho) -> None:
    # As Linux with its default IP_PMTUDISC_WANT: a datagram over 1472 bytes is
    # fragmented by the sender (here the guest; QEMU's stack reassembles it for
    # the host) and the echo comes back in fragments the guest reassembles.
    r = boot(f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(20)
        for n in (1472, 1473, 4000, 30000, 65507 - 5):
            data = bytes(i * 7 % 251 for i in range(n))
            s.sendto(data, ("10.0.2.2", {echo.port}))
            print(n, s.recv(65536) == b"echo:" + data)
        try:
            s.sendto(bytes(65508), ("10.0.2.2", {echo.port}))
        except OSError as e:
            print("65508", e.strerror)
    """, options=["--net", "user"])
    assert r.returncode == 0, r.stdout + r.stderr
    sizes = (1472, 1473, 4000, 30000, 65502)
    assert r.stdout == "".join(f"{n} True\n" for n in sizes) + "65508 Message too long\n"
    assert [len(g) for g in echo.got] == list(sizes)


def test_datagrams_sent_while_arp_is_pending_are_not_lost(image_of, tmp_path: Path,
                                                         echo: UdpEcho) -> None:
    # No gateway on the command line: nothing is asked at boot, so both datagrams
    # leave while the guest still waits for ARP's answer about 10.0.2.2.
    image = image_of("""
        import socket, sys
        port = int(sys.argv[1])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(20)
        s.sendto(b"one", ("10.0.2.2", port))
        s.sendto(b"two", ("10.0.2.2", port))
        print(sorted([s.recv(100), s.recv(100)]))
    """)
    out = tmp_path / "console.txt"
    cfg = qemu.VMConfig(image=image, timeout=120, netdev=Network().qemu_netdev(),
                        cmdline=kernel_cmdline(RunOptions(args=[str(echo.port)]))
                        + " net=10.0.2.15/24")
    with out.open("wb") as f:
        result = qemu.boot(cfg, stdout=f)
    assert result.exit_status == 0, out.read_text()
    assert out.read_text() == "[b'echo:one', b'echo:two']\n"
    assert echo.got == [b"one", b"two"]


def test_a_connected_udp_socket_hears_port_unreachable_as_econnrefused(boot: Boot) -> None:
    port = free_udp_port()  # nobody listens: the host answers with ICMP port unreachable
    r = boot(f"""
        import errno, socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(20)
        s.connect(("10.0.2.2", {port}))
        print("send", s.send(b"anyone?"))
        try:
            s.recv(100)
        except OSError as e:
            print(errno.errorcode[e.errno])
        print("then", s.send(b"again"))
    """, options=["--net", "user"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "send 7\nECONNREFUSED\nthen 5\n"


DNS_TABLE = {("some.test", 1): socket.inet_aton("10.9.8.7"),
             ("some.test", 28): socket.inet_pton(socket.AF_INET6, "2001:db8::7")}


def dns_answer(query: bytes) -> bytes:
    ident, flags, qd = struct.unpack_from(">HHH", query)
    labels, off = [], 12
    while query[off]:
        n = query[off]
        labels.append(query[off + 1:off + 1 + n].decode())
        off += 1 + n
    qtype = struct.unpack_from(">H", query, off + 1)[0]
    question = query[12:off + 5]
    rdata = DNS_TABLE.get((".".join(labels), qtype))
    header = struct.pack(">HHHHHH", ident, 0x8180 if rdata else 0x8183, 1, 1 if rdata else 0, 0, 0)
    answer = (b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata) if rdata else b""
    return header + question + answer


class DnsServer:
    """Answers A and AAAA from DNS_TABLE on host 127.0.0.1:53 (the guest's 10.0.2.2),
    holding the answers until two queries are in (glibc sends both at once)."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 53))
        self.sock.settimeout(0.2)
        self.queries: list[int] = []  # qtypes, in order
        self.both_before_any_answer = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        held: list[tuple[bytes, object]] = []
        first = 0.0
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
                off = 12
                while data[off]:
                    off += 1 + data[off]
                self.queries.append(struct.unpack_from(">H", data, off + 1)[0])
                held.append((data, peer))
                first = first or time.monotonic()
            except TimeoutError:
                pass
            if held and (len(held) >= 2 or time.monotonic() - first > 5):
                self.both_before_any_answer |= len(held) >= 2
                for q, peer in held:
                    self.sock.sendto(dns_answer(q), peer)
                held, first = [], 0.0

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def test_getaddrinfo_asks_the_tests_own_dns_server(boot: Boot, tmp_path: Path) -> None:
    try:
        dns = DnsServer()
    except OSError as e:
        pytest.skip(f"cannot serve DNS on host 127.0.0.1:53: {e}")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.0.2.2\noptions timeout:5 attempts:2\n")
    try:
        r = boot("""
            import socket
            infos = socket.getaddrinfo("some.test", 80, type=socket.SOCK_STREAM)
            print(sorted(i[4][0] for i in infos))
            try:
                socket.getaddrinfo("other.test", 80)
            except socket.gaierror as e:
                print("other.test", e.errno == socket.EAI_NONAME)
        """, options=["--net", "user", "--add", f"{resolv}:/etc/resolv.conf"])
    finally:
        dns.close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "['10.9.8.7', '2001:db8::7']\nother.test True\n"
    assert sorted(dns.queries[:2]) == [1, 28]  # A and AAAA
    assert dns.both_before_any_answer


def test_what_stays_unreachable(boot: Boot) -> None:
    r = boot("""
        import errno, socket
        def err(fn):
            try:
                fn()
                return "ok"
            except OSError as e:
                return errno.errorcode[e.errno]
        t = socket.socket()
        print("tcp", err(lambda: t.connect(("10.0.2.2", 80))))
        u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        print("udp6", err(lambda: u6.sendto(b"x", ("2001:db8::1", 53))))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        print("from loopback", err(lambda: (u.bind(("127.0.0.1", 0)), u.sendto(b"x", ("10.0.2.2", 9)))))
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        print("bind eth0", err(lambda: b.bind(("10.0.2.15", 0))), "bind other", err(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("10.0.2.16", 0))))
    """, options=["--net", "restricted"])
    assert r.returncode == 0, r.stdout + r.stderr
    # TCP leaves now; QEMU's restrict=on answers every connect with RST.
    assert r.stdout == ("tcp ECONNREFUSED\nudp6 ENETUNREACH\nfrom loopback EINVAL\n"
                        "bind eth0 ok bind other EADDRNOTAVAIL\n")


def test_net_none_keeps_the_island(boot: Boot) -> None:
    r = boot("""
        import errno, socket
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.sendto(b"x", ("10.0.2.2", 9))
        except OSError as e:
            print(errno.errorcode[e.errno])
    """, options=["--net", "none"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "ENETUNREACH\n"


def test_a_published_udp_port_reaches_a_server_in_the_guest(boot: Boot) -> None:
    port = free_udp_port()
    replies: list[bytes] = []
    stop = threading.Event()

    def client() -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        while not stop.is_set() and not replies:
            s.sendto(b"knock", ("127.0.0.1", port))
            try:
                replies.append(s.recv(100))
            except (TimeoutError, ConnectionRefusedError):
                pass
        s.close()

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    try:
        r = boot("""
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", 7777))
            data, peer = s.recvfrom(100)
            s.sendto(b"guest got " + data, peer)
            print(data, peer[0])
            time.sleep(2)  # QEMU forwards the answer before the VM powers off
        """, options=["--net", "user", "-p", f"127.0.0.1:{port}:7777/udp"])
    finally:
        stop.set()
        thread.join()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "b'knock' 10.0.2.2\n"
    assert replies == [b"guest got knock"]


def test_bad_or_taken_published_ports_are_one_line_errors(boot: Boot) -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    taken_tcp = socket.socket()
    taken_tcp.bind(("127.0.0.1", 0))
    taken_tcp.listen()
    try:
        for value, message in [
            ("8080", "bad -p '8080'"),
            ("1:2:3:4/udp", "bad -p '1:2:3:4/udp'"),
            ("70000:1/udp", "is not a port"),
            ("nohost:1:2/udp", "is not an IPv4 address"),
            ("1:2/sctp", "the protocol is tcp (the default) or udp"),
            (f"127.0.0.1:{taken.getsockname()[1]}:9/udp", "cannot use host UDP port"),
            (f"127.0.0.1:{taken_tcp.getsockname()[1]}:9", "cannot use host TCP port"),
        ]:
            r = boot("import socket\n", options=["-p", value])
            assert r.returncode == 2, (value, r.stderr)
            assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        r = boot("import socket\n", options=["--net", "none", "-p", "1234:1/udp"])
        assert r.returncode == 2 and "-p needs a network" in r.stderr, r.stderr
    finally:
        taken.close()
        taken_tcp.close()
