"""Image assembly: the kernel ELF plus the rootfs, as one extra PT_LOAD (the default) or
named by a PT_UPY_ROOTFS program header (build --rootfs-outside)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from unipython.builder.image import (
    EHDR,
    KERNEL_BASE,
    PF_R,
    PT_LOAD,
    PT_UPY_ROOTFS,
    Image,
    assemble,
    parse_elf_header,
    read_phdrs,
    write_atomic,
)
from unipython.builder.rootfs import RootFSWriter
from unipython.errors import UserError


def region() -> bytes:
    w = RootFSWriter()
    w.add_file("/hello.txt", b"hello\n")
    return w.to_bytes()


@pytest.fixture
def image_file(fake_kernel: Path, tmp_path: Path) -> Path:
    path = tmp_path / "test.img"
    write_atomic(path, assemble(fake_kernel.read_bytes(), region()))
    return path


def test_the_kernel_bytes_are_copied_verbatim_except_the_phdr_fields(
    fake_kernel: Path, image_file: Path
) -> None:
    kernel, image = fake_kernel.read_bytes(), image_file.read_bytes()
    assert image[EHDR.size:len(kernel)] == kernel[EHDR.size:]
    old, new = parse_elf_header(kernel, "k"), parse_elf_header(image, "i")
    assert new.phnum == old.phnum + 1
    assert new.phoff > len(kernel)
    assert new.fields[:5] == old.fields[:5] and new.fields[6:10] == old.fields[6:10]


def test_rootfs_segment_loads_after_the_kernel_bss(fake_kernel: Path, image_file: Path) -> None:
    kernel, image = fake_kernel.read_bytes(), image_file.read_bytes()
    loads = [p for p in read_phdrs(kernel, parse_elf_header(kernel, "k")) if p.type == PT_LOAD]
    phdrs = read_phdrs(image, parse_elf_header(image, "i"))
    new = phdrs[-1]
    end = max(p.paddr + p.memsz for p in loads)
    assert new.type == PT_LOAD and new.flags == PF_R and new.align == 4096
    assert new.paddr == (end + 4095) // 4096 * 4096
    assert new.vaddr == new.paddr + KERNEL_BASE
    assert new.offset % 4096 == 0 and new.offset >= len(kernel)
    assert new.filesz == new.memsz == len(region())
    assert image[new.offset:new.offset + new.filesz] == region()


def test_rootfs_outside_the_rootfs_has_its_own_program_header_and_is_no_load(
    fake_kernel: Path
) -> None:
    kernel = fake_kernel.read_bytes()
    image = assemble(kernel, region(), loaded=False)
    old_phdrs = read_phdrs(kernel, parse_elf_header(kernel, "k"))
    phdrs = read_phdrs(image, parse_elf_header(image, "i"))
    new = phdrs[-1]
    assert phdrs[:-1] == old_phdrs  # -kernel loads exactly what it loaded from the kernel
    assert new.type == PT_UPY_ROOTFS and new.flags == PF_R and new.align == 4096
    assert new.offset % 4096 == 0 and new.offset >= len(kernel)
    assert new.filesz == len(region()) and new.memsz == 0
    assert image[new.offset:new.offset + new.filesz] == region()
    assert (len(image) - 64) % 4096 == 0  # a memory backend maps all but the 64-byte footer


def test_image_open_reads_both_layouts_and_says_which(fake_kernel: Path,
                                                        tmp_path: Path) -> None:
    kernel = fake_kernel.read_bytes()
    loaded = Image.from_bytes(tmp_path / "a.img", assemble(kernel, region()))
    outside = Image.from_bytes(tmp_path / "b.img", assemble(kernel, region(), loaded=False))
    assert loaded.rootfs_loaded and not outside.rootfs_loaded
    assert loaded.rootfs.read("/hello.txt") == outside.rootfs.read("/hello.txt") == b"hello\n"
    assert outside.kernel_size == loaded.kernel_size


def test_pyelftools_still_reads_sections_and_symbols(image_file: Path) -> None:
    with image_file.open("rb") as f:
        elf = ELFFile(f)
        names = [s.name for s in elf.iter_sections()]
        assert ".text" in names and ".symtab" in names
        symbols = {s.name for s in elf.get_section_by_name(".symtab").iter_symbols()}
        assert "kernel_main" in symbols
        segments = list(elf.iter_segments())
        assert segments[-1]["p_type"] == "PT_LOAD"


def test_image_open_finds_the_rootfs(image_file: Path) -> None:
    image = Image.open(image_file)
    assert image.rootfs.read("/hello.txt") == b"hello\n"
    assert image.kernel_size == image.rootfs_phdr.offset
    assert image.total_size == image_file.stat().st_size


def test_a_truncated_image_says_how_many_bytes_are_missing(
    image_file: Path, tmp_path: Path
) -> None:
    data = image_file.read_bytes()
    header = parse_elf_header(data, "i")
    needed = header.phoff + header.phnum * 56 + 64  # program headers, then the footer
    half = len(data) // 2
    cut = tmp_path / "cut.img"
    cut.write_bytes(data[:half])
    with pytest.raises(UserError) as err:
        Image.open(cut)
    assert str(err.value) == (
        f"{cut}: truncated image: expected {needed} bytes, file has {half}")


def test_a_plain_kernel_has_no_root_file_system(fake_kernel: Path) -> None:
    with pytest.raises(UserError) as err:
        Image.open(fake_kernel)
    assert str(err.value) == f"{fake_kernel}: not a unipython image: no root file system"


def test_a_non_elf_file_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "text.img"
    path.write_text("hello")
    with pytest.raises(UserError) as err:
        Image.open(path)
    assert str(err.value) == f"{path}: not a unipython image: not an ELF file"


def test_a_32_bit_elf_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "elf32.img"
    path.write_bytes(b"\x7fELF\x01\x01\x01" + bytes(57))
    with pytest.raises(UserError, match="not an x86_64 ELF64 file"):
        Image.open(path)


def test_a_corrupted_rootfs_is_reported(image_file: Path) -> None:
    data = bytearray(image_file.read_bytes())
    offset = Image.open(image_file).rootfs_phdr.offset
    data[offset + 56 + 1] ^= 0x40  # inside the node table
    with pytest.raises(UserError, match="CRC-32"):
        Image.from_bytes(image_file, bytes(data))


def test_an_image_cannot_serve_as_a_kernel(image_file: Path) -> None:
    with pytest.raises(UserError, match="already contains a root file system"):
        assemble(image_file.read_bytes(), region())


def test_writing_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.img"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.img"]


def test_writing_into_a_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="output directory does not exist"):
        write_atomic(tmp_path / "nope" / "x.img", b"")


def test_elf_header_of_the_image_parses_with_pyelftools(image_file: Path) -> None:
    elf = ELFFile(io.BytesIO(image_file.read_bytes()))
    assert elf.header["e_machine"] == "EM_X86_64"
    assert elf.num_segments() == len(read_phdrs(image_file.read_bytes(),
                                                  parse_elf_header(image_file.read_bytes(), "i")))
