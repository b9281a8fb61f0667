"""The embedded root file system: writer and reader of kernel/abi/rootfs_format.h.

Layout of a region (all integers little-endian)::

    0             header (56 bytes)
    nodes_offset  node_count x node (48 bytes); node 0 is "/"
    names_offset  names (not NUL-terminated; identical names stored once)
    ...           symlink targets (packed), then file data, each file page-aligned

Nodes are in breadth-first order and the children of a directory are one contiguous
range sorted bytewise by name, so the kernel looks names up by binary search. The
writer is deterministic: the same tree gives the same bytes.
"""

from __future__ import annotations

import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from unipython.errors import UserError

MAGIC = b"UPYRFS01"
VERSION = 1
PAGE = 4096

HEADER = struct.Struct("<8sIIQQQQII")
NODE = struct.Struct("<IIIIIIQQQ")
assert HEADER.size == 56 and NODE.size == 48

DIR_MODE = stat.S_IFDIR | 0o755
SYMLINK_MODE = stat.S_IFLNK | 0o777
MAX_SYMLINK_HOPS = 40


def align_up(value: int, alignment: int = PAGE) -> int:
    return (value + alignment - 1) // alignment * alignment


def split_path(path: str) -> list[bytes]:
    """``"/usr/lib"`` -> ``[b"usr", b"lib"]``. Paths are absolute guest paths."""
    if not path.startswith("/"):
        raise ValueError(f"guest path must be absolute: {path!r}")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"guest path must be normalized: {path!r}")
    return [p.encode("utf-8", "surrogateescape") for p in parts]


# --------------------------------------------------------------------------- writer


@dataclass
class _Item:
    mode: int
    mtime: int
    data: bytes = b""  # file content or symlink target
    children: dict[bytes, _Item] | None = None  # directories only

    @property
    def is_dir(self) -> bool:
        return self.children is not None


@dataclass
class RootFSWriter:
    """Collects a tree of directories, files and symlinks, then serializes it.

    Parent directories are created implicitly with ``dir_mtime``.
    """

    dir_mtime: int = 0
    _root: _Item = field(init=False)

    def __post_init__(self) -> None:
        self._root = _Item(DIR_MODE, self.dir_mtime, children={})

    def _parent(self, parts: list[bytes], path: str) -> _Item:
        node = self._root
        for part in parts:
            assert node.children is not None
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Item(DIR_MODE, self.dir_mtime, children={})
            elif not child.is_dir:
                raise ValueError(f"{path}: a parent is not a directory")
            node = child
        return node

    def _add(self, path: str, item: _Item) -> None:
        parts = split_path(path)
        if not parts:
            raise ValueError("cannot replace /")
        parent = self._parent(parts[:-1], path)
        assert parent.children is not None
        old = parent.children.get(parts[-1])
        if old is not None:
            if old.is_dir and item.is_dir:
                old.mtime = item.mtime
                return
            if old.mode == item.mode and old.data == item.data and not old.is_dir:
                return
            raise ValueError(f"{path}: added twice with different contents")
        parent.children[parts[-1]] = item

    def add_dir(self, path: str, mtime: int | None = None) -> None:
        if split_path(path):
            when = self.dir_mtime if mtime is None else mtime
            self._add(path, _Item(DIR_MODE, when, children={}))

    def add_file(self, path: str, data: bytes, *, perm: int = 0o644, mtime: int = 0) -> None:
        self._add(path, _Item(stat.S_IFREG | stat.S_IMODE(perm), mtime, bytes(data)))

    def add_symlink(self, path: str, target: str, *, mtime: int = 0) -> None:
        self._add(path, _Item(SYMLINK_MODE, mtime, target.encode("utf-8", "surrogateescape")))

    def exists(self, path: str) -> bool:
        node = self._root
        for part in split_path(path):
            if node.children is None or part not in node.children:
                return False
            node = node.children[part]
        return True

    def to_bytes(self) -> bytes:
        """Serialize the tree into one region."""
        # Breadth-first: a directory's children are appended together, sorted.
        order: list[tuple[_Item, int, bytes]] = [(self._root, 0, b"")]
        first_child: dict[int, int] = {}
        i = 0
        while i < len(order):
            item = order[i][0]
            if item.children:
                first_child[i] = len(order)
                order += [(item.children[n], i, n) for n in sorted(item.children)]
            i += 1

        names = bytearray()
        name_at: dict[bytes, int] = {}
        for _, _, name in order:
            if name not in name_at:
                name_at[name] = len(names)
                names += name

        nodes_offset = HEADER.size
        names_offset = nodes_offset + NODE.size * len(order)
        pos = names_offset + len(names)
        data_offset: list[int] = [0] * len(order)
        chunks: list[tuple[int, bytes]] = []
        for index, (item, _, _) in enumerate(order):  # symlink targets: packed
            if stat.S_ISLNK(item.mode):
                data_offset[index] = pos
                chunks.append((pos, item.data))
                pos += len(item.data)
        for index, (item, _, _) in enumerate(order):  # file data: page-aligned
            if stat.S_ISREG(item.mode) and item.data:
                pos = align_up(pos)
                data_offset[index] = pos
                chunks.append((pos, item.data))
                pos += len(item.data)
        # Whole pages: the tail of the last file's page is zeros too.
        region_size = align_up(pos)

        table = bytearray()
        for index, (item, parent, name) in enumerate(order):
            count = len(item.children) if item.children else 0
            table += NODE.pack(
                item.mode,
                parent,
                name_at[name],
                len(name),
                first_child.get(index, 0),
                count,
                data_offset[index],
                0 if item.is_dir else len(item.data),
                item.mtime,
            )
        crc = zlib.crc32(bytes(table) + bytes(names))

        out = bytearray(region_size)
        out[: HEADER.size] = HEADER.pack(
            MAGIC, VERSION, len(order), region_size, nodes_offset, names_offset, len(names), crc, 0
        )
        out[nodes_offset:names_offset] = table
        out[names_offset : names_offset + len(names)] = names
        for offset, data in chunks:
            out[offset : offset + len(data)] = data
        return bytes(out)


# --------------------------------------------------------------------------- reader


@dataclass(frozen=True)
class Node:
    index: int
    mode: int
    parent: int
    name: bytes
    first_child: int
    child_count: int
    data_offset: int
    size: int
    mtime: int

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)


class RootFSError(UserError):
    """The region is not a valid root file system."""


class RootFS:
    """Read-only view of a region (bytes, bytearray, mmap or memoryview)."""

    def __init__(self, buf: memoryview, nodes: list[Node]) -> None:
        self._buf = buf
        self.nodes = nodes

    @classmethod
    def open(cls, data: bytes | bytearray | memoryview | object) -> RootFS:
        buf = memoryview(data).cast("B")  # type: ignore[arg-type]
        if len(buf) < HEADER.size:
            raise RootFSError("bad root file system: shorter than its header")
        magic, version, count, region_size, nodes_off, names_off, names_size, crc, _ = (
            HEADER.unpack_from(buf, 0)
        )
        if magic != MAGIC:
            raise RootFSError(f"bad root file system: magic {bytes(magic)!r}, expected {MAGIC!r}")
        if version != VERSION:
            raise RootFSError(f"bad root file system: version {version}, expected {VERSION}")
        if region_size > len(buf):
            raise RootFSError(
                f"bad root file system: region is {region_size} bytes, only {len(buf)} present"
            )
        nodes_end = nodes_off + NODE.size * count
        if count < 1 or nodes_end > region_size or names_off + names_size > region_size:
            raise RootFSError("bad root file system: node table or names out of bounds")
        meta = bytes(buf[nodes_off:nodes_end]) + bytes(buf[names_off : names_off + names_size])
        actual = zlib.crc32(meta)
        if actual != crc:
            raise RootFSError(
                f"bad root file system: CRC-32 {actual:#010x}, header says {crc:#010x}"
            )
        nodes = []
        for i in range(count):
            fields = NODE.unpack_from(buf, nodes_off + i * NODE.size)
            mode, parent, name_off, name_len, first, nchild, doff, size, mtime = fields
            if name_off + name_len > names_size:
                raise RootFSError(f"bad root file system: node {i} name out of bounds")
            name = bytes(buf[names_off + name_off : names_off + name_off + name_len])
            node = Node(i, mode, parent, name, first, nchild, doff, size, mtime)
            if node.is_dir and first + nchild > count:
                raise RootFSError(f"bad root file system: node {i} children out of bounds")
            if not node.is_dir and doff + size > region_size:
                raise RootFSError(f"bad root file system: node {i} data out of bounds")
            nodes.append(node)
        if not nodes[0].is_dir:
            raise RootFSError("bad root file system: node 0 is not a directory")
        return cls(buf[:region_size], nodes)

    @property
    def size(self) -> int:
        return len(self._buf)

    def children(self, node: Node) -> list[Node]:
        if not node.is_dir:
            return []
        return self.nodes[node.first_child : node.first_child + node.child_count]

    def _child(self, node: Node, name: bytes) -> Node | None:
        """Binary search, as the kernel does."""
        lo, hi = node.first_child, node.first_child + node.child_count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.nodes[mid].name < name:
                lo = mid + 1
            else:
                hi = mid
        if lo < node.first_child + node.child_count and self.nodes[lo].name == name:
            return self.nodes[lo]
        return None

    def lookup(self, path: str, *, follow_symlinks: bool = True) -> Node | None:
        """The node at ``path``, resolving symlinks like a kernel; None if absent."""
        parts = [p.encode("utf-8", "surrogateescape") for p in path.split("/") if p]
        stack: list[Node] = [self.nodes[0]]  # the directories walked, for ".."
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == b".":
                continue
            if part == b"..":
                if len(stack) > 1:
                    stack.pop()
                continue
            current = stack[-1]
            if not current.is_dir:
                return None
            child = self._child(current, part)
            if child is None:
                return None
            if child.is_symlink and (parts or follow_symlinks):
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                target = self.data(child)
                if target.startswith(b"/"):
                    stack = [self.nodes[0]]
                parts = [p for p in target.split(b"/") if p] + parts
                continue
            stack.append(child)
        return stack[-1]

    def path_of(self, node: Node) -> str:
        parts = []
        while node.index != 0:
            parts.append(node.name.decode("utf-8", "surrogateescape"))
            node = self.nodes[node.parent]
        return "/" + "/".join(reversed(parts))

    def data(self, node: Node) -> bytes:
        """File content or symlink target."""
        return bytes(self._buf[node.data_offset : node.data_offset + node.size])

    def read(self, path: str) -> bytes:
        node = self.lookup(path)
        if node is None or not node.is_file:
            raise FileNotFoundError(path)
        return self.data(node)

    def readlink(self, path: str) -> str:
        node = self.lookup(path, follow_symlinks=False)
        if node is None or not node.is_symlink:
            raise FileNotFoundError(path)
        return self.data(node).decode("utf-8", "surrogateescape")

    def listdir(self, path: str = "/") -> list[str]:
        node = self.lookup(path)
        if node is None or not node.is_dir:
            raise NotADirectoryError(path)
        return [c.name.decode("utf-8", "surrogateescape") for c in self.children(node)]

    def walk(self) -> Iterator[tuple[str, Node]]:
        """Every node with its path, in node-table (breadth-first) order."""
        for node in self.nodes:
            yield self.path_of(node), node

