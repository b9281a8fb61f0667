"""The buddy allocator (kernel/mm/buddy.c) against a model of which frames are in use."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

NONE = 2**64 - 1
MAX_ORDER = 10


def new(klib, npages, ranges):
    b = klib.t_buddy_new(npages)
    for start, count in ranges:
        klib.buddy_add_range(b, start, count)
    return b


def test_a_fresh_allocator_hands_out_the_lowest_frame_first(klib):
    b = new(klib, 4096, [(100, 3000)])
    assert klib.buddy_alloc(b, 0) == 100
    assert klib.buddy_alloc(b, 0) == 101
    assert klib.buddy_alloc(b, 3) == 104  # the next 8-aligned block


def test_aligned_range_coalesces_back_to_the_largest_blocks(klib):
    b = new(klib, 8192, [(0, 8192)])
    blocks = [klib.buddy_alloc(b, 0) for _ in range(5000)]
    for pfn in blocks:
        klib.buddy_free(b, pfn, 0)
    assert klib.t_buddy_free_pages(b) == 8192
    assert klib.t_buddy_free_blocks(b, MAX_ORDER) == 8192 >> MAX_ORDER


def test_out_of_memory_is_reported_not_faked(klib):
    b = new(klib, 64, [(0, 16)])
    got = [klib.buddy_alloc(b, 0) for _ in range(16)]
    assert sorted(got) == list(range(16))
    assert klib.buddy_alloc(b, 0) == NONE
    assert klib.buddy_alloc(b, MAX_ORDER + 1) == NONE


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(0, 300),
    count=st.integers(1, 3000),
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 5), st.integers(0, 10**6)), max_size=300),
)
def test_blocks_never_overlap_are_aligned_and_are_all_returned(klib, start, count, ops):
    npages = start + count + 7
    b = new(klib, npages, [(start, count)])
    used: dict[int, int] = {}  # pfn -> order
    owner: dict[int, int] = {}  # frame -> block pfn
    for is_alloc, order, pick in ops:
        if is_alloc or not used:
            pfn = klib.buddy_alloc(b, order)
            if pfn == NONE:
                continue
            assert pfn % (1 << order) == 0
            frames = range(pfn, pfn + (1 << order))
            assert frames.start >= start and frames.stop <= start + count
            for f in frames:
                assert f not in owner, "handed out twice"
                owner[f] = pfn
            used[pfn] = order
        else:
            pfn = sorted(used)[pick % len(used)]
            order = used.pop(pfn)
            for f in range(pfn, pfn + (1 << order)):
                del owner[f]
            klib.buddy_free(b, pfn, order)
        assert klib.t_buddy_free_pages(b) == count - len(owner)
    for pfn, order in used.items():
        klib.buddy_free(b, pfn, order)
    assert klib.t_buddy_free_pages(b) == count
    # Everything free again: every frame can be handed out once more.
    again = {klib.buddy_alloc(b, 0) for _ in range(count)}
    assert again == set(range(start, start + count))
