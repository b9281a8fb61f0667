"""The host package's quality gates: ruff and mypy (strict, as pyproject.toml says) are clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's tools, installed by setup.sh (extra "test")


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / name
    if not tool.exists():
        pytest.skip(f"{name} is not installed in {BIN} (./setup.sh installs the test extra)")
    return subprocess.run([str(tool), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def test_ruff_check_of_src_is_clean() -> None:
    r = run_tool("ruff", "check", "src/")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_of_src_is_clean() -> None:
    r = run_tool("mypy")  # files and strictness from pyproject.toml
    assert r.returncode == 0, r.stdout + r.stderr
