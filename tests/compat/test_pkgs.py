"""The pkgs tier: package suites by name, pytest's junit counts, and leaving out the
tests that spawn processes wherever the package is installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from unipython.compat.junit import JunitError, parse_pytest_counts, pytest_counts_from_output
from unipython.compat.pkgs import (
    PKGS_MAIN,
    SUITES,
    expand_pkgs,
    find_suite,
    is_pkgs_name,
    pytest_args,
)
from unipython.errors import UserError

XML = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="pytest" errors="1" failures="1" skipped="2" tests="6">
<testcase classname="t" name="ok" time="0.1" />
<testcase classname="t" name="ok2" time="0.1" />
<testcase classname="t" name="bad"><failure message="x">x</failure></testcase>
<testcase classname="t" name="broken"><error message="fixture">e</error></testcase>
<testcase classname="t" name="skip"><skipped type="pytest.skip" message="no">no</skipped></testcase>
<testcase classname="t" name="xfail"><skipped type="pytest.xfail" message="x" /></testcase>
</testsuite></testsuites>"""


def test_pytest_counts_are_per_testcase() -> None:
    assert str(parse_pytest_counts(XML)) == "2/1/1/2"


def test_pytest_counts_need_junit_xml() -> None:
    with pytest.raises(JunitError):
        parse_pytest_counts("<html/>")
    with pytest.raises(JunitError):
        pytest_counts_from_output("no markers at all")


def test_pkgs_names() -> None:
    assert is_pkgs_name("pkgs") and is_pkgs_name("pkgs:toolz") and not is_pkgs_name("os")
    assert expand_pkgs(["pkgs:toolz", "pkgs"]) == ["pkgs:toolz"] + [
        f"pkgs:{s.name}" for s in SUITES if s.name != "toolz"]
    assert find_suite("pkgs:numpy.sort").args[0] == "numpy._core.tests.test_multiarray"
    with pytest.raises(UserError, match="no package suite 'pkgs:nope'"):
        find_suite("pkgs:nope")


def test_two_pure_python_suites_and_numpys_are_in_the_tier() -> None:
    names = {s.name for s in SUITES}
    assert {"toolz", "networkx", "numpy.sort", "numpy.linalg", "numpy.random"} <= names
    assert pytest_args(find_suite("toolz"))[-2:] == ["--pyargs", "toolz"]


def test_leave_out_deselects_by_package_path_wherever_installed(tmp_path: Path) -> None:
    pytest_dir = Path(pytest.__file__).parent.parent
    site = tmp_path / "site" / "pkg" / "tests"
    site.mkdir(parents=True)
    (site.parent / "__init__.py").write_text("")
    (site / "__init__.py").write_text("")
    (site / "test_a.py").write_text(textwrap.dedent("""
        import pytest
        def test_keep(): pass
        def test_spawn(): raise AssertionError("should be left out")
        @pytest.mark.parametrize("n", [1, 2])
        def test_param(n): raise AssertionError("left out too")
    """))
    env = {"PYTHONPATH": f"{tmp_path / 'site'}:{pytest_dir}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, str(PKGS_MAIN),
                          "--leave-out=pkg/tests/test_a.py::test_spawn",
                          "--leave-out=pkg/tests/test_a.py::test_param", "--pyargs", "pkg"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 deselected" in run.stdout
    assert str(pytest_counts_from_output(run.stdout)) == "1/0/0/0"
