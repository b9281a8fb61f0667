"""run_bench(): everything in one run, on one machine, one QEMU, one accelerator."""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unipython.bench import linux, metrics, net, plugin, report, storage, workloads
from unipython.bench.settings import QEMU_USER, Runner
from unipython.errors import UserError
from unipython.kernel import find_kernel
from unipython.vmm import accel as accel_mod


@dataclass(frozen=True)
class Mode:
    name: str
    boots: int  # hello boot-to-exit runs per setting
    syscall_n: int  # getppid calls per timed loop
    syscall_count_n: int  # getppid calls per counted loop
    pyperf_values: int
    pyperf_warmups: int
    ram_precision: int  # MiB
    count_runs: int  # counted (deterministic) runs per setting
    net: net.NetMode
    storage: storage.StorageMode


MODES = {
    "full": Mode("full", boots=10, syscall_n=200_000, syscall_count_n=10_000,
                 pyperf_values=3, pyperf_warmups=1, ram_precision=1, count_runs=3,
                 net=net.NetMode(http_seconds=10, http_connections=8, bulk_seconds=10,
                                 latency_n=500),
                 storage=storage.StorageMode(file_mib=64, random_n=4096, random_seconds=30,
                                             sqlite_n=2000, sqlite_seconds=30, cold_reads=True,
                                             rounds=3)),
    "quick": Mode("quick", boots=3, syscall_n=20_000, syscall_count_n=2_000,
                  pyperf_values=1, pyperf_warmups=1, ram_precision=4, count_runs=1,
                  net=net.NetMode(http_seconds=3, http_connections=8, bulk_seconds=3,
                                  latency_n=100),
                  storage=storage.StorageMode(file_mib=16, random_n=1024, random_seconds=10,
                                              sqlite_n=500, sqlite_seconds=10, cold_reads=True)),
    "smoke": Mode("smoke", boots=1, syscall_n=2_000, syscall_count_n=500,
                  pyperf_values=1, pyperf_warmups=0, ram_precision=32, count_runs=1,
                  net=net.NetMode(http_seconds=1, http_connections=4, bulk_seconds=1,
                                  latency_n=20),
                  storage=storage.StorageMode(file_mib=1, random_n=16, random_seconds=5,
                                              sqlite_n=5, sqlite_seconds=5, cold_reads=False)),
}
RAM_CEILING = {"unipython": 256, "linux": 512}  # MiB; the searches start here


@dataclass
class BenchOptions:
    mode: str = "full"
    accel: str = "auto"
    cache: Path | None = None
    json_path: Path | None = None
    chart_path: Path | None = None
    workdir: Path | None = None  # default: a temporary directory
    only: frozenset[str] = frozenset()  # sections to run (SECTIONS); empty: all


# The suite's sections, in the order they run (`unipython bench --only`).
SECTIONS = ("image", "boot", "instructions", "syscall", "min_ram", "pyperf", "network",
            "storage")


def _version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return out.splitlines()[0].strip() if out else "?"


def _check_tools() -> None:
    import shutil

    for tool, package in (("qemu-system-x86_64", "qemu-system-x86"),
                          (QEMU_USER, "qemu-user"), ("gcc", "gcc")):
        if shutil.which(tool) is None:
            raise UserError(f"the bench needs {tool}: sudo apt-get install {package}")
    for module in ("pyperf", "pyperformance", "matplotlib", "zstandard", "lz4"):
        try:
            __import__(module)
        except ImportError:
            raise UserError(f"the bench needs the Python package {module}: "
                            "pip install 'unipython[bench]'") from None


def run_bench(opts: BenchOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Runs the suite; returns the results (see report.py) and writes JSON and chart."""
    mode = MODES[opts.mode]
    unknown = opts.only - set(SECTIONS)
    if unknown:
        raise UserError(f"bench --only: no section {', '.join(sorted(unknown))} "
                        f"(the sections: {', '.join(SECTIONS)})")
    want = opts.only or frozenset(SECTIONS)
    _check_tools()
    accel = accel_mod.choose(opts.accel)
    cache = opts.cache or linux.default_cache()
    with tempfile.TemporaryDirectory(prefix="unipython-bench-") as tmp:
        workdir = opts.workdir or Path(tmp)
        log("fetching the Linux kernel (cached after the first run)")
        kernel = linux.fetch_kernel(cache)
        plugin_so = plugin.build_plugin(cache)
        log("staging the apps and building their images")
        apps = {name: workloads.stage_simple(name, workdir)
                for name in ("hello", "first_line", "syscall")
                if want - {"pyperf", "network", "storage"}}
        if "pyperf" in want:
            apps["pyperf"] = workloads.stage_pyperf(workdir)
        upy_kernel = find_kernel()
        images = {name: workloads.make_images(app, upy_kernel, workdir)
                  for name, app in apps.items()}
        if kernel.net_modules is not None and "network" in want:
            apps[net.APP] = workloads.stage_simple(net.APP, workdir)
            images[net.APP] = workloads.make_net_images(apps[net.APP], upy_kernel,
                                                        kernel.net_modules, workdir)
        r = Runner(accel=accel, kernel=kernel, plugin_so=plugin_so, images=images, apps=apps)
        res: dict[str, Any] = {"environment": {
            "mode": mode.name,
            "accel": accel,
            "accel_reason": accel_mod.hardware_kvm_problem() or "",
            "host": f"{platform.node()} {platform.machine()}, {_cpu_count()} CPUs",
            "qemu": _version(["qemu-system-x86_64", "--version"]).removeprefix(
                "QEMU emulator version "),
            "python": _version(["/usr/bin/python3.11", "--version"]).removeprefix("Python "),
            "linux_kernel": f"{kernel.package} {kernel.version}",
            "linux_cmdline": " ".join(linux.TUNING),
            "settings": {"pyperf_loops": 1, "pyperf_values": mode.pyperf_values,
                         "pyperf_warmups": mode.pyperf_warmups, "syscall_n": mode.syscall_n,
                         "syscall_count_n": mode.syscall_count_n, "boots": mode.boots},
        }}
        if "image" in want:
            res["image"] = metrics.image_sizes(r)
        if "boot" in want:
            res["boot"] = metrics.boot_to_exit(r, mode.boots, log)
        if "instructions" in want:
            res["instructions"] = metrics.instructions(r, mode.count_runs, log)
        if "syscall" in want:
            res["syscall"] = metrics.syscall(r, mode.syscall_n, mode.syscall_count_n, log)
        if "min_ram" in want:
            res["min_ram"] = {s: metrics.min_ram(r, s, RAM_CEILING[s], mode.ram_precision, log)
                              for s in ("unipython", "linux")}
        if "pyperf" in want:
            res["pyperf"] = metrics.pyperf(r, workloads.PYPERF_BENCHMARKS, mode.pyperf_values,
                                           mode.pyperf_warmups, log)
        if "network" in want:
            res["network"] = net.network(r, mode.net, cache, workdir, log)
        if "storage" in want:
            res["storage"] = storage.storage(upy_kernel, mode.storage, accel, cache, workdir, log)
    report.summarize(res)
    if opts.json_path:
        report.write_json(res, opts.json_path)
    if opts.chart_path:
        report.chart(res, opts.chart_path)
    return res


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0


def main_for_cli(opts: BenchOptions) -> int:
    def log(msg: str) -> None:
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    res = run_bench(opts, log)
    print(report.markdown(res), end="")
    return 0
