"""The plan of a root file system: each path, what goes there, and why.

Host files are added at the path the guest will use; every symlink met on the way goes
in as a symlink and the file at its real path (see hostfs). The first reason given for a
path wins, so callers add the most important things first.

Files and directories from the host keep their host mtimes, and so do the directories
on the way to a host file that stand for a host directory (/usr/lib for a library,
numpy/_core for a --path package's file): tools such as ``zipfile`` read them and refuse
dates before 1980. What the builder makes itself (generated files, mount points,
/.unipython, /app) gets $SOURCE_DATE_EPOCH (else the interpreter's mtime), so the same
inputs give the same bytes.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from unipython.builder.hostfs import resolve
from unipython.builder.manifest import MANIFEST_PATH, FileEntry, Kind, dump_manifest
from unipython.builder.rootfs import RootFSWriter
from unipython.errors import UserError, is_utf8, printable


@dataclass
class Planned:
    kind: Kind
    reason: str
    mtime: int
    perm: int = 0
    host: Path | None = None  # file content from the host
    data: bytes | None = None  # generated file content, or symlink target

    def size(self) -> int:
        if self.kind == "dir":
            return 0
        if self.data is not None:
            return len(self.data)
        assert self.host is not None
        return self.host.stat().st_size


def source_date_epoch(python: Path) -> int:
    """mtime of generated files and directories: $SOURCE_DATE_EPOCH, else the target
    interpreter's own mtime (the date of the system the image carries: real enough for
    tools that refuse dates before 1980, and the same for the same inputs)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not value:
        return int(python.stat().st_mtime)
    try:
        epoch = int(value)
    except ValueError:
        raise UserError(f"SOURCE_DATE_EPOCH is not an integer: {value!r}") from None
    if epoch < 0:
        raise UserError(f"SOURCE_DATE_EPOCH is negative: {value!r}")
    return epoch


class Plan:
    def __init__(self, epoch: int = 0, root: Path = Path("/")) -> None:
        self.epoch = epoch
        self.root = root  # host root; tests use a fake tree
        self.entries: dict[str, Planned] = {}
        # Implicit directories (no entry of their own) -> the host directory they stand for.
        self.host_dirs: dict[str, Path] = {}

    def _note_parents(self, guest: str, host: Path, top: int = 0) -> None:
        """Remember the host directories that the parents of ``guest`` stand for: those
        whose names match ``host``'s parents, the first ``top`` levels excepted."""
        parts = guest.strip("/").split("/")[:-1]
        host_dir = host.parent
        while len(parts) > top and host_dir.name == parts[-1]:
            self.host_dirs.setdefault("/" + "/".join(parts), host_dir)
            parts.pop()
            host_dir = host_dir.parent

    def _host_mtime(self, host: Path) -> int:
        try:
            return int(host.stat().st_mtime)
        except OSError:
            return self.epoch

    def _put(self, path: str, item: Planned) -> None:
        _check_utf8(path, item)
        old = self.entries.get(path)
        if old is None:
            self.entries[path] = item
        elif old.kind != item.kind or (item.kind == "symlink" and old.data != item.data):
            raise UserError(f"{path}: wanted as a {old.kind} ({old.reason}) "
                            f"and as a {item.kind} ({item.reason})")

    def host_path(self, path: str) -> str:
        """Add the symlinks met on the way to ``path`` on the host; return its real path."""
        res = resolve(path, self.root)
        for link, target in res.symlinks:
            self._put(link, Planned("symlink", f"symlink on the way to {path}", self.epoch,
                                    data=target.encode("utf-8", "surrogateescape")))
            self._note_parents(link, self.root / link.lstrip("/"))
        return res.real_path

    def add_host_file(self, path: str, reason: str) -> str:
        """Add the host file ``path`` (an absolute path, as the guest will open it)."""
        real = self.host_path(path)
        host = self.root / real.lstrip("/")
        try:
            st = host.stat()
        except OSError:
            raise UserError(f"{path}: not found on the host") from None
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{path}: not a regular file")
        self._put(real, Planned("file", reason, int(st.st_mtime), stat.S_IMODE(st.st_mode), host))
        self._note_parents(real, host)
        return real

    def add_host_dir(self, path: str, reason: str) -> str:
        real = self.host_path(path)
        host = self.root / real.lstrip("/")
        self._put(real, Planned("dir", reason, self._host_mtime(host)))
        self._note_parents(real, host)
        return real

    def add_file(self, path: str, host: Path, reason: str) -> None:
        """Add ``host``'s content at ``path`` as is (no walk on the host: app files)."""
        st = host.stat()
        self._put(path, Planned("file", reason, int(st.st_mtime), stat.S_IMODE(st.st_mode), host))
        self._note_parents(path, host.absolute(), top=1)  # /app stands for no host dir

    def add_generated(self, path: str, data: bytes, reason: str, perm: int = 0o644) -> None:
        self._put(path, Planned("file", reason, self.epoch, perm, data=data))

    def add_dir(self, path: str, reason: str, host: Path | None = None) -> None:
        """A directory the builder makes, or one standing for the directory ``host``."""
        mtime = self.epoch if host is None else self._host_mtime(host)
        self._put(path, Planned("dir", reason, mtime))

    def add_symlink(self, path: str, target: str, reason: str) -> None:
        self._put(path, Planned("symlink", reason, self.epoch,
                                data=target.encode("utf-8", "surrogateescape")))

    def manifest(self) -> list[FileEntry]:
        out = []
        for path, item in sorted(self.entries.items()):
            target = None
            if item.kind == "symlink":
                assert item.data is not None
                target = item.data.decode("utf-8", "surrogateescape")
            # A reason may name a host path that is not UTF-8 (--add DIR:GUEST).
            out.append(FileEntry(path, item.kind, item.size(), printable(item.reason), target))
        return out

    def write(self) -> tuple[bytes, list[FileEntry]]:
        """The rootfs region, with /.unipython/manifest.json, and the manifest entries."""
        entries = self.manifest()
        manifest = dump_manifest(entries)
        self.add_generated(MANIFEST_PATH, manifest, "this manifest")
        entries.append(FileEntry(MANIFEST_PATH, "file", len(manifest), "this manifest"))
        writer = RootFSWriter(dir_mtime=self.epoch)
        for path, host in sorted(self.host_dirs.items()):
            if path not in self.entries:
                writer.add_dir(path, self._host_mtime(host))
        for path, item in sorted(self.entries.items()):
            if item.kind == "dir":
                writer.add_dir(path, item.mtime)
            elif item.kind == "symlink":
                assert item.data is not None
                writer.add_symlink(path, item.data.decode("utf-8", "surrogateescape"),
                                   mtime=item.mtime)
            else:
                data = item.data if item.data is not None else item.host.read_bytes()  # type: ignore[union-attr]
                writer.add_file(path, data, perm=item.perm, mtime=item.mtime)
        return writer.to_bytes(), entries


def _check_utf8(path: str, item: Planned) -> None:
    """Names in an image are UTF-8: the manifest is JSON, and the kernel command line
    and the app's view of its files are text. A host name that is not (b'\\xff.dat',
    kept by Python as a lone surrogate) is refused, naming the host file."""
    if not is_utf8(path):
        where = f" ({printable(item.reason)})" if item.host is None else ""
        raise UserError(f"{printable(item.host or path)}: the file name is not UTF-8 "
                        f"(an image holds UTF-8 names only){where}; rename it")
    if item.kind == "symlink" and item.data is not None:
        try:
            item.data.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{printable(path)}: the symlink's target is not UTF-8 (an "
                            f"image holds UTF-8 names only) ({printable(item.reason)})") from None
