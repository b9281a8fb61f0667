"""The kernel's own memory is protected from the app's stray pointers.

The app runs in ring 0, in the kernel's address space: it can read the kernel
(nothing in the hardware stops a ring-0 read), but with CR0.WP set the kernel's
text and rodata are read-only and its data non-executable, so a write there or
a jump there kills the app with SIGSEGV, as on Linux, with a report naming the
address, and the kernel goes on to report the app's death.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from tests.boot.conftest import unipython

KERNEL_VIRT_BASE = 0xFFFFFFFF80000000
DIRECT_MAP_BASE = 0xFFFF800000000000

# argv: what to do (write, call) and the address.
APP = """
import ctypes, sys
what, addr = sys.argv[1], int(sys.argv[2], 16)
print("read", ctypes.c_uint8.from_address(addr).value, flush=True)
if what == "write":
    ctypes.c_uint8.from_address(addr).value ^= 0xff
elif what == "call":
    ctypes.CFUNCTYPE(None)(addr)()
print("survived", flush=True)
"""


def symbol(image: Path, name: str) -> int:
    """A kernel symbol's address, from the image (an ELF: the kernel with the
    root file system after it)."""
    with image.open("rb") as f:
        found = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
    assert found, name
    return int(found[0]["st_value"])


def byte_at(image: Path, address: int) -> int:
    with image.open("rb") as f:
        elf = ELFFile(f)
        for seg in elf.iter_segments("PT_LOAD"):
            if seg["p_vaddr"] <= address < seg["p_vaddr"] + seg["p_filesz"]:
                return seg.data()[address - seg["p_vaddr"]]
    raise AssertionError(f"{address:#x} is in no loaded segment")


@pytest.fixture(scope="module")
def image(image_of: Callable[[str], Path]) -> Path:
    return image_of(APP)


# (what the app does, the symbol it aims at, through the direct map's alias?, the report)
CASES = {
    "text": ("write", "kernel_main", False, "write to read-only kernel memory"),
    "rodata": ("write", "__rodata_start", False, "write to read-only kernel memory"),
    "text_through_the_direct_map": ("write", "kernel_main", True,
                                    "write to read-only kernel memory"),
    "data_is_not_executable": ("call", "__data_start", False,
                               "execution of non-executable kernel memory"),
    "direct_map_is_not_executable": ("call", "kernel_main", True,
                                     "execution of non-executable kernel memory"),
}


@pytest.mark.parametrize("case", CASES)
def test_app_touching_protected_kernel_memory_dies_of_sigsegv_naming_the_address(
        image: Path, case: str) -> None:
    what, name, alias, reason = CASES[case]
    target = symbol(image, name)
    address = DIRECT_MAP_BASE + (target - KERNEL_VIRT_BASE) if alias else target
    r = unipython("run", str(image), "--", what, f"{address:#x}")
    # The kernel's report and the app's output share the console (and may
    # interleave with the runner's prefix: no line anchors).
    out = r.stdout + r.stderr
    assert r.returncode == 128 + 11, out
    # Reading works (ring 0 cannot forbid it) and sees the kernel's real bytes
    # (those of text and rodata: data changes as the kernel runs).
    assert re.search(r"read \d+\n", r.stdout), out
    if target < symbol(image, "__data_start"):
        assert f"read {byte_at(image, target)}\n" in r.stdout, out
    assert "survived" not in out
    assert f"app killed by SIGSEGV: {reason} at address {address:#x}" in out, out
    assert "the app was killed by SIGSEGV" in r.stderr
    assert "panicked" not in out


def test_the_page_below_a_kernel_stack_is_an_unmapped_guard(image: Path) -> None:
    """The boot stack's guard page is unmapped: even a read of it faults (the
    app's own read: SIGSEGV, not a panic), while the stack just above it
    reads. test_kernel_stack_guards.py overflows the stacks themselves."""
    guard = symbol(image, "boot_stack")
    r = unipython("run", str(image), "--", "read", f"{guard + 4096:#x}")
    assert r.returncode == 0 and "survived" in r.stdout, r.stdout + r.stderr
    r = unipython("run", str(image), "--", "read", f"{guard:#x}")
    out = r.stdout + r.stderr
    assert r.returncode == 128 + 11, out
    assert f"app killed by SIGSEGV: access to unmapped kernel memory at address {guard:#x}" in out
