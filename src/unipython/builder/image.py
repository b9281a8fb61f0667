"""A unipython image: the kernel ELF with the root file system appended.

Layout of the file::

    kernel ELF, byte for byte (its section headers stay valid)
    zero padding to a 4 KiB boundary
    the root file system region               <- new program header, PF_R
    padding to 8 bytes
    new program header table: the kernel's program headers + the new one
    zero padding to a 4 KiB boundary (whole pages for a block device of the file)
    the checksum footer (64 bytes, builder/seal.py): SHA-256 of all bytes before it

Only e_phoff and e_phnum of the ELF header change. The new program header is one of:

- ``PT_LOAD`` (the default, ``loaded``): loaded at the first 4 KiB boundary after the
  kernel's highest PT_LOAD (end of .bss), where the kernel looks for it. ``-kernel``
  alone boots the image; the VMM copies the whole root file system into guest RAM.
- ``PT_UPY_ROOTFS`` (``build --rootfs-outside``): not loaded. The VMM hands the guest
  the whole image file, as a read-only virtio-blk device read on demand or copied into
  RAM as an initrd module, and the kernel finds the region through this program
  header, which it reads at the start of that memory (kernel/fs/image_locate.c).
"""

from __future__ import annotations

import os
import stat
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from unipython.builder import seal
from unipython.builder.rootfs import PAGE, RootFS, align_up
from unipython.errors import UserError, printable

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
EM_X86_64 = 62
PT_LOAD = 1
PT_UPY_ROOTFS = 0x60555059  # mirrors UPY_PT_ROOTFS in kernel/abi/rootfs_format.h
PF_R = 4
KERNEL_BASE = 0xFFFFFFFF80000000
# QEMU copies a root file system that is a PT_LOAD (or an initrd) whole into guest
# RAM below 4 GiB (the PVH entry runs in 32-bit mode): no such image is larger, and
# reading a larger file (a disk, by mistake) would only fill the host's memory.
MAX_IMAGE_SIZE = 4 << 30
FILE_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFCHR:
              "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


@dataclass
class ProgramHeader:
    type: int
    flags: int
    offset: int
    vaddr: int
    paddr: int
    filesz: int
    memsz: int
    align: int

    def pack(self) -> bytes:
        return PHDR.pack(
            self.type, self.flags, self.offset, self.vaddr,
            self.paddr, self.filesz, self.memsz, self.align,
        )


@dataclass
class ElfHeader:
    """The fields of an ELF64 header this module needs, plus its raw tuple."""

    fields: list[int | bytes]

    @property
    def phoff(self) -> int:
        return int(self.fields[5])

    @property
    def shoff(self) -> int:
        return int(self.fields[6])

    @property
    def phentsize(self) -> int:
        return int(self.fields[9])

    @property
    def phnum(self) -> int:
        return int(self.fields[10])

    @property
    def shentsize(self) -> int:
        return int(self.fields[11])

    @property
    def shnum(self) -> int:
        return int(self.fields[12])

    def with_phdrs(self, phoff: int, phnum: int) -> bytes:
        fields = list(self.fields)
        fields[5], fields[10] = phoff, phnum
        return EHDR.pack(*fields)


def parse_elf_header(data: bytes, what: str) -> ElfHeader:
    """Check that ``data`` starts an x86_64 ELF64 file; ``what`` prefixes errors."""
    if len(data) < EHDR.size or data[:4] != b"\x7fELF":
        raise UserError(f"{what}: not an ELF file")
    fields = list(EHDR.unpack_from(data, 0))
    ident, machine = data[:16], fields[2]
    if ident[4] != 2 or ident[5] != 1 or machine != EM_X86_64:
        raise UserError(f"{what}: not an x86_64 ELF64 file")
    header = ElfHeader(fields)
    if header.phentsize != PHDR.size:
        raise UserError(f"{what}: unexpected program header size {header.phentsize}")
    return header


def read_phdrs(data: bytes, header: ElfHeader) -> list[ProgramHeader]:
    return [
        ProgramHeader(*PHDR.unpack_from(data, header.phoff + i * PHDR.size))
        for i in range(header.phnum)
    ]


def _shdr_end(header: ElfHeader) -> int:
    return header.shoff + header.shnum * header.shentsize if header.shoff else 0


def assemble(kernel: bytes, region: bytes, loaded: bool = True) -> bytes:
    """The image bytes for ``kernel`` (ELF) with ``region`` (a rootfs) appended, as a
    PT_LOAD after the kernel's .bss (``loaded``) or as PT_UPY_ROOTFS (--rootfs-outside)."""
    header = parse_elf_header(kernel, "kernel")
    if header.phoff + header.phnum * PHDR.size > len(kernel):
        raise UserError("kernel: program header table past the end of the file")
    phdrs = read_phdrs(kernel, header)
    loads = [p for p in phdrs if p.type == PT_LOAD]
    if not loads:
        raise UserError("kernel: no PT_LOAD segment")
    if _find_rootfs_phdr(kernel, header, phdrs) is not None:
        raise UserError("kernel: already contains a root file system (is it an image?)")
    if header.phnum + 1 >= 0xFFFF:
        raise UserError("kernel: too many program headers")

    region_offset = align_up(len(kernel))
    if loaded:
        paddr = align_up(max(p.paddr + p.memsz for p in loads))
        rootfs = ProgramHeader(PT_LOAD, PF_R, region_offset, paddr + KERNEL_BASE, paddr,
                               len(region), len(region), PAGE)
    else:
        rootfs = ProgramHeader(PT_UPY_ROOTFS, PF_R, region_offset, 0, 0, len(region), 0, PAGE)
    phoff = align_up(region_offset + len(region), 8)

    out = bytearray(kernel)
    out += bytes(region_offset - len(kernel))
    out += region
    out += bytes(phoff - len(out))
    for p in [*phdrs, rootfs]:
        out += p.pack()
    out += bytes(align_up(len(out)) - len(out))
    out[: EHDR.size] = header.with_phdrs(phoff, header.phnum + 1)
    return seal.seal(bytes(out))


def _find_rootfs_phdr(
    data: bytes, header: ElfHeader, phdrs: list[ProgramHeader]
) -> ProgramHeader | None:
    """The rootfs region: the last program header, a read-only PT_LOAD or
    PT_UPY_ROOTFS, placed after every other segment and after the section header
    table."""
    if not phdrs:
        return None
    last = phdrs[-1]
    if last.type not in (PT_UPY_ROOTFS, PT_LOAD) or last.flags != PF_R or last.offset % PAGE:
        return None
    others_end = max((p.offset + p.filesz for p in phdrs[:-1]), default=0)
    if last.offset < others_end or last.offset < _shdr_end(header):
        return None
    return last


@dataclass
class Image:
    """A validated image: its bytes, the kernel part and the root file system."""

    path: Path
    data: bytes
    rootfs_phdr: ProgramHeader
    rootfs: RootFS
    checksum: str = ""  # the SHA-256 its footer records, verified (hex); Image.open sets it

    @property
    def kernel_size(self) -> int:
        """Bytes before the rootfs region: the kernel ELF and its padding."""
        return self.rootfs_phdr.offset

    @property
    def total_size(self) -> int:
        return len(self.data)

    @property
    def rootfs_loaded(self) -> bool:
        """The rootfs is a PT_LOAD: -kernel alone copies it into RAM. Otherwise
        (build --rootfs-outside) the VMM must hand the guest the image file."""
        return self.rootfs_phdr.type == PT_LOAD

    @classmethod
    def open(cls, path: Path) -> Image:
        """Reads and validates the image at ``path``; UserError (naming the file) for
        anything that is not one: no file, a FIFO or device (which would block or
        never end), a file too large, not ELF, truncated, without a root fs, or
        whose checksum does not match its bytes."""
        data = read_image_file(path)
        try:
            if seal.recorded(data) is None:
                cls.from_bytes(path, data)  # says "truncated" when the headers show it
                raise UserError(seal.NO_FOOTER)
            checksum = seal.verify(data)
            image = cls.from_bytes(path, data)
            image.checksum = checksum
            return image
        except UserError as exc:
            raise UserError(f"{printable(path)}: {exc}") from None

    @classmethod
    def from_bytes(cls, path: Path, data: bytes) -> Image:
        header = parse_elf_header(data, "not a unipython image")
        ph_end = header.phoff + header.phnum * PHDR.size
        if ph_end > len(data):
            raise UserError(f"truncated image: expected {ph_end + seal.FOOTER.size} bytes, "
                            f"file has {len(data)}")
        phdrs = read_phdrs(data, header)
        expected = max([ph_end, _shdr_end(header), *(p.offset + p.filesz for p in phdrs)])
        if expected > len(data):
            raise UserError(f"truncated image: expected {expected + seal.FOOTER.size} bytes, "
                            f"file has {len(data)}")
        phdr = _find_rootfs_phdr(data, header, phdrs)
        if phdr is None:
            raise UserError("not a unipython image: no root file system")
        region = memoryview(data)[phdr.offset : phdr.offset + phdr.filesz]
        return cls(path, data, phdr, RootFS.open(region))


def read_image_file(path: Path) -> bytes:
    """The bytes of ``path``, if it can be an image: a regular file, at most
    MAX_IMAGE_SIZE bytes, starting as an ELF file does (checked before the rest is read)."""
    name = printable(path)
    try:
        # O_NONBLOCK: opening a FIFO waits for a writer otherwise.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UserError(f"image not found: {name}") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read it: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = FILE_KINDS.get(stat.S_IFMT(st.st_mode), "no regular file")
        raise UserError(f"{name}: is {kind}, not an image")
    if st.st_size > MAX_IMAGE_SIZE:
        os.close(fd)
        raise UserError(f"{name}: {st.st_size} bytes, larger than any image can be "
                        f"({MAX_IMAGE_SIZE >> 30} GiB): not an image")
    with os.fdopen(fd, "rb") as f:
        try:
            head = f.read(EHDR.size)
            parse_elf_header(head, "not a unipython image")
            return head + f.read(MAX_IMAGE_SIZE + 1 - len(head))
        except OSError as exc:
            raise UserError(f"{name}: cannot read it: {exc.strerror}") from None
        except UserError as exc:
            raise UserError(f"{name}: {exc}") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a
    rename, so readers see the old file or the new one, never half of one. The
    temporary name is short whatever ``path``'s is: a name that is itself near the
    file system's limit (255 bytes) must not fail for the temporary one."""
    directory = path.parent
    if not directory.is_dir():
        raise UserError(f"output directory does not exist: {printable(directory)}")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".unipython-", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"{printable(path)}: cannot write it: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{printable(path)}: cannot write it: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
