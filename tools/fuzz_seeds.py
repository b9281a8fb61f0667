"""Seed inputs for the host fuzz targets (tools/fuzz.py): small valid inputs of each
format, so that libFuzzer starts from inputs that get past the first checks. Each
function writes its files into a corpus folder."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGE = 4096


def ext2_seeds(corpus: Path, tmp: Path) -> None:
    """Small real file systems mke2fs makes: 1, 2 and 4 KiB blocks, with a journal and a
    directory (cut to what the fuzzer takes)."""
    for bs in (1024, 2048, 4096):
        img = tmp / f"seed{bs}.img"
        with open(img, "wb") as f:
            f.truncate(16 << 20)
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext3", "-b", str(bs), "-N", "64", "-J",
                        f"size={bs // 1024}", "-O", "^resize_inode,^dir_index", str(img)],
                       check=True, capture_output=True)
        subprocess.run(["debugfs", "-w", "-R", "mkdir /d", str(img)], check=True,
                       capture_output=True)
        (corpus / f"seed{bs}").write_bytes(img.read_bytes()[:64 * 1024])


# ---- ELF ----

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


def elf(etype: int, entry: int, phdrs: list[tuple[int, ...]], size: int,
        extra: dict[int, bytes] | None = None) -> bytes:
    """An x86-64 ELF file of `size` bytes: header, program headers at 64, and `extra`
    bytes placed at their offsets."""
    out = bytearray(size)
    ident = b"\x7fELF\x02\x01\x01" + bytes(9)
    out[:64] = EHDR.pack(ident, etype, 62, 1, entry, 64, 0, 0, 64, PHDR.size, len(phdrs),
                         64, 0, 0)
    for i, ph in enumerate(phdrs):
        out[64 + i * PHDR.size:64 + (i + 1) * PHDR.size] = PHDR.pack(*ph)
    for at, data in (extra or {}).items():
        out[at:at + len(data)] = data
    return bytes(out)


def elf_input(prog: bytes, interp: bytes = b"", random: int = 0, randomize: bool = False) -> bytes:
    """tests/fuzz/elf_load.c's input: randomness, flags, the program's length, both files."""
    return struct.pack("<QBI", random, int(randomize), len(prog)) + prog + interp


def elf_seeds(corpus: Path, tmp: Path) -> None:
    """A static program with text, data and .bss starting inside the last file page; a
    PIE with PT_PHDR and PT_INTERP, and its ld.so-like interpreter (ET_DYN)."""
    static = elf(2, 0x401000, [
        (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0, 0x300, 0x300, PAGE),
        (PT_LOAD, PF_R | PF_W, 0x300, 0x401300, 0, 0x80, 0x2000, PAGE),
        (PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16),
    ], 0x380)
    interp_path = b"/lib/ld.so\0"
    pie = elf(3, 0x1100, [
        (PT_PHDR, PF_R, 64, 64, 64, 4 * PHDR.size, 4 * PHDR.size, 8),
        (PT_INTERP, PF_R, 0x120, 0x120, 0x120, len(interp_path), len(interp_path), 1),
        (PT_LOAD, PF_R | PF_X, 0, 0, 0, 0x200, 0x200, PAGE),
        (PT_LOAD, PF_R | PF_W, 0x200, 0x1200, 0, 0x40, 0x1000, PAGE),
    ], 0x240, {0x120: interp_path})
    ldso = elf(3, 0x80, [
        (PT_LOAD, PF_R | PF_X, 0, 0, 0, 0x180, 0x180, PAGE),
        (PT_LOAD, PF_R | PF_W, 0x180, 0x1180, 0, 0x20, 0x3000, PAGE),
    ], 0x1a0)
    (corpus / "static").write_bytes(elf_input(static))
    (corpus / "static-aslr").write_bytes(elf_input(static, random=0x123456789ABCDEF,
                                                   randomize=True))
    (corpus / "pie").write_bytes(elf_input(pie, ldso, random=0xFEDCBA987654321, randomize=True))
    (corpus / "pie-fixed").write_bytes(elf_input(pie, ldso))


# ---- The image's root file system ----

def builder_rootfs() -> types.ModuleType:
    """The builder's root-fs writer, loaded alone: the builder package's other modules
    need the virtualenv's packages, and this runs under any python3."""
    sys.path.insert(0, str(REPO / "src"))
    spec = importlib.util.spec_from_file_location("upy_builder_rootfs",
                                                  REPO / "src/unipython/builder/rootfs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def image_with_rootfs(region: bytes) -> bytes:
    """An image as the builder lays it out, cut to the bone: an ELF header whose one
    program header (UPY_PT_ROOTFS) names the region, which starts on the next page."""
    head = elf(2, 0, [(0x60555059, PF_R, PAGE, 0, 0, len(region), len(region), PAGE)], PAGE)
    return head + region


def rootfs_seeds(corpus: Path, tmp: Path) -> None:
    """Small trees the builder writes (directories, files of 0, 1 and 2 pages, symlinks,
    the boot config), each to be read in RAM and from a block device."""
    RootFSWriter = builder_rootfs().RootFSWriter
    trees = []
    w = RootFSWriter(dir_mtime=1)
    w.add_file("/.unipython/config", b"exec=/bin/python3 argv=python3 argv=-c argv=pass env=HOME=/ "
                b"env=LANG=C.UTF-8 cwd=/app writable=/tmp")
    w.add_file("/bin/python3", b"\x7fELF" + bytes(100), perm=0o755)
    w.add_file("/lib/big", bytes(range(256)) * 24)
    w.add_file("/empty", b"")
    w.add_symlink("/lib64", "lib")
    w.add_symlink("/bin/python", "python3")
    w.add_dir("/tmp")
    w.add_dir("/a/b/c/d")
    trees.append(w.to_bytes())
    w = RootFSWriter()
    w.add_file("/x", b"x")
    trees.append(w.to_bytes())
    for i, region in enumerate(trees):
        image = image_with_rootfs(region)
        (corpus / f"ram{i}").write_bytes(b"\x00" + image)
        (corpus / f"blk{i}").write_bytes(b"\x07" + image)


# ---- 9P replies ----

def p9_reply(rtype: int, tag: int, body: bytes) -> bytes:
    return struct.pack("<IBH", 7 + len(body), rtype, tag) + body


def p9_seeds(corpus: Path, tmp: Path) -> None:
    """One good reply of each kind tests/fuzz/p9_msg.c decodes, and an Rlerror: its
    input is which[1] tag[2] asked[4] then the reply."""
    tag, qid = 1, struct.pack("<BIQ", 0x80, 0, 42)

    def put(name: str, which: int, rtype: int, body: bytes, asked: int = 4096) -> None:
        t = 0xFFFF if which == 0 else tag
        (corpus / name).write_bytes(struct.pack("<BHI", which, t, asked) +
                                    p9_reply(rtype, t, body))

    def s(text: bytes) -> bytes:
        return struct.pack("<H", len(text)) + text

    put("rversion", 0, 101, struct.pack("<I", 65536) + s(b"9P2000.L"))
    put("rattach", 1, 105, qid)
    put("rlopen", 11, 13, qid + struct.pack("<I", 0))
    put("rwalk", 32, 111, struct.pack("<H", 2) + qid + qid)
    attr = struct.pack("<Q", 0x7FF) + qid + struct.pack("<IIIQQQQQ", 0o100644, 0, 0, 1, 0, 5,
                                                        4096, 1) + bytes(8 * 10)
    put("rgetattr", 3, 25, attr)
    put("rread", 4, 117, struct.pack("<I", 5) + b"hello", asked=5)
    entries = b"".join(qid + struct.pack("<QB", i + 1, 4) + s(name)
                       for i, name in enumerate([b"a", b"bb", b"ccc"]))
    put("rreaddir", 5, 41, struct.pack("<I", len(entries)) + entries)
    put("rwrite", 6, 119, struct.pack("<I", 100), asked=100)
    put("rreadlink", 7, 23, s(b"../target"))
    put("rstatfs", 8, 9, struct.pack("<IIQQQQQQI", 0x01021997, 4096, 10, 5, 5, 100, 50, 1, 255))
    put("rclunk", 9, 121, b"")
    put("rlerror", 3, 7, struct.pack("<I", 2))


# ---- DHCP ----

def dhcp_seeds(corpus: Path, tmp: Path) -> None:
    """A DHCPOFFER and a DHCPACK with every option the client reads, and a DHCPNAK,
    each "ours" (tests/fuzz/dhcp_msg.c's first byte)."""
    mac = bytes.fromhex("525400123456")

    def msg(mtype: int, options: bytes) -> bytes:
        fixed = bytearray(240)
        fixed[0:4] = bytes([2, 1, 6, 0])
        fixed[4:8] = struct.pack(">I", 0x1234ABCD)
        fixed[16:20] = bytes([10, 0, 2, 15])
        fixed[28:34] = mac
        fixed[236:240] = bytes([99, 130, 83, 99])
        return bytes(fixed) + bytes([53, 1, mtype]) + options + b"\xff"

    opts = (bytes([1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 6, 8, 10, 0, 2, 3, 8, 8, 8, 8,
                   54, 4, 10, 0, 2, 2]) + bytes([51, 4]) + struct.pack(">I", 86400) +
            bytes([58, 4]) + struct.pack(">I", 43200) + bytes([59, 4]) + struct.pack(">I", 75600))
    for name, m in (("offer", msg(2, opts)), ("ack", msg(5, opts)), ("nak", msg(6, b""))):
        (corpus / name).write_bytes(b"\x01" + bytes(10) + m)
