"""The checked arithmetic (kernel/lib/overflow.h) and the one test of app memory
(kernel/mm/user_range.h) against Python's exact integers."""

from __future__ import annotations

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st

M64 = 2**64
PAGE = 4096
# Values near the edges are where the bugs were: around 0, 2^31, 2^32, 2^47, 2^63, 2^64.
edges = [0, 1, PAGE - 1, PAGE, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 0x7ffffffff000, 2**47,
         0xffff800000000000, 0xffffffff80000000, 2**63 - 1, 2**63, M64 - PAGE, M64 - 1]
u64 = st.one_of(st.sampled_from(edges), st.integers(0, M64 - 1),
                st.builds(lambda e, d: (e + d) % M64, st.sampled_from(edges), st.integers(-PAGE, PAGE)))
s64 = u64.map(lambda v: v - M64 if v >= 2**63 else v)


@settings(max_examples=400, deadline=None)
@given(u64, u64)
def test_add_sub_mul_report_overflow_exactly_when_the_result_does_not_fit(klib, a, b):
    out = ctypes.c_uint64()
    for fn, exact in [(klib.t_check_add, a + b), (klib.t_check_sub, a - b), (klib.t_check_mul, a * b)]:
        overflow = fn(a, b, ctypes.byref(out))
        assert overflow == (not 0 <= exact < M64)
        assert out.value == exact % M64


@settings(max_examples=300, deadline=None)
@given(s64, s64)
def test_signed_add_reports_overflow_outside_int64(klib, a, b):
    out = ctypes.c_int64()
    assert klib.t_check_add_s64(a, b, ctypes.byref(out)) == (not -(2**63) <= a + b < 2**63)


@settings(max_examples=400, deadline=None)
@given(u64, st.integers(0, 20))
def test_align_up_fails_on_wrap_and_never_returns_a_smaller_value(klib, x, shift):
    out = ctypes.c_uint64()
    align = 1 << shift
    exact = -(-x // align) * align
    assert klib.t_check_align_up(x, align, ctypes.byref(out)) == (exact >= M64)
    if exact < M64:
        assert out.value == exact >= x
    page = klib.t_check_page_align(x, ctypes.byref(out))
    assert page == (-(-x // PAGE) * PAGE >= M64)


@settings(max_examples=400, deadline=None)
@given(u64, u64, u64)
def test_array_and_struct_sizes_saturate_at_size_max(klib, n, size, header):
    assert klib.t_array_size(n, size) == min(n * size, M64 - 1)
    assert klib.t_size_add(n, size) == min(n + size, M64 - 1)
    assert klib.t_struct_size(header, n, size) == min(header + min(n * size, M64 - 1), M64 - 1)


@settings(max_examples=400, deadline=None)
@given(s64, u64)
def test_a_file_range_is_valid_iff_it_lies_in_0_to_int64_max(klib, off, length):
    assert klib.t_file_range_ok(off, length) == (off >= 0 and off + length < 2**63)


@settings(max_examples=600, deadline=None)
@given(u64, u64)
def test_a_user_range_never_wraps_and_never_reaches_the_hole_or_the_kernel_half(klib, addr, length):
    top = klib.t_user_top()
    assert top == 0x7ffffffff000
    ok = klib.t_user_range_ok(addr, length)
    assert ok == (addr + length <= top)
    if ok:  # every byte of it is below the non-canonical hole and the kernel's half
        assert addr + length <= 2**47 and (length == 0 or addr + length - 1 < 0xffff800000000000)
    end = ctypes.c_uint64()
    pages = -(-length // PAGE) * PAGE
    assert klib.t_user_pages_ok(addr, length, ctypes.byref(end)) == (addr + pages <= top)
    if addr + pages <= top:
        assert end.value == addr + pages
