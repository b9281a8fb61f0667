"""`--disk FILE[:GUESTDIR][:ro]` and `unipython disk create` on the host side
(src/unipython/disk.py): what reaches QEMU and the kernel command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from unipython import disk
from unipython.errors import UserError
from unipython.runcmd import RunOptions, kernel_cmdline


@pytest.fixture
def file(tmp_path: Path) -> Path:
    f = tmp_path / "d.img"
    f.write_bytes(b"\0" * 4096)
    return f


@pytest.mark.parametrize("suffix, guest, ro", [
    ("", "/data", False), (":/srv/db", "/srv/db", False), (":/app:ro", "/app", True),
    (":ro", "/data", True), (":/x/:rw", "/x", False),
])
def test_disk_option_names_file_guest_dir_and_mode(file: Path, suffix: str, guest: str,
                                                   ro: bool) -> None:
    d = disk.parse_disk(f"{file}{suffix}")
    assert (d.file, d.guest_dir, d.readonly) == (file.resolve(), guest, ro)
    drive = d.qemu_args()[1]
    assert f"file={file.resolve()}," in drive and "cache=writeback" in drive
    assert f"readonly={'on' if ro else 'off'}" in drive
    assert d.qemu_args()[2:] == ["-device", "virtio-blk-device,drive=d0"]
    assert kernel_cmdline(RunOptions(), None, d) == f"disk={guest}{',ro' if ro else ''}"


@pytest.mark.parametrize("value, message", [
    ("{file}:relative", "absolute path"), ("{file}:/a b", "absolute path"),
    ("{file}:/a:/b", "FILE[:GUESTDIR][:ro]"), (":/data", "FILE[:GUESTDIR][:ro]"),
    ("{missing}", "disk create"),
])
def test_bad_disk_options_are_one_line_errors(file: Path, value: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        disk.parse_disk(value.format(file=file, missing=file.with_name("nope.img")))


@pytest.mark.parametrize("text, size", [("64M", 64 << 20), ("1G", 1 << 30), ("512k", 512 << 10),
                                        ("2GiB", 2 << 30), ("4096", 4096)])
def test_sizes(text: str, size: int) -> None:
    assert disk.parse_size(text) == size


def test_a_bad_size_and_a_tiny_disk_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="bad size"):
        disk.parse_size("lots")
    with pytest.raises(UserError, match="at least"):
        disk.create(1 << 20, tmp_path / "tiny.img")
    assert not (tmp_path / "tiny.img").exists()
