"""The page cache (kernel/fs/pcache.c: the root file system's, a disk's) on the host,
with a bounded frame pool (tests/unit/pcache_shim.c): pages always hold the right data,
frames never run out while clean pages could be given back, mapped pages are given back
only through the reverse map and only when their mappings were not used since the last
sweep, dirty pages are never given back until taken off their file's dirty list,
dropping a file's pages from an index on takes dirty ones too, and nothing leaks."""

from __future__ import annotations

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st

FILE_PAGES = [40, 3, 0, 200]
PAGE = 4096


def reset(klib, limit: int) -> None:
    klib.t_pc_reset(limit, (ctypes.c_uint64 * 4)(*FILE_PAGES))


def get(klib, file: int, pgoff: int, ahead: int = 0) -> tuple[int, int]:
    content = ctypes.c_uint64()
    rc = klib.t_pc_get(file, pgoff, ahead, ctypes.byref(content))
    return rc, content.value


def store_page(file: int, pgoff: int) -> int:
    return (file << 32) // PAGE + pgoff


ops = st.one_of(
    st.tuples(st.just("get"), st.integers(0, 3), st.integers(0, 210), st.integers(0, 40)),
    st.tuples(st.just("map"), st.integers(0, 3), st.integers(0, 210)),
    st.tuples(st.just("touch")),
    st.tuples(st.just("unmap")),
    st.tuples(st.just("reclaim"), st.integers(0, 50)),
    st.tuples(st.just("dirty"), st.integers(0, 3), st.integers(0, 210)),
    st.tuples(st.just("clean"), st.integers(0, 3), st.integers(0, 210), st.integers(0, 60)),
    st.tuples(st.just("drop"), st.integers(0, 3), st.integers(0, 210)),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 24), st.lists(ops, max_size=80))
def test_pages_are_right_and_frames_never_run_out_while_clean_pages_can_go(klib, limit, seq):
    reset(klib, limit)
    dirty: set[tuple[int, int]] = set()  # the model of the dirty pages
    for op in seq:
        if op[0] == "get":
            _, file, pgoff, ahead = op
            rc, content = get(klib, file, pgoff, ahead)
            if pgoff >= FILE_PAGES[file]:
                assert rc == -6  # ENXIO past the end
            elif (klib.t_pc_maps() + len(dirty) < limit - 1
                  or klib.t_pc_cached(file, pgoff)):
                # Some frame is free or held by an unmapped page: it must succeed.
                assert rc == 0
                assert content == store_page(file, pgoff)
            else:
                assert rc in (0, -12)
        elif op[0] == "map":
            _, file, pgoff = op
            if pgoff < FILE_PAGES[file] and klib.t_pc_maps() < limit - 1:
                assert klib.t_pc_map(file, pgoff) == 0
        elif op[0] == "touch":
            klib.t_pc_touch_maps()
        elif op[0] == "unmap":
            klib.t_pc_unmap_all()
        elif op[0] == "dirty":
            _, file, pgoff = op
            cached = bool(klib.t_pc_cached(file, pgoff))
            assert klib.t_pc_dirty(file, pgoff) == (0 if cached else -2)
            if cached:
                dirty.add((file, pgoff))
        elif op[0] == "clean":
            _, file, first, span = op
            taken = klib.t_pc_take_dirty(file, first, first + span)
            in_range = {p for f, p in dirty if f == file and first <= p < first + span}
            assert (taken in in_range) if in_range else taken == -1
            dirty.discard((file, taken))
        elif op[0] == "drop":
            _, file, first = op
            klib.t_pc_drop_from(file, first)
            assert not any(klib.t_pc_cached(file, p) for p in range(first, FILE_PAGES[file]))
            dirty = {(f, p) for f, p in dirty if f != file or p < first}
        else:
            klib.t_pc_reclaim(op[1])
        # Every frame alive is a cached page (mappings share the cache's frames), and
        # every dirty page is still cached, with its data.
        assert klib.t_pc_live() == klib.t_pc_pages() <= limit
        assert klib.t_pc_dirty_pages() == len(dirty)
        for f in range(4):
            assert klib.t_pc_file_dirty(f) == sum(1 for g, _ in dirty if g == f)
        for f, p in dirty:
            assert klib.t_pc_cached(f, p) and get(klib, f, p) == (0, store_page(f, p))
    for f in range(4):
        while klib.t_pc_take_dirty(f, 0, 2**64 - 1) >= 0:
            pass
    klib.t_pc_unmap_all()
    klib.t_pc_reclaim(10**6)
    assert klib.t_pc_pages() == 0 and klib.t_pc_live() == 0


def test_a_miss_reads_the_run_of_missing_pages_ahead_in_one_request(klib) -> None:
    reset(klib, 64)
    assert get(klib, 0, 4, ahead=15) == (0, store_page(0, 4))
    assert klib.t_pc_reads() == 1 and klib.t_pc_pages() == 16
    for pgoff in range(4, 20):
        assert get(klib, 0, pgoff) == (0, store_page(0, pgoff))
    assert klib.t_pc_reads() == 1  # all hits
    # Readahead stops at a cached page and at the end of the file.
    assert get(klib, 0, 2, ahead=15)[0] == 0 and klib.t_pc_pages() == 18
    assert get(klib, 0, 30, ahead=31)[0] == 0 and klib.t_pc_pages() == 28


def test_the_clock_gives_back_pages_not_used_since_the_last_sweep_first(klib) -> None:
    reset(klib, 64)
    for pgoff in range(8):
        assert get(klib, 3, pgoff)[0] == 0
    assert klib.t_pc_reclaim(0) == 0
    # One sweep clears the eight marks; page 0 is the first met again, unmarked.
    assert klib.t_pc_reclaim(1) == 1 and not klib.t_pc_cached(3, 0)
    for pgoff in (5, 6):
        get(klib, 3, pgoff)  # used again: marked
    assert klib.t_pc_reclaim(5) == 5
    assert [p for p in range(8) if klib.t_pc_cached(3, p)] == [5, 6]
    assert klib.t_pc_live() == 2


def test_mapped_pages_go_only_through_the_reverse_map_and_not_while_used(klib) -> None:
    reset(klib, 64)
    assert klib.t_pc_map(0, 1) == 0 and klib.t_pc_map(0, 1) == 0  # two mappings
    klib.t_pc_touch_maps()
    klib.t_pc_reclaim(100)  # marks cleared; the mappings were used: kept
    assert klib.t_pc_cached(0, 1) and klib.t_pc_maps() == 2
    klib.t_pc_reclaim(100)  # not used since: unmapped and given back
    assert not klib.t_pc_cached(0, 1) and klib.t_pc_maps() == 0
    assert klib.t_pc_live() == 0


def test_a_failed_read_caches_nothing_and_leaks_no_frame(klib) -> None:
    reset(klib, 8)
    klib.t_pc_read_fail(1)
    assert get(klib, 0, 0, ahead=5)[0] == -5
    assert klib.t_pc_pages() == 0 and klib.t_pc_live() == 0
    klib.t_pc_read_fail(0)
    assert get(klib, 0, 0) == (0, store_page(0, 0))


def test_dirty_pages_stay_until_taken_off_the_list_and_drop_takes_them_too(klib) -> None:
    reset(klib, 64)
    for pgoff in range(6):
        assert get(klib, 3, pgoff)[0] == 0
    assert klib.t_pc_dirty(3, 1) == 0 and klib.t_pc_dirty(3, 4) == 0
    assert klib.t_pc_dirty(3, 1) == 0  # once on the list
    assert klib.t_pc_dirty(3, 9) == -2  # not cached
    assert klib.t_pc_dirty_pages() == 2
    assert klib.t_pc_reclaim(100) == 4  # all but the dirty ones
    assert [p for p in range(6) if klib.t_pc_cached(3, p)] == [1, 4]
    assert klib.t_pc_take_dirty(3, 2, 10) == 4 and klib.t_pc_take_dirty(3, 2, 10) == -1
    assert klib.t_pc_reclaim(100) == 1 and not klib.t_pc_cached(3, 4)
    klib.t_pc_drop_from(3, 0)  # page 1, dirty, goes too
    assert klib.t_pc_pages() == 0 and klib.t_pc_live() == 0 and klib.t_pc_dirty_pages() == 0
