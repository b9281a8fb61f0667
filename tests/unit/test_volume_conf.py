"""volume= on the kernel command line (fs/ninep/volume_conf.c): what the runner
writes (unipython.volumes.kernel_tokens, percent-encoded by format_tokens) reads
back as the same tag, mode and path; anything else is refused with a reason."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unipython.cmdline import format_tokens
from unipython.volumes import Volume, kernel_tokens


class Vol(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_char * 32), ("path", ctypes.c_char * 1024),
                ("readonly", ctypes.c_bool)]


class Conf(ctypes.Structure):
    _fields_ = [("v", Vol * 8), ("n", ctypes.c_int)]


@pytest.fixture(scope="module")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    klib.volume_config_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Conf),
                                         ctypes.POINTER(ctypes.c_char_p)]
    klib.volume_config_parse.restype = ctypes.c_int
    return klib


def parse(lib: ctypes.CDLL, line: str) -> tuple[int, Conf, str]:
    c, why = Conf(), ctypes.c_char_p()
    raw = line.encode()
    rc = lib.volume_config_parse(raw, len(raw), ctypes.byref(c), ctypes.byref(why))
    return rc, c, (why.value or b"").decode()


guest_dirs = st.lists(st.text(st.characters(blacklist_characters="/\0", min_codepoint=1,
                                            blacklist_categories=("Cs",)),
                              min_size=1, max_size=20), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)).filter(lambda p: len(p.encode()) <= 1023)


@settings(deadline=None)
@given(st.lists(st.tuples(guest_dirs, st.booleans()), max_size=8))
def test_what_the_runner_writes_reads_back(lib: ctypes.CDLL, vols: list[tuple[str, bool]]) -> None:
    tokens = [("exec", "/usr/bin/python3"), *kernel_tokens(
        [Volume(host=Path("/h"), guest=g, readonly=ro) for g, ro in vols]), ("net", "dhcp")]
    rc, c, why = parse(lib, format_tokens(tokens))
    assert rc == 0, why
    assert c.n == len(vols)
    for i, (g, ro) in enumerate(vols):
        assert c.v[i].tag == f"v{i}".encode()
        assert c.v[i].path.decode() == g and c.v[i].readonly == ro


@pytest.mark.parametrize("bad", ["volume=v0", "volume=v0:rw", "volume=v0:xx:/a",
                                 "volume=v0:rw:rel", "volume=:rw:/a", "volume=v0:rw:/a%00b",
                                 "volume=v0:rw:/a%zz", "volume=" + "t" * 40 + ":rw:/a"])
def test_a_malformed_volume_is_refused_with_a_reason(lib: ctypes.CDLL, bad: str) -> None:
    rc, _, why = parse(lib, bad)
    assert rc == -1 and why


def test_more_than_eight_volumes_are_refused(lib: ctypes.CDLL) -> None:
    rc, _, why = parse(lib, " ".join(f"volume=v{i}:rw:/d{i}" for i in range(9)))
    assert rc == -1 and "8" in why
