"""How eth0 gets its configuration and how the app sees it: the runner's net= or a
DHCP lease (QEMU's DHCP server under user networking, the test's own over a tap
device), and the /etc/resolv.conf and /etc/hosts the kernel writes from it, so that
glibc's resolver asks the name server the stack was given. An app's own files stay."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.boot.conftest import Boot
from tests.boot.test_net_udp import DnsServer

SHOW = """
    import fcntl, socket, struct
    def ifreq(request):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        return socket.inet_ntoa(fcntl.ioctl(s.fileno(), request, struct.pack("256s", b"eth0"))[20:24])
    print("address", ifreq(0x8915), "netmask", ifreq(0x891b))
    print("resolv", [l for l in open("/etc/resolv.conf").read().splitlines() if not l.startswith("#")])
    print("hosts", [l for l in open("/etc/hosts").read().splitlines() if "unipython" in l and not l.startswith("#")])
    print("me", socket.gethostbyname(socket.gethostname()))
"""


@pytest.mark.parametrize("how", ["net=", "dhcp"])
def test_user_networking_static_or_by_dhcp(boot: Boot, how: str) -> None:
    options = ["--net", "user"] + (["--ip", "dhcp"] if how == "dhcp" else [])
    r = boot(SHOW, options=options)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ("address 10.0.2.15 netmask 255.255.255.0\n"
                        "resolv ['nameserver 10.0.2.3']\n"
                        "hosts ['10.0.2.15\\tunipython']\n"
                        "me 10.0.2.15\n")


def test_an_apps_own_etc_files_stay(boot: Boot, tmp_path: Path) -> None:
    hosts, resolv = tmp_path / "hosts", tmp_path / "resolv.conf"
    hosts.write_text("127.0.0.1 localhost\n10.1.2.3 unipython db\n")
    resolv.write_text("nameserver 10.0.2.2\n")
    r = boot("import socket; print(open('/etc/hosts').read() + open('/etc/resolv.conf').read(), end='')",
             options=["--net", "user", "--ip", "dhcp", "--add", f"{hosts}:/etc/hosts",
                      "--add", f"{resolv}:/etc/resolv.conf"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == hosts.read_text() + resolv.read_text()


TAP, HOST_IP, GUEST_IP = "upytap2", "192.168.79.1", "192.168.79.23"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="a tap device needs root")


@pytest.fixture
def tap_device() -> Iterator[str]:
    subprocess.run(["ip", "link", "del", TAP], capture_output=True)
    subprocess.run(["ip", "tuntap", "add", "dev", TAP, "mode", "tap"], check=True)
    subprocess.run(["ip", "addr", "add", f"{HOST_IP}/24", "dev", TAP], check=True)
    subprocess.run(["ip", "link", "set", TAP, "up"], check=True)
    try:
        yield TAP
    finally:
        subprocess.run(["ip", "link", "del", TAP], capture_output=True)


class DhcpServer:
    """Offers GUEST_IP/24 with HOST_IP as router and name server, on the tap device
    only; counts the messages of each type it got."""

    def __init__(self, device: str, lease_s: int = 3600) -> None:
        self.lease_s = lease_s
        self.renewals_from: list[str] = []  # ciaddr of each REQUEST that renews
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        self.sock.bind(("", 67))
        self.sock.settimeout(0.2)
        self.got: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def _options(msg: bytes) -> dict[int, bytes]:
        opts, i = {}, 240
        while i < len(msg) and msg[i] != 255:
            if msg[i] == 0:
                i += 1
                continue
            opts[msg[i]] = msg[i + 2:i + 2 + msg[i + 1]]
            i += 2 + msg[i + 1]
        return opts

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                msg, _ = self.sock.recvfrom(1500)
            except TimeoutError:
                continue
            if len(msg) < 240 or msg[0] != 1 or msg[236:240] != b"\x63\x82\x53\x63":
                continue
            kind = self._options(msg).get(53, b"\0")[0]
            self.got.append(kind)
            if kind == 3 and msg[12:16] != bytes(4):
                self.renewals_from.append(socket.inet_ntoa(msg[12:16]))
            answer = {1: 2, 3: 5}.get(kind)  # DISCOVER -> OFFER, REQUEST -> ACK
            if not answer:
                continue
            ip = lambda a: socket.inet_aton(a)  # noqa: E731
            reply = bytearray(240)
            reply[0:4] = b"\x02\x01\x06\x00"
            reply[4:8] = msg[4:8]  # xid
            reply[10:12] = msg[10:12]  # flags
            reply[16:20] = ip(GUEST_IP)
            reply[20:24] = ip(HOST_IP)
            reply[28:44] = msg[28:44]  # chaddr
            reply[236:240] = msg[236:240]
            reply += bytes([53, 1, answer, 54, 4]) + ip(HOST_IP)
            reply += bytes([1, 4]) + ip("255.255.255.0") + bytes([3, 4]) + ip(HOST_IP)
            reply += bytes([6, 4]) + ip(HOST_IP) + bytes([51, 4]) + struct.pack(">I", self.lease_s)
            reply += b"\xff"
            self.sock.sendto(bytes(reply), ("255.255.255.255", 68))

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@needs_root
def test_a_lease_from_the_lans_dhcp_server_names_the_resolver(boot: Boot,
                                                              tap_device: str) -> None:
    dhcp, dns = DhcpServer(tap_device, lease_s=4), DnsServer(HOST_IP)
    try:
        r = boot(SHOW + """
    infos = socket.getaddrinfo("some.test", 80, type=socket.SOCK_STREAM)
    print(sorted(i[4][0] for i in infos))
    import time
    time.sleep(3)  # past T1, half the 4 s lease: the kernel renews it
        """, options=["--net", f"tap:{tap_device}", "--ip", "dhcp"])
    finally:
        dhcp.close()
        dns.close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == (f"address {GUEST_IP} netmask 255.255.255.0\n"
                        f"resolv ['nameserver {HOST_IP}']\n"
                        f"hosts ['{GUEST_IP}\\tunipython']\n"
                        f"me {GUEST_IP}\n"
                        "['10.9.8.7', '2001:db8::7']\n")
    assert dhcp.got[:2] == [1, 3]  # DISCOVER, REQUEST
    assert GUEST_IP in dhcp.renewals_from, dhcp.got  # and a renewal at T1
    assert sorted(dns.queries[:2]) == [1, 28]


@needs_root
def test_static_tap_addresses_and_dns_reach_the_files(boot: Boot, tap_device: str) -> None:
    r = boot(SHOW.replace('print("me"', '# print("me"'),
             options=["--net", f"tap:{tap_device}", "--ip", f"{GUEST_IP}/24", "--gateway",
                      HOST_IP, "--dns", "192.168.79.53"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == (f"address {GUEST_IP} netmask 255.255.255.0\n"
                        "resolv ['nameserver 192.168.79.53']\n"
                        f"hosts ['{GUEST_IP}\\tunipython']\n")


@needs_root
def test_no_lease_says_so_and_the_app_runs(boot: Boot, tap_device: str) -> None:
    started = time.monotonic()
    r = boot("""
        import socket
        print("running", socket.gethostbyname(socket.gethostname()))
    """, options=["--net", f"tap:{tap_device}", "--ip", "dhcp"])
    assert r.returncode == 0, r.stdout + r.stderr
    # The kernel's message, then the app with the builder's loopback-only /etc/hosts.
    assert r.stdout.splitlines()[-1] == "running 127.0.1.1"
    assert "eth0 got no lease in 7 s (no DHCP server answered)" in r.stdout + r.stderr
    assert time.monotonic() - started < 60


def test_builds_network_options_are_runs_defaults(tmp_path: Path) -> None:
    import sys
    import urllib.request

    from tests.boot.conftest import BOOT_TIMEOUT, REPO
    from tests.boot.test_net_tcp import SERVER_APP, free_tcp_port

    app, image = tmp_path / "server.py", tmp_path / "server.img"
    app.write_text(SERVER_APP)
    port = free_tcp_port()
    cli = [sys.executable, "-m", "unipython"]
    subprocess.run(cli + ["build", "-p", f"{port}:8000", "-o", str(image), str(app)], cwd=REPO,
                   check=True, capture_output=True)
    shown = subprocess.run(cli + ["inspect", str(image)], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout
    assert f"build's defaults for run: -p {port}:8000" in shown
    proc = subprocess.Popen(cli + ["run", "--timeout", str(BOOT_TIMEOUT), str(image)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "serving\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/x", timeout=60) as r:
            assert r.read() == b"hello /x\n"
        urllib.request.urlopen(f"http://127.0.0.1:{port}/quit", timeout=60).read()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
