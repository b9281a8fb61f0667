"""The address-space bookkeeping (kernel/mm/vma.c) against a page-by-page model."""

from __future__ import annotations

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st

PAGE = 4096
LO, HI, TOP = 0x10000, 0x10000 + 512 * PAGE, 0x10000 + 400 * PAGE


def areas(klib, mm):
    out = []
    buf = (ctypes.c_uint64 * 6)()
    for i in range(klib.t_mm_count(mm)):
        klib.t_mm_get(mm, i, buf)
        out.append(tuple(buf))
    return out


def pages(klib, mm):
    """page -> (prot, flags, inode, file page)"""
    model = {}
    for start, end, prot, flags, inode, offset in areas(klib, mm):
        for a in range(start, end, PAGE):
            model[a] = (prot, flags, inode, (offset + a - start) // PAGE if inode else 0)
    return model


def check_invariants(klib, mm):
    rows = areas(klib, mm)
    for (s1, e1, *_), (s2, e2, *_) in zip(rows, rows[1:]):
        assert e1 <= s2, "areas overlap or are unsorted"
    for a, b in zip(rows, rows[1:]):
        same = a[2:5] == b[2:5] and a[1] == b[0]
        contiguous = not a[4] or a[5] + (a[1] - a[0]) == b[5]
        assert not (same and contiguous), "equal neighbours were not merged"
    for s, e, *_ in rows:
        assert s < e and s % PAGE == 0 and e % PAGE == 0


def test_neighbours_with_equal_attributes_merge(klib):
    mm = klib.t_mm_new(LO, HI, TOP)
    assert klib.t_vma_insert(mm, LO, LO + PAGE, 3, 2, 0, 0) == 0
    assert klib.t_vma_insert(mm, LO + PAGE, LO + 3 * PAGE, 3, 2, 0, 0) == 0
    assert areas(klib, mm) == [(LO, LO + 3 * PAGE, 3, 2, 0, 0)]


def test_protect_of_a_hole_changes_nothing_and_says_enomem(klib):
    mm = klib.t_mm_new(LO, HI, TOP)
    klib.t_vma_insert(mm, LO, LO + PAGE, 3, 2, 0, 0)
    before = areas(klib, mm)
    assert klib.vma_protect(mm, LO, LO + 2 * PAGE, 1, 0, 0) == -12
    assert areas(klib, mm) == before


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 80))
def test_after_vma_reserve_of_four_mremaps_three_steps_cannot_fail(klib, count):
    # mremap's plan: unmap a hole in the target, insert the moved area, remove the middle
    # of the old one. A hole in the middle of an area splits it twice before the piece
    # goes, so the count peaks at four above the start. With that room reserved no
    # allocation is needed (the heap is made to fail) and every step succeeds.
    mm = klib.t_mm_new(LO, HI, TOP)
    for i in range(count):  # areas that do not merge: every other page, alternating prot
        assert klib.t_vma_insert(mm, LO + 2 * i * PAGE, LO + (2 * i + 1) * PAGE, 1 + i % 2, 2, 0, 0) == 0
    big = LO + 2 * count * PAGE
    assert klib.t_vma_insert(mm, big, big + 6 * PAGE, 3, 2, 0, 0) == 0
    assert klib.vma_reserve(mm, 4) == 0
    klib.t_heap_fail(1)
    try:
        assert klib.vma_remove(mm, big + PAGE, big + 2 * PAGE, None, None) == 0
        assert klib.t_vma_insert(mm, big + PAGE, big + 2 * PAGE, 1, 0, 0, 0) == 0
        assert klib.vma_remove(mm, big + 3 * PAGE, big + 4 * PAGE, None, None) == 0
        assert klib.t_mm_count(mm) == count + 4
    finally:
        klib.t_heap_fail(0)
    check_invariants(klib, mm)


def test_free_ranges_are_found_top_down_below_mmap_top(klib):
    mm = klib.t_mm_new(LO, HI, TOP)
    first = klib.vma_find_free(mm, 2 * PAGE, 0)
    assert first == TOP - 2 * PAGE
    klib.t_vma_insert(mm, first, first + 2 * PAGE, 3, 2, 0, 0)
    assert klib.vma_find_free(mm, PAGE, 0) == first - PAGE
    assert klib.vma_find_free(mm, PAGE, LO + 5 * PAGE) == LO + 5 * PAGE  # a free hint wins


op = st.tuples(
    st.sampled_from(["map", "unmap", "protect"]),
    st.integers(0, 40),  # first page
    st.integers(1, 12),  # pages
    st.sampled_from([0, 1, 3, 5]),  # prot
    st.sampled_from([0, 7, 9]),  # inode (0 = anonymous)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(op, max_size=40))
def test_areas_match_a_page_model_and_references_balance(klib, ops):
    refs0 = klib.t_vma_refs()
    mm = klib.t_mm_new(LO, HI, TOP)
    model: dict[int, tuple] = {}
    for kind, first, n, prot, inode in ops:
        start, end = LO + first * PAGE, LO + (first + n) * PAGE
        if kind == "map":
            assert klib.vma_remove(mm, start, end, None, None) == 0
            offset = first * PAGE * 3 if inode else 0
            flags = 0 if inode else 2
            assert klib.t_vma_insert(mm, start, end, prot, flags, inode, offset) == 0
            for i, a in enumerate(range(start, end, PAGE)):
                model[a] = (prot, flags, inode, offset // PAGE + i if inode else 0)
        elif kind == "unmap":
            assert klib.vma_remove(mm, start, end, None, None) == 0
            for a in range(start, end, PAGE):
                model.pop(a, None)
        else:
            mapped = all(a in model for a in range(start, end, PAGE))
            # Charged-looking flag 0x10 on every area but anonymous ones (2).
            rc = klib.vma_protect(mm, start, end, prot, 0x10, 2)
            assert rc == (0 if mapped else -12)
            if mapped:
                for a in range(start, end, PAGE):
                    flags = model[a][1]
                    flags |= 0 if flags & 2 else 0x10
                    model[a] = (prot, flags) + model[a][2:]
        check_invariants(klib, mm)
        assert pages(klib, mm) == model
    klib.vma_remove(mm, LO, HI, None, None)
    assert klib.t_vma_refs() == refs0, "inode references leaked"
