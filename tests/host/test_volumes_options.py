"""-v HOSTDIR:GUESTDIR[:ro] on the host side (unipython.volumes): what is accepted, what
QEMU and the kernel are given, and the errors a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from unipython.errors import UserError
from unipython.volumes import (
    Volume,
    check_hosts,
    from_json,
    kernel_tokens,
    merge,
    parse_volume,
    qemu_args,
    to_json,
)


def test_a_volume_is_host_guest_and_mode(tmp_path: Path) -> None:
    assert parse_volume("data:/data", base=tmp_path) == Volume(tmp_path / "data", "/data")
    assert parse_volume("/a:b:/srv/x/:ro") == Volume(Path("/a:b"), "/srv/x", True)
    assert parse_volume("/a:/x:rw").readonly is False


@pytest.mark.parametrize("bad", ["/a", "/a:", ":/x", "/a:x", "/a:/", "/a:/x/../y", "/a:/x/.."])
def test_a_bad_volume_is_a_user_error(bad: str) -> None:
    with pytest.raises(UserError):
        parse_volume(bad)


def test_qemu_gets_one_export_and_device_per_volume_with_commas_doubled() -> None:
    args = qemu_args([Volume(Path("/h/a,b"), "/data"), Volume(Path("/r"), "/ro", True)])
    assert args == [
        "-fsdev", "local,id=v0,path=/h/a,,b,security_model=none,multidevs=remap",
        "-device", "virtio-9p-device,fsdev=v0,mount_tag=v0",
        "-fsdev", "local,id=v1,path=/r,security_model=none,multidevs=remap,readonly=on",
        "-device", "virtio-9p-device,fsdev=v1,mount_tag=v1"]
    assert kernel_tokens([Volume(Path("/h"), "/data"), Volume(Path("/r"), "/ro", True)]) == [
        ("volume", "v0:rw:/data"), ("volume", "v1:ro:/ro")]


def test_run_replaces_builds_volume_for_the_same_guest_dir() -> None:
    a, b = Volume(Path("/a"), "/data"), Volume(Path("/b"), "/data", True)
    c = Volume(Path("/c"), "/c")
    assert merge([a, c], [b]) == [b, c]
    with pytest.raises(UserError):
        merge([], [Volume(Path("/h"), f"/d{i}") for i in range(9)])


def test_build_defaults_round_trip_and_bad_ones_are_refused() -> None:
    vols = [Volume(Path("/a"), "/data"), Volume(Path("/b"), "/ro", True)]
    assert from_json(to_json(vols), "img") == vols
    with pytest.raises(UserError, match="unreadable volume defaults"):
        from_json(b'[{"host": 1}]', "img")


def test_a_missing_or_non_directory_host_is_named(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(UserError, match="no such directory"):
        check_hosts([Volume(tmp_path / "nope", "/data")])
    with pytest.raises(UserError, match="not a directory"):
        check_hosts([Volume(tmp_path / "f", "/data")])
    check_hosts([Volume(tmp_path, "/data")])
