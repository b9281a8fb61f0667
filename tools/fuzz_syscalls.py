#!/usr/bin/env python3
"""Runs the in-guest syscall fuzzer (tools/fuzz/syscall_app.py) long: one boot per seed.

    tools/fuzz_syscalls.py --seeds 50 --calls 20000 [--first-seed 1] [--jobs 2]

Builds the fuzzer's image once, boots it once per seed (seeds FIRST..FIRST+N-1), and
reports per seed: the calls made, or a panic, a hang (no exit before the timeout), a
fuzzer-detected failure (a bad answer or later corruption) or another abnormal end. For
a panic or hang the seed is booted again with --echo, which prints each call before it
is made, so the report names the last calls before the kernel stopped. Exits 0 when
every seed finished cleanly, 1 otherwise; each problem line has the command to reproduce.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools" / "fuzz"))
from signatures import GUEST_PATH, write_signatures  # noqa: E402

APP = REPO / "tools" / "fuzz" / "syscall_app.py"
STATUS_PANIC, STATUS_TIMEOUT = 70, 124  # unipython.abi
DONE = re.compile(r"^fuzz done: seed=(\d+) calls=(\d+)", re.M)


@dataclass
class SeedResult:
    seed: int
    outcome: str  # ok, panic, hang, failure, abnormal
    calls: int = 0
    seconds: float = 0.0
    detail: list[str] = field(default_factory=list)


def syscall_names() -> dict[int, str]:
    text = (REPO / "kernel" / "linux" / "syscall_names.c").read_text()
    return {int(n): name for n, name in re.findall(r'\[(\d+)\] = "(\w+)"', text)}


def named(line: str, names: dict[int, str]) -> str:
    """'#12 62(0x1, ...)' -> '#12 kill(0x1, ...)'."""
    return re.sub(
        r"(#\d+ )(\d+)\(", lambda m: f"{m[1]}{names.get(int(m[2]), m[2])}(", line, count=1
    )


def boot(
    image: Path, seed: int, calls: int, timeout: int, echo: bool
) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "unipython",
        "run",
        "--timeout",
        str(timeout),
        str(image),
        "--",
        str(seed),
        str(calls),
    ] + (["--echo"] if echo else [])
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        errors="replace",
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=timeout + 60,
    )


def run_seed(image: Path, seed: int, calls: int, timeout: int, names: dict[int, str]) -> SeedResult:
    start = time.monotonic()
    p = boot(image, seed, calls, timeout, echo=False)
    seconds = time.monotonic() - start
    done = DONE.search(p.stdout)
    if p.returncode == 0 and done:
        return SeedResult(seed, "ok", int(done[2]), seconds)
    outcome = {STATUS_PANIC: "panic", STATUS_TIMEOUT: "hang"}.get(p.returncode, "abnormal")
    if "FUZZ FAILURE" in p.stdout:
        outcome = "failure"
    detail = [line for line in p.stdout.splitlines() if line.startswith(("FUZZ FAILURE", "  #"))]
    detail += p.stderr.strip().splitlines()[-12:]
    if outcome in ("panic", "hang", "abnormal"):
        # The fuzzer is deterministic for a seed up to timing (where a timer tick lands),
        # so the second boot, echoing each call, usually stops at the same one.
        again = boot(image, seed, calls, timeout, echo=True)
        echoed = [line[5:] for line in again.stdout.splitlines() if line.startswith("call #")]
        detail.append(f"with --echo: exit {again.returncode}, last calls:")
        detail += ["  " + line for line in echoed[-5:]]
    return SeedResult(seed, outcome, 0, seconds, [named(line, names) for line in detail])


def build_image(out: Path) -> None:
    sigs = write_signatures(out.with_suffix(".signatures"))
    subprocess.run(
        [sys.executable, "-m", "unipython", "build", str(APP), "-o", str(out),
         "--add", f"{sigs}:{GUEST_PATH}"],
        check=True,
        cwd=REPO,
        capture_output=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, default=10, help="how many seeds (boots)")
    ap.add_argument("--calls", type=int, default=20000, help="calls per seed")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="boots at a time")
    ap.add_argument(
        "--timeout", type=int, default=0, help="seconds per boot (default: from --calls)"
    )
    args = ap.parse_args()
    timeout = args.timeout or 120 + args.calls // 200
    names = syscall_names()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    with tempfile.TemporaryDirectory(prefix="fuzz-syscalls-") as tmp:
        image = Path(tmp) / "syscall_fuzz.img"
        build_image(image)
        results: list[SeedResult] = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for r in pool.map(lambda s: run_seed(image, s, args.calls, timeout, names), seeds):
                results.append(r)
                print(f"seed {r.seed}: {r.outcome}, {r.calls} calls, {r.seconds:.0f} s", flush=True)
                for line in r.detail:
                    print(f"    {line}", flush=True)
    bad = [r for r in results if r.outcome != "ok"]
    total = sum(r.calls for r in results)
    print(
        f"{total} calls over {len(results)} seeds: {len(results) - len(bad)} clean, "
        + ", ".join(
            f"{sum(r.outcome == o for r in bad)} {o}"
            for o in ("panic", "hang", "failure", "abnormal")
        )
    )
    for r in bad:
        print(
            f"  reproduce seed {r.seed} ({r.outcome}): tools/fuzz_syscalls.py "
            f"--first-seed {r.seed} --seeds 1 --calls {args.calls}"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
