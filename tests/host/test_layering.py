"""The kernel's layers: linux/ is the syscall layer on top, and nothing below it reaches
up into it (core/main.c, which boots everything, is the one place that starts it)."""

from __future__ import annotations

import re
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
LOWER = ("arch", "mm", "fs", "futex", "sched", "drivers", "net", "signal", "uapi", "lib", "loader")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(layer: str) -> list[tuple[str, str]]:
    return [(str(src.relative_to(KERNEL)), inc)
            for src in sorted((KERNEL / layer).rglob("*.[chS]"))
            for inc in INCLUDE.findall(src.read_text())]


def test_no_lower_layer_includes_the_syscall_layer() -> None:
    found = [(src, inc) for layer in LOWER for src, inc in includes(layer) if inc.startswith("linux/")]
    assert found == []


def test_the_check_sees_includes() -> None:
    assert ("signal/signal.c", "signal/signal.h") in includes("signal")
