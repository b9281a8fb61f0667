"""A Linux initramfs: the cpio "newc" format (see the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst), written in Python.

Each entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex fields),
the NUL-terminated name padded to 4 bytes, then the data padded to 4 bytes; the
archive ends with the entry "TRAILER!!!". The kernel unpacks entries in order, so
every directory comes before what it holds. The writer is deterministic.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

from unipython.builder.plan import Plan

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


@dataclass(frozen=True)
class CpioEntry:
    path: str  # absolute, normalized
    mode: int  # file type and permission bits
    data: bytes = b""  # file content or symlink target
    mtime: int = 0
    rdev: tuple[int, int] = (0, 0)  # device nodes: (major, minor)


def _header(ino: int, entry: CpioEntry, name: bytes) -> bytes:
    fields = (
        ino, entry.mode, 0, 0, 2 if stat.S_ISDIR(entry.mode) else 1, entry.mtime,
        len(entry.data), 0, 0, entry.rdev[0], entry.rdev[1], len(name) + 1, 0,
    )
    return MAGIC + b"".join(b"%08X" % f for f in fields)


class CpioWriter:
    """Collects entries; to_bytes() writes them parents first, in path order."""

    def __init__(self) -> None:
        self.entries: dict[str, CpioEntry] = {}

    def _add(self, entry: CpioEntry) -> None:
        if not entry.path.startswith("/") or entry.path == "/":
            raise ValueError(f"bad path for an initramfs entry: {entry.path!r}")
        self.entries[entry.path] = entry

    def add_dir(self, path: str, perm: int = 0o755, mtime: int = 0) -> None:
        self._add(CpioEntry(path, stat.S_IFDIR | perm, mtime=mtime))

    def add_file(self, path: str, data: bytes, perm: int = 0o644, mtime: int = 0) -> None:
        self._add(CpioEntry(path, stat.S_IFREG | perm, data, mtime))

    def add_symlink(self, path: str, target: str, mtime: int = 0) -> None:
        self._add(CpioEntry(path, stat.S_IFLNK | 0o777,
                            target.encode("utf-8", "surrogateescape"), mtime))

    def add_char_device(self, path: str, major: int, minor: int, perm: int = 0o600) -> None:
        self._add(CpioEntry(path, stat.S_IFCHR | perm, rdev=(major, minor)))

    def to_bytes(self) -> bytes:
        entries = dict(self.entries)
        for path in list(entries):  # directories implied by a path
            parts = path.strip("/").split("/")
            for i in range(1, len(parts)):
                parent = "/" + "/".join(parts[:i])
                entries.setdefault(parent, CpioEntry(parent, stat.S_IFDIR | 0o755))
        out = bytearray()
        ordered = sorted(entries.values(), key=lambda e: e.path.strip("/").split("/"))
        for ino, entry in enumerate(ordered, start=1):
            name = entry.path.lstrip("/").encode("utf-8", "surrogateescape")
            out += _header(ino, entry, name) + name + b"\0"
            out += bytes(_pad4(110 + len(name) + 1))
            out += entry.data + bytes(_pad4(len(entry.data)))
        trailer = CpioEntry("/" + TRAILER, 0)
        name = TRAILER.encode()
        out += _header(0, trailer, name) + name + b"\0" + bytes(_pad4(110 + len(name) + 1))
        return bytes(out)


def from_plan(plan: Plan) -> CpioWriter:
    """The files of an image plan (the app's closure) as initramfs entries, plus the
    device nodes a Linux init needs before anything mounts devtmpfs."""
    writer = CpioWriter()
    for path, item in sorted(plan.entries.items()):
        if item.kind == "dir":
            writer.add_dir(path, mtime=item.mtime)
        elif item.kind == "symlink":
            assert item.data is not None
            writer.add_symlink(path, item.data.decode("utf-8", "surrogateescape"), item.mtime)
        else:
            data = item.data if item.data is not None else item.host.read_bytes()  # type: ignore[union-attr]
            writer.add_file(path, data, perm=item.perm or 0o644, mtime=item.mtime)
    writer.add_dir("/dev")
    writer.add_char_device("/dev/console", 5, 1)
    writer.add_char_device("/dev/null", 1, 3, perm=0o666)
    return writer
