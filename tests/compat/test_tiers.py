"""Tier and module names on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from unipython.compat.image import ignore_file
from unipython.compat.run import check_modules, whole_suite
from unipython.compat.tiers import TIERS, expand
from unipython.errors import UserError


def test_tiers_expand_to_test_modules_in_order() -> None:
    assert expand(["threads"]) == ["test_thread", "test_threading", "test_queue", "test_signal"]


def test_module_names_are_accepted_with_or_without_the_test_prefix() -> None:
    assert expand(["bool", "test_int", "mmap"]) == ["test_bool", "test_int", "test_mmap"]


def test_repeats_are_dropped() -> None:
    assert expand(["queue", "threads", "test_queue"]) == expand(["queue", "threads"])


def test_the_tiers_are_the_yardstick() -> None:
    assert set(TIERS) == {"core", "files", "threads", "net"}
    assert len(TIERS["core"]) == 57 and "decimal" in TIERS["core"]
    assert "zoneinfo" in TIERS["files"]
    assert "asyncio" in TIERS["net"] and "socket" not in TIERS["net"]  # see README


def test_an_unknown_module_is_a_user_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "test_os.py").write_text("")
    (tmp_path / "test_email").mkdir()
    check_modules(["test_os", "test_email"], tmp_path)
    with pytest.raises(UserError, match="test_nonesuch"):
        check_modules(["test_os", "test_nonesuch"], tmp_path)


def test_all_is_every_module_of_the_suite_with_the_tiers_among_them() -> None:
    python = Path("/usr/bin/python3.11")
    if not (python.exists() and Path("/usr/lib/python3.11/test/libregrtest").is_dir()):
        pytest.skip("needs python3.11 with its test package")
    suite = whole_suite(python)
    assert len(suite) > 400 and "test_gzip" in suite and "test_quopri" in suite
    assert set(expand(["core", "files", "threads", "net"])) <= set(suite) | {"test_socket"}
    assert expand(["all", "bool"], suite) == suite  # test_bool is in it already, no repeat
    assert expand(["bool", "all"], suite)[0] == "test_bool"


def test_the_ignore_list_is_chosen_by_the_python_revision() -> None:
    assert ignore_file((3, 11, 2)).name == "3.11.2.txt"
    assert ignore_file((3, 11, 2)).is_file()
    assert not ignore_file((3, 11, 99)).is_file()
