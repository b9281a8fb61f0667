#!/usr/bin/env python3
"""Memory and boot time of an image by the way its root file system reaches the guest.

For each case (an image and how it boots) this prints: the least guest RAM (-m) it
runs with, boot-to-exit at --memory, and the host memory of N VMs of it running at
once (QEMU's RSS and PSS from /proc/PID/smaps_rollup, summed: PSS splits each page
shared between processes, e.g. the image's page-cache pages, among them).

    tools/measure_rootfs_memory.py --expect pandas \\
        --case load=pandas-load.img --case ram=pandas.img:ram --case blk=pandas.img:blk

A case is LABEL=IMAGE[:MODE], MODE one of ram, blk (run --rootfs) for an image built
--rootfs-outside; an image of the default layout (the rootfs a PT_LOAD that -kernel copies
into RAM) boots that way, whatever MODE says.
The app is booted with the arguments after --, and with SECONDS more when N VMs run
(it should sleep that long after its work, so the VMs overlap: see --sleep-arg).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unipython.builder.image import Image  # noqa: E402
from unipython.runcmd import RunOptions, kernel_cmdline  # noqa: E402
from unipython.vmm import qemu  # noqa: E402


@dataclass
class Case:
    label: str
    image: Path
    mode: str  # "ram", "blk" or "none" (the default layout: -kernel loads the rootfs)
    min_mib: int | None = None
    failure: str = ""
    boot_s: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    pss_kib: list[int] = field(default_factory=list)


def parse_case(text: str) -> Case:
    label, sep, rest = text.partition("=")
    if not sep:
        raise SystemExit(f"--case expects LABEL=IMAGE[:MODE], got {text!r}")
    path, _, mode = rest.partition(":")
    image = Path(path)
    if Image.open(image).rootfs_loaded:
        mode = "none"
    elif mode not in ("ram", "blk"):
        mode = "ram"
    return Case(label, image, mode)


def boot_once(case: Case, memory_mib: int, args: list[str], expect: str,
              timeout: float) -> tuple[bool, float, str]:
    """One boot: (the app ran to a 0 exit printing `expect`, seconds, why not)."""
    cfg = qemu.VMConfig(image=case.image, memory_mib=memory_mib, rootfs=case.mode,
                        cmdline=kernel_cmdline(RunOptions(args=args)), timeout=timeout)
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        result = qemu.boot(cfg, stdout=out)
        took = time.monotonic() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    ok = result.exit_status == 0 and expect in text
    why = result.panic or (f"killed by signal {result.killed_by}" if result.killed_by else
                           f"exit {result.exit_status}" if result.exit_status is not None else
                           result.qemu_stderr.strip()[:200] or "no exit status")
    return ok, took, "" if ok else why


def find_min_memory(case: Case, args: list[str], expect: str, high: int,
                    timeout: float) -> None:
    ok, _, why = boot_once(case, high, args, expect, timeout)
    if not ok:
        case.failure = why
        return
    low = 4  # fails: below any kernel's needs
    while high - low > 1:
        mid = (low + high) // 2
        ok, _, _ = boot_once(case, mid, args, expect, timeout)
        low, high = (low, mid) if ok else (mid, high)
        print(f"  {case.label}: -m {mid}M {'ok' if ok else 'fails'}", file=sys.stderr)
    case.min_mib = high


def qemu_children() -> set[int]:
    """QEMU processes whose parent is this process."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == os.getpid() and comm.startswith("qemu-system"):
            found.add(int(entry))
    return found


def rollup(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of a process in KiB, from /proc/PID/smaps_rollup."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0])
    return values["Rss"], values["Pss"]


def measure_vms(case: Case, count: int, memory_mib: int, args: list[str], expect: str,
                timeout: float) -> None:
    """Boots `count` VMs at once; once every one has printed `expect` (and sleeps),
    samples each QEMU's memory, then stops them."""
    outs = [tempfile.NamedTemporaryFile(prefix="vm-", suffix=".out") for _ in range(count)]
    cfg_args = kernel_cmdline(RunOptions(args=args))
    threads = []
    for out in outs:
        cfg = qemu.VMConfig(image=case.image, memory_mib=memory_mib, rootfs=case.mode,
                            cmdline=cfg_args, timeout=timeout)
        t = threading.Thread(target=qemu.boot, args=(cfg,), kwargs={"stdout": out},
                             daemon=True)
        t.start()
        threads.append(t)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            done = sum(expect in Path(o.name).read_text(errors="replace") for o in outs)
            if done == count:
                break
            time.sleep(0.5)
        else:
            case.failure = f"not all {count} VMs printed {expect!r} within {timeout:.0f} s"
            return
        time.sleep(1)  # every VM is asleep after its import now
        pids = qemu_children()
        for pid in pids:
            rss, pss = rollup(pid)
            case.rss_kib.append(rss)
            case.pss_kib.append(pss)
    finally:
        for pid in qemu_children():
            os.kill(pid, signal.SIGKILL)
        for t in threads:
            t.join(timeout=30)
        for o in outs:
            o.close()


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def print_table(cases: list[Case], count: int, memory_mib: int) -> None:
    head = ["case", "mode", "image MiB", "min -m MiB", f"boot-to-exit s (-m {memory_mib}M)",
            f"{count} VMs RSS MiB", f"{count} VMs PSS MiB", "PSS/VM MiB"]
    rows = []
    for c in cases:
        size = c.image.stat().st_size / (1 << 20)
        boot = f"{statistics.median(c.boot_s):.2f}" if c.boot_s else "-"
        if c.pss_kib:
            vms = [mib(sum(c.rss_kib)), mib(sum(c.pss_kib)),
                   mib(sum(c.pss_kib) / len(c.pss_kib))]
        else:
            vms = ["-", "-", "-"]
        mode = "PT_LOAD (default)" if c.mode == "none" else c.mode
        rows.append([c.label, mode, f"{size:.1f}",
                     str(c.min_mib) if c.min_mib else "does not boot", boot, *vms])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |")
    for c in cases:
        if c.failure:
            print(f"{c.label}: {c.failure}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", action="append", required=True, metavar="LABEL=IMAGE[:MODE]")
    p.add_argument("--expect", required=True, help="text the app prints when it worked")
    p.add_argument("--memory", type=int, default=256, help="-m in MiB for the timed boots")
    p.add_argument("--max-memory", type=int, default=512,
                   help="upper end of the -m search (MiB)")
    p.add_argument("--repeat", type=int, default=3, help="timed boots per case (median)")
    p.add_argument("--vms", type=int, default=10, help="VMs at once (0: skip)")
    p.add_argument("--sleep-arg", default="120",
                   help="argument the app gets when VMs run at once (its sleep, seconds)")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("app_args", nargs="*", help="arguments for the app (after --)")
    a = p.parse_args()
    cases = [parse_case(c) for c in a.case]
    for c in cases:
        print(f"{c.label}: finding the least -m", file=sys.stderr)
        find_min_memory(c, a.app_args, a.expect, a.max_memory, a.timeout)
        if c.failure:
            continue
        for _ in range(a.repeat):
            ok, took, why = boot_once(c, a.memory, a.app_args, a.expect, a.timeout)
            if ok:
                c.boot_s.append(took)
        if a.vms:
            print(f"{c.label}: {a.vms} VMs at once", file=sys.stderr)
            measure_vms(c, a.vms, a.memory, [*a.app_args, a.sleep_arg], a.expect, a.timeout)
    print_table(cases, a.vms, a.memory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
