"""IPv4, UDP and ICMP headers and the Internet checksum (net/ipv4.c): checked against
an independent Python implementation of RFC 1071/791/768, and every malformed header
the stack must drop (truncated frames, IHL < 5, options past the end, bad checksums)."""

from __future__ import annotations

import ctypes
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

OK, TRUNCATED, BAD_VERSION, BAD_IHL, BAD_CHECKSUM, FRAGMENT = range(6)
SRC, DST = socket.inet_aton("10.0.2.2"), socket.inet_aton("10.0.2.15")


class Ipv4Hdr(ctypes.Structure):
    _fields_ = [("ihl", ctypes.c_uint8), ("tos", ctypes.c_uint8), ("total_len", ctypes.c_uint16),
                ("id", ctypes.c_uint16), ("frag", ctypes.c_uint16), ("ttl", ctypes.c_uint8),
                ("proto", ctypes.c_uint8), ("src", ctypes.c_uint8 * 4), ("dst", ctypes.c_uint8 * 4)]


class UdpHdr(ctypes.Structure):
    _fields_ = [("sport", ctypes.c_uint16), ("dport", ctypes.c_uint16), ("len", ctypes.c_uint16)]


@pytest.fixture(scope="session")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    sz, vp, cp = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p
    klib.inet_csum_add.argtypes = [ctypes.c_uint32, cp, sz]
    klib.inet_csum_add.restype = ctypes.c_uint32
    klib.inet_csum_fold.argtypes = [ctypes.c_uint32]
    klib.inet_csum_fold.restype = ctypes.c_uint16
    klib.ipv4_parse.argtypes = [cp, sz, vp]
    klib.ipv4_build.argtypes = [vp, vp]
    klib.udp_parse.argtypes = [cp, sz, cp, cp, vp]
    klib.udp_build.argtypes = [vp, ctypes.c_uint16, ctypes.c_uint16, sz, cp, cp]
    klib.icmp_check.argtypes = [cp, sz]
    klib.icmp_finish.argtypes = [vp, sz]
    return klib


def csum(data: bytes) -> int:
    """RFC 1071, the obvious way."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_header(total: int, ihl: int = 5, proto: int = 17, frag: int = 0x4000, ttl: int = 64,
              options: bytes = b"", fix: bool = True) -> bytes:
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 7, frag, ttl, proto, 0, SRC, DST)
    h += options
    if fix:
        h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h


@given(st.binary(max_size=200))
def test_the_checksum_is_rfc_1071s(lib: ctypes.CDLL, data: bytes) -> None:
    assert lib.inet_csum_fold(lib.inet_csum_add(0, data, len(data))) == csum(data)


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_checksums_add_up_across_even_pieces(lib: ctypes.CDLL, a: bytes, b: bytes) -> None:
    a = a[: len(a) // 2 * 2]
    whole = lib.inet_csum_fold(lib.inet_csum_add(0, a + b, len(a) + len(b)))
    assert lib.inet_csum_fold(lib.inet_csum_add(lib.inet_csum_add(0, a, len(a)), b, len(b))) == whole


def parse(lib: ctypes.CDLL, packet: bytes) -> tuple[int, Ipv4Hdr]:
    h = Ipv4Hdr()
    return lib.ipv4_parse(packet, len(packet), ctypes.byref(h)), h


def test_a_good_header_parses_with_its_fields(lib: ctypes.CDLL) -> None:
    rc, h = parse(lib, ip_header(28) + bytes(8) + bytes(18))  # Ethernet padding after it
    assert rc == OK
    assert (h.ihl, h.total_len, h.id, h.ttl, h.proto) == (20, 28, 7, 64, 17)
    assert bytes(h.src) == SRC and bytes(h.dst) == DST


def test_options_within_the_packet_are_skipped(lib: ctypes.CDLL) -> None:
    rc, h = parse(lib, ip_header(32, ihl=6, options=b"\x01\x01\x01\x00") + bytes(8))
    assert (rc, h.ihl) == (OK, 24)


@pytest.mark.parametrize("packet,why", [
    (ip_header(28)[:19], TRUNCATED),
    (ip_header(28) + bytes(4), TRUNCATED),                       # total length past the frame
    (b"\x60" + ip_header(28)[1:] + bytes(8), BAD_VERSION),
    (ip_header(28, ihl=4) + bytes(8), BAD_IHL),                  # IHL < 5
    (ip_header(28, ihl=0) + bytes(8), BAD_IHL),
    (ip_header(40, ihl=15, options=bytes(20)), BAD_IHL),         # options past the end
    (ip_header(20, ihl=6, options=bytes(4)), BAD_IHL),           # total length inside the options
    (ip_header(28, fix=False) + bytes(8), BAD_CHECKSUM),
    (ip_header(28, frag=0x2000) + bytes(8), FRAGMENT),           # more fragments
    (ip_header(28, frag=0x0001) + bytes(8), FRAGMENT),           # an offset
])
def test_bad_headers_are_dropped_with_their_reason(lib: ctypes.CDLL, packet: bytes, why: int) -> None:
    assert parse(lib, packet)[0] == why


@given(st.binary(max_size=80))
def test_any_bytes_parse_or_are_refused_without_reading_past_them(lib: ctypes.CDLL,
                                                                  data: bytes) -> None:
    rc, h = parse(lib, data)
    if rc == OK:
        assert 20 <= h.ihl <= h.total_len <= len(data)
        assert csum(data[:h.ihl]) == 0


@given(st.integers(0, 255), st.integers(20, 1500), st.integers(0, 0xFFFF), st.integers(1, 255))
def test_built_headers_parse_back(lib: ctypes.CDLL, tos: int, total: int, ident: int,
                                  ttl: int) -> None:
    h = Ipv4Hdr(0, tos, total, ident, 0x4000, ttl, 17, (ctypes.c_uint8 * 4)(*SRC),
                (ctypes.c_uint8 * 4)(*DST))
    buf = ctypes.create_string_buffer(total)
    lib.ipv4_build(buf, ctypes.byref(h))
    assert csum(buf.raw[:20]) == 0
    rc, back = parse(lib, buf.raw)
    assert rc == OK and (back.tos, back.total_len, back.id, back.ttl) == (tos, total, ident, ttl)


def udp_checksum(payload_and_hdr: bytes) -> int:
    pseudo = SRC + DST + struct.pack(">BBH", 0, 17, len(payload_and_hdr))
    return csum(pseudo + payload_and_hdr)


@given(st.binary(max_size=100), st.integers(1, 0xFFFF), st.integers(1, 0xFFFF))
def test_udp_build_matches_rfc_768_and_parses_back(lib: ctypes.CDLL, payload: bytes, sport: int,
                                                   dport: int) -> None:
    buf = ctypes.create_string_buffer(bytes(8) + payload, 8 + len(payload))
    lib.udp_build(buf, sport, dport, len(payload), SRC, DST)
    raw = buf.raw
    assert struct.unpack(">HHH", raw[:6]) == (sport, dport, 8 + len(payload))
    assert udp_checksum(raw) == 0 and raw[6:8] != b"\0\0"
    u = UdpHdr()
    assert lib.udp_parse(raw, len(raw), SRC, DST, ctypes.byref(u)) == 0
    assert (u.sport, u.dport, u.len) == (sport, dport, 8 + len(payload))
    # Another address in the pseudo header: the checksum no longer holds.
    assert lib.udp_parse(raw, len(raw), DST, DST, ctypes.byref(u)) == -1


def test_udp_without_a_checksum_is_taken_and_bad_lengths_are_not(lib: ctypes.CDLL) -> None:
    u = UdpHdr()
    raw = struct.pack(">HHHH", 53, 4000, 12, 0) + b"abcd"
    assert lib.udp_parse(raw, len(raw), SRC, DST, ctypes.byref(u)) == 0
    for bad in (raw[:7], struct.pack(">HHHH", 53, 4000, 7, 0), struct.pack(">HHHH", 53, 4000, 13, 0) + b"abcd"):
        assert lib.udp_parse(bad, len(bad), SRC, DST, ctypes.byref(u)) == -1


def test_icmp_checksums(lib: ctypes.CDLL) -> None:
    msg = ctypes.create_string_buffer(struct.pack(">BBHHH", 8, 0, 0, 0x1234, 1) + b"ping", 12)
    lib.icmp_finish(msg, 12)
    assert csum(msg.raw) == 0 and lib.icmp_check(msg.raw, 12) == 0
    broken = msg.raw[:-1] + b"x"
    assert lib.icmp_check(broken, 12) == -1
    assert lib.icmp_check(msg.raw[:7], 7) == -1
