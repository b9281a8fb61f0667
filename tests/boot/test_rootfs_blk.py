"""How the root file system of an image built --rootfs-outside reaches the guest (README,
"The root file system"): the whole image file as an initrd module copied into RAM
(--rootfs=ram), or as a read-only virtio-blk device whose pages the guest reads on demand
into a page cache it gives back under memory pressure (--rootfs=blk); neither is a clear
panic, never a hang or a wrong file system. An image of the default layout still boots
with -kernel alone."""

from __future__ import annotations

import hashlib
import os
import random
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.boot.conftest import BOOT_TIMEOUT, unipython
from unipython.vmm import qemu

HELLO = "print('hello from the image')\n"

# Reads a file of the image three ways: read(), a shared read-only mmap and a private
# writable one (written to: that copies the page, the file stays as it was); then
# fills most free RAM and reads the file again. Were the image's frames (the initrd
# module) handed out by the allocator, the filling would overwrite them; with
# --rootfs=blk the filling takes the page cache's frames (MemAvailable counts them),
# the mapped ones too, and the pages read again come back from the device.
MMAP_APP = """
import hashlib, mmap, sys

path = "/app/data.bin"
with open(path, "rb") as f:
    data = f.read()
    shared = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    private = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE,
                        prot=mmap.PROT_READ | mmap.PROT_WRITE)
assert shared[:] == data and private[:] == data
private[0:5] = b"XXXXX"
assert private[0:5] == b"XXXXX" and shared[0:5] == data[0:5]
free_kib = next(int(line.split()[1]) for line in open("/proc/meminfo")
                if line.startswith("MemAvailable:"))
filler = bytearray(b"\\xaa") * ((free_kib - 12 * 1024) * 1024)
with open(path, "rb") as f:
    again = f.read()
print(len(filler) >> 20, hashlib.sha256(again).hexdigest(),
      hashlib.sha256(shared[:]).hexdigest())
"""


@pytest.fixture(scope="module")
def outside_image_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """outside_image_of(source, *build_options) builds an image --rootfs-outside, once each."""
    cache: dict[tuple[str, ...], Path] = {}
    root = tmp_path_factory.mktemp("outside-images")

    def build(source: str, *options: str) -> Path:
        key = (source, *options)
        if key not in cache:
            app = root / f"app{len(cache)}.py"
            app.write_text(textwrap.dedent(source))
            out = root / f"app{len(cache)}.img"
            r = unipython("build", "--rootfs-outside", *options, str(app), "-o", str(out))
            assert r.returncode == 0, r.stderr
            cache[key] = out
        return cache[key]

    return build


def data_file(tmp_path: Path) -> tuple[Path, str]:
    """A 3 MiB file of bytes that differ from page to page, and its SHA-256."""
    blob = b"".join(hashlib.sha256(i.to_bytes(4, "little")).digest() * 128
                    for i in range(768))
    path = tmp_path / "data.bin"
    path.write_bytes(blob)
    return path, hashlib.sha256(blob).hexdigest()


def test_hello_boots_with_the_image_as_an_initrd_in_ram(outside_image_of) -> None:
    r = unipython("run", "--rootfs=ram", "-m", "32M", "--timeout", str(BOOT_TIMEOUT),
                  str(outside_image_of(HELLO)))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello from the image\n"


def test_an_image_of_the_default_layout_boots_with_kernel_alone(image_of) -> None:
    cfg = qemu.VMConfig(image=image_of(HELLO), memory_mib=32, timeout=120)
    assert "-initrd" not in qemu.command(cfg, Path("/c"), "tcg") and cfg.rootfs == "none"
    with open(os.devnull, "wb") as out:
        result = qemu.boot(cfg, stdout=out)
    assert result.exit_status == 0, result.panic


def test_blk_for_an_image_that_loads_its_rootfs_is_a_one_line_error(image_of) -> None:
    image = image_of(HELLO)
    r = unipython("run", "--rootfs=blk", str(image))
    assert r.returncode == 2
    assert r.stderr.strip() == (f"unipython: error: {image}: its root file system is loaded "
                                "into RAM with the kernel; for --rootfs=blk build it with "
                                "--rootfs-outside")


def test_hello_boots_from_the_image_as_a_block_device_in_24_mib(outside_image_of) -> None:
    r = unipython("run", "--rootfs=blk", "-m", "24M", "--timeout", str(BOOT_TIMEOUT),
                  str(outside_image_of(HELLO)))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello from the image\n"


@pytest.mark.parametrize("rootfs", ["ram", "blk"])
def test_file_pages_of_the_image_map_and_survive_filling_ram(
    outside_image_of, tmp_path: Path, rootfs: str
) -> None:
    data, digest = data_file(tmp_path)
    image = outside_image_of(MMAP_APP, "--add", f"{data}:data.bin")
    r = unipython("run", f"--rootfs={rootfs}", "-m", "96M", "--timeout", str(BOOT_TIMEOUT),
                  str(image))
    assert r.returncode == 0, r.stdout + r.stderr
    filled_mib, *digests = r.stdout.split()
    assert int(filled_mib) >= 16  # most of the RAM that was free, not a token amount
    assert digests == [digest, digest]


def test_plain_kernel_boot_without_blk_or_initrd_names_what_is_missing(outside_image_of) -> None:
    cfg = qemu.VMConfig(image=outside_image_of(HELLO), memory_mib=64, rootfs="none", timeout=120)
    with open(os.devnull, "wb") as out:
        result = qemu.boot(cfg, stdout=out)
    assert result.panic is not None
    assert result.panic.startswith("no root file system: no read-only virtio-blk device")
    assert "boot module" in result.panic and "-initrd" in result.panic


# Reads a 48 MiB file of the image in 1 MiB pieces and hashes it: the guest has 40 MiB.
BIG_APP = """
import hashlib
h = hashlib.sha256()
with open("/app/big.bin", "rb") as f:
    while chunk := f.read(1 << 20):
        h.update(chunk)
print(h.hexdigest())
"""


def test_an_image_larger_than_guest_ram_runs_from_the_block_device(
    outside_image_of, tmp_path: Path
) -> None:
    blob = random.Random(11).randbytes(48 << 20)
    big = tmp_path / "big.bin"
    big.write_bytes(blob)
    image = outside_image_of(BIG_APP, "--add", f"{big}:big.bin")
    assert image.stat().st_size > 56 << 20
    r = unipython("run", "--rootfs=blk", "-m", "40M", "--timeout", str(BOOT_TIMEOUT),
                  str(image))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == [hashlib.sha256(blob).hexdigest()]


def test_a_file_that_is_no_image_on_the_initrd_is_refused_with_the_reason(
    outside_image_of, tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.img"
    bogus.write_bytes(b"not an image at all" * 1000)
    # The kernel of a real image, given some other file as its boot module.
    cfg = qemu.VMConfig(image=outside_image_of(HELLO), memory_mib=64, rootfs="none", timeout=120,
                        extra_args=["-initrd", str(bogus)])
    with open(os.devnull, "wb") as out:
        result = qemu.boot(cfg, stdout=out)
    assert result.panic == ("no root file system in the boot module (initrd): "
                            "it does not start with an ELF header")


# Four threads read four files of the image at once, each in 64 KiB pieces: while one
# sleeps on the device the others submit their own reads. The virtio-blk driver keeps
# its in-flight requests per device and reaps every completion it finds, so two
# submitters at once took each other's completions and one waited for good (the syscall
# fuzzer's image hung in every other boot with --rootfs=blk): the block layer lets one
# batch at a time reach a device, the others wait (kstats blk_waits counts them).
PARALLEL_READ_APP = """
import hashlib, threading
digests = {}
def read(name):
    h = hashlib.sha256()
    with open(f"/app/{name}", "rb") as f:
        while chunk := f.read(1 << 16):
            h.update(chunk)
    digests[name] = h.hexdigest()
names = [f"part{i}.bin" for i in range(4)]
threads = [threading.Thread(target=read, args=(n,)) for n in names]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join(digests[n] for n in names))
"""


def test_threads_reading_the_image_at_once_each_get_their_own_data(
    outside_image_of, tmp_path: Path
) -> None:
    from unipython.runcmd import RunOptions, run_image

    adds, want = [], []
    for i in range(4):
        blob = random.Random(100 + i).randbytes(2 << 20)
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(blob)
        adds += ["--add", f"{part}:part{i}.bin"]
        want.append(hashlib.sha256(blob).hexdigest())
    image = outside_image_of(PARALLEL_READ_APP, *adds)
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        result = run_image(image, RunOptions(rootfs="blk", memory="64M", timeout=120),
                           stdout=f, stderr=f)
    assert result.exit_status == 0, out.read_text()
    assert out.read_text().split() == want
    # The reads did overlap: batches found the device busy with another thread's.
    assert result.stats["blk_waits"] > 0, result.stats
