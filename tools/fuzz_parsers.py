#!/usr/bin/env python3
"""Fuzzes the kernel's parsers of outside input on the host with clang's libFuzzer, ASan,
UBSan and LeakSanitizer: the boot configuration and kernel command line
(tests/fuzz/cmdline.c), control messages (tests/fuzz/cmsg.c) and rtnetlink requests
(tests/fuzz/rtnl.c). ``tools/fuzz_parsers.py --seconds 600`` runs each target ten
minutes; the unit tests run a short one. Prints one line of libFuzzer's statistics per
target; exits non-zero on a finding (the input is kept as tests/fuzz/crash-* or leak-*)."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KERNEL = REPO / "kernel"
CLANG = "clang-14"
# Each harness with the kernel sources it drives.
TARGETS = {
    "cmdline": ["core/cmdline.c"],
    "cmsg": ["net/cmsg.c"],
    "rtnl": ["net/rtnl_msg.c", "net/netdev.c", "uapi/errno.c"],
}


def build(target: str, out: Path) -> None:
    subprocess.run([CLANG, "-std=gnu11", "-O1", "-g", "-fno-strict-overflow",
                    "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
                    f"-I{KERNEL}", f"-I{REPO / 'tests/fuzz'}", "-o", str(out),
                    str(REPO / f"tests/fuzz/{target}.c"),
                    *(str(KERNEL / s) for s in TARGETS[target])], check=True)


def fuzz(target: str, seconds: int, corpus: Path, work: Path) -> tuple[int, str]:
    """Builds and runs one target: its exit status and a line of statistics."""
    binary = work / target
    build(target, binary)
    corpus.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(binary), str(corpus), f"-max_total_time={seconds}",
                           "-max_len=4096", "-print_final_stats=1",
                           f"-artifact_prefix={REPO}/tests/fuzz/{target}-"],
                          capture_output=True, text=True)
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", proc.stderr, re.M))
    line = (f"{target}: {stats.get('number_of_executed_units', '?')} executions in "
            f"{seconds} s, exit {proc.returncode}")
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
    return proc.returncode, line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    ap.add_argument("--seconds", type=int, default=600, help="per target")
    ap.add_argument("--corpus", type=Path,
                    help="keep the corpora here, one folder per target (default: temporary)")
    args = ap.parse_args()
    if not shutil.which(CLANG):
        print(f"{CLANG} is not installed (apt-get install clang-14)", file=sys.stderr)
        return 2
    worst = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-parsers-") as tmp:
        for target in TARGETS if args.target == "all" else [args.target]:
            corpus = (args.corpus or Path(tmp) / "corpus") / target
            rc, line = fuzz(target, args.seconds, corpus, Path(tmp))
            print(line, flush=True)
            worst = worst or rc
    return worst


if __name__ == "__main__":
    sys.exit(main())
