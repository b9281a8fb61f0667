"""kernel/mm/iov_iter.c against a model: an iter over segments of app memory (ITER_USER,
one of them unmapped) or kernel memory (ITER_KERNEL) copies, zeroes and skips exactly
the bytes a flat list of its segments' bytes says, stops at the bad segment for app
memory only, and its *_at copies are all or nothing and consume nothing."""

from __future__ import annotations

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st

ITER_USER, ITER_KERNEL = 0, 1
EFAULT = -14
GAP = 3  # bytes between segments, never touched

ops = st.lists(st.one_of(
    st.tuples(st.sampled_from(["to", "from", "zero", "advance"]), st.integers(0, 40)),
    st.tuples(st.sampled_from(["to_at", "from_at"]), st.integers(0, 40), st.integers(0, 40)),
), max_size=12)


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_uint64), ("len", ctypes.c_uint64)]


@settings(max_examples=400, deadline=None)
@given(lens=st.lists(st.integers(0, 12), min_size=1, max_size=6), bad=st.integers(-1, 5),
       kernel=st.booleans(), script=ops, seed=st.integers(0, 255))
def test_copies_move_exactly_the_model_bytes_and_stop_at_a_bad_app_segment(
        klib, lens, bad, kernel, script, seed):
    starts, at = [], GAP
    for n in lens:
        starts.append(at)
        at += n + GAP
    arena = (ctypes.c_uint8 * at)(*[(seed + k) % 256 for k in range(at)])
    base = ctypes.addressof(arena)
    segs = (Iovec * len(lens))(*[Iovec(base + s, n) for s, n in zip(starts, lens, strict=True)])
    bad = bad if 0 <= bad < len(lens) and lens[bad] else -1
    klib.t_uaccess_bad(base + starts[bad] if bad >= 0 else 0, lens[bad] if bad >= 0 else 0)
    it = klib.t_iter_new(ITER_KERNEL if kernel else ITER_USER, segs, len(lens))

    flat = [(seg, starts[seg] + off) for seg, n in enumerate(lens) for off in range(n)]
    memory = bytearray(arena)
    pos = 0

    def reachable(skip: int, n: int) -> list[int]:
        """Arena offsets a copy of n bytes from pos + skip gets to before a bad segment."""
        start = pos + skip
        if start > len(flat):
            return []
        out = []
        for seg, off in flat[start:start + n]:
            if seg == bad and not kernel:
                break
            out.append(off)
        return out

    for step, (op, *args) in enumerate(script):
        data = bytes((seed * 7 + step * 13 + k) % 256 for k in range(64))
        buf = ctypes.create_string_buffer(data, 64)
        if op in ("to", "from", "zero", "advance"):
            (n,) = args
            offs = reachable(0, n) if op != "advance" else [o for _, o in flat[pos:pos + n]]
            if op == "to":
                got = klib.copy_to_iter(buf, n, it)
                for k, o in enumerate(offs):
                    memory[o] = data[k]
            elif op == "from":
                got = klib.copy_from_iter(buf, n, it)
                assert buf.raw[:got] == bytes(memory[o] for o in offs)
            elif op == "zero":
                got = klib.iov_iter_zero(n, it)
                for o in offs:
                    memory[o] = 0
            else:
                klib.iov_iter_advance(it, n)
                got = len(offs)
            assert got == len(offs), (op, n, pos)
            pos += got
        else:
            skip, n = args
            left = len(flat) - pos
            offs = reachable(skip, n) if skip <= left and n <= left - skip else None
            if op == "to_at":
                rc = klib.copy_to_iter_at(it, skip, buf, n)
                for k, o in enumerate(offs or []):
                    memory[o] = data[k]
            else:
                rc = klib.copy_from_iter_at(it, skip, buf, n)
                if rc == 0:
                    assert buf.raw[:n] == bytes(memory[o] for o in offs)
            assert rc == (0 if offs is not None and len(offs) == n else EFAULT), (op, skip, n)
        assert klib.t_iter_count(it) == len(flat) - pos
        assert bytes(arena) == bytes(memory), (op, args)
    klib.t_uaccess_bad(0, 0)


def test_an_iter_over_nothing_copies_nothing(klib):
    it = klib.t_iter_new(ITER_USER, None, 0)
    buf = ctypes.create_string_buffer(8)
    assert klib.copy_to_iter(buf, 8, it) == 0
    assert klib.copy_from_iter_at(it, 0, buf, 0) == 0
    assert klib.copy_from_iter_at(it, 0, buf, 1) == EFAULT
    assert klib.t_iter_count(it) == 0
