"""Where the kernel ELF comes from when the user does not say."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from unipython.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def find_kernel() -> Path:
    """$UNIPYTHON_KERNEL if set; else <repo>/kernel/build/kernel.elf, after
    ``make -C <repo>/kernel -s`` brings it up to date."""
    configured = os.environ.get("UNIPYTHON_KERNEL")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise UserError(f"UNIPYTHON_KERNEL names no file: {path}")
        return path
    kernel_dir = REPO / "kernel"
    if not (kernel_dir / "Makefile").is_file():
        raise UserError(f"no kernel: {kernel_dir}/Makefile is missing; "
                        "set UNIPYTHON_KERNEL or pass --kernel")
    try:
        subprocess.run(["make", "-C", str(kernel_dir), "-s"], check=True,
                       capture_output=True, text=True)
    except FileNotFoundError:
        raise UserError("cannot build the kernel: 'make' not found") from None
    except subprocess.CalledProcessError as exc:
        output = (exc.stdout or "") + (exc.stderr or "")
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise UserError(f"building the kernel failed (make -C {kernel_dir} -s):\n{tail}") from None
    path = kernel_dir / "build" / "kernel.elf"
    if not path.is_file():
        raise UserError(f"the kernel build did not produce {path}")
    return path


def nonet_variant(kernel: Path) -> Path | None:
    """The kernel built like ``kernel`` without the network component, if there is
    one beside it (``make`` builds kernel-nonet.elf next to kernel.elf)."""
    lean = kernel.with_name(f"{kernel.stem}-nonet{kernel.suffix}")
    return lean if kernel.suffix == ".elf" and lean.is_file() else None
