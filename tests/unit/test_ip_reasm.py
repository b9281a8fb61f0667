"""IPv4 fragment reassembly (net/ip_reasm.c): the fragments of a datagram, in any order
and with duplicates, give back exactly that datagram; an overlap that is no pure
duplicate, a second end, data past the end, an empty fragment or a datagram past 65535
bytes discard it (RFC 5722, as Linux); a datagram's 30 s run out (with the quote of
its first fragment for the ICMP time exceeded); the memory budget evicts the oldest.
Random fragment streams are checked against a model written here, and whatever comes,
nothing crashes (UBSan) or leaks (the heap's live-block counter)."""

from __future__ import annotations

import ctypes
import random
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SRC, DST = socket.inet_aton("10.0.2.2"), socket.inet_aton("10.0.2.15")
UDP, MF = 17, 0x2000
SECOND = 1_000_000_000
TIMEOUT = 30 * SECOND
OK, FRAGMENT = 0, 5
STATS = ["reqds", "oks", "fails", "timeouts", "overlaps", "bad_length", "too_big", "evicted",
         "no_memory", "duplicates"]


@pytest.fixture(scope="module")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    sz, vp, cp, u64 = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64
    for name, res, args in [
        ("t_reasm_new", vp, [sz, u64]),
        ("t_reasm_add", ctypes.c_int, [vp, cp, sz, u64]),
        ("t_reasm_expire", None, [vp, u64]),
        ("t_reasm_deadline", u64, [vp]),
        ("t_reasm_queues", sz, [vp]),
        ("t_reasm_mem", sz, [vp]),
        ("t_reasm_stats", None, [vp, ctypes.POINTER(u64)]),
        ("t_reasm_take_delivered", ctypes.c_long, [vp, cp, sz]),
        ("t_reasm_take_quote", ctypes.c_long, [vp, cp, sz]),
        ("t_reasm_free", None, [vp]),
    ]:
        fn = getattr(klib, name)
        fn.restype, fn.argtypes = res, args
    return klib


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return int(~s & 0xFFFF)


def header(total: int, ident: int, frag: int, options: bytes = b"", proto: int = UDP,
           src: bytes = SRC, ttl: int = 64) -> bytes:
    ihl = 5 + len(options) // 4
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, ttl, proto, 0, src, DST)
    h += options
    return h[:10] + struct.pack(">H", csum(h)) + h[12:]


def fragment(data: bytes, off: int, more: bool, ident: int = 7, options: bytes = b"",
             **kw: object) -> bytes:
    """A fragment of `data` at byte offset off (a multiple of 8), as sent."""
    assert off % 8 == 0
    hdr_len = 20 + len(options)
    return header(hdr_len + len(data), ident, (MF if more else 0) | off // 8, options,
                  **kw) + data  # type: ignore[arg-type]


def fragments_of(payload: bytes, size: int, ident: int = 7, options: bytes = b"") -> list[bytes]:
    """payload cut as a sender with fragments of `size` data bytes would (options on
    the first fragment only, as for options not copied, RFC 791)."""
    out = []
    for off in range(0, len(payload), size):
        chunk = payload[off:off + size]
        out.append(fragment(chunk, off, off + size < len(payload), ident,
                            options if off == 0 else b""))
    return out


def whole(payload: bytes, ident: int = 7, options: bytes = b"") -> bytes:
    """The datagram the reassembler must give back."""
    return header(20 + len(options) + len(payload), ident, 0, options) + payload


class Reasm:
    def __init__(self, lib: ctypes.CDLL, budget: int = 0, timeout: int = 0) -> None:
        self.lib = lib
        self.t = lib.t_reasm_new(budget, timeout)

    def add(self, packet: bytes, now: int = 1) -> None:
        assert self.lib.t_reasm_add(self.t, packet, len(packet), now) in (OK, FRAGMENT)

    def delivered(self) -> list[bytes]:
        return list(self._take(self.lib.t_reasm_take_delivered))

    def quotes(self) -> list[bytes]:
        return list(self._take(self.lib.t_reasm_take_quote))

    def _take(self, fn: Callable[..., int]) -> Iterator[bytes]:
        buf = ctypes.create_string_buffer(70000)
        while (n := fn(self.t, buf, len(buf))) >= 0:
            yield buf.raw[:n]

    def stats(self) -> dict[str, int]:
        out = (ctypes.c_uint64 * 10)()
        self.lib.t_reasm_stats(self.t, out)
        return dict(zip(STATS, out, strict=True))

    @property
    def queues(self) -> int:
        return int(self.lib.t_reasm_queues(self.t))

    @property
    def mem(self) -> int:
        return int(self.lib.t_reasm_mem(self.t))

    def free(self) -> None:
        self.lib.t_reasm_free(self.t)


@pytest.fixture
def reasm(lib: ctypes.CDLL) -> Iterator[Reasm]:
    before = lib.t_heap_live()
    r = Reasm(lib)
    yield r
    r.free()
    assert lib.t_heap_live() == before, "the reassembler leaked heap blocks"


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> tuple[bytes, list[bytes], bytes]:
    size = draw(st.sampled_from([8, 16, 504, 1480, 1480 + 8, 4000]))
    n = draw(st.one_of(st.integers(size + 1, 9000), st.sampled_from([65515, 65515 - 40])))
    size = size if n < 65000 else 1480
    payload = random.Random(draw(st.integers(0, 2**32))).randbytes(n)
    options = draw(st.sampled_from([b"", b"\x01\x01\x01\x00", b"\x94\x04\x00\x00" * 10]))
    options = options if n + 20 + len(options) <= 65535 else b""
    frags = fragments_of(payload, size, options=options)
    order = draw(st.permutations(range(len(frags)))) if len(frags) <= 200 else \
        random.Random(draw(st.integers(0, 2**32))).sample(range(len(frags)), len(frags))
    sent = [frags[i] for i in order]
    for _ in range(draw(st.integers(0, 5))):  # duplicates, anywhere
        dup = frags[draw(st.integers(0, len(frags) - 1))]
        sent.insert(draw(st.integers(0, len(sent))), dup)
    # The datagram is whole once every piece came once; what comes after it would
    # start a datagram of its own.
    seen: set[bytes] = set()
    for n, p in enumerate(sent):
        seen.add(p)
        if len(seen) == len(frags):
            return payload, sent[:n + 1], options
    raise AssertionError("every fragment is sent")


@settings(max_examples=150, deadline=None)
@given(shuffled_with_duplicates())
def test_any_order_with_duplicates_gives_the_datagram_back(
        lib: ctypes.CDLL, case: tuple[bytes, list[bytes], bytes]) -> None:
    payload, sent, options = case
    before = lib.t_heap_live()
    r = Reasm(lib)
    for p in sent[:-1]:
        r.add(p)
    assert r.delivered() == []
    r.add(sent[-1])
    got = r.delivered()
    assert got == [whole(payload, options=options)]
    s = r.stats()
    assert (s["reqds"], s["oks"], s["fails"]) == (len(sent), 1, 0)
    assert r.queues == 0 and r.mem == 0
    r.free()
    assert lib.t_heap_live() == before


def test_a_fragment_inside_data_already_here_is_a_duplicate(reasm: Reasm) -> None:
    payload = bytes(range(256)) * 8
    frags = fragments_of(payload, 1024)
    reasm.add(frags[0])
    reasm.add(fragment(b"x" * 16, 64, True))  # other bytes, but nothing new: ignored
    reasm.add(frags[1])
    assert reasm.delivered() == [whole(payload)]
    assert reasm.stats()["duplicates"] == 1


@given(st.integers(1, 6), st.integers(1, 6), st.booleans())
def test_a_partial_overlap_discards_the_whole_datagram(lib: ctypes.CDLL, back: int, ahead: int,
                                                       ahead_of_it: bool) -> None:
    """A fragment across the boundary between fragments i and i+1 while only one of
    them is here: the whole datagram goes, and what comes after never completes it."""
    payload = random.Random(back * 7 + ahead).randbytes(3000)
    frags = fragments_of(payload, 1000)
    boundary = 1000
    evil = fragment(b"E" * 8 * (back + ahead), boundary - 8 * back, True)
    r = Reasm(lib)
    here, missing = (frags[1], frags[0]) if ahead_of_it else (frags[0], frags[1])
    r.add(frags[2])
    r.add(here)
    r.add(evil)
    s = r.stats()
    assert (s["overlaps"], s["fails"], r.queues) == (1, 1, 0)
    r.add(missing)  # what the sender still had to send: a datagram of its own now
    assert r.delivered() == [] and r.queues == 1
    r.free()


def test_a_second_last_fragment_with_another_end_discards_the_datagram(reasm: Reasm) -> None:
    payload = bytes(3000)
    frags = fragments_of(payload, 1480)
    reasm.add(frags[2])
    reasm.add(fragment(bytes(10), 2960, False))  # ends at 2970, not 3000
    assert reasm.stats()["bad_length"] == 1 and reasm.queues == 0
    for f in frags:
        reasm.add(f)
    assert reasm.delivered() == [whole(payload)]  # a fresh start works


def test_data_past_the_last_fragments_end_discards_the_datagram(reasm: Reasm) -> None:
    reasm.add(fragment(bytes(100), 1480, False))  # ends at 1580
    reasm.add(fragment(bytes(1480), 1480, True))  # 1480..2960: past the end
    assert reasm.stats()["bad_length"] == 1 and reasm.queues == 0
    reasm.add(fragment(bytes(1480), 1480, True))  # now a queue of its own
    reasm.add(fragment(bytes(100), 1400, False))  # a last fragment short of data here
    assert reasm.stats()["bad_length"] == 2 and reasm.queues == 0


def test_empty_fragments_are_refused(reasm: Reasm) -> None:
    reasm.add(fragment(b"", 8, False))
    reasm.add(fragment(b"1234567", 8, True))  # less than a block, not the last
    assert reasm.stats()["bad_length"] == 2 and reasm.queues == 0


def test_a_middle_fragment_is_cut_to_whole_blocks(reasm: Reasm) -> None:
    """As Linux: the tail of a fragment with MF set that is no whole 8-byte block is
    not taken; so a datagram whose pieces overlap only by that tail still completes."""
    payload = bytes(range(200)) * 2
    reasm.add(fragment(payload[:203], 0, True))  # 3 bytes past 200 ignored
    reasm.add(fragment(payload[200:], 200, False))
    assert reasm.delivered() == [whole(payload)]


def test_the_largest_datagram_completes_and_one_byte_more_does_not(reasm: Reasm) -> None:
    payload = random.Random(1).randbytes(65515)
    for f in fragments_of(payload, 1480):
        reasm.add(f)
    got = reasm.delivered()
    assert got == [whole(payload)] and len(got[0]) == 65535
    reasm.add(fragment(bytes(8), 0, True, ident=8))
    reasm.add(fragment(bytes(8), 65512, False, ident=8))  # ends at 65520 > 65515
    assert reasm.stats()["too_big"] == 1 and reasm.queues == 0
    # The largest offset with a full frame: nothing held, not even a queue.
    reasm.add(fragment(bytes(1480), 8191 * 8, False, ident=9))
    assert reasm.stats()["too_big"] == 2 and reasm.queues == 0
    # With options in the first fragment, less data fits.
    reasm.add(fragment(bytes(8), 65504, False, ident=10))
    reasm.add(fragment(bytes(8), 0, True, ident=10, options=b"\x01" * 40))  # 60 + 65512
    assert reasm.stats()["too_big"] == 3 and reasm.queues == 0
    assert reasm.delivered() == []


def test_fragments_of_different_datagrams_do_not_mix(reasm: Reasm) -> None:
    a, b = b"A" * 2000, b"B" * 2000
    fa = fragments_of(a, 1000, ident=1)
    fb = fragments_of(b, 1000, ident=2)
    fc = [fragment(b"C" * 1000, 0, True, ident=1, proto=6),
          fragment(b"C" * 1000, 1000, False, ident=1, proto=6)]
    fd = [fragment(b"D" * 1000, 0, True, ident=1, src=socket.inet_aton("10.0.2.3"))]
    for p in (fa[0], fb[1], fc[0], fd[0], fb[0], fc[1], fa[1]):
        reasm.add(p)
    got = reasm.delivered()
    assert [g[20:21] * 2000 == g[20:] for g in got] == [True] * 3
    assert sorted(g[20:21] for g in got) == [b"A", b"B", b"C"]
    assert reasm.queues == 1  # D waits


def test_a_datagram_times_out_30_s_after_its_first_fragment(reasm: Reasm, lib: ctypes.CDLL) -> None:
    payload = random.Random(2).randbytes(4000)
    frags = fragments_of(payload, 1480)
    t0 = 5 * SECOND
    reasm.add(frags[0], t0)
    reasm.add(frags[1], t0 + 20 * SECOND)
    assert lib.t_reasm_deadline(reasm.t) == t0 + TIMEOUT
    lib.t_reasm_expire(reasm.t, t0 + TIMEOUT - 1)
    assert reasm.queues == 1
    reasm.add(frags[2], t0 + TIMEOUT)  # too late: the old queue went first
    s = reasm.stats()
    assert (s["timeouts"], s["fails"], s["oks"]) == (1, 1, 0)
    assert reasm.quotes() == [frags[0][:28]]  # its header and 8 bytes (RFC 792)
    assert reasm.delivered() == [] and reasm.queues == 1
    # A datagram without its first fragment times out silently.
    lib.t_reasm_expire(reasm.t, t0 + 2 * TIMEOUT)
    assert reasm.queues == 0 and reasm.quotes() == [] and reasm.stats()["timeouts"] == 2
    assert lib.t_reasm_deadline(reasm.t) == 0


def test_the_quote_keeps_the_first_fragments_options(reasm: Reasm, lib: ctypes.CDLL) -> None:
    frags = fragments_of(bytes(range(100)) * 30, 1000, options=b"\x01\x01\x01\x00")
    reasm.add(frags[0], 1)
    lib.t_reasm_expire(reasm.t, 1 + TIMEOUT)
    assert reasm.quotes() == [frags[0][:32]]


def test_the_budget_evicts_the_oldest_datagrams(lib: ctypes.CDLL) -> None:
    before = lib.t_heap_live()
    budget = 64 * 1024
    r = Reasm(lib, budget=budget)
    # 4000 bytes: the buffer two fragments grew (4096 bytes) holds the third too.
    payloads = [random.Random(i).randbytes(4000) for i in range(40)]
    frags = [fragments_of(p, 1480, ident=i) for i, p in enumerate(payloads)]
    for i in range(40):  # 40 datagrams, each missing its last fragment
        r.add(frags[i][0], 1 + i)
        r.add(frags[i][1], 1 + i)
        assert r.mem <= budget
    s = r.stats()
    assert s["evicted"] > 0 and s["fails"] == s["evicted"]
    kept = r.queues
    assert 0 < kept < 40
    for i in reversed(range(40)):  # the oldest went; the newest complete
        for f in frags[i][2:]:
            r.add(f, 100)
            assert r.mem <= budget
    assert r.delivered() == [whole(payloads[i], ident=i) for i in range(39, 39 - kept, -1)]
    r.free()
    assert lib.t_heap_live() == before


def test_one_datagram_of_tiny_fragments_cannot_pass_the_budget(lib: ctypes.CDLL) -> None:
    r = Reasm(lib, budget=8 * 1024)
    payload = bytes(20000)
    for f in fragments_of(payload, 8):
        r.add(f)
        assert r.mem <= 8 * 1024
    assert r.delivered() == [] and r.stats()["evicted"] >= 1
    r.free()


def test_no_memory_drops_the_datagram_and_leaks_nothing(lib: ctypes.CDLL) -> None:
    before = lib.t_heap_live()
    r = Reasm(lib)
    frags = fragments_of(bytes(5000), 1480)
    r.add(frags[0])
    lib.t_heap_fail(1)
    r.add(frags[1])  # needs a larger buffer: none
    r.add(fragment(bytes(8), 0, True, ident=99))  # needs a queue: none
    lib.t_heap_fail(0)
    s = r.stats()
    assert s["no_memory"] == 2 and r.queues == 0
    for f in frags:
        r.add(f)
    assert r.delivered() == [whole(bytes(5000))]
    r.free()
    assert lib.t_heap_live() == before


# A model of the rules, at byte granularity, against which random streams of
# fragments (real ones, hostile ones and the passing of time) are checked.
@dataclass
class ModelQueue:
    born: int
    have: bytearray = field(default_factory=lambda: bytearray(65536))
    data: bytearray = field(default_factory=lambda: bytearray(65536))
    hdr: bytes = b""
    first_len: int = 0
    length: int = 0
    last: bool = False
    got: int = 0


class Model:
    def __init__(self) -> None:
        self.queues: dict[tuple[bytes, int, int], ModelQueue] = {}
        self.delivered: list[bytes] = []
        self.quotes: list[bytes] = []
        self.stats = dict.fromkeys(STATS, 0)

    def fail(self, key: tuple[bytes, int, int], why: str) -> None:
        self.stats["fails"] += 1
        self.stats[why] += 1
        self.queues.pop(key, None)

    def expire(self, now: int) -> None:
        for key, q in list(self.queues.items()):  # in age order
            if now - q.born < TIMEOUT:
                break
            del self.queues[key]
            self.stats["fails"] += 1
            self.stats["timeouts"] += 1
            if q.hdr:
                self.quotes.append(q.hdr + bytes(q.data[:q.first_len]))

    def add(self, p: bytes, now: int) -> None:
        self.stats["reqds"] += 1
        self.expire(now)
        ihl = (p[0] & 15) * 4
        total, ident, frag = struct.unpack_from(">HHH", p, 2)
        key = (p[12:16], ident, p[9])
        more, off = bool(frag & MF), (frag & 0x1FFF) * 8
        end = off + total - ihl
        if more:
            end &= ~7
        q = self.queues.get(key)
        hdr = ihl if off == 0 else (len(q.hdr) if q and q.hdr else 20)
        if hdr + max(end, q.length if q else 0) > 65535:
            return self.fail(key, "too_big")
        if end <= off or (q and not more and (end < q.length or (q.last and end != q.length))) \
                or (q and more and q.last and end > q.length):
            return self.fail(key, "bad_length")
        if not q:
            q = self.queues[key] = ModelQueue(now)
        seen = sum(q.have[off:end])
        if seen and seen != end - off:
            return self.fail(key, "overlaps")
        if seen:
            self.stats["duplicates"] += 1
        else:
            q.have[off:end] = b"\1" * (end - off)
            q.data[off:end] = p[ihl:ihl + end - off]
            q.got += end - off
            if off == 0:
                q.hdr, q.first_len = p[:ihl], min(8, end)
        q.last |= not more
        q.length = max(q.length, end)
        if q.last and q.got == q.length:
            del self.queues[key]
            self.stats["oks"] += 1
            h = bytearray(q.hdr)
            struct.pack_into(">HHH", h, 2, len(h) + q.length, ident, 0)
            struct.pack_into(">H", h, 10, 0)
            struct.pack_into(">H", h, 10, csum(bytes(h)))
            self.delivered.append(bytes(h) + bytes(q.data[:q.length]))


@st.composite
def hostile_stream(draw: st.DrawFn) -> list[tuple[bytes, int]]:
    """Fragments of a few real datagrams, shuffled, mixed with hostile fragments of
    the same datagrams (any offset, length and MF) and with time passing."""
    ops: list[bytes] = []
    for ident in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 300))
        payload = bytes([ident + 65]) * n
        ops += fragments_of(payload, draw(st.sampled_from([8, 16, 24, 64])), ident,
                            draw(st.sampled_from([b"", b"\x01" * 4])))
        for _ in range(draw(st.integers(0, 6))):
            off = draw(st.one_of(st.integers(0, 40), st.integers(8000, 8191))) * 8
            size = draw(st.integers(0, 120))
            ops.append(fragment(bytes([ident + 97]) * size, off, draw(st.booleans()), ident,
                                draw(st.sampled_from([b"", b"\x01" * 8]))))
    order = draw(st.permutations(ops))
    stream, now = [], 1
    for p in order:
        now += draw(st.sampled_from([0, 0, 0, SECOND, 10 * SECOND, TIMEOUT]))
        stream.append((p, now))
    return stream


@settings(max_examples=400, deadline=None)
@given(hostile_stream())
def test_hostile_streams_follow_the_model_and_leak_nothing(
        lib: ctypes.CDLL, stream: list[tuple[bytes, int]]) -> None:
    before = lib.t_heap_live()
    r, m = Reasm(lib), Model()
    for p, now in stream:
        r.add(p, now)
        m.add(p, now)
        assert r.queues == len(m.queues)
    assert r.delivered() == m.delivered
    assert r.quotes() == m.quotes
    assert r.stats() == m.stats
    r.free()
    assert lib.t_heap_live() == before
