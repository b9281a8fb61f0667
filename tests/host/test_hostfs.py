"""Paths walked on the host component by component, symlinks recorded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unipython.builder.hostfs import resolve


@pytest.fixture
def merged_usr(tmp_path: Path) -> Path:
    """A fake Debian 12 root: /lib -> usr/lib, /lib64 -> usr/lib64, absolute ld.so link."""
    (tmp_path / "usr/lib/x86_64-linux-gnu").mkdir(parents=True)
    (tmp_path / "usr/lib64").mkdir(parents=True)
    (tmp_path / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2").write_text("ld")
    (tmp_path / "usr/lib/x86_64-linux-gnu/libz.so.1.2.13").write_text("z")
    os.symlink("libz.so.1.2.13", tmp_path / "usr/lib/x86_64-linux-gnu/libz.so.1")
    os.symlink("usr/lib", tmp_path / "lib")
    os.symlink("usr/lib64", tmp_path / "lib64")
    os.symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
               tmp_path / "usr/lib64/ld-linux-x86-64.so.2")
    return tmp_path


def test_every_symlink_on_the_way_is_recorded(merged_usr: Path) -> None:
    res = resolve("/lib64/ld-linux-x86-64.so.2", merged_usr)
    assert res.symlinks == [
        ("/lib64", "usr/lib64"),
        ("/usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        ("/lib", "usr/lib"),
    ]
    assert res.real_path == "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"


def test_a_library_symlink_in_the_same_directory(merged_usr: Path) -> None:
    res = resolve("/lib/x86_64-linux-gnu/libz.so.1", merged_usr)
    assert res.symlinks == [("/lib", "usr/lib"),
                            ("/usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13")]
    assert res.real_path == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"


def test_a_path_without_symlinks_is_its_own_real_path(merged_usr: Path) -> None:
    res = resolve("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", merged_usr)
    assert res.symlinks == [] and res.real_path == res.path


def test_dotdot_in_a_link_target(merged_usr: Path) -> None:
    os.symlink("../lib/x86_64-linux-gnu", merged_usr / "usr/lib64/multiarch")
    res = resolve("/usr/lib64/multiarch/libz.so.1.2.13", merged_usr)
    assert res.real_path == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"


@pytest.mark.skipif(not Path("/lib64/ld-linux-x86-64.so.2").exists(), reason="not x86_64 glibc")
def test_the_hosts_own_ld_so_resolves_to_a_real_file() -> None:
    res = resolve("/lib64/ld-linux-x86-64.so.2")
    assert Path(res.real_path).is_file() and not Path(res.real_path).is_symlink()
