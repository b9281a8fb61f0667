"""The four settings one app runs in, behind one interface.

native     /usr/bin/python3.11 on the host
linux      the same python as init of Debian's cloud kernel, same QEMU machine
unipython  the unipython image, same QEMU machine
qemu-user  the same python under qemu-x86_64: the no-kernel limit (syscalls go
           straight to the host kernel)

Each run returns the app's stdout, the wall time from starting the process (QEMU
or python) to its exit, the exit status, and, when asked, the instruction counts
of the insn_count plugin (TCG only) and the unipython kernel's own statistics.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unipython.bench import linux, plugin
from unipython.bench.workloads import App, Images
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import accel, qemu

PYTHON = "/usr/bin/python3.11"
QEMU_USER = "qemu-x86_64"
SETTINGS = ("native", "linux", "unipython", "qemu-user")
GUESTS = ("linux", "unipython")


@dataclass
class Run:
    ok: bool
    stdout: str
    wall: float  # seconds, process start to exit
    status: int | None
    counts: dict[str, int] = field(default_factory=dict)  # from the plugin
    stats: dict[str, int] = field(default_factory=dict)  # unipython's kernel
    detail: str = ""  # why it failed


@dataclass
class Runner:
    accel: str  # tcg or kvm, resolved
    kernel: linux.LinuxKernel
    plugin_so: Path
    images: dict[str, Images]  # app name -> images
    apps: dict[str, App]
    timeout: float = 600.0

    def run(self, setting: str, app: str, args: Sequence[str] = (), *, memory: int = 256,
            count: bool = False, last_user: bool = False) -> Run:
        """Run ``app`` with ``args`` in ``setting``. ``count`` turns on the plugin and
        ``-icount shift=0`` (deterministic; forces TCG for the guests)."""
        with tempfile.TemporaryDirectory(prefix="unipython-bench-") as tmp:
            out = Path(tmp) / "counts.txt"
            boot = None
            if setting in GUESTS:
                elf = (self.kernel.vmlinux if setting == "linux"
                       else self.images[app].unipython)
                boot = plugin.boot_range(elf)
            extra = plugin.plugin_args(self.plugin_so, out, last_user, boot) if count else []
            if setting == "native":
                run = self._host([PYTHON], app, args, Path(tmp))
            elif setting == "qemu-user":
                run = self._host([QEMU_USER, "-cpu", accel.TCG_CPU, *extra, PYTHON], app, args,
                                 Path(tmp))
            elif setting in GUESTS:
                run = self._guest(setting, app, args, memory, count, extra, Path(tmp))
            else:
                raise ValueError(f"unknown setting {setting}")
            run.counts = plugin.read_counts(out)
            if count and not run.counts and run.ok:
                run.ok, run.detail = False, "the plugin wrote no counts"
            return run

    def _host(self, prefix: list[str], app: str, args: Sequence[str], tmp: Path) -> Run:
        a = self.apps[app]
        env = {**os.environ, **a.host_env(), "TMPDIR": str(tmp)}
        env.pop("PYTHONSTARTUP", None)
        start = time.perf_counter()
        try:
            proc = subprocess.run([*prefix, str(a.script), *args], env=env, cwd=a.script.parent,
                                  capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return Run(False, "", time.perf_counter() - start, None, detail="timed out")
        wall = time.perf_counter() - start
        return Run(proc.returncode == 0, proc.stdout, wall, proc.returncode,
                   detail=proc.stderr[-2000:])

    def _guest(self, setting: str, app: str, args: Sequence[str], memory: int, count: bool,
               extra: list[str], tmp: Path) -> Run:
        a, images = self.apps[app], self.images[app]
        if setting == "linux":
            cmdline = linux.kernel_cmdline([a.guest_script, *args], images.guest_env)
            cfg = qemu.VMConfig(image=self.kernel.vmlinux, initrd=images.initramfs,
                                cmdline=cmdline, memory_mib=memory)
        else:
            cfg = qemu.VMConfig(image=images.unipython, memory_mib=memory,
                                cmdline=kernel_cmdline(RunOptions(args=list(args))))
        cfg.accel = "tcg" if count else self.accel
        cfg.icount = count
        cfg.extra_args = extra
        cfg.timeout = self.timeout
        console = tmp / "console.txt"
        with open(console, "wb") as f:
            start = time.perf_counter()
            result = qemu.boot(cfg, stdout=f, trace_out=open(os.devnull, "w"))  # noqa: SIM115
            wall = time.perf_counter() - start
        text = console.read_text("utf-8", "replace")
        if setting == "linux":
            status = linux.exit_status(text)
        else:
            status = result.exit_status
        detail = ""
        if result.timed_out:
            detail = "timed out"
        elif result.panic:
            detail = f"panic: {result.panic}"
        elif status is None:
            detail = f"no exit status (QEMU {result.qemu_status}): {result.qemu_stderr.strip()}"
            detail += "\n" + text[-1500:]
        elif status != 0:
            detail = text[-1500:]
        stats = {k: v for k, v in result.stats.items() if isinstance(v, int)}
        return Run(status == 0 and not result.timed_out, text, wall, status, stats=stats,
                   detail=detail)
