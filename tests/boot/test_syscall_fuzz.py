"""The in-guest syscall fuzzer (issue 12): 20,000 random system calls with a fixed seed
leave the kernel running and the interpreter sound. tools/fuzz_syscalls.py runs it long."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.boot.conftest import REPO, Boot

# By path, as tools/fuzz_syscalls.py does: tools/fuzz.py (the host fuzzers' runner)
# shadows the tools/fuzz/ folder as a package name.
sys.path.insert(0, str(REPO / "tools" / "fuzz"))
from signatures import GUEST_PATH, write_signatures  # noqa: E402

APP = REPO / "tools" / "fuzz" / "syscall_app.py"
SEED, CALLS = 20261203, 20000


def test_twenty_thousand_random_syscalls_leave_kernel_and_interpreter_sound(
        boot: Boot, tmp_path: Path) -> None:
    sigs = write_signatures(tmp_path / "signatures.txt")
    r = boot(APP.read_text(), args=[str(SEED), str(CALLS)],
             options=["--net", "none", "--add", f"{sigs}:{GUEST_PATH}"])
    done = re.search(r"^fuzz done: seed=(\d+) calls=(\d+) .* sanity=(\w+)$", r.stdout, re.M)
    problem = [line for line in r.stdout.splitlines() if line.startswith(("FUZZ FAILURE", "  #"))]
    reproduce = f"tools/fuzz_syscalls.py --first-seed {SEED} --seeds 1 --calls {CALLS}"
    assert r.returncode == 0 and done, (
        f"the syscall fuzzer failed with seed {SEED} (exit {r.returncode}).\n"
        + "\n".join(problem[-30:]) + "\n" + r.stderr[-3000:]
        + f"\nreproduce, echoing each call before it is made after a panic:\n  {reproduce}")
    made = int(done[2])
    assert made > CALLS * 0.95, f"only {made} of {CALLS} calls made: the rest were skipped"
