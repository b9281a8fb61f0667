"""Internet socket addresses (net/inet_addr.c): reading and writing sockaddrs, and
which bindings may share a port, checked against what Linux does."""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

V4, V6 = socket.AF_INET, socket.AF_INET6


class Endpoint(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_uint8 * 16), ("port", ctypes.c_uint16),
                ("flowinfo", ctypes.c_uint32), ("scope_id", ctypes.c_uint32)]


class Binding(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_int), ("v6only", ctypes.c_bool),
                ("addr", ctypes.c_char_p)]


def sockaddr_in(host: str, port: int) -> bytes:
    return struct.pack("<H", V4) + struct.pack(">H", port) + socket.inet_aton(host) + bytes(8)


def sockaddr_in6(host: str, port: int, flowinfo: int = 0, scope: int = 0) -> bytes:
    return (struct.pack("<H", V6) + struct.pack(">H", port) + struct.pack("<I", flowinfo)
            + socket.inet_pton(V6, host) + struct.pack("<I", scope))


def mapped(host: str) -> bytes:
    ip = ipaddress.ip_address(host)
    return bytes(10) + b"\xff\xff" + ip.packed if ip.version == 4 else ip.packed


def read(klib, sa: bytes, domain: int) -> tuple[int, Endpoint]:
    e = Endpoint()
    return klib.inet_endpoint_read(sa, len(sa), domain, ctypes.byref(e)), e


def test_an_ipv4_address_is_kept_v4_mapped(klib):
    rc, e = read(klib, sockaddr_in("127.0.0.1", 8080), V4)
    assert rc == 0 and bytes(e.addr) == mapped("127.0.0.1") and e.port == 8080


def test_short_or_foreign_sockaddrs_get_linux_errnos(klib):
    assert read(klib, sockaddr_in("127.0.0.1", 1)[:15], V4)[0] == -errno.EINVAL
    assert read(klib, sockaddr_in6("::1", 1)[:23], V6)[0] == -errno.EINVAL
    assert read(klib, sockaddr_in("127.0.0.1", 1), V6)[0] == -errno.EINVAL  # 16 < 24 bytes
    assert read(klib, sockaddr_in6("::1", 1), V4)[0] == -errno.EAFNOSUPPORT
    # The RFC 2133 sockaddr_in6 (no scope id) is still taken, as Linux does.
    rc, e = read(klib, sockaddr_in6("::1", 7)[:24], V6)
    assert rc == 0 and e.port == 7 and e.scope_id == 0


ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
ports = st.integers(0, 65535)


@given(ipv4, ports)
def test_ipv4_sockaddrs_round_trip(klib, host, port):
    rc, e = read(klib, sockaddr_in(host, port), V4)
    out = ctypes.create_string_buffer(28)
    assert rc == 0 and klib.inet_endpoint_write(ctypes.byref(e), V4, out) == 16
    assert out.raw[:16] == sockaddr_in(host, port)


@given(ipv6, ports, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_ipv6_sockaddrs_round_trip(klib, host, port, flowinfo, scope):
    sa = sockaddr_in6(host, port, flowinfo, scope)
    rc, e = read(klib, sa, V6)
    out = ctypes.create_string_buffer(28)
    assert rc == 0 and klib.inet_endpoint_write(ctypes.byref(e), V6, out) == 28
    assert out.raw == sa


@given(ipv4, ports)
def test_an_ipv6_socket_sees_an_ipv4_peer_v4_mapped(klib, host, port):
    _, e = read(klib, sockaddr_in(host, port), V4)
    out = ctypes.create_string_buffer(28)
    klib.inet_endpoint_write(ctypes.byref(e), V6, out)
    assert out.raw == sockaddr_in6(f"::ffff:{host}", port)


def binding(domain: int, host: str, v6only: bool = False) -> Binding:
    return Binding(domain, v6only, mapped(host))


# (first socket, second socket, may they not share a port?), as Linux decides
# without SO_REUSEADDR / SO_REUSEPORT.
CLASHES = [
    ((V4, "0.0.0.0"), (V4, "127.0.0.1"), True),
    ((V4, "127.0.0.1"), (V4, "127.0.0.1"), True),
    ((V4, "127.0.0.1"), (V4, "127.0.0.2"), False),
    ((V6, "::"), (V4, "0.0.0.0"), True),
    ((V6, "::"), (V4, "127.0.0.1"), True),
    ((V6, "::", True), (V4, "0.0.0.0"), False),
    ((V6, "::1"), (V4, "127.0.0.1"), False),
    ((V6, "::1"), (V4, "0.0.0.0"), False),
    ((V6, "::1"), (V6, "::"), True),
    ((V6, "::", True), (V6, "::1"), True),
    ((V6, "::ffff:127.0.0.1"), (V4, "127.0.0.1"), True),
]


@pytest.mark.parametrize("a, b, clash", CLASHES)
def test_which_bindings_clash(klib, a, b, clash):
    first, second = binding(*a), binding(*b)
    assert klib.inet_bindings_clash(ctypes.byref(first), ctypes.byref(second)) is clash
    assert klib.inet_bindings_clash(ctypes.byref(second), ctypes.byref(first)) is clash


@pytest.mark.parametrize("bound, dest, accepts", [
    ((V4, "0.0.0.0"), "127.0.0.1", True),
    ((V4, "127.0.0.1"), "127.0.0.2", False),
    ((V4, "0.0.0.0"), "::1", False),
    ((V6, "::"), "127.0.0.1", True),
    ((V6, "::", True), "127.0.0.1", False),
    ((V6, "::"), "::1", True),
    ((V6, "::1"), "::1", True),
    ((V6, "::1"), "127.0.0.1", False),
])
def test_which_binding_receives_what(klib, bound, dest, accepts):
    assert klib.inet_binding_accepts(ctypes.byref(binding(*bound)), mapped(dest)) is accepts
