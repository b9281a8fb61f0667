"""Tier and module names on the command line."""

from __future__ import annotations

from unipython.compat.tiers import TIERS, expand


def test_tiers_expand_to_test_modules_in_order() -> None:
    assert expand(["threads"]) == ["test_thread", "test_threading", "test_queue", "test_signal"]


def test_module_names_are_accepted_with_or_without_the_test_prefix() -> None:
    assert expand(["bool", "test_int", "mmap"]) == ["test_bool", "test_int", "test_mmap"]


def test_repeats_are_dropped() -> None:
    assert expand(["queue", "threads", "test_queue"]) == expand(["queue", "threads"])


def test_the_three_tiers_are_the_yardstick() -> None:
    assert set(TIERS) == {"core", "files", "threads"}
    assert len(TIERS["core"]) == 57 and "decimal" in TIERS["core"]
    assert "zoneinfo" in TIERS["files"]
