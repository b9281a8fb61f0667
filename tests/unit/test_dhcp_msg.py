"""DHCP messages (net/dhcp_msg.c): what the client sends is a well-formed BOOTP
request, and what it reads from a server (built here independently) gives the lease;
any bytes at all give an error code, never a read past the end."""

from __future__ import annotations

import ctypes
import ipaddress
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

MAC = bytes.fromhex("525400123456")
XID = 0x1234ABCD
COOKIE = b"\x63\x82\x53\x63"
ERRORS = ["OK", "TOO_SHORT", "NOT_A_REPLY", "NOT_OURS", "BAD_COOKIE", "BAD_OPTIONS", "NO_TYPE",
          "BAD_LEASE"]
Addr = ctypes.c_uint8 * 4


class Request(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("xid", ctypes.c_uint32), ("secs", ctypes.c_uint16),
                ("mac", ctypes.c_uint8 * 6), ("ciaddr", Addr), ("has_requested", ctypes.c_bool),
                ("requested", Addr), ("has_server", ctypes.c_bool), ("server", Addr),
                ("hostname", ctypes.c_char_p)]


class Reply(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("yiaddr", Addr), ("has_server", ctypes.c_bool),
                ("server", Addr), ("prefixlen", ctypes.c_uint8), ("has_router", ctypes.c_bool),
                ("router", Addr), ("n_dns", ctypes.c_int), ("dns", Addr * 3),
                ("lease_s", ctypes.c_uint32), ("t1_s", ctypes.c_uint32), ("t2_s", ctypes.c_uint32)]


@pytest.fixture(scope="module")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    klib.dhcp_build.argtypes = [ctypes.POINTER(Request), ctypes.c_char_p, ctypes.c_size_t]
    klib.dhcp_build.restype = ctypes.c_size_t
    klib.dhcp_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32,
                                ctypes.c_char_p, ctypes.POINTER(Reply)]
    klib.dhcp_parse.restype = ctypes.c_int
    return klib


def options(msg: bytes) -> dict[int, bytes]:
    out, i = {}, 240
    while msg[i] != 255:
        if msg[i] == 0:
            i += 1
            continue
        out[msg[i]] = msg[i + 2:i + 2 + msg[i + 1]]
        i += 2 + msg[i + 1]
    return out


def build(lib: ctypes.CDLL, **fields: object) -> bytes:
    rq = Request(type=fields.pop("type", 1), xid=XID, mac=(ctypes.c_uint8 * 6)(*MAC))
    for k, v in fields.items():
        setattr(rq, k, v)
    buf = ctypes.create_string_buffer(576)
    n = lib.dhcp_build(ctypes.byref(rq), buf, 576)
    return buf.raw[:n]


def test_a_discover_asks_for_a_broadcast_answer(lib: ctypes.CDLL) -> None:
    msg = build(lib, hostname=b"unipython")
    assert len(msg) == 300  # BOOTP's minimum
    op, htype, hlen, hops, xid, secs, flags = struct.unpack_from(">BBBBIHH", msg)
    assert (op, htype, hlen, hops, xid, flags) == (1, 1, 6, 0, XID, 0x8000)
    assert msg[28:34] == MAC and msg[236:240] == COOKIE
    opts = options(msg)
    assert opts[53] == b"\x01" and opts[12] == b"unipython"
    assert set(opts[55]) >= {1, 3, 6, 51}
    assert 50 not in opts and 54 not in opts


def test_a_request_names_the_offer_and_a_renewal_only_its_address(lib: ctypes.CDLL) -> None:
    msg = build(lib, type=3, has_requested=True, requested=Addr(10, 0, 2, 15), has_server=True,
                server=Addr(10, 0, 2, 2))
    opts = options(msg)
    assert opts[53] == b"\x03" and opts[50] == bytes([10, 0, 2, 15]) and opts[54] == bytes([10, 0, 2, 2])
    renew = build(lib, type=3, ciaddr=Addr(10, 0, 2, 15))
    assert renew[12:16] == bytes([10, 0, 2, 15]) and struct.unpack_from(">H", renew, 10)[0] == 0


def reply(kind: int = 2, yiaddr: str = "192.0.2.7", opts: bytes | None = None,
          xid: int = XID, mac: bytes = MAC) -> bytes:
    head = bytearray(240)
    head[0:4] = b"\x02\x01\x06\x00"
    head[4:8] = struct.pack(">I", xid)
    head[16:20] = ipaddress.IPv4Address(yiaddr).packed
    head[28:34] = mac
    head[236:240] = COOKIE
    if opts is None:
        opts = (bytes([53, 1, kind, 54, 4, 192, 0, 2, 1, 1, 4, 255, 255, 255, 0, 3, 8])
                + bytes([192, 0, 2, 1, 192, 0, 2, 254]) + bytes([6, 8, 192, 0, 2, 53, 8, 8, 8, 8])
                + bytes([51, 4]) + struct.pack(">I", 3600) + b"\xff")
    return bytes(head) + opts


def parse(lib: ctypes.CDLL, msg: bytes, xid: int = XID) -> tuple[str, Reply]:
    r = Reply()
    rc = lib.dhcp_parse(msg, len(msg), xid, MAC, ctypes.byref(r))
    return ERRORS[rc], r


def ip(a: ctypes.Array) -> str:  # type: ignore[type-arg]
    return str(ipaddress.IPv4Address(bytes(a)))


def test_an_offer_gives_the_lease(lib: ctypes.CDLL) -> None:
    err, r = parse(lib, reply())
    assert err == "OK" and r.type == 2
    assert (ip(r.yiaddr), r.prefixlen, ip(r.router), ip(r.server)) == \
        ("192.0.2.7", 24, "192.0.2.1", "192.0.2.1")
    assert [ip(r.dns[i]) for i in range(r.n_dns)] == ["192.0.2.53", "8.8.8.8"]
    assert (r.lease_s, r.t1_s, r.t2_s) == (3600, 1800, 3150)  # RFC 2131's T1, T2


def test_defaults_without_mask_or_lease_time(lib: ctypes.CDLL) -> None:
    err, r = parse(lib, reply(yiaddr="172.16.5.5", opts=bytes([53, 1, 5, 255])))
    assert err == "OK" and r.prefixlen == 16 and not r.has_router and r.n_dns == 0
    assert r.lease_s == r.t1_s == r.t2_s == 0xFFFFFFFF


@pytest.mark.parametrize("msg, want", [
    (reply()[:239], "TOO_SHORT"),
    (b"\x01" + reply()[1:], "NOT_A_REPLY"),
    (reply(xid=XID + 1), "NOT_OURS"),
    (reply(mac=bytes(6)), "NOT_OURS"),
    (reply()[:236] + b"\x63\x82\x53\x64" + reply()[240:], "BAD_COOKIE"),
    (reply(opts=bytes([53, 1, 2, 6, 200, 1, 2])), "BAD_OPTIONS"),
    (reply(opts=bytes([53, 1, 2, 6])), "BAD_OPTIONS"),
    (reply(opts=bytes([1, 4, 255, 255, 255, 0, 255])), "NO_TYPE"),
    (reply(opts=bytes([53, 1, 1, 255])), "NO_TYPE"),  # a DISCOVER is no answer
    (reply(yiaddr="0.0.0.0"), "BAD_LEASE"),
    (reply(yiaddr="127.0.0.1"), "BAD_LEASE"),
    (reply(yiaddr="224.0.0.1"), "BAD_LEASE"),
    (reply(opts=bytes([53, 1, 5, 1, 4, 255, 0, 255, 0, 255])), "BAD_LEASE"),  # holes in the mask
])
def test_bad_messages_are_refused(lib: ctypes.CDLL, msg: bytes, want: str) -> None:
    assert parse(lib, msg)[0] == want


def test_a_nak_needs_no_address(lib: ctypes.CDLL) -> None:
    err, r = parse(lib, reply(yiaddr="0.0.0.0", opts=bytes([53, 1, 6, 255])))
    assert err == "OK" and r.type == 6


option = st.tuples(st.integers(1, 254), st.binary(max_size=40))


@settings(max_examples=300, deadline=None)
@given(opts=st.lists(option, max_size=12), kind=st.sampled_from([2, 5, 6]))
def test_well_formed_options_read_as_a_model_does(lib: ctypes.CDLL,
                                                  opts: list[tuple[int, bytes]], kind: int) -> None:
    raw = bytes([53, 1, kind]) + b"".join(bytes([c, len(v)]) + v for c, v in opts if c != 53) + b"\xff"
    err, r = parse(lib, reply(opts=raw))
    first = {}
    for c, v in opts:
        first.setdefault(c, v) if c != 53 else None
    mask = next((v for c, v in opts if c == 1 and len(v) == 4), None)
    if kind != 6 and mask is not None:
        bits = int.from_bytes(mask, "big")
        n = bin(bits).count("1")
        if bits != ((1 << 32) - (1 << (32 - n)) if n else 0) or not 1 <= n <= 30:
            assert err == "BAD_LEASE"
            return
        assert r.prefixlen == n
    assert err == "OK" and r.type == kind
    dns = b"".join(v[:len(v) // 4 * 4] for c, v in opts if c == 6)[:12]
    assert r.n_dns == len(dns) // 4


@settings(max_examples=500, deadline=None)
@given(tail=st.binary(max_size=400), cut=st.integers(0, 700))
def test_any_bytes_give_an_error_code(lib: ctypes.CDLL, tail: bytes, cut: int) -> None:
    msg = (reply(opts=b"") + tail)[:cut]
    buf = ctypes.create_string_buffer(msg, len(msg))  # exactly len bytes: ASan-style bound
    r = Reply()
    rc = lib.dhcp_parse(buf, len(msg), XID, MAC, ctypes.byref(r))
    assert 0 <= rc < len(ERRORS)
    if rc == 0 and r.type != 6:
        assert 0 < r.prefixlen <= 30 and r.t1_s <= r.t2_s <= r.lease_s


def test_the_etc_files_say_what_eth0_has(klib: ctypes.CDLL) -> None:
    buf = ctypes.create_string_buffer(512)
    dns = (Addr * 3)(Addr(10, 0, 2, 3), Addr(1, 1, 1, 1))
    klib.etc_resolv_conf.restype = ctypes.c_size_t
    n = klib.etc_resolv_conf(buf, 512, dns, 2, b"DHCP lease")
    assert buf.raw[:n].decode() == ("# unipython: generated by the kernel from eth0's DHCP lease\n"
                                    "nameserver 10.0.2.3\nnameserver 1.1.1.1\n")
    klib.etc_hosts.restype = ctypes.c_size_t
    n = klib.etc_hosts(buf, 512, Addr(10, 0, 2, 15), b"web", b"net= setting")
    assert "10.0.2.15\tweb\n" in buf.raw[:n].decode()
    assert klib.etc_hosts(buf, 40, Addr(10, 0, 2, 15), b"web", b"net= setting") == 0  # no room
    klib.etc_text_replaceable.restype = ctypes.c_bool
    assert klib.etc_text_replaceable(buf, n) and not klib.etc_text_replaceable(b"# mine", 6)
