"""The guest's interface, lo, as glibc and apps see it: NETLINK_ROUTE sockets, the
interface ioctls of netdevice(7), and the libc functions built on them
(if_nameindex, if_nametoindex, scoped IPv6 addresses). The host has more interfaces
than lo, so the scripts compared with it print only what concerns lo.

Careful: the host side runs as root on the real machine. Its scripts only read
(GET requests, SIOCG* ioctls, messages between their own sockets); changes are
tried in the guest only."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost

HELPERS = """
import errno, fcntl, os, select, socket, struct

def err(fn):
    try:
        r = fn()
        return f"ok {r!r}" if r is not None else "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, e.errno) if e.errno else str(e)

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
REQ, ACK, DUMP = 1, 4, 0x300

def request(type, flags, body=b"", seq=7):
    return struct.pack("=IHHII", 16 + len(body), type, flags, seq, 0) + body

def messages(data):
    off = 0
    while off + 16 <= len(data):
        n, t, f, seq, pid = struct.unpack_from("=IHHII", data, off)
        yield t, f, seq, pid, data[off + 16:off + n]
        off += (n + 3) & ~3

def attrs(data, off):
    out = {}
    while off + 4 <= len(data):
        n, t = struct.unpack_from("=HH", data, off)
        out[t] = data[off + 4:off + n]
        off += (n + 3) & ~3
    return out

def netlink():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    return s

def read_dump(s):
    while True:
        data, (pid, groups) = s.recvfrom(65536)
        for m in messages(data):
            if m[0] == NLMSG_DONE:
                return
            yield m
"""


def test_interface_functions_match_linux(same_as_host: SameAsHost) -> None:
    same_as_host(HELPERS + """
print("if_nameindex", [i for i in socket.if_nameindex() if i[1] == "lo"])
print("nametoindex", socket.if_nametoindex("lo"), "indextoname", socket.if_indextoname(1))
print("unknown name", err(lambda: socket.if_nametoindex("nope0")))
print("unknown index", err(lambda: socket.if_indextoname(4000)))
for host in ("ff02::1de:c0:face:8D%lo", "fe80::1%lo", "fe80::1%1"):
    print(host, socket.getaddrinfo(host, 80, socket.AF_INET6, socket.SOCK_DGRAM)[0][4])
print("bad scope", err(lambda: socket.getaddrinfo("fe80::1%nope0", 80, socket.AF_INET6)))
flags = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
print(socket.getnameinfo(("fe80::1", 80, 0, 1), flags))
print(socket.getnameinfo(("ff02::1de:c0:face:8D", 1234, 0, 1), flags))

# getifaddrs: lo's link (AF_PACKET) and its two addresses, with netmasks.
import ctypes
class sockaddr(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("data", ctypes.c_ubyte * 26)]
class ifaddrs(ctypes.Structure):
    pass
ifaddrs._fields_ = [("next", ctypes.POINTER(ifaddrs)), ("name", ctypes.c_char_p),
                    ("flags", ctypes.c_uint), ("addr", ctypes.POINTER(sockaddr)),
                    ("netmask", ctypes.POINTER(sockaddr)), ("broad", ctypes.POINTER(sockaddr)),
                    ("data", ctypes.c_void_p)]
def sa(p):
    return (p.contents.family, bytes(p.contents.data)[:22].hex()) if p else None
libc = ctypes.CDLL("libc.so.6")
head = ctypes.POINTER(ifaddrs)()
print("getifaddrs", libc.getifaddrs(ctypes.byref(head)))
p = head
while p:
    e = p.contents
    if e.name == b"lo":
        print(e.name, hex(e.flags), sa(e.addr), sa(e.netmask), sa(e.broad))
    p = e.next
libc.freeifaddrs(head)
""")


def test_interface_ioctls_match_linux(same_as_host: SameAsHost) -> None:
    same_as_host(HELPERS + """
SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR = 0x8910, 0x8912, 0x8913, 0x8915
SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCGIFMETRIC = 0x8917, 0x8919, 0x891b, 0x891d
SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFSLAVE, SIOCGIFINDEX = 0x8921, 0x8927, 0x8929, 0x8933
SIOCGIFPFLAGS, SIOCGIFTXQLEN, SIOCGIFMAP, SIOCGIFCOUNT = 0x8935, 0x8942, 0x8970, 0x8938
FIONREAD = 0x541B

def ifreq(s, cmd, name=b"lo", value=b""):
    try:
        return fcntl.ioctl(s, cmd, name.ljust(16, b"\\0") + value.ljust(24, b"\\0")).hex()
    except OSError as e:
        return errno.errorcode[e.errno]

socks = {"unix": socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
         "inet": socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
         "tcp": socket.socket(socket.AF_INET, socket.SOCK_STREAM),
         "inet6": socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
         "netlink": socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)}
for kind, s in socks.items():
    print(kind)
    for name, cmd in [("INDEX", SIOCGIFINDEX), ("FLAGS", SIOCGIFFLAGS), ("MTU", SIOCGIFMTU),
                      ("HWADDR", SIOCGIFHWADDR), ("TXQLEN", SIOCGIFTXQLEN),
                      ("METRIC", SIOCGIFMETRIC), ("MAP", SIOCGIFMAP), ("SLAVE", SIOCGIFSLAVE),
                      ("ADDR", SIOCGIFADDR), ("NETMASK", SIOCGIFNETMASK),
                      ("BRDADDR", SIOCGIFBRDADDR), ("DSTADDR", SIOCGIFDSTADDR),
                      ("PFLAGS", SIOCGIFPFLAGS), ("COUNT", SIOCGIFCOUNT)]:
        print("  ", name, ifreq(s, cmd), ifreq(s, cmd, b"nope0"), ifreq(s, cmd, b"lo:1"))
    print("   NAME", ifreq(s, SIOCGIFNAME, b"", struct.pack("i", 1)),
          ifreq(s, SIOCGIFNAME, b"", struct.pack("i", 4000)))
    print("   FIONREAD", err(lambda: fcntl.ioctl(s, FIONREAD, b"\\0" * 4)))

# SIOCGIFCONF lists IPv4 addresses, lo's first; with no buffer, the length needed.
import ctypes
s = socks["unix"]
need = struct.unpack("iiQ", fcntl.ioctl(s, SIOCGIFCONF, struct.pack("iiQ", 0, 0, 0)))[0]
print("ifconf length", need > 0 and need % 40 == 0)
buf = ctypes.create_string_buffer(b"\\xee" * 200, 200)
for size in (40, 39):
    out = fcntl.ioctl(s, SIOCGIFCONF, struct.pack("iiQ", size, 0, ctypes.addressof(buf)))
    n = struct.unpack("iiQ", out)[0]
    print("ifconf", size, n, buf.raw[:n].hex(), buf.raw[n:n + 1].hex())
""")


def test_netlink_sockets_match_linux(same_as_host: SameAsHost) -> None:
    same_as_host(HELPERS + """
# Creation and names: the first socket's port is the process id.
for t in (socket.SOCK_RAW, socket.SOCK_DGRAM, socket.SOCK_STREAM, socket.SOCK_SEQPACKET):
    print("type", t, err(lambda: socket.socket(socket.AF_NETLINK, t).close()))
for p in (1, 3, 32, 100):
    print("protocol", p, err(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, p)))
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM)
print("unbound", s.getsockname(), s.getpeername())
print("options", [s.getsockopt(socket.SOL_SOCKET, o) for o in (
    socket.SO_TYPE, socket.SO_DOMAIN, socket.SO_PROTOCOL, socket.SO_RCVBUF, socket.SO_ACCEPTCONN)])
s.bind((0, 0))
print("autobind is the pid", s.getsockname() == (os.getpid(), 0))
s2 = netlink()
print("second is negative", s2.getsockname()[0] >= 2**31)
s3 = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)
print("bind taken", err(lambda: s3.bind((os.getpid(), 0))))
# Ports above any pid: no other process on the host can hold them.
FREE = 2**31 - 7
print("bind", err(lambda: s3.bind((FREE, 0))), s3.getsockname())
print("rebind", err(lambda: s3.bind((FREE + 1, 0))), err(lambda: s3.bind((FREE, 0))))
print("no stream calls", err(lambda: s.listen(1)), err(lambda: s.accept()),
      err(lambda: s.shutdown(socket.SHUT_RDWR)))
print("empty send", err(lambda: s.send(b"")))
print("to nobody", err(lambda: s.sendto(b"x" * 16, (FREE + 2, 0))))
print("FIONREAD", err(lambda: fcntl.ioctl(s, 0x541B, b"\\0" * 4)))
SOL_NETLINK = 270
print("netlink options", [err(lambda: s.getsockopt(SOL_NETLINK, o)) for o in range(1, 14)])
print("membership", err(lambda: s.setsockopt(SOL_NETLINK, 1, 0)),
      err(lambda: s.setsockopt(SOL_NETLINK, 1, 100)), err(lambda: s.setsockopt(SOL_NETLINK, 99, 1)))
print("other level", err(lambda: s.setsockopt(socket.IPPROTO_IP, 1, 0)))

# Between two sockets of the app.
s2.sendto(b"hello", s.getsockname())
data, frm = s.recvfrom(100)
print("from a socket", data, frm == s2.getsockname())

# rtnetlink: one link, answered to our port with our sequence number.
p = select.poll()
p.register(s, select.POLLIN | select.POLLOUT)
print("poll idle", [m for fd, m in p.poll(0)])
ifi = struct.pack("=BxHiII", 0, 0, 1, 0, 0)
s.send(request(RTM_GETLINK, REQ, ifi))
print("poll answered", [m for fd, m in p.poll(0)])
print("peek", len(s.recv(10, socket.MSG_PEEK | socket.MSG_TRUNC)) > 10)
data, anc, flags, frm = s.recvmsg(16)
t, f, seq, pid, _ = next(messages(data + bytes(4)))
print("truncated", flags & socket.MSG_TRUNC != 0, t, f, seq, pid == os.getpid(), frm)
s.setblocking(False)
print("consumed", err(lambda: s.recv(100)))
s.setblocking(True)
s.send(request(RTM_GETLINK, REQ | ACK, ifi))
t, f, seq, pid, body = next(messages(s.recv(65536)))
family, type_, index, ifflags, change = struct.unpack_from("=BxHiII", body)
a = attrs(body, 16)
print("link", t, f, family, type_, index, hex(ifflags), a[3], a[4].hex(), a[1].hex(), a[2].hex(),
      a[13].hex(), a[6], a[16].hex())
print("ack", [(t, f, len(body), body[:4].hex()) for t, f, seq, pid, body in messages(s.recv(100))])

# Errors: the request comes back, or only its header with NETLINK_CAP_ACK.
no_link = struct.pack("=BxHiII", 0, 0, 4000, 0, 0)
for body, type_ in ((b"\\0" * 4, RTM_GETLINK), (no_link, RTM_GETLINK),
                    (b"\\1\\2\\3\\4\\5", 0x1000), (b"\\0" * 8, RTM_GETADDR)):
    s.send(request(type_, REQ, body))
    print("error", [(t, f, seq, body.hex()) for t, f, seq, pid, body in messages(s.recv(100))])
s.setsockopt(SOL_NETLINK, 11, 1)  # NETLINK_EXT_ACK: and says why
s.send(request(RTM_GETLINK, REQ, b"\\0" * 4))
print("ext ack", [(f, body[20:]) for t, f, seq, pid, body in messages(s.recv(200))])
s.setsockopt(SOL_NETLINK, 10, 1)  # NETLINK_CAP_ACK
s.send(request(RTM_GETLINK, REQ, b"\\0" * 4))
print("capped", [(f, body.hex()) for t, f, seq, pid, body in messages(s.recv(200))])

# Not requests, or not whole: no answer.
s.setblocking(False)
for junk in (request(RTM_GETLINK, 0, ifi), request(RTM_GETLINK, REQ | DUMP),
             b"\\x20\\0\\0\\0" + bytes(8)):
    print("ignored", err(lambda: s.send(junk)), err(lambda: s.recv(100)))
s.setblocking(True)

# Dumps: what concerns lo.
s.send(request(RTM_GETLINK, REQ | DUMP, b"\\0" * 4, seq=8))
for t, f, seq, pid, body in read_dump(s):
    if struct.unpack_from("=i", body, 4)[0] == 1:
        print("dumped link", t, f, seq, attrs(body, 16)[3])
s.send(request(RTM_GETADDR, REQ | DUMP, b"\\0" * 4, seq=9))
for t, f, seq, pid, body in read_dump(s):
    family, plen, aflags, scope, index = struct.unpack_from("=BBBBI", body)
    if index == 1:
        a = attrs(body, 8)
        print("dumped address", t, f, seq, family, plen, aflags, scope, a[1].hex(),
              a.get(2, b"").hex(), a.get(3), a[8].hex(), a[6][:8].hex())
""")


def test_netlink_in_the_guest(boot: Boot) -> None:
    """What differs from a host with more interfaces, and what only root could try
    there: without a network device (--net none) the raw RTM_GETADDR dump lists lo's
    two addresses and nothing else; changes and unknown requests are refused."""
    result = boot(HELPERS + """
print("if_nameindex", socket.if_nameindex())
s = netlink()
s.send(request(RTM_GETADDR, REQ | DUMP, b"\\0" * 4))
datagrams = []
while True:
    data = s.recv(4096)
    datagrams.append([m[0] for m in messages(data)])
    if datagrams[-1][-1] == NLMSG_DONE:
        break
print("datagrams", datagrams)
s.send(request(RTM_GETADDR, REQ | DUMP, b"\\0" * 4))
for t, f, seq, pid, body in read_dump(s):
    family, plen, aflags, scope, index = struct.unpack_from("=BBBBI", body)
    print("address", socket.inet_ntop(family, attrs(body, 8)[1]), plen, index)
def answer(req):
    s.send(req)
    return [(m[0], struct.unpack_from("=i", m[4])[0]) for m in messages(s.recv(200))]
print("routes", answer(request(26, REQ | DUMP, b"\\0" * 4)))
print("new link", answer(request(RTM_NEWLINK, REQ, struct.pack("=BxHiII", 0, 0, 1, 0, 0))))
print("unknown", answer(request(0x1000, REQ, b"\\0" * 4)))
print("set flags", err(lambda: fcntl.ioctl(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), 0x8914,
                                            b"lo".ljust(40, b"\\0"))))
print("audit", err(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)))
# A multicast group between the app's sockets.
listener = netlink()
listener.setsockopt(270, 1, 5)  # NETLINK_ADD_MEMBERSHIP
print("groups", listener.getsockname()[1], listener.getsockopt(270, 9, 8).hex())
s.sendto(b"news", (0, 1 << 4))
print("multicast", listener.recvfrom(100))
# Only loopback: AI_ADDRCONFIG finds no address for IPv4 or IPv6 alone, as on Linux.
for family in (socket.AF_UNSPEC, socket.AF_INET):
    print("addrconfig", family, err(lambda: len(socket.getaddrinfo(
        "localhost", 80, family, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG))))
""", options=["--net", "none"])
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:9] == [
        "if_nameindex [(1, 'lo')]",
        "datagrams [[20, 20], [3]]",
        "address 127.0.0.1 8 1",
        "address ::1 128 1",
        "routes [(2, -95)]",
        "new link [(2, -95)]",
        "unknown [(2, -95)]",
        "set flags EPERM",
        "audit EPROTONOSUPPORT",
    ]
    assert lines[9] == f"groups 16 {(1 << 4).to_bytes(4, 'little').hex()}00000000"
    assert lines[10].startswith("multicast (b'news', (") and lines[10].endswith(", 16))")
    assert lines[11:] == ["addrconfig 0 ok 1", "addrconfig 2 -2"]
