"""TCP through the network device (kernel/net/tcp*.c) under QEMU's user networking:
a server in the guest published with -p and fetched by curl and urllib, the guest
fetching from a server on the host (10.0.2.2 is the host's loopback), bulk transfers
both ways checked with SHA-256, and Linux's answers for refused and reset
connections. Every peer is on this machine."""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.server
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.boot import tap_peer
from tests.boot.conftest import BOOT_TIMEOUT, REPO, Boot

SERVER_APP = """
import http.server, socketserver, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello " + self.path + "\\n").encode()
        if self.path == "/mem":  # the guest's MemAvailable, kB
            with open("/proc/meminfo") as f:
                body = next(l for l in f if l.startswith("MemAvailable")).split()[1].encode()
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/quit":
            self.server.done = True
    def log_message(self, *args):
        pass

with socketserver.TCPServer(("", 8000), Handler) as server:  # listen(5), as most apps
    server.done = False
    print("serving", flush=True)
    while not server.done:
        server.handle_request()
print("served", flush=True)
"""


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def guest_server(tmp_path: Path) -> Iterator[int]:
    """Boots SERVER_APP with -p HOSTPORT:8000 and yields HOSTPORT once it serves."""
    app = tmp_path / "server.py"
    app.write_text(SERVER_APP)
    port = free_tcp_port()
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "-p", f"{port}:8000", str(app)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line == "serving\n", line + proc.stderr.read() if proc.stderr else ""
        yield port
        urllib.request.urlopen(f"http://127.0.0.1:{port}/quit", timeout=60).read()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out == "served\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_published_http_server_answers_curl_and_urllib(guest_server: int) -> None:
    base = f"http://127.0.0.1:{guest_server}"
    curl = subprocess.run(["curl", "-s", "-m", "30", "-w", "%{http_code}", f"{base}/curl"],
                          capture_output=True, text=True, timeout=60)
    assert curl.stdout == "hello /curl\n200"
    missing = subprocess.run(["curl", "-s", "-m", "30", "-o", "/dev/null", "-w", "%{http_code}",
                              f"{base}/missing"], capture_output=True, text=True, timeout=60)
    assert missing.stdout == "404"
    for i in range(200):
        with urllib.request.urlopen(f"{base}/seq{i}", timeout=30) as r:
            assert r.status == 200 and r.read() == f"hello /seq{i}\n".encode()

    def fetch(i: int) -> bytes:
        with urllib.request.urlopen(f"{base}/par{i}", timeout=60) as r:
            return bytes(r.read())

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        bodies = list(pool.map(fetch, range(100)))
    assert bodies == [f"hello /par{i}\n".encode() for i in range(100)]


def test_connections_in_time_wait_keep_no_buffers(guest_server: int) -> None:
    """The guest closes each connection first, so each stays 60 s in TIME_WAIT.
    Kept with its send buffer (128 KB), 2400 of them took all the memory and new
    SYNs were dropped; Linux keeps a small timewait socket only."""
    base = f"http://127.0.0.1:{guest_server}"

    def available_kb() -> int:
        with urllib.request.urlopen(f"{base}/mem", timeout=30) as r:
            return int(r.read())

    before = available_kb()
    for i in range(300):
        with urllib.request.urlopen(f"{base}/tw{i}", timeout=30) as r:
            assert r.read() == f"hello /tw{i}\n".encode()
    used = before - available_kb()
    assert used < 300 * 128 // 4, f"{used} kB for 300 connections in TIME_WAIT"


class _Files(http.server.BaseHTTPRequestHandler):
    body = bytes(range(256)) * 4096  # 1 MiB

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_app_fetches_from_a_server_on_the_host(boot: Boot) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        r = boot(f"""
            import hashlib, urllib.request
            with urllib.request.urlopen("http://10.0.2.2:{server.server_port}/f", timeout=60) as r:
                body = r.read()
            print(r.status, len(body), hashlib.sha256(body).hexdigest())
        """)
    finally:
        server.shutdown()
        server.server_close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"200 {len(_Files.body)} {hashlib.sha256(_Files.body).hexdigest()}\n"


BULK_MB = 200
BLOCK = bytes(range(256)) * 256  # 64 KiB


def _host_peer(listener: socket.socket, send: bool, result: dict[str, str]) -> None:
    conn, _ = listener.accept()
    h = hashlib.sha256()
    with conn:
        if send:
            for _ in range(BULK_MB * 16):
                conn.sendall(BLOCK)
                h.update(BLOCK)
        else:
            while data := conn.recv(1 << 16):
                h.update(data)
            conn.sendall(b"k")
    result["sha"] = h.hexdigest()


@pytest.mark.parametrize("direction", ["to the guest", "from the guest"])
def test_bulk_transfer_arrives_intact(boot: Boot, direction: str) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    result: dict[str, str] = {}
    to_guest = direction == "to the guest"
    thread = threading.Thread(target=_host_peer, args=(listener, to_guest, result), daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        r = boot(f"""
            import hashlib, socket
            s = socket.create_connection(("10.0.2.2", {listener.getsockname()[1]}), timeout=120)
            h, n = hashlib.sha256(), 0
            if {to_guest}:
                while data := s.recv(1 << 16):
                    h.update(data)
                    n += len(data)
            else:
                block = bytes(range(256)) * 256
                for _ in range({BULK_MB} * 16):
                    s.sendall(block)
                    h.update(block)
                    n += len(block)
                s.shutdown(socket.SHUT_WR)
                assert s.recv(1) == b"k"
            print(n, h.hexdigest())
        """)
    finally:
        thread.join(timeout=60)
        listener.close()
    assert r.returncode == 0, r.stdout + r.stderr
    size, sha = r.stdout.split()
    assert int(size) == BULK_MB << 20
    assert sha == result["sha"]
    print(f"{BULK_MB} MB {direction} in {time.monotonic() - started:.1f} s (boot included)")


def test_refused_and_reset_connections_fail_as_on_linux(boot: Boot) -> None:
    closed = free_tcp_port()  # nobody listens: QEMU answers the SYN with RST
    resetter = socket.socket()
    resetter.bind(("127.0.0.1", 0))
    resetter.listen(1)

    def reset_one() -> None:
        conn, _ = resetter.accept()
        conn.recv(10)
        # SO_LINGER with no time: close() sends RST.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    thread = threading.Thread(target=reset_one, daemon=True)
    thread.start()
    try:
        r = boot(f"""
            import errno, select, socket
            s = socket.socket()
            try:
                s.connect(("10.0.2.2", {closed}))
            except OSError as e:
                print("blocking", errno.errorcode[e.errno])
            s = socket.socket()
            s.setblocking(False)
            print("nonblocking", errno.errorcode[s.connect_ex(("10.0.2.2", {closed}))])
            select.select([], [s], [], 30)
            print("then", errno.errorcode[s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)])
            s = socket.create_connection(("10.0.2.2", {resetter.getsockname()[1]}), timeout=30)
            print("peer", s.getpeername()[0], "me", s.getsockname()[0])
            s.sendall(b"hi")
            try:
                print("read", s.recv(10))
            except OSError as e:
                print("read", errno.errorcode[e.errno])
            print("after", s.recv(10))
        """)
    finally:
        thread.join(timeout=30)
        resetter.close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ("blocking ECONNREFUSED\nnonblocking EINPROGRESS\nthen ECONNREFUSED\n"
                        "peer 10.0.2.2 me 10.0.2.15\nread ECONNRESET\nafter b''\n")


TCP_INFO_APP = """
import socket, struct, time
FIELDS = ("state ca_state retransmits probes backoff options wscale flags rto ato snd_mss rcv_mss "
          "unacked sacked lost retrans fackets last_data_sent last_ack_sent last_data_recv "
          "last_ack_recv pmtu rcv_ssthresh rtt rttvar snd_ssthresh snd_cwnd advmss reordering "
          "rcv_rtt rcv_space total_retrans pacing_rate max_pacing_rate bytes_acked "
          "bytes_received segs_out segs_in").split()
def info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return dict(zip(FIELDS, struct.unpack_from("8B24I4Q2I", raw))), len(raw)

listener = socket.socket()
listener.bind(("", 0))
listener.listen()
print("listener", info(listener)[0]["state"])
fresh = socket.socket()
print("fresh", info(fresh)[0]["state"])

s = socket.create_connection(("10.0.2.2", PORT), timeout=60)
s.sendall(b"x" * 100000)
assert s.recv(1) == b"k"
i, size = info(s)
print("size", size, "state", i["state"], "mss", i["snd_mss"] > 500, "pmtu", i["pmtu"],
      "acked", i["bytes_acked"] >= 100000, "received", i["bytes_received"],
      "rtt", 0 < i["rtt"] < 10000000, "segs", i["segs_out"] > 10 and i["segs_in"] > 1)

# SO_LINGER with a time: close() waits until the peer acknowledged it all.
def fill(s):
    # Until the peer's window stays shut (the host and QEMU buffer megabytes).
    import select
    s.setblocking(False)
    n = 0
    while select.select([], [s], [], 0.5)[1]:
        try:
            n += s.send(b"y" * 65536)
        except BlockingIOError:
            pass
    s.setblocking(True)
    return n

for name, seconds in (("slow reader", 60), ("no reader", 1), ("no linger", None)):
    s = socket.create_connection(("10.0.2.2", PORT), timeout=60)
    sent = fill(s)
    print(name, "sent", sent, flush=True)
    if seconds is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, seconds))
    t = time.monotonic()
    s.close()
    print(name, "closed after", round(time.monotonic() - t, 1), flush=True)
# QEMU's user networking acknowledges what it buffers: the VM stays up until
# the host has read it all.
done = socket.create_connection(("10.0.2.2", PORT), timeout=60)
assert done.recv(1) == b"d"
"""


def test_tcp_info_and_so_linger(boot: Boot) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills fast
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    got: dict[str, int] = {}

    def peer() -> None:
        conn, _ = listener.accept()  # TCP_INFO's connection: reads 100000, answers
        n = 0
        while n < 100000:
            n += len(conn.recv(65536))
        conn.sendall(b"k")
        for name, wait in (("slow reader", 3.0), ("no reader", None), ("no linger", 0.0)):
            c, _ = listener.accept()
            if wait is None:
                time.sleep(4)  # past the 1 s linger: reads nothing in time
                c.close()
                continue
            time.sleep(wait)
            total = 0
            while data := c.recv(65536):
                total += len(data)
            got[name] = total
            c.close()
        conn.close()
        c, _ = listener.accept()
        c.sendall(b"d")
        c.close()

    thread = threading.Thread(target=peer, daemon=True)
    thread.start()
    try:
        r = boot(TCP_INFO_APP.replace("PORT", str(listener.getsockname()[1])))
    finally:
        thread.join(timeout=60)
        listener.close()
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == ["listener 10", "fresh 7",
                         "size 232 state 1 mss True pmtu 1500 acked True received 1 rtt True "
                         "segs True"], r.stdout
    closes = {line.split(" closed after ")[0]: float(line.split()[-1])
              for line in lines if " closed after " in line}
    assert closes["slow reader"] >= 2.0, r.stdout  # waited for the reader...
    assert closes["slow reader"] < 30, r.stdout
    sent = {line.split(" sent ")[0]: int(line.split()[-1]) for line in lines if " sent " in line}
    assert sent["slow reader"] > 1 << 20, r.stdout  # enough to fill every buffer on the way
    assert got["slow reader"] == sent["slow reader"]  # ... which got it all
    assert got["no linger"] == sent["no linger"]  # sent on after close() returned
    assert 0.9 <= closes["no reader"] < 3.0, r.stdout  # the linger time, then gave up
    assert closes["no linger"] < 0.5, r.stdout  # close() returns at once


TAP, HOST_IP, GUEST_IP = "upytap0", "192.168.77.1", "192.168.77.2"


@pytest.fixture
def tap_device() -> Iterator[str]:
    """A tap device of our own on the host, 192.168.77.1/24 (needs root)."""
    with tap_peer.tap_device(TAP, HOST_IP) as name:
        yield name


def test_over_a_tap_device_the_peer_is_the_hosts_own_tcp(tap_device: str,
                                                          tmp_path: Path) -> None:
    """The guest serves on its own address; the host's Linux TCP fetches from it, and
    the guest then sends 200 MB to a listener on the host, checked with SHA-256."""
    listener = socket.socket()
    listener.bind((HOST_IP, 0))
    listener.listen(1)
    result: dict[str, str] = {}
    app = tmp_path / "tap_app.py"
    app.write_text(f"""
import hashlib, socket
srv = socket.create_server(("0.0.0.0", 8000))
print("serving", flush=True)
conn, peer = srv.accept()
request = conn.recv(100)
conn.sendall(b"guest saw " + request + b" from " + peer[0].encode())
conn.close()
s = socket.create_connection(("{HOST_IP}", {listener.getsockname()[1]}), timeout=60)
h = hashlib.sha256()
block = bytes(range(256)) * 256
for _ in range({BULK_MB} * 16):
    s.sendall(block)
    h.update(block)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b"k"
print(h.hexdigest(), flush=True)
""")
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "--net", f"tap:{tap_device}", "--ip",
                             f"{GUEST_IP}/24", "--gateway", HOST_IP, str(app)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "serving\n"
        with socket.create_connection((GUEST_IP, 8000), timeout=60) as c:
            c.sendall(b"hello")
            reply = b""
            while data := c.recv(100):
                reply += data
        assert reply == f"guest saw hello from {HOST_IP}".encode()
        _host_peer(listener, False, result)
        out, err = proc.communicate(timeout=BOOT_TIMEOUT)
        assert proc.returncode == 0, err
        assert out == result["sha"] + "\n"
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("megabytes,dump", [(200, False), (8, True)])
def test_over_a_tap_device_bulk_into_the_guest_takes_the_hosts_big_segments(
        tap_device: str, tmp_path: Path, megabytes: int, dump: bool) -> None:
    """The host's Linux TCP sends to the guest; with a tap device QEMU offers the host's
    offloads (virtio-net GUEST_CSUM, GUEST_TSO4, MRG_RXBUF), so segments of up to 64 KB
    reach the guest whole, with checksums the device vouches for. The bytes arrive intact
    (SHA-256), and the frame dump shows that frames past the MTU did come in."""
    app = tmp_path / "sink.py"
    app.write_text("""
import hashlib, socket
srv = socket.create_server(("0.0.0.0", 8000))
print("serving", flush=True)
conn, _ = srv.accept()
h, n = hashlib.sha256(), 0
buf = bytearray(1 << 18)
while k := conn.recv_into(buf):
    h.update(memoryview(buf)[:k])
    n += k
conn.sendall(h.hexdigest().encode())
conn.close()
print("received", n, flush=True)
""")
    pcap = tmp_path / "frames.pcap"
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "--net", f"tap:{tap_device}", "--ip",
                             f"{GUEST_IP}/24"] + (["--net-dump", str(pcap)] if dump else [])
                            + [str(app)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "serving\n"
        h = hashlib.sha256()
        block = os.urandom(1 << 20)
        with socket.create_connection((GUEST_IP, 8000), timeout=60) as c:
            for _ in range(megabytes):
                c.sendall(block)
                h.update(block)
            c.shutdown(socket.SHUT_WR)
            answer = b""
            while data := c.recv(100):
                answer += data
        out, err = proc.communicate(timeout=BOOT_TIMEOUT)
        assert proc.returncode == 0, err
        assert answer.decode() == h.hexdigest()
        assert out == f"received {megabytes << 20}\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if dump:
        from scapy.utils import PcapReader
        sizes = [len(p) for p in PcapReader(str(pcap))]
        big = [s for s in sizes if s > 1514]
        assert big and max(big) > 16384, (len(sizes), max(sizes))
