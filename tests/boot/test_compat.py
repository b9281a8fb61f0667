"""`unipython compat`: CPython's own regression tests inside unipython vs on the host."""

from __future__ import annotations

import json
from pathlib import Path

from tests.boot.conftest import unipython


def test_compat_runs_test_bool_and_test_int_inside_and_on_the_host_and_both_pass(
    tmp_path: Path,
) -> None:
    report = tmp_path / "compat.json"
    r = unipython("compat", "bool", "test_int", "-j", "2", "--timeout", "600",
                  "--json", str(report), "--logs", str(tmp_path / "logs"), timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "2 passed, 0 failed"
    doc = json.loads(report.read_text())
    assert [m["module"] for m in doc["modules"]] == ["test_bool", "test_int"]
    for module in doc["modules"]:
        assert module["verdict"] == "pass"
        assert module["inside"]["counts"] == module["host"]["counts"]
        assert module["inside"]["counts"]["passed"] > 20
    assert (tmp_path / "logs" / "test_bool.inside.log").read_text().count("test_bool") >= 1
