"""Choosing QEMU's accelerator: hardware KVM when there is one, else TCG."""

from __future__ import annotations

import os
from pathlib import Path

from unipython.errors import UserError

SYS_MODULE = Path("/sys/module")

# The CPU model under TCG, for unipython guests, the bench's Linux guest and
# its qemu-user row alike. "max" less AVX2: Debian's QEMU 7.2 TCG emulates
# some AVX2 gathers (VPGATHER*) wrongly, so numpy's AVX2 sort/partition
# kernels crash (test_sort_degraded and neighbours); with -avx2 all 12443
# sort/partition tests of numpy 2.4.6 pass under qemu-x86_64. Hardware KVM
# keeps "-cpu host".
TCG_CPU = "max,-avx2"


def hardware_kvm_problem() -> str | None:
    """Why hardware KVM cannot be used here, or None if it can.

    `kvm_pvm` (a software nested hypervisor) counts as no KVM: it emulates
    guest ring 0 instruction by instruction and is far slower than TCG for
    a ring-0 unikernel (see design.md, section 7).
    """
    if not os.path.exists("/dev/kvm"):
        return "/dev/kvm does not exist"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not accessible (add yourself to the kvm group)"
    if (SYS_MODULE / "kvm_intel").exists() or (SYS_MODULE / "kvm_amd").exists():
        return None
    if (SYS_MODULE / "kvm_pvm").exists():
        return "/dev/kvm is kvm_pvm, a software nested hypervisor, not hardware KVM"
    return "neither kvm_intel nor kvm_amd is loaded"


def choose(requested: str) -> str:
    """Resolve --accel auto|kvm|tcg to the accelerator to use."""
    if requested == "tcg":
        return "tcg"
    problem = hardware_kvm_problem()
    if requested == "kvm":
        if problem:
            raise UserError(f"--accel kvm: {problem}; use --accel tcg")
        return "kvm"
    if requested == "auto":
        return "tcg" if problem else "kvm"
    raise UserError(f"unknown accelerator {requested!r} (choose auto, kvm or tcg)")


def qemu_args(accel: str) -> list[str]:
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    # TCG_CPU: every feature TCG emulates correctly (XSAVE, RDRAND,
    # TSC-deadline), see above. A large translation cache keeps CPython's
    # hot code translated once.
    return ["-accel", "tcg,tb-size=256", "-cpu", TCG_CPU]
