#!/usr/bin/env python3
"""Fuzzes the kernel's IPv4 reassembly on the host (tests/fuzz/ip_reasm.c: fragments
with any offsets, lengths, flags and bytes, raw packets and the passing of time) with
clang's libFuzzer, ASan and UBSan. ``tools/fuzz_ip_reasm.py --seconds 600`` is the long
run; tests/unit/test_fuzz_ip_reasm.py runs a short one. Prints libFuzzer's final
statistics; exits non-zero on a crash (the input is kept)."""

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
SOURCES = ["net/ipv4.c"]  # net/ip_reasm.c is included by the harness
CLANG = "clang-14"


def build(out: Path) -> None:
    subprocess.run([CLANG, "-std=gnu11", "-O1", "-g", "-fno-strict-overflow",
                    "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
                    f"-I{KERNEL}", "-o", str(out), str(REPO / "tests/fuzz/ip_reasm.c"),
                    *(str(KERNEL / s) for s in SOURCES)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--corpus", type=Path, help="keep the corpus here (default: a temporary one)")
    args = ap.parse_args()
    if not shutil.which(CLANG):
        print(f"{CLANG} is not installed (apt-get install clang-14)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fuzz-ip-reasm-") as tmp:
        binary = Path(tmp) / "ip_reasm"
        build(binary)
        corpus = args.corpus or Path(tmp) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([str(binary), str(corpus), f"-max_total_time={args.seconds}",
                               "-max_len=8192", "-print_final_stats=1",
                               f"-artifact_prefix={REPO}/tests/fuzz/crash-"],
                              capture_output=True, text=True)
        stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", proc.stderr, re.M))
        cov = re.findall(r"cov: (\d+) ft: (\d+)", proc.stderr)
        print(f"ip_reasm: {stats.get('number_of_executed_units', '?')} executions in "
              f"{args.seconds} s, exit {proc.returncode}, coverage {cov[-1][0] if cov else '?'} "
              f"edges, peak RSS {stats.get('peak_rss_mb', '?')} MB")
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
