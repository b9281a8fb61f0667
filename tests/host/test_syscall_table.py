"""The one syscall table (kernel/linux/syscall_table.h) and what is made from it: the
in-guest fuzzer's argument kinds must cover every call the kernel defines."""

from __future__ import annotations

import re
import sys
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
sys.path.insert(0, str(KERNEL.parent / "tools" / "fuzz"))

import signatures  # noqa: E402

ENTRY = re.compile(r"^SYSCALL_ENTRY\((\d+), (\w+)\)$", re.M)
DEFINE = re.compile(r"^SYSCALL_DEFINE\d\((\w+),", re.M)


def table() -> list[tuple[int, str]]:
    return [(int(nr), name) for nr, name in ENTRY.findall((KERNEL / "linux/syscall_table.h").read_text())]


def test_table_numbers_increase_and_names_are_unique() -> None:
    rows = table()
    numbers = [nr for nr, _ in rows]
    assert len(rows) > 300
    assert numbers == sorted(set(numbers))
    assert len({name for _, name in rows}) == len(rows)
    assert dict(rows)[0] == "read" and dict(rows)[257] == "openat" and dict(rows)[435] == "clone3"


def test_every_defined_syscall_has_argument_kinds_for_the_fuzzer() -> None:
    defined = {name for src in KERNEL.rglob("*.c") for name in DEFINE.findall(src.read_text())}
    numbers = {name: nr for nr, name in table()}
    assert defined <= numbers.keys(), defined - numbers.keys()
    kinds = signatures.signatures()
    assert set(kinds) == {numbers[name] for name in defined}
    assert kinds[numbers["openat"]].startswith("fs")
    assert kinds[numbers["read"]].startswith("f")
