"""A short libFuzzer run of IPv4 reassembly (tests/fuzz/ip_reasm.c under ASan and
UBSan); tools/fuzz_ip_reasm.py --seconds 600 is the long one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_ten_seconds_of_hostile_fragments_find_nothing() -> None:
    if not shutil.which("clang-14"):
        pytest.skip("clang-14 is not installed (./setup.sh installs it)")
    r = subprocess.run([sys.executable, str(REPO / "tools/fuzz_ip_reasm.py"), "--seconds", "10"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    executions = int(r.stdout.split()[1])
    assert executions > 10_000, r.stdout
