#!/usr/bin/env python3
"""Fuzzes the kernel's parsers of outside input on the host with clang's libFuzzer under
ASan, UBSan and LeakSanitizer: one harness per target in tests/fuzz/, built with the
portable kernel sources it drives and started from its seed corpus.

    tools/fuzz.py --target all --seconds 10        the short run (./test.sh's)
    tools/fuzz.py --target all --runs 10000000     the long run: 10 M executions each

Prints one line per target (executions, seconds, exec/s, coverage) and exits non-zero on
a finding: a crash, sanitizer report, leak or hang (an input over 10 s) is kept as
tests/fuzz/crash-TARGET-* for the regression test that the fix brings."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_seeds import dhcp_seeds, elf_seeds, ext2_seeds, p9_seeds, rootfs_seeds

REPO = Path(__file__).resolve().parents[1]
KERNEL = REPO / "kernel"
FUZZ = REPO / "tests/fuzz"
CLANG = "clang-14"


@dataclass(frozen=True)
class Target:
    harness: str                   # in tests/fuzz/
    sources: list[str]             # kernel sources it links, relative to kernel/
    max_len: int = 4096
    seeds: Callable[[Path, Path], None] | None = None  # writes seed inputs into a corpus
    cflags: list[str] = field(default_factory=list)


TARGETS: dict[str, Target] = {
    # The boot config and the kernel command line (core/cmdline.c).
    "cmdline": Target("cmdline.c", ["core/cmdline.c"]),
    # Control messages of sendmsg (net/cmsg.c).
    "cmsg": Target("cmsg.c", ["net/cmsg.c"]),
    # rtnetlink requests (net/rtnl_msg.c over net/netdev.c).
    "rtnl": Target("rtnl.c", ["net/rtnl_msg.c", "net/netdev.c", "uapi/errno.c"]),
    # IPv4 fragments and their reassembly (the harness includes net/ip_reasm.c).
    "ip_reasm": Target("ip_reasm.c", ["net/ipv4.c"], max_len=8192),
    # TCP segments from a hostile peer: the parser and the connection engine.
    "tcp_input": Target("tcp_input.c", ["net/tcp_seg.c", "net/tcp_conn.c", "net/ipv4.c"]),
    # ext2/ext3 disks and their jbd2 journal (fs/ext2/ext2_format.c).
    "ext2_disk": Target("ext2_disk.c", ["fs/ext2/ext2_format.c"], max_len=65536,
                        seeds=ext2_seeds),
    # The image's root file system: the program headers naming it, its node table,
    # names and boot config, in RAM and on a block device through the page cache.
    "rootfs": Target("rootfs.c", ["fs/rootfs_image.c", "fs/image_locate.c", "fs/pcache.c",
                                  "fs/page_index.c", "mm/iov_iter.c", "core/cmdline.c"],
                     max_len=32768, seeds=rootfs_seeds),
    # The ELF loader: a program and its interpreter into a fake address space.
    "elf_load": Target("elf_load.c", ["loader/elf.c", "mm/vma.c", "mm/layout.c"],
                       max_len=16384, seeds=elf_seeds),
    # 9P2000.L replies from the host's virtio-9p device (fs/ninep/p9_msg.c).
    "p9_msg": Target("p9_msg.c", ["fs/ninep/p9_msg.c"], max_len=8192, seeds=p9_seeds),
    # A DHCP server's messages to the client (net/dhcp_msg.c).
    "dhcp_msg": Target("dhcp_msg.c", ["net/dhcp_msg.c"], max_len=1500, seeds=dhcp_seeds),
}


def build(name: str, target: Target, out: Path) -> None:
    subprocess.run([CLANG, "-std=gnu11", "-O1", "-g", "-fno-strict-overflow",
                    "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
                    f"-I{KERNEL}", f"-I{FUZZ}", *target.cflags, "-o", str(out),
                    str(FUZZ / target.harness), *(str(KERNEL / s) for s in target.sources)],
                   check=True)


@dataclass
class Result:
    name: str
    returncode: int
    executions: int
    seconds: float
    coverage: str
    log: str

    def line(self) -> str:
        rate = self.executions / self.seconds if self.seconds else 0.0
        verdict = "no finding" if self.returncode == 0 else f"FINDING (exit {self.returncode})"
        return (f"{self.name}: {self.executions} executions in {self.seconds:.0f} s "
                f"({rate:.0f} exec/s), coverage {self.coverage}, {verdict}")


def fuzz(name: str, runs: int | None, seconds: int | None, corpus: Path, work: Path) -> Result:
    """Builds one target and runs it from its seeds plus whatever corpus is kept."""
    target = TARGETS[name]
    binary = work / name
    build(name, target, binary)
    corpus.mkdir(parents=True, exist_ok=True)
    if target.seeds:
        target.seeds(corpus, work)
    # Every finding fixed so far runs first, each time.
    for kept in sorted((FUZZ / "regressions" / name).glob("*")):
        shutil.copy(kept, corpus / f"regression-{kept.name}")
    limits = []
    if runs is not None:
        limits.append(f"-runs={runs}")
    if seconds is not None:
        limits.append(f"-max_total_time={seconds}")
    start = time.monotonic()
    proc = subprocess.run([str(binary), str(corpus), *limits, f"-max_len={target.max_len}",
                           "-timeout=10", "-print_final_stats=1",
                           f"-artifact_prefix={FUZZ}/crash-{name}-"],
                          capture_output=True, text=True)
    elapsed = time.monotonic() - start
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", proc.stderr, re.M))
    cov = re.findall(r"cov: (\d+) ft: (\d+)", proc.stderr)
    coverage = f"{cov[-1][0]} edges, {cov[-1][1]} features" if cov else "?"
    return Result(name, proc.returncode, int(stats.get("number_of_executed_units", 0)),
                  elapsed, coverage, proc.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    ap.add_argument("--runs", type=int, help="executions per target")
    ap.add_argument("--seconds", type=int, help="time per target (with --runs: at most)")
    ap.add_argument("--corpus", type=Path,
                    help="keep the corpora here, one folder per target (default: temporary)")
    args = ap.parse_args()
    if args.runs is None and args.seconds is None:
        ap.error("give --runs N or --seconds S")
    if not shutil.which(CLANG):
        print(f"{CLANG} is not installed (apt-get install clang-14)", file=sys.stderr)
        return 2
    worst = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for name in TARGETS if args.target == "all" else [args.target]:
            corpus = (args.corpus or Path(tmp) / "corpus") / name
            work = Path(tmp) / "work" / name
            work.mkdir(parents=True)
            try:
                r = fuzz(name, args.runs, args.seconds, corpus, work)
            except subprocess.CalledProcessError as e:  # clang's errors are above
                print(f"{name}: cannot build the harness ({e.cmd[0]} exit {e.returncode})",
                      flush=True)
                worst = worst or 2
                continue
            print(r.line(), flush=True)
            if r.returncode != 0:
                print(r.log[-6000:], file=sys.stderr)
            worst = worst or r.returncode
    return worst


if __name__ == "__main__":
    sys.exit(main())
