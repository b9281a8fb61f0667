"""Runs one test module under regrtest, inside a unipython VM or on the host.

Both sides run the same guest_main.py (``python3.11 -m test`` in-process, junit XML to
a file, printed between markers) with the same arguments, the same ignore list and
the same environment; the host run starts in a fresh temporary directory.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unipython.compat.hostpty import run_on_pty
from unipython.compat.image import GUEST_MAIN, TEST_ENV
from unipython.compat.junit import Counts, JunitError, counts_from_output
from unipython.netconf import kernel_has_networking
from unipython.runcmd import SIGNAL_NAMES, RunOptions, run_image
from unipython.vmm.qemu import VMResult


@dataclass
class Run:
    """One run of one module on one side."""

    counts: Counts | None  # None when the run gave no (valid) junit XML
    seconds: float
    exit_status: int | None
    problem: str | None  # why the run ended abnormally, or gave no counts
    output: str  # console output (stdout and, on the host, stderr)


@dataclass(frozen=True)
class RunSettings:
    memory: str = "1G"
    timeout: float = 1800.0
    accel: str = "auto"
    # "auto": the list of the tested Python's revision (run_compat picks it); None: none.
    ignore_file: Path | Literal["auto"] | None = "auto"


def regrtest_args(module: str, settings: RunSettings) -> list[str]:
    args = [module]
    if settings.ignore_file == "auto":
        raise ValueError("RunSettings.ignore_file is still 'auto' (run_compat resolves it)")
    if settings.ignore_file is not None:
        args += ["--ignorefile", str(settings.ignore_file)]
    return args


def vm_problem(result: VMResult, timeout: float) -> str | None:
    """Why the VM did not end with an exit status of the app, or None."""
    if result.timed_out:
        return f"timed out after {timeout:g} s"
    if result.panic is not None:
        return f"kernel panic: {result.panic}"
    if result.deadlock:
        return "deadlock: every thread waits for something that cannot happen"
    if result.killed_by is not None:
        return f"killed by {SIGNAL_NAMES.get(result.killed_by, f'signal {result.killed_by}')}"
    if result.exit_status is None:
        detail = result.qemu_stderr.strip().splitlines()
        return "VM ended without an exit status" + (f": {detail[-1]}" if detail else "")
    return None


def crash_reason(output: str) -> str | None:
    """The exception of a module that regrtest reports as crashed (an uncaught exception
    while importing or setting it up, so no test of it ran), or None."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("test ") and " crashed -- Traceback" in line:
            exception = ""
            for later in lines[i + 1 :]:
                if not later.strip():
                    break
                exception = later.strip()
            return f"module crashed: {exception}"
    return None


def finish(output: str, seconds: float, status: int | None, problem: str | None,
           counts_of: Callable[[str], Counts] = counts_from_output) -> Run:
    """The Run of a finished side: its counts read from the output by ``counts_of``."""
    problem = problem or crash_reason(output)
    try:
        counts: Counts | None = counts_of(output)
    except JunitError as exc:
        counts = None
        if problem is None:
            problem = f"{exc} (exit status {status})"
    return Run(counts, seconds, status, problem, output)


def boot_captured(image: Path, opts: RunOptions) -> tuple[str, float, VMResult]:
    """Boot ``image``; its console output (stdout and stderr as one stream, as on the
    host's pty), the seconds it took, and how it ended."""
    with tempfile.TemporaryFile(prefix="unipython-compat-") as out:
        start = time.monotonic()
        result = run_image(image, opts, stdout=out, stderr=out)
        seconds = time.monotonic() - start
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return output, seconds, result


def host_problem(status: int | None, timeout: float) -> str | None:
    """Why a host run ended abnormally, or None."""
    if status is None:
        return f"timed out after {timeout:g} s"
    if status < 0:
        return f"killed by {SIGNAL_NAMES.get(-status, f'signal {-status}')}"
    return None


def run_guest(image: Path, module: str, settings: RunSettings) -> Run:
    """Boot ``image`` once to run ``module``."""
    # The guest has its eth0, but QEMU lets nothing it sends leave this machine
    # (restrict=on): CPython's tests must not reach outside hosts.
    opts = RunOptions(args=regrtest_args(module, settings), memory=settings.memory,
                      accel=settings.accel, timeout=settings.timeout,
                      net="restricted" if kernel_has_networking(image) else "none")
    output, seconds, result = boot_captured(image, opts)
    return finish(output, seconds, result.exit_status, vm_problem(result, settings.timeout))


def run_host(python: Path, module: str, settings: RunSettings) -> Run:
    """Run ``module`` on the host with ``python``, in a fresh temporary directory, on a
    terminal like the guest's console (see hostpty)."""
    with tempfile.TemporaryDirectory(prefix="unipython-compat-host-") as tmp:
        work, home = Path(tmp) / "cwd", Path(tmp) / "home"
        work.mkdir()
        home.mkdir()
        # A copy, so that sys.path[0] holds nothing but the script, as /app in the guest.
        script = shutil.copy(GUEST_MAIN, work / GUEST_MAIN.name)
        env = {**TEST_ENV, "HOME": str(home)}
        argv = [str(python), str(script), *regrtest_args(module, settings)]
        run = run_on_pty(argv, work, env, settings.timeout)
    return finish(run.output, run.seconds, run.status, host_problem(run.status, settings.timeout))
