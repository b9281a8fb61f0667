"""The ext2/ext3 and jbd2 on-disk parsers (kernel/fs/ext2/ext2_format.c), run on the
host under UBSan: a file system e2fsprogs made parses as dumpe2fs describes it; any
bytes at all give a clean error or values that keep the invariants the kernel relies
on (nothing outside the disk, the block or the group), never a read out of bounds."""

from __future__ import annotations

import ctypes
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

u32, cp = ctypes.c_uint32, ctypes.c_char_p


class Geom(ctypes.Structure):
    _fields_ = [(n, u32) for n in (
        "block_size", "blocks_count", "first_data_block", "blocks_per_group", "inodes_count",
        "inodes_per_group", "inode_size", "first_ino", "groups", "desc_blocks", "journal_inum",
        "compat", "incompat", "ro_compat")] + [("readonly", ctypes.c_bool),
                                                ("needs_recovery", ctypes.c_bool)]


class Group(ctypes.Structure):
    _fields_ = [(n, u32) for n in ("block_bitmap", "inode_bitmap", "inode_table", "free_blocks",
                                   "free_inodes", "used_dirs")]


class Inode(ctypes.Structure):
    _fields_ = [("mode", ctypes.c_uint16), ("uid", u32), ("gid", u32), ("size", ctypes.c_uint64),
                ("atime", u32), ("ctime", u32), ("mtime", u32), ("dtime", u32),
                ("links", ctypes.c_uint16), ("blocks", u32), ("flags", u32),
                ("block", u32 * 15), ("generation", u32), ("file_acl", u32)]


class Dirent(ctypes.Structure):
    _fields_ = [("inode", u32), ("rec_len", ctypes.c_uint16), ("name_len", ctypes.c_uint8),
                ("file_type", ctypes.c_uint8), ("name", ctypes.c_void_p)]


class JGeom(ctypes.Structure):
    _fields_ = [(n, u32) for n in ("block_size", "maxlen", "first", "sequence", "start",
                                   "incompat", "tag_size")] + [("uuid", ctypes.c_uint8 * 16)]


class Tag(ctypes.Structure):
    _fields_ = [("fs_block", u32), ("flags", u32)]


WHY = ctypes.POINTER(cp)


@pytest.fixture(scope="module")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    P = ctypes.POINTER
    for name, res, args in [
        ("ext2_super_parse", ctypes.c_int, [cp, ctypes.c_uint64, P(Geom), WHY]),
        ("ext2_group_parse", ctypes.c_int, [P(Geom), u32, cp, P(Group), WHY]),
        ("ext2_group_first", u32, [P(Geom), u32]),
        ("ext2_group_end", u32, [P(Geom), u32]),
        ("ext2_inode_parse", ctypes.c_int, [P(Geom), cp, P(Inode), WHY]),
        ("ext2_inode_encode", None, [P(Geom), P(Inode), ctypes.c_void_p]),
        ("ext2_max_file_size", ctypes.c_uint64, [P(Geom)]),
        ("ext2_dirent_parse", ctypes.c_int, [P(Geom), cp, u32, P(Dirent), WHY]),
        ("ext2_dirblock_check", ctypes.c_int, [P(Geom), cp, WHY]),
        ("jbd2_super_parse", ctypes.c_int, [cp, u32, u32, P(JGeom), WHY]),
        ("jbd2_block_kind", ctypes.c_int, [cp, u32]),
        ("jbd2_descriptor_parse", ctypes.c_int, [P(JGeom), cp, P(Tag), ctypes.c_int, WHY]),
        ("jbd2_descriptor_build", ctypes.c_int, [P(JGeom), ctypes.c_void_p, u32, P(Tag),
                                                 ctypes.c_int]),
        ("jbd2_tags_per_block", ctypes.c_int, [P(JGeom)]),
    ]:
        fn = getattr(klib, name)
        fn.restype, fn.argtypes = res, args
    return klib


@pytest.fixture(scope="module")
def fs_image(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if not shutil.which("mke2fs"):
        pytest.skip("e2fsprogs is needed (./setup.sh installs it)")
    from unipython import disk

    path = tmp_path_factory.mktemp("ext2") / "fs.img"
    disk.create(16 << 20, path)
    subprocess.run(["debugfs", "-w", "-R", "mkdir /dir", str(path)], check=True,
                   capture_output=True)
    return path.read_bytes()


def super_of(lib: ctypes.CDLL, image: bytes) -> Geom:
    g, why = Geom(), cp()
    assert lib.ext2_super_parse(image[1024:2048], len(image), g, why) == 0, why.value
    return g


def test_a_file_system_made_by_mke2fs_parses_as_dumpe2fs_says(lib: ctypes.CDLL,
                                                             fs_image: bytes,
                                                             tmp_path: Path) -> None:
    g = super_of(lib, fs_image)
    (tmp_path / "fs.img").write_bytes(fs_image)
    info = subprocess.run(["dumpe2fs", str(tmp_path / "fs.img")], capture_output=True,
                          text=True).stdout

    def field(name: str) -> int:
        return int(re.search(rf"^{name}:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]

    assert g.block_size == field("Block size") == 4096
    assert g.blocks_count == field("Block count")
    assert g.inodes_count == field("Inode count")
    assert g.inode_size == field("Inode size")
    assert g.journal_inum == field("Journal inode")
    assert not g.readonly and not g.needs_recovery
    tables = [int(x) for x in re.findall(r"Inode table at (\d+)-", info)]
    assert len(tables) == g.groups
    for i in range(g.groups):
        gr, why = Group(), cp()
        desc = fs_image[4096 + 32 * i:4096 + 32 * (i + 1)]
        assert lib.ext2_group_parse(g, i, desc, gr, why) == 0, why.value
        assert gr.inode_table == tables[i]
    # The root inode and its directory block.
    gr = Group()
    lib.ext2_group_parse(g, 0, fs_image[4096:4128], gr, cp())
    raw = fs_image[gr.inode_table * 4096 + g.inode_size:][:g.inode_size]
    root, why = Inode(), cp()
    assert lib.ext2_inode_parse(g, raw, root, why) == 0, why.value
    assert root.mode & 0o170000 == 0o040000 and root.links == 4  # ., .., lost+found, dir
    block = fs_image[root.block[0] * 4096:][:4096]
    assert lib.ext2_dirblock_check(g, block, why) == 0
    names, off = [], 0
    while off < 4096:
        d = Dirent()
        assert lib.ext2_dirent_parse(g, block, off, d, why) == 0
        if d.inode:
            names.append(ctypes.string_at(d.name, d.name_len).decode())
        off += d.rec_len
    assert names == [".", "..", "lost+found", "dir"]
    # The journal.
    raw = fs_image[gr.inode_table * 4096 + (g.journal_inum - 1) * g.inode_size:][:g.inode_size]
    ji = Inode()
    assert lib.ext2_inode_parse(g, raw, ji, why) == 0
    j = JGeom()
    jsb = fs_image[ji.block[0] * 4096:][:4096]
    assert lib.jbd2_super_parse(jsb, 4096, ji.size // 4096, j, why) == 0, why.value
    assert j.start == 0 and j.maxlen == ji.size // 4096 and j.first == 1


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_flipped_superblock_bytes_are_refused_or_keep_the_invariants(lib: ctypes.CDLL,
                                                                    fs_image: bytes,
                                                                    data: st.DataObject) -> None:
    sb = bytearray(fs_image[1024:2048])
    for _ in range(data.draw(st.integers(1, 8))):
        sb[data.draw(st.integers(0, 1023))] ^= data.draw(st.integers(1, 255))
    disk_bytes = data.draw(st.sampled_from([len(fs_image), len(fs_image) // 2, 1 << 40]))
    g, why = Geom(), cp()
    if lib.ext2_super_parse(bytes(sb), disk_bytes, g, why) != 0:
        assert why.value
        return
    assert g.block_size in (1024, 2048, 4096)
    assert g.blocks_count * g.block_size <= disk_bytes
    assert g.groups * g.inodes_per_group == g.inodes_count
    assert 0 < g.blocks_per_group <= 8 * g.block_size
    assert 0 < g.inodes_per_group <= 8 * g.block_size
    assert 128 <= g.inode_size <= g.block_size
    assert 11 <= g.first_ino < g.inodes_count
    assert g.incompat & ~0x6 == 0


@settings(max_examples=400, deadline=None)
@given(desc=st.binary(min_size=32, max_size=32), group=st.integers(0, 3))
def test_any_group_descriptor_is_refused_or_lies_inside_its_group(lib: ctypes.CDLL,
                                                                 fs_image: bytes, desc: bytes,
                                                                 group: int) -> None:
    g = super_of(lib, fs_image)
    group %= g.groups
    gr, why = Group(), cp()
    if lib.ext2_group_parse(g, group, desc, gr, why) != 0:
        return
    first, end = lib.ext2_group_first(g, group), lib.ext2_group_end(g, group)
    table_blocks = -(-g.inodes_per_group * g.inode_size // g.block_size)
    for blk in (gr.block_bitmap, gr.inode_bitmap, gr.inode_table):
        assert first <= blk < end
    assert gr.inode_table + table_blocks <= end


@settings(max_examples=600, deadline=None)
@given(raw=st.binary(min_size=256, max_size=256))
def test_any_inode_is_refused_or_stays_inside_the_disk(lib: ctypes.CDLL, fs_image: bytes,
                                                       raw: bytes) -> None:
    g = super_of(lib, fs_image)
    ino, why = Inode(), cp()
    if lib.ext2_inode_parse(g, raw, ino, why) != 0:
        assert why.value
        return
    assert ino.size <= lib.ext2_max_file_size(g)
    fmt = ino.mode & 0o170000
    fast_link = fmt == 0o120000 and ino.size < 60 and ino.blocks == (8 if ino.file_acl else 0)
    if fmt not in (0o020000, 0o060000) and not fast_link:
        assert all(b == 0 or g.first_data_block < b < g.blocks_count for b in ino.block)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(min_size=256, max_size=256))
def test_an_inode_encodes_back_to_what_parses_the_same(lib: ctypes.CDLL, fs_image: bytes,
                                                       raw: bytes) -> None:
    g = super_of(lib, fs_image)
    ino = Inode()
    if lib.ext2_inode_parse(g, raw, ino, cp()) != 0:
        return
    out = ctypes.create_string_buffer(raw, 256)
    lib.ext2_inode_encode(g, ino, out)
    again = Inode()
    assert lib.ext2_inode_parse(g, out.raw, again, cp()) == 0
    assert bytes(again) == bytes(ino)


@settings(max_examples=600, deadline=None)
@given(block=st.binary(max_size=4096).map(lambda b: b.ljust(4096, b"\0")) | st.lists(
    st.tuples(st.integers(0, 70000), st.integers(0, 40), st.binary(max_size=20)),
    min_size=1, max_size=30).map(lambda es: b"".join(
        struct.pack("<IHBB", ino, 8 + 4 * (rl % 80), len(n), 1) + n for ino, rl, n in es
    ).ljust(4096, b"\0")[:4096]))
def test_any_directory_block_is_refused_or_every_entry_stays_in_it(lib: ctypes.CDLL,
                                                                   fs_image: bytes,
                                                                   block: bytes) -> None:
    g = super_of(lib, fs_image)
    why = cp()
    if lib.ext2_dirblock_check(g, block, why) != 0:
        assert why.value
        return
    off = 0
    while off < 4096:
        d = Dirent()
        assert lib.ext2_dirent_parse(g, block, off, d, why) == 0
        assert off + d.rec_len <= 4096 and d.inode <= g.inodes_count
        if d.inode:
            assert 8 + d.name_len <= d.rec_len
        off += d.rec_len
    assert off == 4096


@settings(max_examples=300, deadline=None)
@given(tags=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.booleans()), min_size=1,
                     max_size=600), seq=st.integers(0, 2**32 - 1))
def test_a_descriptor_block_reads_back_the_tags_written(lib: ctypes.CDLL, tags, seq: int) -> None:
    j = JGeom(block_size=4096, maxlen=1024, first=1, tag_size=8)
    arr = (Tag * len(tags))(*[Tag(b, 1 if esc else 0) for b, esc in tags])
    block = ctypes.create_string_buffer(4096)
    n = lib.jbd2_descriptor_build(j, block, seq, arr, len(tags))
    assert n == min(len(tags), lib.jbd2_tags_per_block(j))
    assert lib.jbd2_block_kind(block.raw, seq) == 1
    assert lib.jbd2_block_kind(block.raw, (seq + 1) % 2**32) == 0
    out = (Tag * 1024)()
    got = lib.jbd2_descriptor_parse(j, block.raw, out, 1024, cp())
    assert got == n
    assert [(out[i].fs_block, bool(out[i].flags & 1)) for i in range(n)] == tags[:n]
    assert out[n - 1].flags & 8  # the last tag says so


@settings(max_examples=600, deadline=None)
@given(block=st.binary(max_size=4096).map(lambda b: b.ljust(4096, b"\0")),
       max_tags=st.integers(1, 600))
def test_any_descriptor_block_parses_within_it(lib: ctypes.CDLL, block: bytes,
                                               max_tags: int) -> None:
    j = JGeom(block_size=4096, maxlen=1024, first=1, tag_size=8)
    out = (Tag * max_tags)()
    n = lib.jbd2_descriptor_parse(j, block, out, max_tags, cp())
    assert n == -1 or 1 <= n <= max_tags


@settings(max_examples=400, deadline=None)
@given(block=st.binary(min_size=1024, max_size=1024), inode_blocks=st.integers(0, 2**32 - 1))
def test_any_journal_superblock_is_refused_or_fits_its_inode(lib: ctypes.CDLL, block: bytes,
                                                             inode_blocks: int) -> None:
    block = b"\xc0\x3b\x39\x98\x00\x00\x00\x04" + block[8:]
    j, why = JGeom(), cp()
    if lib.jbd2_super_parse(block.ljust(4096, b"\0"), 4096, inode_blocks, j, why) != 0:
        return
    assert 16 <= j.maxlen <= inode_blocks
    assert 0 < j.first < j.maxlen
    assert j.start == 0 or j.first <= j.start < j.maxlen
