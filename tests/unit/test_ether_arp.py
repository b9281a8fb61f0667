"""Ethernet headers (net/ether.c) and ARP (net/arp.c): packets as Linux and RFC 826
lay them out, bad ones refused, and the neighbour cache's timeouts and replacement."""

from __future__ import annotations

import ctypes
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

OUR_MAC = bytes.fromhex("525400123456")
GW_MAC = bytes.fromhex("525400123502")
REACHABLE_NS = 30_000_000_000
CACHE_SIZE = 16


class ArpPacket(ctypes.Structure):
    _fields_ = [("op", ctypes.c_uint16), ("sha", ctypes.c_uint8 * 6), ("spa", ctypes.c_uint8 * 4),
                ("tha", ctypes.c_uint8 * 6), ("tpa", ctypes.c_uint8 * 4)]


class ArpEntry(ctypes.Structure):
    _fields_ = [("state", ctypes.c_int), ("ip", ctypes.c_uint8 * 4), ("mac", ctypes.c_uint8 * 6),
                ("when", ctypes.c_uint64), ("asked", ctypes.c_int)]


FREE, INCOMPLETE, REACHABLE, FAILED = range(4)


class ArpCache(ctypes.Structure):
    _fields_ = [("e", ArpEntry * CACHE_SIZE)]


@pytest.fixture(scope="session")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    vp, sz = ctypes.c_void_p, ctypes.c_size_t
    klib.ether_parse.argtypes = [ctypes.c_char_p, sz, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint16)]
    klib.arp_parse.argtypes = [ctypes.c_char_p, sz, vp]
    klib.arp_build.argtypes = [vp, vp]
    for name in ("arp_lookup", "arp_resolve"):
        getattr(klib, name).argtypes = [vp, ctypes.c_char_p, *([ctypes.c_uint64] if name == "arp_resolve" else [])]
        getattr(klib, name).restype = ctypes.POINTER(ArpEntry)
    klib.arp_learn.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.c_bool]
    klib.arp_learn.restype = ctypes.POINTER(ArpEntry)
    klib.arp_expired.argtypes = [ctypes.POINTER(ArpEntry), ctypes.c_uint64]
    klib.arp_expired.restype = ctypes.c_bool
    return klib


def arp_bytes(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return struct.pack(">HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def test_frames_for_us_broadcast_and_multicast_pass_others_do_not(lib: ctypes.CDLL) -> None:
    t = ctypes.c_uint16()
    hdr = lambda dst: dst + GW_MAC + b"\x08\x06"  # noqa: E731
    assert lib.ether_parse(hdr(OUR_MAC) + bytes(28), 42, OUR_MAC, ctypes.byref(t)) == 14
    assert t.value == 0x0806
    assert lib.ether_parse(hdr(b"\xff" * 6), 14, OUR_MAC, ctypes.byref(t)) == 14
    assert lib.ether_parse(hdr(bytes.fromhex("333300000001")), 14, OUR_MAC, ctypes.byref(t)) == 14
    assert lib.ether_parse(hdr(bytes.fromhex("525400123457")), 14, OUR_MAC, ctypes.byref(t)) == -1


@given(st.binary(max_size=13))
def test_a_frame_shorter_than_a_header_is_dropped(lib: ctypes.CDLL, frame: bytes) -> None:
    t = ctypes.c_uint16()
    assert lib.ether_parse(frame, len(frame), OUR_MAC, ctypes.byref(t)) == -1


def test_arp_build_lays_out_rfc_826_and_parse_reads_it_back(lib: ctypes.CDLL) -> None:
    a = ArpPacket(1, (ctypes.c_uint8 * 6)(*OUR_MAC), (ctypes.c_uint8 * 4)(10, 0, 2, 15),
                  (ctypes.c_uint8 * 6)(), (ctypes.c_uint8 * 4)(10, 0, 2, 2))
    buf = ctypes.create_string_buffer(28)
    lib.arp_build(buf, ctypes.byref(a))
    assert buf.raw == arp_bytes(1, OUR_MAC, bytes([10, 0, 2, 15]), bytes(6), bytes([10, 0, 2, 2]))
    back = ArpPacket()
    assert lib.arp_parse(buf.raw, 28, ctypes.byref(back)) == 0
    assert bytes(back) == bytes(a)


@pytest.mark.parametrize("packet", [
    arp_bytes(1, OUR_MAC, bytes(4), bytes(6), bytes(4))[:27],  # truncated
    struct.pack(">HHBBH", 6, 0x0800, 6, 4, 1) + bytes(20),       # not Ethernet
    struct.pack(">HHBBH", 1, 0x86DD, 6, 4, 1) + bytes(20),       # not IPv4
    struct.pack(">HHBBH", 1, 0x0800, 8, 4, 1) + bytes(20),       # hardware length
    struct.pack(">HHBBH", 1, 0x0800, 6, 16, 1) + bytes(20),      # protocol length
    arp_bytes(3, OUR_MAC, bytes(4), bytes(6), bytes(4)),          # RARP request
])
def test_bad_arp_packets_are_refused(lib: ctypes.CDLL, packet: bytes) -> None:
    assert lib.arp_parse(packet, len(packet), ctypes.byref(ArpPacket())) == -1


@given(st.binary(max_size=64))
def test_arp_parse_accepts_exactly_the_well_formed_packets(lib: ctypes.CDLL, data: bytes) -> None:
    ok = (len(data) >= 28 and data[:6] == b"\x00\x01\x08\x00\x06\x04"
          and data[6:8] in (b"\x00\x01", b"\x00\x02"))
    assert (lib.arp_parse(data, len(data), ctypes.byref(ArpPacket())) == 0) == ok


def test_a_resolution_starts_incomplete_and_a_reply_completes_it(lib: ctypes.CDLL) -> None:
    c = ArpCache()
    gw = bytes([10, 0, 2, 2])
    e = lib.arp_resolve(ctypes.byref(c), gw, 5)
    assert e.contents.state == INCOMPLETE and e.contents.when == 5
    assert lib.arp_learn(ctypes.byref(c), gw, GW_MAC, 7, False)
    got = lib.arp_lookup(ctypes.byref(c), gw).contents
    assert (got.state, bytes(got.mac), got.when) == (REACHABLE, GW_MAC, 7)
    # Known and fresh: resolving again changes nothing.
    assert lib.arp_resolve(ctypes.byref(c), gw, 8).contents.state == REACHABLE


def test_an_entry_expires_after_the_reachable_time_and_is_asked_for_again(lib: ctypes.CDLL) -> None:
    c = ArpCache()
    gw = bytes([10, 0, 2, 2])
    e = lib.arp_learn(ctypes.byref(c), gw, GW_MAC, 100, True)
    assert not lib.arp_expired(e, 100 + REACHABLE_NS - 1)
    assert lib.arp_expired(e, 100 + REACHABLE_NS)
    assert lib.arp_resolve(ctypes.byref(c), gw, 100 + REACHABLE_NS).contents.state == INCOMPLETE


def test_an_unsolicited_sender_is_not_added_without_create(lib: ctypes.CDLL) -> None:
    c = ArpCache()
    assert not lib.arp_learn(ctypes.byref(c), bytes([10, 0, 2, 9]), GW_MAC, 1, False)
    assert not lib.arp_lookup(ctypes.byref(c), bytes([10, 0, 2, 9]))


def test_a_full_cache_replaces_the_least_recently_confirmed_never_a_pending_one(
        lib: ctypes.CDLL) -> None:
    c = ArpCache()
    lib.arp_resolve(ctypes.byref(c), bytes([10, 0, 3, 0]), 0)  # pending, oldest of all
    for i in range(1, CACHE_SIZE):
        lib.arp_learn(ctypes.byref(c), bytes([10, 0, 3, i]), GW_MAC, 1000 - i, True)
    # 10.0.3.15 was confirmed longest ago (at 985).
    lib.arp_learn(ctypes.byref(c), bytes([10, 0, 4, 1]), GW_MAC, 2000, True)
    assert not lib.arp_lookup(ctypes.byref(c), bytes([10, 0, 3, CACHE_SIZE - 1]))
    assert lib.arp_lookup(ctypes.byref(c), bytes([10, 0, 3, 0])).contents.state == INCOMPLETE
    assert lib.arp_lookup(ctypes.byref(c), bytes([10, 0, 4, 1]))
