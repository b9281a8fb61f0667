"""virtio devices over MMIO (kernel/drivers/virtio/) and where the guest's entropy
comes from: virtio-rng and RDRAND/RDSEED, never a seed on the host's command line."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.boot.conftest import REPO
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import accel as accel_mod
from unipython.vmm import qemu

RANDOM_APP = """
import ctypes, os
libc = ctypes.CDLL(None)
libc.getauxval.restype = ctypes.c_void_p
at_random = ctypes.string_at(libc.getauxval(25), 16)  # AT_RANDOM
print("at_random", at_random.hex())
print("getrandom", os.getrandom(32).hex())
with open("/dev/urandom", "rb") as f:
    print("urandom", f.read(32).hex())
"""


def boot(image: Path, tmp_path: Path, cmdline: str = "verbose=1", virtio_rng: bool = True,
         extra_args: Sequence[str] = ()) -> tuple[qemu.VMResult, str]:
    out = tmp_path / "console.txt"
    cfg = qemu.VMConfig(image=image, cmdline=cmdline, timeout=120, virtio_rng=virtio_rng,
                        extra_args=extra_args)
    with out.open("wb") as f:
        result = qemu.boot(cfg, stdout=f)
    return result, out.read_text(errors="replace")


def cpu_without_rdrand() -> list[str]:
    """The runner's CPU model without RDRAND and RDSEED (QEMU takes the last -cpu)."""
    args = accel_mod.qemu_args(accel_mod.choose("auto"))
    model = args[args.index("-cpu") + 1]
    return ["-cpu", f"{model},-rdrand,-rdseed"]


def values(console: str) -> dict[str, str]:
    return {k: v for k, _, v in (line.partition(" ") for line in console.splitlines())
            if k in ("at_random", "getrandom", "urandom")}


def test_virtio_rng_is_found_and_seeds_the_kernel(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(RANDOM_APP), tmp_path)
    assert result.exit_status == 0, console + result.qemu_stderr
    assert "unipython: virtio: rng (device ID 4) at 0x" in console
    seeded = next(line for line in console.splitlines() if "random: seeded from" in line)
    assert "virtio-rng" in seeded
    assert "warning" not in console
    assert len(values(console)) == 3


def test_two_boots_give_different_random_numbers(image_of, tmp_path: Path) -> None:
    image = image_of(RANDOM_APP)
    first = values(boot(image, tmp_path, cmdline="")[1])
    second = values(boot(image, tmp_path, cmdline="")[1])
    assert len(first) == 3 and len(second) == 3
    for key in first:
        assert first[key] != second[key], key


def test_virtio_rng_alone_seeds_a_cpu_without_rdrand(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(RANDOM_APP), tmp_path, extra_args=cpu_without_rdrand())
    assert result.exit_status == 0, console
    assert "unipython: random: seeded from virtio-rng\n" in console
    assert "warning" not in console


def test_no_seed_on_the_command_line_the_runner_gives_qemu(image_of, tmp_path: Path) -> None:
    """What any local user can read in /proc/PID/cmdline while the VM runs."""
    assert "seed" not in kernel_cmdline(RunOptions(args=["a"], trace_syscalls=True))
    image = image_of("import time\ntime.sleep(3)\nprint('done')\n")
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", str(image)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    argv: list[str] = []
    deadline = time.monotonic() + 60
    while not argv and time.monotonic() < deadline and proc.poll() is None:
        for p in Path("/proc").iterdir():
            try:
                args = (p / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if args and args[0].endswith(b"qemu-system-x86_64") and str(image).encode() in args:
                argv = [a.decode() for a in args]
                break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert argv, "did not see QEMU running"
    append = argv[argv.index("-append") + 1]
    assert "seed" not in append
    assert "virtio-rng-device" in argv


def test_without_any_entropy_source_boot_warns_and_carries_on(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(RANDOM_APP), tmp_path, cmdline="", virtio_rng=False,
                           extra_args=cpu_without_rdrand())
    assert result.exit_status == 0, console
    assert ("unipython: warning: no entropy source (no virtio-rng device, no RDRAND/RDSEED): "
            "random numbers come from TSC jitter only") in console
    assert len(values(console)) == 3


def test_without_virtio_rng_rdrand_seeds_quietly(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(RANDOM_APP), tmp_path, cmdline="", virtio_rng=False)
    if "warning: no entropy source" in console:
        pytest.skip("this CPU model has no RDRAND")
    assert result.exit_status == 0, console
    assert console.startswith("at_random "), console


def test_bad_virtio_mmio_entries_are_reported_and_boot_carries_on(image_of, tmp_path: Path) -> None:
    cmdline = ("verbose=1 virtio_mmio.device=512@0xzz:5 virtio_mmio.device=4096 "
               "virtio_mmio.device=99999999999999999999@0x1000:5 "
               "virtio_mmio.device=512@0xd0000000:7")
    result, console = boot(image_of(RANDOM_APP), tmp_path, cmdline=cmdline)
    assert result.exit_status == 0, console
    lines = console.splitlines()
    assert ("unipython: virtio: ignored a bad virtio_mmio.device=512@0xzz:5 on the command line: "
            "a missing or malformed number") in lines
    assert ("unipython: virtio: ignored a bad virtio_mmio.device=4096 on the command line: "
            "no '@' after the size (SIZE@BASE:IRQ)") in lines
    assert any("99999999999999999999@0x1000:5 on the command line: a number too large" in line
               for line in lines)
    assert ("unipython: virtio: no virtio-mmio device at 0xd0000000 (magic value 0): ignored"
            in lines)
    # The real device, which QEMU names after ours, still works.
    assert any("random: seeded from virtio-rng" in line for line in lines)


def test_a_legacy_virtio_mmio_device_is_named_and_skipped(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(RANDOM_APP), tmp_path,
                           extra_args=["-global", "virtio-mmio.force-legacy=true"])
    assert result.exit_status == 0, console
    assert "is a legacy virtio-mmio device (version 1), which unipython does not support" in console
    assert "rng (device ID 4)" not in console and "seeded from virtio-rng" not in console


HWRNG_APP = """
import os, threading, time
try:
    fd = os.open("/dev/hwrng", os.O_RDONLY)
except FileNotFoundError:
    print("no /dev/hwrng")
    raise SystemExit(0)
st = os.fstat(fd)
print("node", os.major(st.st_rdev), os.minor(st.st_rdev), oct(st.st_mode & 0o7777))
data = os.read(fd, 100000)  # about 1600 requests, each finished by an interrupt
print("read", len(data), len(set(data)) == 256)
chunks = []
def reader():
    chunks.append(os.read(fd, 5000))
threads = [threading.Thread(target=reader) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads", sorted(len(c) for c in chunks), len(set(chunks)))
os.set_blocking(fd, False)
sizes = set()
for _ in range(200):  # EAGAIN until the device answers, then its bytes
    try:
        sizes.add(len(os.read(fd, 64)))
    except BlockingIOError:
        time.sleep(0.001)
print("nonblocking", sizes == {64})
"""


def test_dev_hwrng_reads_sleep_until_the_device_interrupts(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(HWRNG_APP), tmp_path, cmdline="")
    assert result.exit_status == 0, console
    assert console.splitlines() == ["node 10 183 0o600", "read 100000 True",
                                    "threads [5000, 5000, 5000, 5000] 4", "nonblocking True"]


def test_without_a_device_there_is_no_dev_hwrng(image_of, tmp_path: Path) -> None:
    result, console = boot(image_of(HWRNG_APP), tmp_path, cmdline="", virtio_rng=False)
    assert result.exit_status == 0, console
    assert console.splitlines() == ["no /dev/hwrng"]
