"""The kernel's finder of the root file system inside a whole image file
(kernel/fs/image_locate.c) against images the builder assembles
(src/unipython/builder/image.py), and against damaged or hostile bytes."""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from unipython.builder.image import EHDR, PHDR, PT_UPY_ROOTFS, assemble
from unipython.builder.rootfs import PAGE, RootFSWriter

REPO = Path(__file__).resolve().parents[2]


def locate(klib, data: bytes) -> tuple[int, int, int, str]:
    buf = ctypes.create_string_buffer(data, len(data))
    off, length, why = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_char_p()
    rc = klib.image_locate_rootfs(buf, len(data), ctypes.byref(off), ctypes.byref(length),
                                  ctypes.byref(why))
    return rc, off.value, length.value, (why.value or b"").decode()


def region() -> bytes:
    w = RootFSWriter()
    w.add_file("/hello.txt", b"hello\n")
    return w.to_bytes()


def fake_kernel() -> bytes:
    """A minimal ELF64 with one PT_LOAD, enough for assemble()."""
    load = PHDR.pack(1, 5, 0, 0xFFFFFFFF80100000, 0x100000, 0x200, 0x200, PAGE)
    header = EHDR.pack(b"\x7fELF\x02\x01\x01" + bytes(9), 2, 62, 1, 0x100000, EHDR.size, 0,
                       0, EHDR.size, PHDR.size, 1, 64, 0, 0)
    return header + load + bytes(0x200)


def test_the_region_the_builder_wrote_is_found(klib) -> None:
    rootfs = region()
    image = assemble(fake_kernel(), rootfs, loaded=False)
    rc, off, length, why = locate(klib, image)
    assert rc == 0, why
    assert off % PAGE == 0 and image[off:off + length] == rootfs
    assert (len(image) - 64) % PAGE == 0  # a memory backend maps all but the 64-byte footer


def test_the_real_kernel_image_is_found(klib, tmp_path: Path) -> None:
    kernel = REPO / "kernel" / "build" / "kernel-nonet.elf"
    image = assemble(kernel.read_bytes(), region(), loaded=False)
    rc, off, length, why = locate(klib, image)
    assert rc == 0, why
    assert image[off:off + length] == region()


def test_a_plain_kernel_or_an_image_that_loads_its_rootfs_has_none_to_find(klib) -> None:
    for data in (fake_kernel(), assemble(fake_kernel(), region())):
        rc, _, _, why = locate(klib, data)
        assert rc < 0 and "no root file system" in why


def test_damaged_images_are_refused_with_a_reason(klib) -> None:
    good = assemble(fake_kernel(), region(), loaded=False)
    phoff = struct.unpack_from("<Q", good, 32)[0]
    rootfs_ph = phoff + PHDR.size  # the second program header
    def at(offset: int, fmt: str, value: int) -> bytes:
        data = bytearray(good)
        struct.pack_into(fmt, data, offset, value)
        return bytes(data)

    cases = {
        "not ELF": b"MZ" + good[2:],
        "32-bit": good[:4] + b"\x01" + good[5:],
        "too short": good[:40],
        "phdrs past the end": at(32, "<Q", len(good)),
        "phentsize": at(54, "<H", 32),
        "unaligned": at(rootfs_ph + 8, "<Q", PAGE + 1),
        "past the end": at(rootfs_ph + 32, "<Q", len(good)),
        "empty": at(rootfs_ph + 32, "<Q", 0),
    }
    for label, data in cases.items():
        rc, _, _, why = locate(klib, data)
        assert rc < 0 and why, label


def test_two_root_file_systems_are_refused(klib) -> None:
    good = bytearray(assemble(fake_kernel(), region(), loaded=False))
    phoff = struct.unpack_from("<Q", good, 32)[0]
    struct.pack_into("<I", good, phoff, PT_UPY_ROOTFS)  # the kernel's PT_LOAD too
    rc, _, _, why = locate(klib, bytes(good))
    assert rc < 0 and "more than one" in why


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_corruption_gives_a_region_inside_the_bytes_or_an_error(klib, data) -> None:
    image = bytearray(assemble(fake_kernel(), region(), loaded=False))
    phoff = struct.unpack_from("<Q", image, 32)[0]
    # Flip bytes where the finder looks: the ELF header and the program headers.
    spots = list(range(EHDR.size)) + list(range(phoff, phoff + 2 * PHDR.size))
    for _ in range(data.draw(st.integers(1, 8))):
        image[data.draw(st.sampled_from(spots))] = data.draw(st.integers(0, 255))
    size = data.draw(st.integers(0, len(image)))
    rc, off, length, why = locate(klib, bytes(image[:size]))
    if rc == 0:
        assert off % PAGE == 0 and 0 < length and off + length <= size
    else:
        assert why
