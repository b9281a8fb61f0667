"""The results as a table for people, as JSON for programs, and as an exit status."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from unipython.compat.compare import ModuleResult, summary
from unipython.compat.runner import Run

MAX_LISTED = 10  # per module in the printed report; --json has every one


def _counts(run: Run) -> str:
    return "-" if run.counts is None else str(run.counts)


def make_table(results: list[ModuleResult]) -> Table:
    table = Table(title="Test suites: inside unipython vs on the host")
    table.add_column("module", no_wrap=True)
    table.add_column("inside\npass/fail/err/skip", justify="right", no_wrap=True)
    table.add_column("inside\ns", justify="right", no_wrap=True)
    table.add_column("host\npass/fail/err/skip", justify="right", no_wrap=True)
    table.add_column("host\ns", justify="right", no_wrap=True)
    table.add_column("verdict")
    for r in results:
        verdict = "[green]pass[/]" if r.passed else f"[red]FAIL[/] {r.reason}"
        table.add_row(r.module, _counts(r.guest), f"{r.guest.seconds:.1f}",
                      _counts(r.host), f"{r.host.seconds:.1f}", verdict)
    return table


def summary_line(results: list[ModuleResult]) -> str:
    passed, failed = summary(results)
    return f"{passed} passed, {failed} failed"


def exit_status(results: list[ModuleResult]) -> int:
    return 1 if summary(results)[1] else 0


def print_report(results: list[ModuleResult], console: Console | None = None,
                 left_out: Sequence[str] = ()) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=120)  # logs and pipes: no 80-column squeeze
    console.print(make_table(results))
    for r in results:
        if not r.passed and r.differing_tests:
            print(f"{r.module}: tests that differ (inside vs host):", flush=True)
            for d in r.differing_tests[:MAX_LISTED]:
                print(f"  {d.test}: {d.inside} vs {d.host}"
                      + (f" -- {d.message}" if d.message else ""), flush=True)
            if len(r.differing_tests) > MAX_LISTED:
                print(f"  ... and {len(r.differing_tests) - MAX_LISTED} more (see --json)")
    passed, _failed = summary(results)
    whole = (f" ({len(left_out)} more left out whole: every test of theirs needs "
             f"fork/exec)" if left_out else "")
    print(f"score: {passed}/{len(results)} modules equal to the host{whole}", flush=True)
    # The plain closing line that CI logs and people read: counted in modules.
    print(summary_line(results), flush=True)


def _run_json(run: Run) -> dict[str, Any]:
    c = run.counts
    return {
        "counts": None if c is None else {"passed": c.passed, "failed": c.failed,
                                          "errors": c.errors, "skipped": c.skipped},
        "seconds": round(run.seconds, 3),
        "exit_status": run.exit_status,
        "problem": run.problem,
    }


def to_json(results: list[ModuleResult], left_out: Sequence[str] = ()) -> dict[str, Any]:
    passed, failed = summary(results)
    return {
        "passed": passed,
        "failed": failed,
        "left_out": list(left_out),
        "modules": [
            {"module": r.module, "verdict": "pass" if r.passed else "fail",
             "reason": r.reason, "inside": _run_json(r.guest), "host": _run_json(r.host),
             "differing_tests": [{"test": d.test, "inside": d.inside, "host": d.host,
                                  "message": d.message} for d in r.differing_tests]}
            for r in results
        ],
    }


def write_json(results: list[ModuleResult], path: Path, left_out: Sequence[str] = ()) -> None:
    path.write_text(json.dumps(to_json(results, left_out), indent=1) + "\n")
