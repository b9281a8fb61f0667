"""The measurements. Each function takes a Runner and returns plain data (JSON-able)."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from pathlib import Path

from unipython.bench.settings import GUESTS, SETTINGS, Run, Runner
from unipython.errors import UserError

Log = Callable[[str], None]


def _check(run: Run, what: str) -> Run:
    if not run.ok:
        raise UserError(f"{what} failed (status {run.status}): {run.detail.strip()[-1500:]}")
    return run


def boot_to_exit(r: Runner, n: int, log: Log) -> dict[str, dict[str, float]]:
    """Wall time of the hello app, process start to exit, n times per setting,
    the settings interleaved so that drifts of the host hit all alike."""
    walls: dict[str, list[float]] = {s: [] for s in SETTINGS}
    for i in range(n):
        for s in SETTINGS:
            run = _check(r.run(s, "hello"), f"hello in {s}")
            if "hello" not in run.stdout:
                raise UserError(f"hello in {s}: no 'hello' in its output")
            walls[s].append(run.wall)
        log(f"boot-to-exit {i + 1}/{n}")
    return {s: {"median": statistics.median(w), "min": min(w), "max": max(w), "n": len(w)}
            for s, w in walls.items()}


def instructions(r: Runner, runs: int, log: Log) -> dict[str, dict[str, float]]:
    """Counts under -icount shift=0 with the insn_count plugin, the median of ``runs``.

    first_line: the app's first line ends the run (os._exit): the count up to the
    last user-half instruction (the exit_group syscall) is the instructions
    executed before the app's first line had run. to_user: up to the first user
    instruction (ld.so, or the init's ld.so). kernel_share: the hello app's
    instructions in the upper (kernel) half over all. Linux's counts vary a little
    from run to run (its boot reads the host's real-time clock), hence the medians.
    """
    out: dict[str, dict[str, float]] = {}
    for s in ("linux", "unipython", "qemu-user"):
        rows: list[dict[str, float]] = []
        for _ in range(runs):
            first = _check(r.run(s, "first_line", count=True, last_user=True),
                           f"first_line in {s}")
            hello = _check(r.run(s, "hello", count=True), f"hello (counted) in {s}")
            k, u = hello.counts["kernel_insns"], hello.counts["user_insns"]
            row: dict[str, float] = {
                "first_line": first.counts["insns_to_last_user"],
                "to_user": first.counts["insns_to_first_user"],
                "hello_total": k + u,
                "hello_kernel": k,
                "kernel_share": k / (k + u) if k + u else 0.0,
            }
            if s == "unipython":
                st = hello.stats
                row["stats_to_ldso"] = st["boot_ticks"] - st["boot_halted_ticks"]
                row["stats_kernel_share"] = (st["kernel_ticks"]
                                             / (st["total_ticks"] - st["idle_ticks"]))
            rows.append(row)
        merged = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        for key in ("first_line", "hello_total"):
            merged[f"{key}_min"] = min(row[key] for row in rows)
            merged[f"{key}_max"] = max(row[key] for row in rows)
        merged["runs"] = runs
        out[s] = merged
        log(f"instruction counts: {s}")
    return out


def image_sizes(r: Runner) -> dict[str, dict[str, int]]:
    import zstandard

    def zsize(path: Path) -> int:
        return len(zstandard.ZstdCompressor(level=3).compress(path.read_bytes()))

    images = r.images["hello"]
    kernel = r.kernel.vmlinux
    return {
        "unipython": {"raw": images.unipython.stat().st_size, "zstd": zsize(images.unipython)},
        "linux": {
            "raw": kernel.stat().st_size + images.initramfs.stat().st_size,
            "zstd": zsize(kernel) + zsize(images.initramfs),
            "kernel_raw": kernel.stat().st_size,
            "initramfs_raw": images.initramfs.stat().st_size,
            "vmlinuz": r.kernel.vmlinuz.stat().st_size,
        },
    }


def min_ram(r: Runner, setting: str, hi: int, precision: int, log: Log) -> int:
    """The least -m (MiB) that still runs hello, by binary search; -1 if even hi fails."""
    def works(mib: int) -> bool:
        run = r.run(setting, "hello", memory=mib)
        return run.ok and "hello" in run.stdout

    if not works(hi):
        return -1
    lo = 0  # known to fail (QEMU needs some RAM)
    while hi - lo > precision:
        mid = (lo + hi) // 2
        if works(mid):
            hi = mid
        else:
            lo = mid
        log(f"minimum RAM {setting}: between {lo} and {hi} MiB")
    return hi


SYSCALL_LINE = re.compile(r"^(empty_ns|getppid_ns) (\d+)$", re.M)


def syscall(r: Runner, n: int, n_count: int, log: Log) -> dict[str, dict[str, float]]:
    """getppid per call: wall (perf_counter_ns in the app, minus an empty loop) in
    every setting; and guest instructions per call (counted runs of a loop of
    getppid against an empty loop) in the guests and qemu-user."""
    out: dict[str, dict[str, float]] = {}
    for s in SETTINGS:
        run = _check(r.run(s, "syscall", ["time", str(n)]), f"syscall loop in {s}")
        found = dict(SYSCALL_LINE.findall(run.stdout))
        if len(found) != 2:
            raise UserError(f"syscall loop in {s}: unexpected output {run.stdout[-500:]!r}")
        row = {"ns_per_call": (int(found["getppid_ns"]) - int(found["empty_ns"])) / n}
        if s != "native":
            counted = {}
            for loop in ("empty", "getppid"):
                c = _check(r.run(s, "syscall", ["count", str(n_count), loop], count=True),
                           f"counted syscall loop in {s}")
                counted[loop] = c.counts
            total = {k: sum(v.values()) for k, v in counted.items()}
            row["insns_per_call"] = (total["getppid"] - total["empty"]) / n_count
            row["kernel_insns_per_call"] = (counted["getppid"]["kernel_insns"]
                                            - counted["empty"]["kernel_insns"]) / n_count
        out[s] = row
        log(f"syscall round trip: {s}")
    return out


PYPERF_JSON = re.compile(r"^--- pyperf json ---\n(.*?)\n--- end ---$", re.M | re.S)


def pyperf(r: Runner, benchmarks: tuple[str, ...], values: int, warmups: int,
           log: Log) -> dict[str, dict[str, dict[str, float]]]:
    """Each benchmark in each setting: pyperf's worker in one process, loops=1."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in benchmarks:
        out[name] = {}
        for s in SETTINGS:
            memory = 512 if s in GUESTS else 256
            run = _check(r.run(s, "pyperf", [name, "1", str(values), str(warmups)],
                               memory=memory), f"pyperf {name} in {s}")
            m = PYPERF_JSON.search(run.stdout.replace("\r\n", "\n"))
            if m is None:
                raise UserError(f"pyperf {name} in {s}: no result in its output")
            doc = json.loads(m.group(1))
            vals = [v for b in doc["benchmarks"] for run_ in b["runs"]
                    for v in run_.get("values", [])]
            out[name][s] = {"median": statistics.median(vals), "min": min(vals),
                            "max": max(vals), "n": len(vals)}
            log(f"pyperf {name}: {s}")
    return out
