"""Small portable kernel pieces: formatting, ChaCha20, the calendar, %-decoding."""

from __future__ import annotations

import ctypes
import datetime

from hypothesis import given
from hypothesis import strategies as st


def fmt(klib, spec, *args):
    buf = ctypes.create_string_buffer(256)
    klib.format(buf, ctypes.c_size_t(256), spec.encode(), *args)
    return buf.value.decode()


def test_format_matches_printf_for_the_supported_conversions(klib):
    i64 = ctypes.c_int64
    assert fmt(klib, "%d|%5d|%-5d|%05d", ctypes.c_int(-42), ctypes.c_int(7), ctypes.c_int(7),
               ctypes.c_int(7)) == "-42|    7|7    |00007"
    assert fmt(klib, "%lx|%#lx|%lu|%o", i64(255), i64(255), i64(2**63), ctypes.c_uint(8)) == \
        "ff|0xff|9223372036854775808|10"
    assert fmt(klib, "%s|%.3s|%5s|%c|%%", b"abc", b"abcdef", b"ab", ctypes.c_int(65)) == \
        "abc|abc|   ab|A|%"
    assert fmt(klib, "%ld", i64(-2**63)) == str(-2**63)


def test_format_truncates_and_still_terminates(klib):
    buf = ctypes.create_string_buffer(b"x" * 8)
    n = klib.format(buf, ctypes.c_size_t(4), b"%s", b"abcdef")
    assert n == 6 and buf.value == b"abc"


def test_chacha20_matches_rfc8439_test_vector(klib):
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a00000000")
    out = ctypes.create_string_buffer(64)
    klib.chacha20_block(key, 1, nonce, out)
    assert out.raw.hex() == (
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")


@given(st.dates())
def test_days_from_civil_agrees_with_datetime(klib, d):
    expect = d.toordinal() - datetime.date(1970, 1, 1).toordinal()
    assert klib.days_from_civil(d.year, d.month, d.day) == expect


def test_percent_decode_rejects_broken_escapes(klib):
    for bad in (b"%", b"%4", b"%zz", b"a%"):
        assert klib.percent_decode(ctypes.create_string_buffer(bad), len(bad)) == -1
    buf = ctypes.create_string_buffer(b"a%20b%25")
    assert klib.percent_decode(buf, 8) == 4 and buf.raw[:4] == b"a b%"
