"""`unipython compat` on the command line: arguments and mistakes."""

from __future__ import annotations

import pytest

from unipython.cli import main, make_parser


def test_compat_takes_tiers_and_modules_with_defaults_for_a_slow_guest() -> None:
    args = make_parser().parse_args(["compat", "core", "test_os", "mmap"])
    assert args.names == ["core", "test_os", "mmap"]
    assert (args.jobs, args.memory, args.timeout, args.json) == (1, "1G", 1800.0, None)


def test_compat_options_for_jobs_memory_timeout_and_json() -> None:
    args = make_parser().parse_args(["compat", "threads", "-j", "2", "-m", "2G",
                                     "--timeout", "60", "--json", "out.json"])
    assert (args.jobs, args.memory, args.timeout, args.json) == (2, "2G", 60.0, "out.json")


@pytest.mark.parametrize("argv, message", [
    (["compat", "bool", "-j", "0"], "-j expects a number of at least 1"),
    (["compat", "bool", "-m", "lots"], "bad memory size"),
])
def test_compat_mistakes_are_reported_without_a_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
