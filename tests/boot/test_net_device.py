"""The guest's Ethernet interface: virtio-net (drivers/net/virtio_net.c) as eth0 with
the address the runner passes (net=), as apps see it (if_nameindex, the interface
ioctls, getifaddrs, rtnetlink), and on the wire (ARP, recorded by QEMU's filter-dump).

The network is QEMU's user networking with restrict=on: nothing leaves this machine.
There is no IPv4 on the device yet: these tests pin down the link and ARP."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path

from tests.boot.conftest import Boot
from tests.boot.test_netlink import HELPERS

from unipython.netconf import Network
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import qemu

GUEST_MAC = "52:54:00:12:34:56"  # QEMU's default for the first NIC

IFADDRS = """
import ctypes
class sockaddr(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("data", ctypes.c_ubyte * 26)]
class ifaddrs(ctypes.Structure):
    pass
ifaddrs._fields_ = [("next", ctypes.POINTER(ifaddrs)), ("name", ctypes.c_char_p),
                    ("flags", ctypes.c_uint), ("addr", ctypes.POINTER(sockaddr)),
                    ("netmask", ctypes.POINTER(sockaddr)), ("broad", ctypes.POINTER(sockaddr)),
                    ("data", ctypes.c_void_p)]
def v4(p):
    return socket.inet_ntoa(bytes(p.contents.data)[2:6]) if p else None
libc = ctypes.CDLL("libc.so.6")
head = ctypes.POINTER(ifaddrs)()
assert libc.getifaddrs(ctypes.byref(head)) == 0
p = head
while p:
    e = p.contents
    if e.addr and e.addr.contents.family == socket.AF_INET:
        print("ifaddr", e.name.decode(), hex(e.flags), v4(e.addr), v4(e.netmask), v4(e.broad))
    elif e.addr and e.addr.contents.family == socket.AF_PACKET:
        print("link", e.name.decode(), hex(e.flags), bytes(e.addr.contents.data)[10:16].hex(":"))
    p = e.next
libc.freeifaddrs(head)
"""


def test_eth0_has_the_runners_address_mac_and_flags(boot: Boot) -> None:
    r = boot(HELPERS + IFADDRS + """
print("if_nameindex", socket.if_nameindex())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def ioctl(cmd, name=b"eth0"):
    return fcntl.ioctl(s, cmd, name.ljust(40, b"\\0"))[16:]
print("flags", hex(struct.unpack_from("H", ioctl(0x8913))[0]))
print("mtu", struct.unpack_from("i", ioctl(0x8921))[0])
hw = ioctl(0x8927)
print("hwaddr", struct.unpack_from("H", hw)[0], hw[2:8].hex(":"))
for name, cmd in (("addr", 0x8915), ("netmask", 0x891b), ("broadcast", 0x8919)):
    print(name, socket.inet_ntoa(ioctl(cmd)[4:8]))
# rtnetlink: the link is up (IFLA_OPERSTATE 6) with its carrier.
nl = netlink()
nl.send(request(RTM_GETLINK, REQ | DUMP, struct.pack("=BxHiII", 0, 0, 0, 0, 0)))
for t, f, seq, pid, body in read_dump(nl):
    a = attrs(body, 16)
    print("rtnl link", a[3][:-1].decode(), "operstate", a[16][0], "carrier", a[33][0],
          "mtu", struct.unpack("I", a[4])[0], "qdisc", a[6][:-1].decode())
nl.send(request(RTM_GETADDR, REQ | DUMP, struct.pack("=BBBBI", 2, 0, 0, 0, 0)))
for t, f, seq, pid, body in read_dump(nl):
    family, plen, flags, scope, index = struct.unpack_from("=BBBBI", body)
    a = attrs(body, 8)
    print("rtnl addr", index, socket.inet_ntoa(a[1]), plen, scope,
          socket.inet_ntoa(a[4]) if 4 in a else None)
""", options=["--net", "restricted"])
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert "if_nameindex [(1, 'lo'), (2, 'eth0')]" in out
    # UP | BROADCAST | RUNNING | MULTICAST, as Linux's virtio_net with a carrier.
    assert "flags 0x1043" in out
    assert "mtu 1500" in out
    assert f"hwaddr 1 {GUEST_MAC}" in out  # ARPHRD_ETHER
    assert {"addr 10.0.2.15", "netmask 255.255.255.0", "broadcast 10.0.2.255"} <= set(out)
    assert "rtnl link lo operstate 0 carrier 1 mtu 65536 qdisc noqueue" in out
    assert "rtnl link eth0 operstate 6 carrier 1 mtu 1500 qdisc pfifo_fast" in out
    assert "rtnl addr 1 127.0.0.1 8 254 None" in out
    assert "rtnl addr 2 10.0.2.15 24 0 10.0.2.255" in out
    assert f"link eth0 0x11043 {GUEST_MAC}" in out
    assert "ifaddr eth0 0x11043 10.0.2.15 255.255.255.0 10.0.2.255" in out
    # Linux's order: lo's address, then eth0's.
    assert [line.split()[1] for line in out if line.startswith("ifaddr")] == ["lo", "eth0"]


def test_net_none_leaves_only_loopback(boot: Boot) -> None:
    r = boot("import socket\nprint(socket.if_nameindex())\n", options=["--net", "none"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "[(1, 'lo')]\n"


def test_an_app_without_sockets_gets_no_network_device(boot: Boot) -> None:
    r = boot("print('hi')\n", options=["--net", "user"])
    assert r.returncode == 2
    assert "--net user needs networking" in r.stderr


# --- on the wire ---

def pcap_frames(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def arps(frames: list[bytes]) -> list[tuple[int, str, str, str]]:
    """(op, sender MAC, sender IP, target IP) of each ARP frame."""
    out = []
    for f in frames:
        if len(f) >= 42 and f[12:14] == b"\x08\x06":
            op = struct.unpack_from(">H", f, 20)[0]
            out.append((op, f[22:28].hex(":"), socket.inet_ntoa(f[28:32]),
                        socket.inet_ntoa(f[38:42])))
    return out


def boot_recorded(image: Path, tmp_path: Path, net_value: str, hostfwd: str = "",
                  during=None) -> tuple[qemu.VMResult, list[bytes]]:
    pcap = tmp_path / "wire.pcap"
    netdev = Network(restricted=True).qemu_netdev() + hostfwd
    cmdline = kernel_cmdline(RunOptions(args=["3"])) + f" net={net_value}"
    cfg = qemu.VMConfig(image=image, cmdline=cmdline, timeout=120, netdev=netdev,
                        extra_args=["-object", f"filter-dump,id=f0,netdev=n0,file={pcap}"])
    stop = threading.Event()
    if during:
        threading.Thread(target=during, args=(stop,), daemon=True).start()
    try:
        result = qemu.boot(cfg, stdout=None)
    finally:
        stop.set()
    return result, pcap_frames(pcap)


SLEEPER = "import socket, sys, time\ntime.sleep(float(sys.argv[1]))\n"


def test_the_guest_asks_for_its_gateway_when_the_link_comes_up(image_of, tmp_path: Path) -> None:
    result, frames = boot_recorded(image_of(SLEEPER), tmp_path, Network().kernel_value())
    assert result.exit_status == 0
    seen = arps(frames)
    assert (1, GUEST_MAC, "10.0.2.15", "10.0.2.2") in seen, seen  # who-has 10.0.2.2
    assert any(op == 2 and spa == "10.0.2.2" for op, _, spa, _ in seen), seen  # QEMU's answer
    # The device pads short frames to Ethernet's 60-byte minimum.
    ours = [f for f in frames if f[6:12].hex(":") == GUEST_MAC]
    assert ours and all(len(f) >= 60 for f in ours)


def test_the_guest_answers_arp_for_its_address(image_of, tmp_path: Path) -> None:
    # No gateway: the guest sends nothing of its own. A datagram the host sends to a
    # forwarded port makes QEMU ask who has 10.0.2.15; the guest must answer.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    def send(stop: threading.Event) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while not stop.wait(0.5):
            s.sendto(b"ping", ("127.0.0.1", port))
        s.close()

    result, frames = boot_recorded(image_of(SLEEPER), tmp_path, "10.0.2.15/24",
                                   hostfwd=f",hostfwd=udp:127.0.0.1:{port}-:7777", during=send)
    assert result.exit_status == 0
    seen = arps(frames)
    assert not any(mac == GUEST_MAC and op == 1 for op, mac, _, _ in seen), seen
    assert any(op == 1 and tpa == "10.0.2.15" for op, _, _, tpa in seen), seen
    assert (2, GUEST_MAC, "10.0.2.15", "10.0.2.2") in seen, seen  # is-at, to QEMU
    # With the answer, QEMU delivers the datagram (which has no IPv4 layer to go to yet).
    assert any(f[12:14] == b"\x08\x00" and f[0:6].hex(":") == GUEST_MAC for f in frames)
