"""The host side of the guest/host interface; mirrors kernel/abi/host.h.

A test checks that the numbers here and in the header agree.
"""

from __future__ import annotations

CONSOLE_PORT = 0x3F8
CONTROL_PORT = 0x2F8
DEBUG_EXIT_PORT = 0xF4

EXIT_APP = 0x10
EXIT_PANIC = 0x11

# Frames of the app's stdin, runner to guest on the control port: a type byte,
# a 16-bit big-endian length, the bytes.
INPUT_DATA = b"d"
INPUT_EOF = b"e"
INPUT_SIGNAL = b"s"  # one byte: the signal number (Ctrl-C at the terminal)
INPUT_FRAME_MAX = 0xFFFF


def input_frame(kind: bytes, data: bytes = b"") -> bytes:
    return kind + len(data).to_bytes(2, "big") + data


def qemu_status(value: int) -> int:
    """The exit status of QEMU after the guest writes `value` to isa-debug-exit."""
    return ((value << 1) | 1) & 0xFF


# Exit statuses of `unipython run` that are not the app's own.
STATUS_PANIC = 70  # the guest kernel panicked (EX_SOFTWARE)
STATUS_VM_ERROR = 71  # the VM stopped without a report, or QEMU failed
STATUS_DEADLOCK = 72  # every app thread waited for something that could not happen
STATUS_BAD_IMAGE = 73  # the guest kernel refused the image as damaged
STATUS_TIMEOUT = 124  # --timeout expired (as timeout(1))
