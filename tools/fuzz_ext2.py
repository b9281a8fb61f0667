#!/usr/bin/env python3
"""Fuzzes the disk's on-disk parsers on the host (tests/fuzz/ext2_disk.c over
kernel/fs/ext2/ext2_format.c) with clang's libFuzzer, ASan and UBSan, starting from
small file systems mke2fs makes (1, 2 and 4 KiB blocks, with files, directories and a
journal). ``tools/fuzz_ext2.py --seconds 600`` is the long run. Prints libFuzzer's
final statistics; exits non-zero on a crash (the input is kept in tests/fuzz/)."""

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


def build(out: Path) -> None:
    subprocess.run([CLANG, "-std=gnu11", "-O1", "-g", "-fno-strict-overflow",
                    "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
                    f"-I{KERNEL}", "-o", str(out), str(REPO / "tests/fuzz/ext2_disk.c"),
                    str(KERNEL / "fs/ext2/ext2_format.c")],  # libc gives memcpy & co
                   check=True)


def seeds(corpus: Path, tmp: Path) -> None:
    """Small real file systems: 1, 2 and 4 KiB blocks (cut to what the fuzzer takes)."""
    for bs in (1024, 2048, 4096):
        img = tmp / f"seed{bs}.img"
        with open(img, "wb") as f:
            f.truncate(16 << 20)
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext3", "-b", str(bs), "-N", "64", "-J",
                        f"size={bs // 1024}", "-O", "^resize_inode,^dir_index", str(img)],
                       check=True, capture_output=True)
        subprocess.run(["debugfs", "-w", "-R", "mkdir /d", str(img)], check=True,
                       capture_output=True)
        data = img.read_bytes()
        (corpus / f"seed{bs}").write_bytes(data[:64 * 1024])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--corpus", type=Path, help="keep the corpus here (default: a temporary one)")
    args = ap.parse_args()
    if not shutil.which(CLANG):
        print(f"{CLANG} is not installed (apt-get install clang-14)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fuzz-ext2-") as tmp:
        binary = Path(tmp) / "ext2_disk"
        build(binary)
        corpus = args.corpus or Path(tmp) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        seeds(corpus, Path(tmp))
        proc = subprocess.run([str(binary), str(corpus), f"-max_total_time={args.seconds}",
                               "-max_len=65536", "-print_final_stats=1",
                               f"-artifact_prefix={REPO}/tests/fuzz/crash-"],
                              capture_output=True, text=True)
        stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", proc.stderr, re.M))
        cov = re.findall(r"cov: (\d+)", proc.stderr)
        print(f"ext2_disk: {stats.get('number_of_executed_units', '?')} executions in "
              f"{args.seconds} s, coverage {cov[-1] if cov else '?'} edges, "
              f"exit {proc.returncode}")
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
