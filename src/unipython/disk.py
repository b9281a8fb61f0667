"""Persistent disks: `--disk FILE[:GUESTDIR][:ro]` for `run`, and `unipython disk
create/fsck` on the host.

A disk is a raw file holding an ext3 file system (ext2 with a jbd2 journal), as
e2fsprogs' ``mke2fs -t ext3`` makes it, with only the features the guest kernel
supports (kernel/fs/ext2/ext2_format.h). Host tools work on it directly:
``debugfs``, ``e2fsck``, ``mount -o loop``. The guest journals every block it
changes, so what an ``fsync`` acknowledged survives the VM being killed, and the
file system is consistent after the journal is replayed (at the next mount, or by
``unipython disk fsck``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from unipython.errors import UserError, printable

DEFAULT_GUEST_DIR = "/data"
# ext3 as the guest kernel writes it: 4 KiB blocks, 256-byte inodes, a journal;
# no resize inode and no hashed directories (the guest would only drop them).
MKE2FS_FEATURES = "has_journal,^resize_inode,^dir_index,^metadata_csum,^64bit,^extent,^flex_bg"
MIN_SIZE = 4 << 20


@dataclass(frozen=True)
class Disk:
    file: Path
    guest_dir: str = DEFAULT_GUEST_DIR
    readonly: bool = False

    def qemu_args(self) -> list[str]:
        """A virtio-blk device on microvm's virtio-mmio bus. cache=writeback: the
        guest's FLUSH requests become fdatasync on the host file."""
        drive = (f"file={self.file},if=none,id=d0,format=raw,cache=writeback,aio=threads,"
                 f"discard=unmap,readonly={'on' if self.readonly else 'off'}")
        return ["-drive", drive, "-device", "virtio-blk-device,drive=d0"]

    def kernel_value(self) -> str:
        return self.guest_dir + (",ro" if self.readonly else "")


def parse_disk(text: str) -> Disk:
    """FILE[:GUESTDIR][:ro] -> Disk; the file must exist (`disk create` makes one)."""
    parts = text.split(":")
    readonly = False
    if len(parts) > 1 and parts[-1] in ("ro", "rw"):
        readonly = parts.pop() == "ro"
    if len(parts) > 2 or not parts[0]:
        raise UserError(f"bad --disk {text!r}: use FILE[:GUESTDIR][:ro]")
    guest = parts[1] if len(parts) == 2 else DEFAULT_GUEST_DIR
    if not guest.startswith("/") or " " in guest or "," in guest:
        raise UserError(f"bad --disk {text!r}: GUESTDIR must be an absolute path "
                        "without spaces or commas")
    file = Path(parts[0])
    if not file.is_file():
        raise UserError(f"no such disk: {printable(file)} (make one with "
                        f"`unipython disk create 64M {printable(file)}`)")
    return Disk(file.resolve(), guest.rstrip("/") or "/", readonly)


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([KMGT]?)i?B?", text.strip(), re.IGNORECASE)
    if not m:
        raise UserError(f"bad size {text!r} (use e.g. 64M or 2G)")
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}[m.group(2).lower()]


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(f"/sbin/{name}") or shutil.which(f"/usr/sbin/{name}")
    if not path:
        raise UserError(f"{name} is not installed (Debian: apt-get install e2fsprogs; "
                        "./setup.sh installs it)")
    return path


def create(size: int, file: Path, force: bool = False) -> None:
    """A new sparse disk of size bytes with an empty ext3 file system."""
    if size < MIN_SIZE:
        raise UserError(f"a disk needs at least {MIN_SIZE >> 20} MiB")
    if file.exists() and not force:
        raise UserError(f"{printable(file)} exists (remove it first)")
    with open(file, "wb") as f:
        f.truncate(size)
    proc = subprocess.run([_tool("mke2fs"), "-q", "-F", "-t", "ext3", "-b", "4096", "-I", "256",
                           "-O", MKE2FS_FEATURES, "-E", "lazy_itable_init=0", "-L", "unipython",
                           str(file)], capture_output=True, text=True)
    if proc.returncode != 0:
        file.unlink()
        raise UserError(f"mke2fs failed: {proc.stderr.strip()}")


@dataclass
class FsckResult:
    returncode: int
    output: str

    @property
    def clean(self) -> bool:
        return self.returncode == 0


def fsck(file: Path, repair: bool = True) -> FsckResult:
    """e2fsck -f: with repair, replays the journal first (-y); else only reads (-n)."""
    proc = subprocess.run([_tool("e2fsck"), "-f", "-y" if repair else "-n", str(file)],
                          capture_output=True, text=True)
    return FsckResult(proc.returncode, proc.stdout + proc.stderr)


def cmd_disk(args: object) -> int:
    import argparse

    assert isinstance(args, argparse.Namespace)
    if args.disk_cmd == "create":
        create(parse_size(args.size), Path(args.file), force=args.force)
        print(f"{printable(args.file)}: {args.size} ext3 disk; use it with "
              f"`unipython run --disk {printable(args.file)}:/data APP.py`")
        return 0
    result = fsck(Path(args.file), repair=not args.check_only)
    print(result.output, end="")
    # e2fsck: 0 clean, 1 errors corrected, 4 errors left, 8 operational error.
    return 0 if result.returncode in (0, 1) else 1


def add_parser(sub: object) -> None:
    d = sub.add_parser("disk", help="make and check persistent disks for --disk",  # type: ignore[attr-defined]
                       description="Disks for `unipython run --disk FILE[:GUESTDIR]`: raw "
                                   "files holding an ext3 file system.")
    dsub = d.add_subparsers(dest="disk_cmd", required=True)
    c = dsub.add_parser("create", help="make a new disk file with an empty file system")
    c.add_argument("size", help="e.g. 64M, 2G (the file is sparse)")
    c.add_argument("file")
    c.add_argument("--force", action="store_true", help="replace an existing file")
    f = dsub.add_parser("fsck", help="replay the journal and check the file system (e2fsck)")
    f.add_argument("file")
    f.add_argument("-n", "--check-only", action="store_true", help="change nothing (e2fsck -n)")
    d.set_defaults(func=cmd_disk)
