"""What the import scan cannot see but the app needs: directory mtimes, entry points,
the imports of packages that go in whole."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.boot.conftest import Boot

STAT_DIRS = """
import json, os, sys, zipfile
directories = [os.path.dirname(json.__file__), os.path.dirname(os.__file__)] + sys.argv[1:]
print([int(os.stat(d).st_mtime) for d in directories])
print([zipfile.ZipInfo.from_file(d).date_time for d in directories])
"""


def test_directories_have_their_host_mtimes_and_zip_takes_them(boot: Boot, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    os.utime(site / "pkg", (1_500_000_000, 1_500_000_000))
    host = subprocess.run(["/usr/bin/python3.11", "-c", STAT_DIRS, str(site / "pkg")],
                          capture_output=True, text=True, check=True, timeout=60,
                          env={**os.environ, "TZ": "UTC"})
    r = boot("import pkg\n" + STAT_DIRS, args=["/.unipython/path/0/pkg"],
             options=["--path", str(site)], env={"TZ": "UTC"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == host.stdout
    assert json.loads(r.stdout.splitlines()[0])[-1] == 1_500_000_000


PYTEST_APP = """
import re, sys
import pytest
rc = pytest.main(["-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
                  "--junitxml=/tmp/junit.xml", "test_prop.py"])
print("exit", int(rc))
print(sorted(re.findall(r'<testcase [^>]*name="(\\w+)"', open("/tmp/junit.xml").read())))
"""
PROPERTY_TESTS = """
from hypothesis import given, strategies as st

@given(st.integers())
def test_abs_is_not_negative(x):
    assert abs(x) >= 0

def test_two_is_not_one():
    assert 1 == 2
"""


def copy_distributions(names: list[str], site: Path) -> None:
    """A venv's site-packages holding only ``names`` and what they require, copied
    from this interpreter's (the test runner's venv)."""
    todo, seen = list(names), set()
    while todo:
        dist = importlib.metadata.distribution(todo.pop())
        if dist.name.lower() in seen:
            continue
        seen.add(dist.name.lower())
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if ".." not in file.parts and "__pycache__" not in file.parts and source.is_file():
                (site / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, site / file)
        for requirement in dist.requires or []:
            if ";" not in requirement:  # no environment markers: none on Linux 3.11 needed
                todo.append(re.match(r"[A-Za-z0-9_.-]+", requirement)[0])  # type: ignore[index]


@pytest.mark.slow
def test_pytest_finds_the_hypothesis_plugin_and_writes_junit_xml(
    boot: Boot, tmp_path: Path
) -> None:
    """pytest loads hypothesis's plugin through its pytest11 entry point (the option
    --hypothesis-seed exists only then), and its junitxml plugin needs xml.etree,
    which only a module of _pytest imports."""
    if sys.version_info[:2] != (3, 11):
        pytest.skip("needs the tests to run in a Python 3.11 venv (./setup.sh makes one)")
    site = tmp_path / "site"
    copy_distributions(["pytest", "hypothesis"], site)
    tests = tmp_path / "test_prop.py"
    tests.write_text(PROPERTY_TESTS)
    app = tmp_path / "host_app.py"
    app.write_text(PYTEST_APP)
    host = subprocess.run(["/usr/bin/python3.11", str(app)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": str(site)})
    assert host.stdout.splitlines()[-2:] == [
        "exit 1", "['test_abs_is_not_negative', 'test_two_is_not_one']"], host.stdout
    r = boot(PYTEST_APP, options=["--path", str(site), "--add", str(tests)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-2:] == host.stdout.splitlines()[-2:]
