"""How one run ends: the VM's report, the host's terminal, the regrtest arguments."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from unipython.compat.hostpty import run_on_pty
from unipython.compat.runner import RunSettings, regrtest_args, vm_problem
from unipython.vmm.qemu import VMResult


@pytest.mark.parametrize("result, problem", [
    (VMResult(0, exit_status=0), None),
    (VMResult(0, exit_status=2), None),  # regrtest's own "tests failed"
    (VMResult(0, timed_out=True), "timed out after 60 s"),
    (VMResult(0, panic="page fault in kernel"), "kernel panic: page fault in kernel"),
    (VMResult(0, deadlock=True), "deadlock: every thread waits for something that "
                                 "cannot happen"),
    (VMResult(0, killed_by=11), "killed by SIGSEGV"),
    (VMResult(1, qemu_stderr="qemu: could not load kernel\n"),
     "VM ended without an exit status: qemu: could not load kernel"),
])
def test_an_abnormal_end_of_the_vm_is_a_problem_with_a_reason(
    result: VMResult, problem: str | None
) -> None:
    assert vm_problem(result, 60) == problem


def test_both_sides_get_the_module_and_the_ignore_list() -> None:
    args = regrtest_args("test_os", RunSettings(ignore_file=Path("/x/ignore.txt")))
    assert args == ["test_os", "--ignorefile", "/x/ignore.txt"]
    assert regrtest_args("test_os", RunSettings(ignore_file=None)) == ["test_os"]


def test_the_host_side_runs_on_a_raw_terminal_of_size_0x0_like_the_guest_console(
    tmp_path: Path,
) -> None:
    program = ("import os, sys, termios; print(os.isatty(0), os.isatty(1), os.isatty(2)); "
               "print(os.get_terminal_size(1)); print(termios.tcgetattr(1)[1] & 1); "
               "os.close(os.open('/dev/tty', os.O_RDWR)); print('controlling')")
    run = run_on_pty([sys.executable, "-c", program], tmp_path, {}, timeout=60)
    assert run.status == 0
    lines = run.output.splitlines()  # raw: "\n" is not turned into "\r\n"
    assert lines == ["True True True", "os.terminal_size(columns=0, lines=0)", "0",
                     "controlling"]  # /dev/tty opens, as the guest's console does


def test_a_host_run_past_its_timeout_is_killed(tmp_path: Path) -> None:
    run = run_on_pty([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path, {},
                     timeout=0.5)
    assert run.status is None and run.seconds < 30


def test_modules_the_ignore_list_leaves_out_whole_are_found_by_their_module_pattern(
    tmp_path: Path,
) -> None:
    from unipython.compat.run import wholly_ignored
    listed = tmp_path / "3.11.2.txt"
    listed.write_text("# test.test_header.*\ntest.test_cmd_line.*\n"
                      "test.test_os.ForkTests.*\ntest.test_os.ForkTests.test_fork\n")
    assert wholly_ignored(["test_cmd_line", "test_os", "test_header", "test_bool"],
                          listed) == ["test_cmd_line"]
