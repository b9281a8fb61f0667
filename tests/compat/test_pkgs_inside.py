"""Package suites inside unipython equal the host's: toolz (pure Python) and numpy's sort
and partition tests (the AVX2 kernels Debian's QEMU 7.2 TCG emulates wrongly, so they
pin the TCG CPU model). Long: a pip install from the local index, a 300 MB image and
several minutes of TCG."""

from __future__ import annotations

import pytest

from tests.boot.conftest import unipython


@pytest.mark.long
def test_toolz_and_numpy_sort_suites_equal_the_host() -> None:
    r = unipython("compat", "pkgs:toolz", "pkgs:numpy.sort", timeout=3600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed, 0 failed" in r.stdout
