"""The kernel's reader of the embedded file system (kernel/fs/rootfs_image.c)
against images written by the builder (src/unipython/builder/rootfs.py)."""

from __future__ import annotations

import ctypes
import stat
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from unipython.builder.rootfs import PAGE, RootFSWriter

ENOENT, ENOTDIR = 2, 20


def open_image(klib, data: bytes):
    buf = ctypes.create_string_buffer(data, len(data))
    why = ctypes.c_char_p()
    rc = klib.t_rootfs_open(buf, len(data), ctypes.byref(why))
    return rc, (why.value or b"").decode(), buf


def node(klib, index):
    out = (ctypes.c_uint64 * 5)()
    assert klib.t_rootfs_node(index, out) == 0
    return dict(zip(("mode", "size", "data_offset", "mtime", "children"), out))


def sample() -> bytes:
    w = RootFSWriter()
    w.add_file("/usr/bin/python3.11", b"\x7fELF" + b"x" * 5000, perm=0o755, mtime=1700000000)
    w.add_file("/usr/lib/a.txt", b"hello")
    w.add_dir("/tmp")
    w.add_symlink("/lib", "usr/lib")
    return w.to_bytes()


def test_every_written_path_is_found_with_its_data(klib):
    data = sample()
    rc, why, keep = open_image(klib, data)
    assert rc == 0, why
    i = klib.t_rootfs_lookup_path(b"/usr/bin/python3.11")
    n = node(klib, i)
    assert stat.S_ISREG(n["mode"]) and n["mode"] & 0o777 == 0o755
    assert n["size"] == 5004 and n["mtime"] == 1700000000
    assert n["data_offset"] % PAGE == 0
    assert data[n["data_offset"]:n["data_offset"] + 4] == b"\x7fELF"
    # The rest of the file's last page is zeros (an mmap may map it).
    end = n["data_offset"] + n["size"]
    assert data[end:(end + PAGE - 1) // PAGE * PAGE] == bytes(-end % PAGE)
    link = node(klib, klib.t_rootfs_lookup_path(b"/lib"))
    assert stat.S_ISLNK(link["mode"])
    assert data[link["data_offset"]:link["data_offset"] + link["size"]] == b"usr/lib"
    assert len(data) % PAGE == 0


def test_missing_names_and_files_used_as_directories_are_errors(klib):
    rc, why, keep = open_image(klib, sample())
    assert klib.t_rootfs_lookup_path(b"/usr/nope") == -ENOENT
    assert klib.t_rootfs_lookup_path(b"/usr/lib/a.txt/x") == -ENOTDIR


def test_damaged_images_are_refused_with_a_reason(klib):
    good = sample()
    cases = {
        "truncated": good[:40],
        "magic": b"NOTMAGIC" + good[8:],
        "version": good[:8] + struct.pack("<I", 99) + good[12:],
        "region beyond the buffer": good[:16] + struct.pack("<Q", len(good) * 4) + good[24:],
        "node table beyond the region": good[:12] + struct.pack("<I", 10**8) + good[16:],
    }
    for label, data in cases.items():
        rc, why, keep = open_image(klib, data)
        assert rc < 0 and why, label


names = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="/"),
                min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.lists(names, min_size=1, max_size=4).map(tuple), st.binary(max_size=600),
                       max_size=25))
def test_random_trees_round_trip_through_the_kernel_reader(klib, files):
    w = RootFSWriter()
    added = {}
    for parts, content in files.items():
        path = "/" + "/".join(parts)
        try:
            w.add_file(path, content)
        except Exception:
            continue  # a prefix of it is already a file
        added[path] = content
    data = w.to_bytes()
    rc, why, keep = open_image(klib, data)
    assert rc == 0, why
    for path, content in added.items():
        i = klib.t_rootfs_lookup_path(path.encode())
        assert i > 0, path
        n = node(klib, i)
        assert data[n["data_offset"]:n["data_offset"] + n["size"]] == content


def test_file_data_off_a_page_or_past_the_region_is_refused(klib):
    # Found by tests/fuzz/rootfs.c: a regular file whose data_offset was not on a page
    # boundary made the fault path map the image at that offset, whose low bits land
    # in the page table entry's flags; its last page past the region was the memory
    # after the image. Faults and mmap map the image's own pages, so both are refused.
    data = bytearray(sample())
    rc, why, keep = open_image(klib, bytes(data))
    index = klib.t_rootfs_lookup_path(b"/usr/lib/a.txt")
    good = node(klib, index)
    header = struct.unpack_from("<8sIIQQQQII", data)
    at = header[4] + 48 * index + 24  # the node's data_offset
    struct.pack_into("<Q", data, at, good["data_offset"] + 8)
    rc, why, keep = open_image(klib, bytes(data))
    assert rc == 0, why
    out = (ctypes.c_uint64 * 5)()
    assert klib.t_rootfs_node(index, out) == -1
    # A region that ends inside a page (the builder's end on one): a file in that last
    # page fits by its bytes but its page runs past the region.
    region = header[3] - 100
    struct.pack_into("<Q", data, 16, region)
    struct.pack_into("<Q", data, at, region // PAGE * PAGE)
    struct.pack_into("<Q", data, at + 8, 10)
    rc, why, keep = open_image(klib, bytes(data))
    assert rc == 0, why
    assert klib.t_rootfs_node(index, out) == -1
    struct.pack_into("<Q", data, 16, header[3])
    rc, why, keep = open_image(klib, bytes(data))
    assert klib.t_rootfs_node(index, out) == 0
