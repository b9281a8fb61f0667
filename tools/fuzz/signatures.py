"""The kernel's own argument kinds for each system call, for the in-guest fuzzer: every
SYSCALL_DEFINEn(name, "r:args", ...) names its arguments' kinds for the tracer (f a
descriptor, s a path, p a pointer, b a buffer, o open flags, m a mode, S a signal...).
The fuzzer draws most arguments by kind, so a descriptor argument mostly gets a live one."""

from __future__ import annotations

import re
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
GUEST_PATH = "/fuzz/signatures.txt"


def signatures(kernel: Path = KERNEL) -> dict[int, str]:
    """nr -> argument kinds, from the sources."""
    table = (kernel / "linux/syscall_table.h").read_text()
    numbers = {name: nr for nr, name in re.findall(r"^SYSCALL_ENTRY\((\d+), (\w+)\)", table, re.M)}
    found = {}
    for src in sorted(kernel.rglob("*.c")):
        for name, fmt in re.findall(r'SYSCALL_DEFINE\d\((\w+), "[^:"]*:([^"]*)"', src.read_text()):
            if name in numbers:
                found[int(numbers[name])] = fmt
    return found


def write_signatures(out: Path) -> Path:
    out.write_text("".join(f"{nr} {fmt or '-'}\n" for nr, fmt in sorted(signatures().items())))
    return out
