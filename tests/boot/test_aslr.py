"""ASLR: each boot puts the app's stack, brk heap, mmap area, libraries and
ld.so at new random addresses, as Linux does (randomize_va_space=2); `run
--no-aslr` (Linux's norandmaps, setarch -R) puts them at the same ones every
time, for reproducible debugging. Python itself is not PIE: it stays at
0x400000 either way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.boot.conftest import unipython
from unipython.builder import seal
from unipython.builder.image import Image
from unipython.cmdline import CONFIG_PATH

APP = """
import ctypes, mmap
libc = ctypes.CDLL(None)
libc.sbrk.restype = ctypes.c_void_p
m = mmap.mmap(-1, 4096)
maps = open("/proc/self/maps").read().splitlines()
def start_of(name):
    return next(int(line.split("-")[0], 16) for line in maps if line.endswith(name))
print("stack", hex(start_of("[stack]")))
print("brk", hex(libc.sbrk(0)))
print("mmap", hex(ctypes.addressof(ctypes.c_char.from_buffer(m))))
print("printf", hex(ctypes.cast(libc.printf, ctypes.c_void_p).value))
print("ld.so", hex(start_of("/ld-linux-x86-64.so.2")))
print("python", hex(start_of("/python3.11")))
print("randomize_va_space", open("/proc/sys/kernel/randomize_va_space").read().strip())
"""


@pytest.fixture(scope="module")
def image(image_of: Callable[[str], Path]) -> Path:
    return image_of(APP)


def layout(image: Path, *options: str) -> dict[str, int]:
    r = unipython("run", *options, str(image))
    assert r.returncode == 0, r.stdout + r.stderr
    found = dict(line.split() for line in r.stdout.splitlines())
    assert set(found) == {"stack", "brk", "mmap", "printf", "ld.so", "python",
                          "randomize_va_space"}, r.stdout
    return {k: int(v, 16) for k, v in found.items()}


def test_each_boot_randomizes_the_stack_brk_mmap_libraries_and_ld_so(image: Path) -> None:
    a, b = layout(image), layout(image)
    for what in ("stack", "brk", "mmap", "printf", "ld.so"):
        assert a[what] != b[what], (what, a, b)
    assert a["python"] == b["python"] == 0x400000
    assert a["randomize_va_space"] == 2
    # Within Linux's ranges: the stack below the top by at most 16 GiB, the
    # mmap area below it by the 128 MiB gap and at most 1 TiB more.
    for run in (a, b):
        assert 0x7FFFFFFFF000 - (16 << 30) - (8 << 20) <= run["stack"] < 0x7FFFFFFFF000
        assert 0x7FFFFFFFF000 - (17 << 30) - (1 << 40) - (256 << 20) < run["ld.so"] < run["stack"]


def test_no_aslr_gives_the_same_addresses_every_boot(image: Path) -> None:
    a, b = layout(image, "--no-aslr"), layout(image, "--no-aslr")
    assert a == b
    assert a["randomize_va_space"] == 0
    # Linux's fixed places: the 8 MiB stack right below the top of the app's half.
    assert a["stack"] == 0x7FFFFFFFF000 - (8 << 20)
    assert a["ld.so"] < 0x7FFFFFFFF000 - (128 << 20)


def ld_so_as_the_program(image: Path, tmp_path: Path) -> Path:
    """The image, its boot config rewritten (and the image re-sealed) to run
    `ld.so /usr/bin/python3.11 APP`: ld.so is then the program, and a PIE
    one (ET_DYN with no interpreter), as `/lib64/ld-linux-x86-64.so.2 prog`
    is on Linux."""
    img = Image.open(image)
    node = img.rootfs.lookup(CONFIG_PATH)
    assert node is not None
    at = img.rootfs_phdr.offset + node.data_offset
    data = bytearray(seal.unsealed(img.data))
    config = bytes(data[at : at + node.size]).decode()
    head, sep, rest = config.partition(" env=HOME=")
    assert sep and head.startswith("exec=/usr/bin/python3.11 arg=/usr/bin/python3.11 "), config
    app = head.split()[2]
    new = f"exec=/lib64/ld-linux-x86-64.so.2 arg=ld.so arg=/usr/bin/python3.11 {app} env=P="
    assert len(new) <= len(head), config
    new += "x" * (len(head) - len(new))
    data[at : at + node.size] = (new + sep + rest).encode()
    out = tmp_path / "ld-so.img"
    out.write_bytes(seal.seal(bytes(data)))
    return out


def test_a_pie_program_is_loaded_at_a_random_base_or_at_linuxs_fixed_one(
        image: Path, tmp_path: Path) -> None:
    pie = ld_so_as_the_program(image, tmp_path)
    a, b = layout(pie), layout(pie)
    assert a["ld.so"] != b["ld.so"]
    for run in (a, b):  # Linux's ELF_ET_DYN_BASE plus up to 2^28 pages
        assert 0x555555554000 <= run["ld.so"] < 0x555555554000 + (1 << 40), hex(run["ld.so"])
    assert layout(pie, "--no-aslr")["ld.so"] == 0x555555554000
