"""`run` checks an image's ELF headers before QEMU sees them (builder/elf_check.py):
each bad header is one line and status 2, and nothing boots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import seal
from unipython.builder.elf_check import check_boot_headers
from unipython.builder.image import PHDR, assemble, parse_elf_header, write_atomic
from unipython.builder.rootfs import RootFSWriter
from unipython.cli import main
from unipython.errors import UserError
from unipython.vmm import qemu

KERNEL = Path(__file__).resolve().parents[2] / "kernel" / "build" / "kernel.elf"
# struct Elf64_Phdr: p_type p_flags p_offset p_vaddr p_paddr p_filesz p_memsz p_align
FIELD = {"type": 0, "offset": 8, "vaddr": 16, "paddr": 24, "filesz": 32, "memsz": 40}


@pytest.fixture
def image() -> bytearray:
    if not KERNEL.is_file():
        pytest.skip("the kernel is not built (./setup.sh)")
    w = RootFSWriter()
    w.add_file("/a", b"a")
    return bytearray(seal.unsealed(assemble(KERNEL.read_bytes(), w.to_bytes())))


def set_phdr(data: bytearray, index: int, field: str, value: int, size: int = 8) -> None:
    header = parse_elf_header(bytes(data), "image")
    at = header.phoff + index * PHDR.size + FIELD[field]
    data[at : at + size] = value.to_bytes(size, "little")


def note_index(data: bytearray) -> int:
    header = parse_elf_header(bytes(data), "image")
    return next(i for i in range(header.phnum)
                if int.from_bytes(data[header.phoff + i * PHDR.size:][:4], "little") == 4)


BAD: dict[str, tuple[Callable[[bytearray], None], str]] = {
    "past-the-file": (lambda d: set_phdr(d, 0, "offset", len(d)),
                      "program header 0: bytes "),
    "filesz-over-memsz": (lambda d: set_phdr(d, 0, "filesz", 0x7fffffff00),
                          "program header 0: "),
    "huge-memsz": (lambda d: set_phdr(d, 2, "memsz", 0x7fffffffffff),
                   "program header 2: loads at physical "),
    "paddr-past-4g": (lambda d: set_phdr(d, 1, "paddr", 0x100000000),
                      "program header 1: loads at physical 0x100000000"),
    "entry-outside": (lambda d: d.__setitem__(slice(24, 32), (8).to_bytes(8, "little")),
                      "the entry point 0x8 lies in no PT_LOAD segment"),
    "no-pvh-note": (lambda d: set_phdr(d, note_index(d), "type", 6, 4),  # PT_PHDR
                    "no PVH entry note"),
}


def test_the_real_kernel_and_its_images_pass(image: bytearray) -> None:
    check_boot_headers(KERNEL.read_bytes())
    check_boot_headers(bytes(image))


@pytest.mark.parametrize("case", BAD)
def test_a_bad_header_is_one_line(image: bytearray, case: str) -> None:
    spoil, message = BAD[case]
    spoil(image)
    with pytest.raises(UserError) as err:
        check_boot_headers(bytes(image))
    assert str(err.value).startswith(message), err.value
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("case", ["huge-memsz", "no-pvh-note"])
def test_run_refuses_it_before_qemu_starts(
    image: bytearray, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_boot(*args: object, **kwargs: object) -> None:
        raise AssertionError("an image with bad headers was booted")

    monkeypatch.setattr(qemu, "boot", no_boot)
    spoil, message = BAD[case]
    spoil(image)
    path = tmp_path / "bad.img"
    write_atomic(path, seal.seal(bytes(image)))  # a sound checksum over bad headers
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"unipython: error: {path}: {message}"), err
    assert err.count("\n") == 1
