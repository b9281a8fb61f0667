"""A short libFuzzer run of each parser of outside input (tools/fuzz_parsers.py: the boot
configuration, control messages, rtnetlink requests, under ASan, UBSan and
LeakSanitizer); ``tools/fuzz_parsers.py --seconds 600`` is the long one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", ["cmdline", "cmsg", "rtnl"])
def test_ten_seconds_of_hostile_input_find_nothing(target: str) -> None:
    if not shutil.which("clang-14"):
        pytest.skip("clang-14 is not installed (./setup.sh installs it)")
    r = subprocess.run([sys.executable, str(REPO / "tools/fuzz_parsers.py"), "--target", target,
                        "--seconds", "10"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    found = re.search(rf"^{target}: (\d+) executions", r.stdout, re.M)
    assert found and int(found[1]) > 10_000, r.stdout
