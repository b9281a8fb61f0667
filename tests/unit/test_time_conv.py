"""The one conversion of app time values (timespec, timeval) to nanoseconds: Linux's validity
rules, and saturation at KTIME_MAX instead of a wrap to a short time."""

from __future__ import annotations

import ctypes

from hypothesis import given
from hypothesis import strategies as st

KTIME_MAX = 2**63 - 1
I64 = st.integers(-(2**63), 2**63 - 1)


def conv(fn, sec: int, frac: int) -> int | None:
    out = ctypes.c_int64(-7)
    return out.value if fn(sec, frac, ctypes.byref(out)) else None


@given(I64, I64)
def test_timespec_is_valid_as_linux_and_saturates(klib, sec, nsec):
    got = conv(klib.timespec_to_ns, sec, nsec)
    if sec < 0 or not 0 <= nsec < 10**9:
        assert got is None
    else:
        assert got == min(sec * 10**9 + nsec, KTIME_MAX)


@given(I64, I64)
def test_timeval_is_valid_as_linux_and_saturates(klib, sec, usec):
    got = conv(klib.timeval_to_ns, sec, usec)
    if sec < 0 or not 0 <= usec < 10**6:
        assert got is None
    else:
        assert got == min(sec * 10**9 + usec * 1000, KTIME_MAX)


def c_div(a: int, b: int) -> tuple[int, int]:
    """C's truncating division and remainder."""
    q = abs(a) // b * (1 if a >= 0 else -1)
    return q, a - q * b


@given(I64, I64)
def test_select_timeval_moves_whole_seconds_of_usec_first(klib, sec, usec):
    q, r = c_div(usec, 10**6)
    s = sec + q
    got = conv(klib.select_timeval_to_ns, sec, usec)
    if s < 0 or r < 0:
        assert got is None
    else:
        assert got == min(s * 10**9 + r * 1000, KTIME_MAX)


def test_the_sleep_of_2_62_seconds_is_long(klib):
    assert conv(klib.timespec_to_ns, 2**62, 0) == KTIME_MAX


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_deadlines_saturate_at_ktime_max(klib, now, ns):
    assert klib.time_deadline_after(now, ns) == min(now + ns, KTIME_MAX)
