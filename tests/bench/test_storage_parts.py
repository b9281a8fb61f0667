"""The storage rows' parts that need no VM: the boots' steps, the console's result
lines, the rows and ratios, the table and budget, and which kernel packages and
modules the Linux guest gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bench.test_net_parts import fake_module, needs_gcc  # noqa: F401
from unipython.bench import linux, report, storage

MODE = storage.StorageMode(file_mib=64, random_n=100, random_seconds=5, sqlite_n=50,
                           sqlite_seconds=7, cold_reads=True)


def test_cold_reads_come_in_boots_of_their_own_after_a_drop() -> None:
    writes, seq, rand = storage.boots(MODE)
    assert writes == ["seqwrite:/vol:64", "randwrite:/vol:100:5", "seqwrite:/data:64",
                      "randwrite:/data:100:5", "sqlite:/data:50:7"]
    assert seq == ["drop", "seqread:/vol", "drop", "seqread:/data"]
    assert rand == ["drop", "randread:/vol:100:5", "drop", "randread:/data:100:5"]
    smoke = storage.boots(storage.StorageMode(1, 16, 5, 5, 5, cold_reads=False))
    assert len(smoke) == 1 and smoke[0][0] == "seqwrite:/vol:1" and smoke[0][-1].startswith(
        "randread:/data")


def result(step: str, where: str, nbytes: int, ops: int, seconds: float, **more: Any) -> str:
    return "result " + json.dumps({"step": step, "dir": where, "bytes": nbytes, "ops": ops,
                                   "seconds": seconds, **more})


CONSOLE = "\r\n".join([
    "[    0.43] PCI: Fatal: No config space access function found",
    "mount v0 /vol 9p rw,sync,dirsync,relatime,access=client,trans=virtio 0 0",
    result("seqwrite", "/vol", 64 << 20, 64, 2.0),
    result("randwrite", "/vol", 400 * 4096, 400, 0.5),
    result("sqlite", "/data", 0, 250, 5.0, journal_mode="delete"),
    'result {"step": "drop", "dropped": true}',
    result("seqread", "/data", 32_000_000, 31, 0.25),
    "storage_io: done",
]) + "\r\n"


def test_the_console_gives_results_and_mounts() -> None:
    results, mounts = storage.parse(CONSOLE)
    assert [r["step"] for r in results] == ["seqwrite", "randwrite", "sqlite", "drop", "seqread"]
    assert mounts == ["v0 /vol 9p rw,sync,dirsync,relatime,access=client,trans=virtio 0 0"]
    with pytest.raises(json.JSONDecodeError):
        storage.parse("result {not json\n")


def test_rows_are_per_target_with_rates() -> None:
    rows = storage.rows(storage.parse(CONSOLE)[0])
    assert rows["volume"]["seqwrite"]["mb_per_s"] == pytest.approx((64 << 20) / 2.0 / 1e6)
    assert rows["volume"]["randwrite"]["ops_per_s"] == 800.0
    assert rows["disk"]["sqlite"]["ops_per_s"] == 50.0
    assert rows["disk"]["sqlite"]["journal_mode"] == "delete"
    assert rows["disk"]["seqread"]["mb_per_s"] == 128.0
    assert "drop" not in rows["disk"]
    with pytest.raises(ValueError, match="unknown directory"):
        storage.rows([{"step": "seqread", "dir": "/elsewhere", "bytes": 1, "ops": 1,
                       "seconds": 1.0}])
    with pytest.raises(ValueError, match="without time"):
        storage.rows([{"step": "seqread", "dir": "/vol", "bytes": 0, "ops": 0, "seconds": 0.0}])


def guest(scale: float) -> dict[str, Any]:
    def cell(mb: float, ops: float) -> dict[str, float]:
        return {"mb_per_s": mb, "ops_per_s": ops}

    return {"volume": {s: cell(10 * scale, 100) for s in storage.STEP_WHAT},
            "disk": {**{s: cell(20.0, 200 * scale) for s in storage.STEP_WHAT},
                     "sqlite": cell(0.0, 300 * scale)}}


ST = {"settings": {"file_mib": 64, "random_n": 4096, "sqlite_n": 2000},
      "linux": guest(1.0), "unipython": guest(0.5)}


def test_ratios_are_unipython_over_linux_for_every_row() -> None:
    r = storage.ratios(ST)
    assert set(r) == {row.key for row in storage.STORAGE_ROWS} and len(r) == 9
    assert r["volume_seqwrite"] == 0.5 and r["disk_seqread"] == 1.0
    assert r["disk_sqlite"] == 0.5
    assert storage.ratios({**ST, "unipython": {"error": "boom"}}) == {}
    assert storage.ratios({"skipped": "skipped: needs mke2fs"}) == {}
    missing = {**ST, "linux": {"volume": {}, "disk": {}}}
    assert set(storage.ratios(missing).values()) == {None}


def test_storage_rows_in_the_table_and_the_budget_on_the_lowest() -> None:
    lines = report.storage_lines(ST)
    assert len(lines) == len(storage.STORAGE_ROWS)
    assert lines[0] == ("| host volume (9P, virtio-9p): sequential write, 1 MiB writes + fsync, "
                        "64 MiB (higher is better) | n/a | 10 MB/s | 5 MB/s | **0.5** | n/a |")
    assert "up to 2000 (higher is better) | n/a | 300 inserts/s | 150 inserts/s | **0.5**" in \
        lines[-1]
    failed = report.storage_lines({**ST, "linux": {"error": "boom"}})
    assert "failed (see the JSON)" in failed[0] and "**n/a**" in failed[0]
    skipped = report.storage_lines({"skipped": "skipped: needs mke2fs"})
    assert len(skipped) == 1 and "skipped: needs mke2fs" in skipped[0]
    res: dict[str, Any] = {"storage": ST}
    report.summarize(res)
    budget = [b for b in res["budgets"] if b["what"].startswith("storage")]
    assert budget == [{"what": budget[0]["what"], "limit": ">= 1 (higher is better)",
                       "value": 0.5, "met": False}]
    assert report.storage_worst({"a": 1.2, "b": 1.0}) == 1.0
    assert report.storage_worst({"a": 1.2, "b": None}) is None


def test_the_storage_guest_is_a_flavour_of_its_own() -> None:
    assert linux.is_flavour("linux-image-6.1.0-57-amd64", linux.STORAGE_META_PACKAGE)
    assert not linux.is_flavour("linux-image-6.1.0-57-cloud-amd64", linux.STORAGE_META_PACKAGE)
    assert linux.is_flavour("linux-image-6.1.0-57-cloud-amd64", linux.META_PACKAGE)
    assert not linux.is_flavour("linux-image-6.1.0-57-amd64", linux.META_PACKAGE)


STORAGE_CONFIG = """CONFIG_VIRTIO_MMIO=m
CONFIG_VIRTIO_BLK=m
CONFIG_NET_9P_VIRTIO=m
CONFIG_9P_FS=m
CONFIG_CRYPTO_CRC32C=m
CONFIG_EXT4_FS=y
"""


def test_a_kernel_without_9p_has_no_storage_rows(tmp_path: Path) -> None:
    assert linux.group_problem(STORAGE_CONFIG, "storage") is None
    no9p = STORAGE_CONFIG.replace("CONFIG_9P_FS=m", "# CONFIG_9P_FS is not set")
    assert linux.group_problem(no9p, "storage") == "no 9p (CONFIG_9P_FS is not set)"
    config = tmp_path / "config"
    config.write_text(no9p)
    k = linux.LinuxKernel("linux-image-x-cloud-amd64", "1", tmp_path, tmp_path, config)
    assert storage.skip_reason(k) in ("skipped: linux-image-x-cloud-amd64 has no 9p "
                                      "(CONFIG_9P_FS is not set)",
                                      "skipped: needs mke2fs (apt-get install e2fsprogs)")


def test_storage_modules_are_kept_in_their_own_order(needs_gcc: None,  # noqa: F811
                                                     tmp_path: Path) -> None:
    tree = tmp_path / "lib" / "modules" / "6.1.0-x" / "kernel"
    for rel, deps in (("drivers/virtio/virtio_mmio", "virtio"), ("drivers/virtio/virtio", ""),
                      ("drivers/block/virtio_blk", "virtio"), ("net/9p/9pnet", ""),
                      ("net/9p/9pnet_virtio", "9pnet,virtio"), ("fs/9p/9p", "9pnet"),
                      ("crypto/crc32c_generic", ""), ("fs/ext4/ext4", "jbd2")):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        fake_module(tmp_path, Path(rel).name, deps).rename(tree / f"{rel}.ko")
    config = tmp_path / "config"
    config.write_text(STORAGE_CONFIG)  # ext4 built in: no module, so no jbd2 either
    out = tmp_path / "kept"
    order = linux.keep_modules(config, tmp_path / "lib" / "modules", out, "storage")
    assert order == ["virtio", "virtio_mmio", "virtio_blk", "9pnet", "9pnet_virtio", "9p",
                     "crc32c_generic"]
    assert (out / "order-storage.txt").read_text().split() == order
    assert not (out / "order.txt").exists()


def test_rounds_merge_into_medians_with_their_samples() -> None:
    def one(mb: float) -> dict[str, Any]:
        cell = {"mb_per_s": mb, "ops_per_s": mb * 10, "seconds": 1.0, "bytes": 5, "ops": 2,
                "journal_mode": "delete"}
        return {"volume": {"seqread": dict(cell)}, "disk": {"sqlite": dict(cell)}}

    merged = storage.merge_rounds([one(10.0), one(30.0), one(20.0)])
    assert merged["volume"]["seqread"]["mb_per_s"] == 20.0
    assert merged["disk"]["sqlite"]["ops_per_s"] == 200.0
    assert merged["disk"]["sqlite"]["journal_mode"] == "delete"
    assert merged["volume"]["seqread"]["samples"]["mb_per_s"] == [10.0, 30.0, 20.0]
    assert storage.merge_rounds([one(4.0)])["volume"]["seqread"]["mb_per_s"] == 4.0
