"""The verdict per module, the table, the summary line, JSON and the exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from unipython.compat.compare import ModuleResult, summary
from unipython.compat.junit import Counts
from unipython.compat.report import (
    exit_status,
    make_table,
    print_report,
    summary_line,
    to_json,
    write_json,
)
from unipython.compat.runner import Run


def run(counts: Counts | None, problem: str | None = None, seconds: float = 1.0) -> Run:
    return Run(counts, seconds, 0 if problem is None else None, problem, "")


SAME = ModuleResult("test_bool", run(Counts(29, 0, 0, 0), seconds=1.25),
                    run(Counts(29, 0, 0, 0), seconds=0.5))
DIFFERENT = ModuleResult("test_os", run(Counts(10, 1, 2, 3)), run(Counts(13, 0, 0, 3)))
TIMED_OUT = ModuleResult("test_re", run(None, "timed out after 60 s"), run(Counts(5, 0, 0, 0)))
HOST_BROKEN = ModuleResult("test_x", run(Counts(0, 0, 0, 0)), run(None, "no junit XML"))


def test_a_module_passes_when_its_counts_inside_equal_those_on_the_host() -> None:
    assert SAME.passed and SAME.reason == ""


def test_a_module_fails_when_the_counts_differ() -> None:
    assert not DIFFERENT.passed and DIFFERENT.reason == "counts differ"


def test_equal_skips_and_failures_on_both_sides_still_pass() -> None:
    # The yardstick is the host: a test that fails there too is no regression.
    both = ModuleResult("test_y", run(Counts(3, 1, 0, 2)), run(Counts(3, 1, 0, 2)))
    assert both.passed


def test_a_timeout_inside_fails_the_module_with_the_reason() -> None:
    assert not TIMED_OUT.passed
    assert TIMED_OUT.reason == "inside: timed out after 60 s"


def test_a_module_whose_host_run_gave_no_counts_fails() -> None:
    assert not HOST_BROKEN.passed and HOST_BROKEN.reason == "host: no junit XML"


def test_summary_counts_modules() -> None:
    results = [SAME, DIFFERENT, TIMED_OUT]
    assert summary(results) == (1, 2)
    assert summary_line(results) == "1 passed, 2 failed"


def test_exit_status_is_nonzero_when_any_module_failed() -> None:
    assert exit_status([SAME]) == 0
    assert exit_status([SAME, DIFFERENT]) == 1
    assert exit_status([]) == 0


def render(results: list[ModuleResult]) -> str:
    out = io.StringIO()
    Console(file=out, width=200).print(make_table(results))
    return out.getvalue()


def test_the_table_has_a_row_per_module_with_both_sides_counts_times_and_verdict() -> None:
    text = render([SAME, DIFFERENT, TIMED_OUT])
    row = next(line for line in text.splitlines() if "test_bool" in line)
    assert "29/0/0/0" in row and "1.2" in row and "0.5" in row and "pass" in row
    row = next(line for line in text.splitlines() if "test_os" in line)
    assert "10/1/2/3" in row and "13/0/0/3" in row and "FAIL counts differ" in row
    row = next(line for line in text.splitlines() if "test_re" in line)
    assert "timed out" in row and " - " in row


def test_the_report_ends_with_the_plain_summary_line(capsys: object) -> None:
    out = io.StringIO()
    print_report([SAME, DIFFERENT], Console(file=out, width=200))
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert captured.out.splitlines()[-2:] == ["score: 1/2 modules equal to the host",
                                              "1 passed, 1 failed"]
    assert "test_os" in out.getvalue()


def test_json_holds_each_side_and_the_verdict(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_json([SAME, TIMED_OUT], path)
    doc = json.loads(path.read_text())
    assert doc == to_json([SAME, TIMED_OUT])
    assert (doc["passed"], doc["failed"]) == (1, 1)
    first, second = doc["modules"]
    assert first["module"] == "test_bool" and first["verdict"] == "pass"
    assert first["inside"]["counts"] == {"passed": 29, "failed": 0, "errors": 0, "skipped": 0}
    assert second["inside"]["counts"] is None
    assert second["inside"]["problem"] == "timed out after 60 s"
    assert second["reason"] == "inside: timed out after 60 s"


def test_a_module_that_crashed_on_import_says_so_with_its_exception() -> None:
    from unipython.compat.junit import BEGIN, END
    from unipython.compat.runner import finish as _finish

    output = (
        "0:00:00 [1/1] test_stat\n"
        "test test_stat crashed -- Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.11/socket.py", line 232, in __init__\n'
        "    _socket.socket.__init__(self, family, type, proto, fileno)\n"
        "OSError: [Errno 38] Function not implemented\n"
        "\ntest_stat failed (uncaught exception)\n"
        f"{BEGIN}\n<testsuites tests=\"0\" errors=\"0\" failures=\"0\" />\n{END}\n"
    )
    guest = _finish(output, 1.0, 2, None)
    assert guest.counts == Counts(0, 0, 0, 0)
    result = ModuleResult("test_stat", guest, run(Counts(14, 0, 0, 2)))
    assert not result.passed
    assert result.reason == ("inside: module crashed: OSError: [Errno 38] "
                             "Function not implemented")


def test_a_module_that_crashed_on_both_sides_is_no_pass() -> None:
    crashed = Run(Counts(0, 0, 0, 0), 1.0, 2, "module crashed: ImportError: x", "")
    result = ModuleResult("test_x", crashed, crashed)
    assert not result.passed and result.reason == "host: module crashed: ImportError: x"
