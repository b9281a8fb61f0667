"""A short libFuzzer run of every host fuzz target (tools/fuzz.py: the parsers of outside
input under ASan, UBSan and LeakSanitizer, each from its seeds and the regression
inputs of the bugs it found); ``tools/fuzz.py --target all --runs 10000000`` is the
long one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from fuzz import TARGETS  # noqa: E402


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_few_seconds_of_hostile_input_find_nothing(target: str) -> None:
    if not shutil.which("clang-14"):
        pytest.skip("clang-14 is not installed (./setup.sh installs it)")
    r = subprocess.run([sys.executable, str(REPO / "tools/fuzz.py"), "--target", target,
                        "--seconds", "3"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr[-4000:]
    found = re.search(rf"^{target}: (\d+) executions .* coverage (\d+) edges", r.stdout, re.M)
    assert found, r.stdout
    # It ran past its seeds: thousands of inputs, beyond the first checks.
    assert int(found[1]) > 2_000 and int(found[2]) > 30, r.stdout


def test_a_finding_fails_the_run_and_keeps_the_input(tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    """The verdict can fail: a harness that crashes on its seed is a finding, the run
    exits non-zero and the input is kept for the regression test."""
    if not shutil.which("clang-14"):
        pytest.skip("clang-14 is not installed (./setup.sh installs it)")
    import fuzz

    harness = tmp_path / "boom.c"
    harness.write_text("#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n"
                       "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n"
                       "{ if (n >= 4 && !memcmp(d, \"BOOM\", 4)) abort(); return 0; }\n")

    def seeds(corpus: Path, work: Path) -> None:
        (corpus / "boom").write_bytes(b"BOOM")

    monkeypatch.setitem(fuzz.TARGETS, "selftest", fuzz.Target(str(harness), [], seeds=seeds))
    monkeypatch.setattr(sys, "argv", ["fuzz.py", "--target", "selftest", "--seconds", "5"])
    kept_before = set(fuzz.FUZZ.glob("crash-selftest-*"))
    try:
        assert fuzz.main() != 0
        kept = set(fuzz.FUZZ.glob("crash-selftest-*")) - kept_before
        assert [k.read_bytes() for k in kept] == [b"BOOM"]
    finally:
        for k in set(fuzz.FUZZ.glob("crash-selftest-*")) - kept_before:
            k.unlink()
    assert "selftest: " in capsys.readouterr().out
