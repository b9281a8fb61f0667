"""The root file system format of kernel/abi/rootfs_format.h: writer and reader."""

from __future__ import annotations

import stat
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unipython.builder.rootfs import HEADER, NODE, PAGE, RootFS, RootFSWriter
from unipython.errors import UserError


def sample() -> RootFSWriter:
    w = RootFSWriter(dir_mtime=7)
    w.add_file("/usr/bin/python3.11", b"\x7fELF" + b"x" * 5000, perm=0o755, mtime=100)
    w.add_file("/usr/lib/python3.11/os.py", b"# os\n", mtime=200)
    w.add_file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    w.add_file("/empty", b"")
    w.add_symlink("/lib", "usr/lib")
    w.add_symlink("/lib64", "/usr/lib64")
    w.add_file("/usr/lib64/ld.so", b"ld")
    w.add_dir("/tmp")
    return w


def test_header_and_node_sizes_match_the_abi() -> None:
    assert HEADER.size == 56
    assert NODE.size == 48


def test_round_trip_files_dirs_and_symlinks() -> None:
    fs = RootFS.open(sample().to_bytes())
    assert fs.read("/usr/bin/python3.11") == b"\x7fELF" + b"x" * 5000
    assert fs.read("/usr/lib/python3.11/os.py") == b"# os\n"
    assert fs.read("/empty") == b""
    assert fs.readlink("/lib") == "usr/lib"
    assert fs.listdir("/") == ["empty", "etc", "lib", "lib64", "tmp", "usr"]
    assert fs.listdir("/tmp") == []
    node = fs.lookup("/usr/bin/python3.11")
    assert node is not None
    assert node.mode == stat.S_IFREG | 0o755 and node.mtime == 100


def test_modes_of_directories_files_and_symlinks() -> None:
    fs = RootFS.open(sample().to_bytes())
    assert fs.lookup("/usr") is not None
    assert fs.nodes[0].mode == stat.S_IFDIR | 0o755
    assert fs.lookup("/etc/passwd").mode == stat.S_IFREG | 0o644  # type: ignore[union-attr]
    assert fs.lookup("/lib", follow_symlinks=False).mode == stat.S_IFLNK | 0o777  # type: ignore[union-attr]


def test_directories_get_the_default_mtime() -> None:
    fs = RootFS.open(sample().to_bytes())
    assert fs.lookup("/usr/lib").mtime == 7  # type: ignore[union-attr]


def test_lookup_follows_relative_and_absolute_symlinks() -> None:
    fs = RootFS.open(sample().to_bytes())
    assert fs.read("/lib/python3.11/os.py") == b"# os\n"
    assert fs.read("/lib64/ld.so") == b"ld"
    # ".." after a symlink leaves the directory the link points to, as in Linux.
    assert fs.lookup("/lib/../bin/python3.11") == fs.lookup("/usr/bin/python3.11")
    assert fs.lookup("/lib/../etc/passwd") is None
    assert fs.lookup("/missing") is None


def test_symlink_loops_end_the_lookup() -> None:
    w = RootFSWriter()
    w.add_symlink("/a", "b")
    w.add_symlink("/b", "a")
    assert RootFS.open(w.to_bytes()).lookup("/a") is None


def test_node_zero_is_root_and_nodes_are_breadth_first() -> None:
    fs = RootFS.open(sample().to_bytes())
    depths = [fs.path_of(n).count("/") if n.index else 0 for n in fs.nodes]
    assert depths == sorted(depths)
    assert fs.nodes[0].name == b"" and fs.nodes[0].parent == 0


def test_children_are_sorted_for_binary_search() -> None:
    w = RootFSWriter()
    for name in ["b", "B", "a", "_x", "aa", "Z", "é", "a.py", "a_py"]:
        w.add_file(f"/d/{name}", name.encode())
    fs = RootFS.open(w.to_bytes())
    d = fs.lookup("/d")
    assert d is not None
    names = [c.name for c in fs.children(d)]
    assert names == sorted(names)  # bytewise
    assert all(c.parent == d.index for c in fs.children(d))
    for name in ["b", "B", "a", "_x", "aa", "Z", "é", "a.py", "a_py"]:
        assert fs.read(f"/d/{name}") == name.encode()


def test_file_data_is_page_aligned() -> None:
    fs = RootFS.open(sample().to_bytes())
    for _, node in fs.walk():
        if node.is_file and node.size:
            assert node.data_offset % PAGE == 0


def test_header_fields_and_crc() -> None:
    data = sample().to_bytes()
    magic, version, count, region, nodes_off, names_off, names_size, crc, reserved = (
        HEADER.unpack_from(data)
    )
    assert (magic, version, reserved) == (b"UPYRFS01", 1, 0)
    assert region == len(data)
    assert nodes_off == 56 and names_off == 56 + 48 * count
    assert crc == zlib.crc32(data[nodes_off:names_off + names_size])


def test_same_tree_gives_identical_bytes_whatever_the_insertion_order() -> None:
    a = RootFSWriter()
    a.add_file("/x/1", b"1")
    a.add_file("/y/2", b"2")
    b = RootFSWriter()
    b.add_file("/y/2", b"2")
    b.add_file("/x/1", b"1")
    assert a.to_bytes() == b.to_bytes()


def test_a_corrupted_node_table_fails_the_crc() -> None:
    data = bytearray(sample().to_bytes())
    data[HEADER.size + 3] ^= 0xFF
    with pytest.raises(UserError, match="CRC-32"):
        RootFS.open(bytes(data))


def test_bad_magic_and_version_are_rejected() -> None:
    data = bytearray(sample().to_bytes())
    with pytest.raises(UserError, match="magic"):
        RootFS.open(b"NOTRFS01" + bytes(data[8:]))
    struct.pack_into("<I", data, 8, 2)
    with pytest.raises(UserError, match="version 2"):
        RootFS.open(bytes(data))


def test_a_short_region_is_rejected() -> None:
    data = sample().to_bytes()
    with pytest.raises(UserError, match="only"):
        RootFS.open(data[:-1])


def test_conflicting_entries_are_refused() -> None:
    w = RootFSWriter()
    w.add_file("/a/b", b"1")
    with pytest.raises(ValueError):
        w.add_file("/a", b"file over a dir")
    with pytest.raises(ValueError):
        w.add_file("/a/b/c", b"below a file")
    with pytest.raises(ValueError):
        w.add_file("/a/b", b"other content")


# Hypothesis: arbitrary trees survive a round trip.
NAME = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1, max_size=12,
).filter(lambda s: s not in (".", ".."))
TREE = st.recursive(
    st.one_of(st.binary(max_size=300).map(lambda b: ("file", b)),
              NAME.map(lambda t: ("link", t))),
    lambda children: st.dictionaries(NAME, children, max_size=6).map(lambda d: ("dir", d)),
    max_leaves=30,
).filter(lambda t: t[0] == "dir")


def flatten(tree: tuple[str, object], prefix: str = "") -> dict[str, tuple[str, object]]:
    out: dict[str, tuple[str, object]] = {}
    kind, value = tree
    if kind == "dir":
        out[prefix or "/"] = ("dir", None)
        for name, child in value.items():  # type: ignore[attr-defined]
            out.update(flatten(child, f"{prefix}/{name}"))
    else:
        out[prefix] = (kind, value)
    return out


@settings(max_examples=150, deadline=None)
@given(TREE)
def test_generated_trees_round_trip(tree: tuple[str, object]) -> None:
    entries = flatten(tree)
    w = RootFSWriter()
    for path, (kind, value) in entries.items():
        if kind == "dir":
            w.add_dir(path)
        elif kind == "file":
            w.add_file(path, value, perm=0o600)  # type: ignore[arg-type]
        else:
            w.add_symlink(path, value)  # type: ignore[arg-type]
    data = w.to_bytes()
    fs = RootFS.open(data)
    seen = {}
    for path, node in fs.walk():
        if node.is_dir:
            seen[path] = ("dir", None)
            names = [c.name for c in fs.children(node)]
            assert names == sorted(names)
        elif node.is_symlink:
            seen[path] = ("link", fs.data(node).decode())
        else:
            assert node.size == 0 or node.data_offset % PAGE == 0
            seen[path] = ("file", fs.data(node))
            assert fs.lookup(path, follow_symlinks=False) == node
    assert seen == entries
    assert w.to_bytes() == data
