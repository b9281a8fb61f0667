"""The storage rows: file throughput on a host volume (9P over virtio-9p) and on a
disk (virtio-blk), and sqlite3 inserts on the disk, in each guest, with the same
QEMU machine, CPU model, RAM and device arguments (`run -v` and `--disk` give
unipython's): bench/storage_io.py does the work and prints what it timed.

unipython's disk is its own ext3 (``unipython disk create``); the Linux guest's
is ext4 as mke2fs makes it by default. The Linux guest is Debian's generic
kernel (STORAGE_META_PACKAGE; the cloud kernel of the other rows has no 9P),
whose modules its init (bench/linux_storage_init.py) loads before mounting.

Full runs repeat each guest's boots (rounds, the guests alternating) and give
the median of each figure.

Cold reads: each guest boots once for the writes and sqlite, once for the
sequential reads and once for the random reads (smoke: all in one boot), and the
Linux guest drops its page cache (``drop``) before each read. unipython's ext2
block cache is gone with the reboot; neither guest keeps a cache of 9P files
(Linux: cache=none, the default). The host's page cache is not dropped for
either guest: both read the volume's file and the disk image through it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unipython import disk as disk_mod
from unipython import volumes
from unipython.bench import linux, tsc
from unipython.bench.settings import GUESTS
from unipython.bench.workloads import App, Images, make_init_images, stage_simple
from unipython.errors import UserError
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import qemu

Log = Callable[[str], None]
APP = "storage_io"
LINUX_INIT = "linux_storage_init.py"
VOLUME_DIR = "/vol"
DISK_DIR = "/data"
DISK_SIZE = 512 << 20  # sparse; room for the file, the random writes' journal, the db
MEMORY_MIB = 256
TARGETS = {"volume": VOLUME_DIR, "disk": DISK_DIR}
MIB = 1 << 20


@dataclass(frozen=True)
class StorageMode:
    file_mib: int  # the sequential file's size
    random_n: int  # 4 KiB random writes and reads, each
    random_seconds: float  # at most, each
    sqlite_n: int
    sqlite_seconds: float
    cold_reads: bool  # reads in boots of their own (else all in one boot)
    rounds: int = 1  # each guest's boots again, the guests alternating; medians


def boots(mode: StorageMode) -> list[list[str]]:
    """The steps of each boot, the same for both guests."""
    writes = []
    for where in TARGETS.values():
        writes += [f"seqwrite:{where}:{mode.file_mib}",
                   f"randwrite:{where}:{mode.random_n}:{mode.random_seconds:g}"]
    writes.append(f"sqlite:{DISK_DIR}:{mode.sqlite_n}:{mode.sqlite_seconds:g}")
    seq = [s for where in TARGETS.values() for s in ("drop", f"seqread:{where}")]
    rand = [s for where in TARGETS.values()
            for s in ("drop", f"randread:{where}:{mode.random_n}:{mode.random_seconds:g}")]
    if mode.cold_reads:
        return [writes, seq, rand]
    return [writes + seq + rand]


def parse(console: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``result {json}`` lines of a run, and the Linux init's ``mount`` lines."""
    results, mounts = [], []
    for line in console.splitlines():
        line = line.strip("\r")
        if line.startswith("result "):
            results.append(json.loads(line.removeprefix("result ")))
        elif line.startswith("mount "):
            mounts.append(line.removeprefix("mount "))
    return results, mounts


def rows(results: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{"volume"|"disk": {step: figures}} from the steps' results, with MB/s (1e6
    bytes) and operations per second; ``drop`` results are left out."""
    by_dir = {where: target for target, where in TARGETS.items()}
    out: dict[str, dict[str, Any]] = {target: {} for target in TARGETS}
    for r in results:
        if r["step"] == "drop":
            continue
        target = by_dir.get(r["dir"])
        if target is None:
            raise ValueError(f"a result for an unknown directory: {r}")
        if r["seconds"] <= 0 or r["ops"] <= 0:
            raise ValueError(f"a result without time or operations: {r}")
        row = {k: r[k] for k in ("bytes", "ops", "seconds")}
        row["ops_per_s"] = r["ops"] / r["seconds"]
        row["mb_per_s"] = r["bytes"] / r["seconds"] / 1e6
        row.update({k: v for k, v in r.items()
                    if k not in ("step", "dir", "bytes", "ops", "seconds")})
        out[target][r["step"]] = row
    return out


def merge_rounds(rounds: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """One guest's rows over its rounds: the median of each figure (a host shared
    with other work makes single runs noisy), the rounds' values in ``samples``."""
    out: dict[str, dict[str, Any]] = {}
    for target in TARGETS:
        out[target] = {}
        steps = [step for step in rounds[0].get(target, {})]
        for step in steps:
            cells = [r[target][step] for r in rounds if step in r.get(target, {})]
            merged = dict(cells[0])
            for key in ("mb_per_s", "ops_per_s", "seconds", "bytes", "ops"):
                merged[key] = statistics.median(c[key] for c in cells)
            merged["samples"] = {key: [c[key] for c in cells] for key in ("mb_per_s", "ops_per_s")}
            out[target][step] = merged
    return out


@dataclass(frozen=True)
class StorageRow:
    key: str  # in storage_ratios_vs_linux
    target: str  # volume or disk
    step: str
    what: str
    figure: str  # mb_per_s or ops_per_s
    unit: str


STEP_WHAT = {
    "seqwrite": ("sequential write, 1 MiB writes + fsync", "mb_per_s", "MB/s"),
    "randwrite": ("random write, 4 KiB pwrites + fsync", "mb_per_s", "MB/s"),
    "seqread": ("sequential read, 1 MiB reads, cold", "mb_per_s", "MB/s"),
    "randread": ("random read, 4 KiB preads, cold", "mb_per_s", "MB/s"),
}
TARGET_WHAT = {"volume": "host volume (9P, virtio-9p)", "disk": "disk (virtio-blk; unipython "
               "ext3, Linux ext4)"}
STORAGE_ROWS = tuple(
    StorageRow(f"{target}_{step}", target, step, f"{TARGET_WHAT[target]}: {what}", fig, unit)
    for target in TARGETS for step, (what, fig, unit) in STEP_WHAT.items()
) + (StorageRow("disk_sqlite", "disk", "sqlite",
                "sqlite3 inserts/s on the disk, one transaction each, synchronous=FULL",
                "ops_per_s", "inserts/s"),)


def guest_ok(st: dict[str, Any] | None, setting: str) -> bool:
    return st is not None and setting in st and "error" not in st[setting]


def figure(st: dict[str, Any], setting: str, row: StorageRow) -> float | None:
    cell = st[setting].get(row.target, {}).get(row.step)
    return None if cell is None else cell[row.figure]


def ratios(st: dict[str, Any] | None) -> dict[str, float | None]:
    """unipython / Linux guest of each row (higher is better); {} when a guest failed."""
    if not (guest_ok(st, "unipython") and guest_ok(st, "linux")):
        return {}
    assert st is not None
    out: dict[str, float | None] = {}
    for row in STORAGE_ROWS:
        u, lx = figure(st, "unipython", row), figure(st, "linux", row)
        out[row.key] = None if u is None or not lx else u / lx
    return out


# ------------------------------------------------------------------ running


def skip_reason(kernel: linux.LinuxKernel | None) -> str | None:
    if shutil.which("mke2fs") is None and shutil.which("/sbin/mke2fs") is None:
        return "skipped: needs mke2fs (apt-get install e2fsprogs)"
    if kernel is None:
        return f"skipped: cannot fetch {linux.STORAGE_META_PACKAGE}"
    problem = linux.storage_problem(kernel)
    return f"skipped: {problem}" if problem else None


def stage(upy_kernel: Path, kernel: linux.LinuxKernel, workdir: Path) -> tuple[App, Images]:
    app = stage_simple(APP, workdir, include_modules=("sqlite3",))
    assert kernel.storage_modules is not None
    images = make_init_images(app, upy_kernel, LINUX_INIT, ["ctypes", "runpy"],
                              kernel.storage_modules, "order-storage.txt", workdir)
    return app, images


def make_disk(setting: str, file: Path) -> None:
    """unipython: its own ext3 (`unipython disk create`); Linux: ext4 with mke2fs's
    defaults, its inode tables and journal written now (no lazy init running in
    the background of the measurement)."""
    file.unlink(missing_ok=True)
    if setting == "unipython":
        disk_mod.create(DISK_SIZE, file)
        return
    with open(file, "wb") as f:
        f.truncate(DISK_SIZE)
    subprocess.run([disk_mod._tool("mke2fs"), "-q", "-F", "-t", "ext4", "-E",
                    "lazy_itable_init=0,lazy_journal_init=0", str(file)],
                   check=True, capture_output=True)


def config(setting: str, steps: list[str], app: App, images: Images,
           kernel: linux.LinuxKernel, tsc_khz: int, disk_file: Path, volume: Path,
           accel: str, timeout: float) -> qemu.VMConfig:
    disk = disk_mod.Disk(disk_file, DISK_DIR)
    vols = [volumes.Volume(volume, VOLUME_DIR)]
    if setting == "linux":
        argv = [f"/app/{LINUX_INIT}", VOLUME_DIR, DISK_DIR, app.guest_script, *steps]
        cmdline = linux.kernel_cmdline(argv, images.guest_env,
                                       extra=(f"tsc_early_khz={tsc_khz}", "tsc=reliable"))
        cfg = qemu.VMConfig(image=kernel.vmlinux, initrd=images.initramfs, cmdline=cmdline,
                            acpi=linux.needs_acpi(kernel))
    else:
        cfg = qemu.VMConfig(image=images.unipython,
                            cmdline=kernel_cmdline(RunOptions(args=steps), disk=disk, vols=vols))
    cfg.devices = [*disk.qemu_args(), *volumes.qemu_args(vols)]
    cfg.memory_mib = MEMORY_MIB
    cfg.accel = accel
    cfg.timeout = timeout
    return cfg


# What unipython's kernel counts of its disk and volume I/O (its exit stats), per boot.
KERNEL_STATS = ("blk_submits", "blk_requests", "blk_flushes", "p9_requests")


def _boot(cfg: qemu.VMConfig, setting: str, console: Path) -> tuple[str, dict[str, int]]:
    """The console and kernel stats of one boot; raises RuntimeError when the app
    did not finish."""
    with open(console, "wb") as out, open(os.devnull, "w") as trace:
        result = qemu.boot(cfg, stdout=out, trace_out=trace)
    text = console.read_text("utf-8", "replace")
    status = linux.exit_status(text) if setting == "linux" else result.exit_status
    if result.timed_out:
        raise RuntimeError("the VM timed out: " + text[-1500:])
    if status != 0 or "storage_io: done" not in text:
        raise RuntimeError(f"the app ended with status {status} (QEMU {result.qemu_status}: "
                           f"{result.qemu_stderr.strip()[-300:]}; panic {result.panic}): "
                           f"{text[-1500:]}")
    return text, {k: v for k, v in result.stats.items() if k in KERNEL_STATS}


def guest_rows(setting: str, mode: StorageMode, app: App, images: Images,
               kernel: linux.LinuxKernel, tsc_khz: int, accel: str, workdir: Path,
               log: Log) -> dict[str, Any]:
    """One round of a guest: its boots on a fresh disk and volume directory."""
    base = workdir / f"storage-{setting}"
    shutil.rmtree(base, ignore_errors=True)
    (base / "volume").mkdir(parents=True)
    disk_file = base / "disk.img"
    make_disk(setting, disk_file)
    results: list[dict[str, Any]] = []
    mounts: list[str] = []
    walls = []
    kernel_stats = []
    timeout = 300 + 3 * (mode.random_seconds * 2 + mode.sqlite_seconds) + mode.file_mib
    try:
        for i, steps in enumerate(boots(mode)):
            cfg = config(setting, steps, app, images, kernel, tsc_khz, disk_file,
                         base / "volume", accel, timeout)
            start = time.perf_counter()
            text, stats = _boot(cfg, setting, base / f"console-{i}.txt")
            walls.append(time.perf_counter() - start)
            kernel_stats.append(stats)
            got, mounted = parse(text)
            results += got
            mounts += mounted
        out: dict[str, Any] = rows(results)
    except (RuntimeError, ValueError, json.JSONDecodeError, subprocess.CalledProcessError,
            UserError) as exc:
        log(f"storage: {setting} failed: {str(exc)[:300]}")
        return {"error": str(exc)[-1500:]}
    out["boot_walls"] = walls
    if any(kernel_stats):
        out["kernel_stats"] = kernel_stats
    out["drops"] = [r["dropped"] for r in results if r["step"] == "drop"]
    if mounts:
        out["mounts"] = sorted(set(mounts))
    return out


def storage(upy_kernel: Path, mode: StorageMode, accel: str, cache: Path, workdir: Path,
            log: Log) -> dict[str, Any]:
    """The rows in each guest, or {"skipped": why} where they cannot run here."""
    try:
        kernel: linux.LinuxKernel | None = linux.fetch_kernel(
            cache, meta=linux.STORAGE_META_PACKAGE, group="storage")
    except UserError as exc:
        log(f"storage: {exc}")
        kernel = None
    reason = skip_reason(kernel)
    if reason:
        log(f"storage rows {reason}")
        return {"skipped": reason}
    assert kernel is not None
    app, images = stage(upy_kernel, kernel, workdir)
    khz = tsc.host_tsc_khz(cache)
    out: dict[str, Any] = {"settings": {
        "file_mib": mode.file_mib, "random_n": mode.random_n,
        "random_seconds": mode.random_seconds, "sqlite_n": mode.sqlite_n,
        "sqlite_seconds": mode.sqlite_seconds, "cold_reads": mode.cold_reads,
        "memory_mib": MEMORY_MIB, "disk_size": DISK_SIZE, "rounds": mode.rounds,
        "linux_kernel": f"{kernel.package} {kernel.version}", "boots": boots(mode)}}
    rounds: dict[str, list[dict[str, Any]]] = {s: [] for s in GUESTS}
    for i in range(mode.rounds):
        for setting in GUESTS if i % 2 == 0 else GUESTS[::-1]:
            if rounds[setting] and "error" in rounds[setting][-1]:
                continue
            rounds[setting].append(guest_rows(setting, mode, app, images, kernel, khz, accel,
                                              workdir, log))
        log(f"storage: round {i + 1} of {mode.rounds} done")
    for setting, got in rounds.items():
        failed = [r for r in got if "error" in r]
        if failed:
            out[setting] = failed[0]
            continue
        out[setting] = merge_rounds(got)
        for key in ("boot_walls", "drops", "mounts", "kernel_stats"):
            if key in got[0]:
                out[setting][key] = [x for r in got for x in r[key]] if key != "mounts" \
                    else got[0][key]
    return out
