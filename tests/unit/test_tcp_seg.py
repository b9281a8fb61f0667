"""TCP headers and options (net/tcp_seg.c): built segments checked against an
independent Python encoder (RFC 9293 3.1, RFC 7323), parsing of what the builder
wrote, every malformed header the stack must drop, and sequence-number
arithmetic modulo 2**32."""

from __future__ import annotations

import ctypes
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

OK, TRUNCATED, BAD_OFFSET, BAD_CHECKSUM, BAD_OPTION = range(5)
SRC, DST = socket.inet_aton("10.0.2.2"), socket.inet_aton("10.0.2.15")
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


class TcpHdr(ctypes.Structure):
    _fields_ = [("sport", ctypes.c_uint16), ("dport", ctypes.c_uint16),
                ("seq", ctypes.c_uint32), ("ack", ctypes.c_uint32),
                ("hlen", ctypes.c_uint8), ("flags", ctypes.c_uint8),
                ("window", ctypes.c_uint16), ("urg", ctypes.c_uint16),
                ("mss", ctypes.c_uint16), ("wscale", ctypes.c_int8),
                ("sack_ok", ctypes.c_bool), ("has_ts", ctypes.c_bool),
                ("ts_val", ctypes.c_uint32), ("ts_ecr", ctypes.c_uint32)]


@pytest.fixture(scope="session")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    cp, sz, vp = ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p
    klib.tcp_parse.argtypes = [cp, sz, cp, cp, vp]
    klib.tcp_parse_unchecked.argtypes = [cp, sz, vp]
    klib.tcp_build_partial.argtypes = [vp, vp, sz, cp, cp]
    klib.tcp_header_len.argtypes = [vp]
    klib.tcp_header_len.restype = sz
    klib.tcp_build.argtypes = [vp, vp, sz, cp, cp]
    klib.tcp_reset_for.argtypes = [vp, sz, vp]
    klib.tcp_reset_for.restype = ctypes.c_bool
    return klib


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_checksum(seg: bytes, src: bytes = SRC, dst: bytes = DST) -> bytes:
    seg = seg[:16] + b"\0\0" + seg[18:]
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    return seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]


def encode(h: TcpHdr, payload: bytes) -> bytes:
    """RFC 9293's layout, with the options in the order tcp_build writes them."""
    opts = b""
    if h.mss:
        opts += struct.pack("!BBH", 2, 4, h.mss)
    if h.wscale >= 0:
        opts += struct.pack("!BBBB", 1, 3, 3, h.wscale)
    if h.sack_ok:
        opts += bytes([1, 1, 4, 2])
    if h.has_ts:
        opts += bytes([1, 1, 8, 10]) + struct.pack("!II", h.ts_val, h.ts_ecr)
    hlen = 20 + len(opts)
    seg = struct.pack("!HHIIBBHHH", h.sport, h.dport, h.seq, h.ack, (hlen // 4) << 4, h.flags,
                      h.window, 0, h.urg) + opts + payload
    return with_checksum(seg)


headers = st.builds(
    TcpHdr, sport=st.integers(0, 65535), dport=st.integers(0, 65535),
    seq=st.integers(0, 2**32 - 1), ack=st.integers(0, 2**32 - 1), hlen=st.just(0),
    flags=st.integers(0, 63), window=st.integers(0, 65535), urg=st.integers(0, 65535),
    mss=st.integers(0, 65535), wscale=st.integers(-1, 14), sack_ok=st.booleans(),
    has_ts=st.booleans(), ts_val=st.integers(0, 2**32 - 1), ts_ecr=st.integers(0, 2**32 - 1))


@given(h=headers, payload=st.binary(max_size=64))
def test_build_matches_an_independent_encoder_and_parses_back(lib: ctypes.CDLL, h: TcpHdr,
                                                             payload: bytes) -> None:
    hlen = lib.tcp_header_len(ctypes.byref(h))
    buf = ctypes.create_string_buffer(hlen + len(payload))
    buf[hlen:hlen + len(payload)] = payload
    lib.tcp_build(buf, ctypes.byref(h), len(payload), SRC, DST)
    assert buf.raw == encode(h, payload)
    out = TcpHdr()
    assert lib.tcp_parse(buf.raw, len(buf.raw), SRC, DST, ctypes.byref(out)) == OK
    assert out.hlen == hlen
    for f in ("sport", "dport", "seq", "ack", "flags", "window", "urg", "mss", "wscale",
              "sack_ok", "has_ts"):
        assert getattr(out, f) == getattr(h, f), f
    if h.has_ts:
        assert (out.ts_val, out.ts_ecr) == (h.ts_val, h.ts_ecr)


def parse(lib: ctypes.CDLL, seg: bytes) -> tuple[int, TcpHdr]:
    out = TcpHdr()
    return lib.tcp_parse(seg, len(seg), SRC, DST, ctypes.byref(out)), out


def plain(hlen_words: int = 5, opts: bytes = b"", payload: bytes = b"") -> bytes:
    return with_checksum(struct.pack("!HHIIBBHHH", 1, 2, 3, 4, hlen_words << 4, ACK, 100, 0, 0)
                         + opts + payload)


def test_malformed_segments_are_dropped_with_their_reason(lib: ctypes.CDLL) -> None:
    good = plain(payload=b"data")
    assert parse(lib, good)[0] == OK
    assert parse(lib, good[:19])[0] == TRUNCATED
    assert parse(lib, plain(hlen_words=4))[0] == BAD_OFFSET
    assert parse(lib, plain(hlen_words=8))[0] == TRUNCATED  # header length past the packet
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    assert parse(lib, bytes(bad))[0] == BAD_CHECKSUM
    # An option whose length runs past the header, or a length below 2.
    assert parse(lib, plain(hlen_words=6, opts=bytes([2, 8, 0, 0])))[0] == BAD_OPTION
    assert parse(lib, plain(hlen_words=6, opts=bytes([8, 0, 0, 0])))[0] == BAD_OPTION
    # Unknown options are skipped, END stops the list, a window scale over 14 is 14.
    rc, h = parse(lib, plain(hlen_words=7, opts=bytes([30, 4, 0, 0, 1, 3, 3, 20])))
    assert rc == OK and h.wscale == 14 and h.mss == 0
    rc, h = parse(lib, plain(hlen_words=6, opts=bytes([0, 2, 4, 5])))
    assert rc == OK and h.mss == 0


def test_a_checksum_the_device_vouched_for_is_not_summed_again(lib: ctypes.CDLL) -> None:
    # virtio-net's GUEST_CSUM: a segment the host left partial (NEEDS_CSUM) carries
    # only the pseudo header's sum; the rest of the checks stay.
    bad = bytearray(plain(payload=b"data"))
    bad[-1] ^= 0xFF
    out = TcpHdr()
    assert lib.tcp_parse_unchecked(bytes(bad), len(bad), ctypes.byref(out)) == OK
    assert (out.sport, out.dport, out.seq) == (1, 2, 3)
    short = plain(hlen_words=8)
    assert lib.tcp_parse_unchecked(short, len(short), ctypes.byref(out)) == TRUNCATED
    four = plain(hlen_words=4)
    assert lib.tcp_parse_unchecked(four, len(four), ctypes.byref(out)) == BAD_OFFSET


@given(payload=st.binary(max_size=3000))
def test_a_partial_checksum_completed_as_a_device_does_is_the_full_one(
        lib: ctypes.CDLL, payload: bytes) -> None:
    # virtio-net's CSUM: the device sums from csum_start to the end over the field
    # holding the pseudo header's sum, and stores the complement there.
    h = TcpHdr(sport=80, dport=5000, seq=7, ack=9, flags=ACK, window=512, wscale=-1,
               has_ts=True, ts_val=1, ts_ecr=2)
    hlen = lib.tcp_header_len(ctypes.byref(h))
    full = ctypes.create_string_buffer(hlen + len(payload))
    full[hlen:] = payload
    part = ctypes.create_string_buffer(hlen + len(payload))
    part[hlen:] = payload
    lib.tcp_build(full, ctypes.byref(h), len(payload), SRC, DST)
    lib.tcp_build_partial(part, ctypes.byref(h), len(payload), SRC, DST)
    seg = part.raw
    total = sum(struct.unpack(f"!{len(seg) // 2}H", seg[:len(seg) & ~1]))
    if len(seg) & 1:
        total += seg[-1] << 8
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    completed = seg[:16] + struct.pack("!H", ~total & 0xFFFF) + seg[18:]
    assert completed == full.raw


@given(seg=st.binary(max_size=80))
def test_any_bytes_parse_or_are_dropped(lib: ctypes.CDLL, seg: bytes) -> None:
    rc, h = parse(lib, with_checksum(seg) if len(seg) >= 20 else seg)
    assert rc in (OK, TRUNCATED, BAD_OFFSET, BAD_CHECKSUM, BAD_OPTION)
    if rc == OK:
        assert 20 <= h.hlen <= len(seg)


def test_reset_answers_follow_rfc_9293(lib: ctypes.CDLL) -> None:
    out = TcpHdr()
    syn = TcpHdr(sport=5, dport=80, seq=1000, flags=SYN, wscale=-1)
    assert lib.tcp_reset_for(ctypes.byref(syn), 0, ctypes.byref(out))
    assert (out.sport, out.dport, out.seq, out.ack, out.flags) == (80, 5, 0, 1001, RST | ACK)
    data = TcpHdr(sport=5, dport=80, seq=7, ack=99, flags=ACK | PSH, wscale=-1)
    assert lib.tcp_reset_for(ctypes.byref(data), 10, ctypes.byref(out))
    assert (out.seq, out.flags) == (99, RST)
    rst = TcpHdr(flags=RST, wscale=-1)
    assert not lib.tcp_reset_for(ctypes.byref(rst), 0, ctypes.byref(out))
