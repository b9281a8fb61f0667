"""Every kernel stack and interrupt stack sits above an unmapped guard page, so
an overflow is a clean panic naming the stack, not silent corruption of what
lies below it.

No kernel path overflows on purpose, but the app runs in ring 0 and can do
what an overflowing kernel function does: point the stack pointer into a
kernel stack and push. The fault it takes is the one a real overflow takes
(entry.S and trap.c cannot tell them apart), so that is what these tests do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.boot.conftest import Boot, unipython
from tests.boot.test_kernel_protection import symbol

KSTACK_SIZE = 32768  # kernel/sched/thread.h
# struct ist_stacks (kernel/arch/x86_64/gdt.h): guard, trampoline (8 KiB), guard, fatal.
IST_TRAMPOLINE_GUARD = 0
IST_FATAL_GUARD = 4096 + 8192

# argv: an address, whether the stack's bottom is the value there minus
# KSTACK_SIZE (a thread's stack: kstack_top) or the address itself, the
# offset of the new stack pointer from that bottom, and what to do there:
# push until something faults, or one write at a (negative) displacement.
APP = r"""
import ctypes, mmap, struct, sys
addr, deref = int(sys.argv[1], 16), sys.argv[2] == "1"
offset, action = int(sys.argv[3]), sys.argv[4]
bottom = ctypes.c_uint64.from_address(addr).value - 32768 if deref else addr
rsp = bottom + offset
code = b"\x48\xb8" + struct.pack("<Q", rsp) + b"\x48\x89\xc4"      # mov $rsp, %rax; mov %rax, %rsp
if action == "push":
    code += b"\x50\xeb\xfd"                                         # 1: push %rax; jmp 1b
else:
    code += b"\x48\x89\x84\x24" + struct.pack("<i", int(action))   # mov %rax, disp(%rsp)
    code += b"\xeb\xfe"                                             # 1: jmp 1b
page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
print(f"stack pointer to {rsp:#x}", flush=True)
ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
print("survived", flush=True)
"""


@pytest.fixture(scope="module")
def image(image_of: Callable[[str], Path]) -> Path:
    return image_of(APP)


def run(image: Path, addr: int, deref: bool, offset: int, action: str) -> str:
    r = unipython("run", str(image), "--", f"{addr:#x}", "1" if deref else "0", str(offset),
                  action)
    out = r.stdout + r.stderr
    assert r.returncode == 70, out  # STATUS_PANIC: a clean panic, not a hang or a wrong result
    assert "stack pointer to" in r.stdout, out
    assert "survived" not in out
    return out


def test_pushing_a_thread_kernel_stack_into_its_guard_panics_naming_the_thread(
        image: Path) -> None:
    # entry.S sees the interrupted stack pointer inside the guard page and
    # reports from the interrupt stack instead of copying a frame into it.
    out = run(image, symbol(image, "kstack_top"), True, 4096 + 256, "push")
    rsp = int(out.split("stack pointer to ")[1].split()[0], 16)
    guard_top = rsp - 256  # the push that faults writes the guard page's top 8 bytes
    assert ("kernel panic: kernel stack overflow: the kernel stack of thread 1 (page fault at "
            f"address {guard_top - 8:#x}, rsp {guard_top:#x})") in out, out


def test_a_frame_reaching_below_a_kernel_stack_into_its_guard_panics(image: Path) -> None:
    # A big frame: the stack pointer is still above the guard, the write is in it.
    # entry.S reports it from the interrupt stack: too little is left on this one.
    out = run(image, symbol(image, "kstack_top"), True, 4096 + 1024, "-2048")
    assert "kernel panic: kernel stack overflow: the kernel stack of thread 1 (page fault at " \
        "address" in out, out


@pytest.mark.parametrize(("offset", "name"), [
    (IST_TRAMPOLINE_GUARD, "the interrupt stack"),
    (IST_FATAL_GUARD, "the fatal-exception stack"),
])
def test_an_interrupt_stack_overflow_panics_naming_the_stack(
        image: Path, offset: int, name: str) -> None:
    guard = symbol(image, "ist_stacks") + offset
    out = run(image, guard, False, 4096 + 256, "push")
    # The push that faults writes the guard page's top 8 bytes.
    assert f"kernel panic: kernel stack overflow: {name} (address {guard + 4096 - 8:#x}" in out, out


def test_a_freed_thread_stack_is_whole_again_for_its_next_owner(boot: Boot) -> None:
    # A thread's guard page is mapped back when its stack is freed: the
    # frames' next owner (page cache, page tables, app memory) uses it all.
    r = boot("""
        import mmap, os, threading
        for _ in range(300):
            t = threading.Thread(target=lambda: None); t.start(); t.join()
        maps = []
        for _ in range(200):
            m = mmap.mmap(-1, 1 << 20); m[::4096] = b"x" * 256; maps.append(m)
        r, w = os.pipe()
        for _ in range(200):
            os.write(w, b"y" * 4000); assert os.read(r, 4000) == b"y" * 4000
        print("survived")
    """)
    assert r.returncode == 0 and r.stdout == "survived\n", r.stdout + r.stderr
