"""Host volumes: `-v HOSTDIR:GUESTDIR[:ro]` on `run` (and on `build`, as run's defaults).

Each volume is one QEMU `-fsdev local` export with a virtio-9p device on microvm's
virtio-mmio bus, tagged v0, v1, ...; the kernel mounts the tag where the command line's
``volume=TAG:MODE:PATH`` says (kernel/fs/ninep/volume_conf.h).

security_model=none: QEMU reads and writes the directory as the user who runs
unipython, and files the app creates are ordinary files of that user with the modes
the app gave, which is what sharing a directory with the host is for. mapped-xattr
would keep the guest's modes and owners in xattrs (the host sees 0600 files of the
user), and passthrough needs QEMU to run as root and would leave files owned by the
guest's root on the host. A read-only volume is readonly=on in QEMU as well as
read-only in the guest: the host refuses writes even if the guest kernel did not.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from unipython.errors import UserError, printable

DEFAULTS_PATH = "/.unipython/volumes.json"
MAX_VOLUMES = 8  # VOLUME_MAX in kernel/fs/ninep/volume_conf.h
SECURITY_MODEL = "none"


@dataclass(frozen=True)
class Volume:
    host: Path  # absolute
    guest: str  # absolute, normalized
    readonly: bool = False

    def spec(self) -> str:
        return f"{self.host}:{self.guest}{':ro' if self.readonly else ''}"


def parse_volume(text: str, base: Path | None = None) -> Volume:
    """'HOSTDIR:GUESTDIR[:ro|:rw]' -> Volume; a relative HOSTDIR is taken from base
    (default: the working directory). Does not look at the host directory."""
    readonly = False
    body = text
    for suffix, ro in ((":ro", True), (":rw", False)):
        if body.endswith(suffix):
            body, readonly = body[: -len(suffix)], ro
            break
    host, sep, guest = body.rpartition(":")
    if not sep or not host or not guest:
        raise UserError(f"-v {text}: use HOSTDIR:GUESTDIR or HOSTDIR:GUESTDIR:ro")
    if not guest.startswith("/"):
        raise UserError(f"-v {text}: the guest directory must be absolute (e.g. /data)")
    norm = posixpath.normpath(guest)
    if norm == "/" or ".." in guest.split("/") or "\0" in guest:
        raise UserError(f"-v {text}: {guest} cannot be a volume's guest directory")
    if len(norm.encode()) > 1023:
        raise UserError(f"-v {text}: the guest directory is too long")
    return Volume(host=((base or Path.cwd()) / host).absolute(), guest=norm, readonly=readonly)


def merge(defaults: Sequence[Volume], given: Sequence[Volume]) -> list[Volume]:
    """run's -v over build's: a guest directory given again at run is run's."""
    out = {v.guest: v for v in defaults}
    for v in given:
        out[v.guest] = v
    vols = list(out.values())
    if len(vols) > MAX_VOLUMES:
        raise UserError(f"at most {MAX_VOLUMES} volumes (-v) per VM")
    return vols


def check_hosts(vols: Sequence[Volume]) -> None:
    """A clear one-line error for a host directory that is not there."""
    for v in vols:
        if not v.host.is_dir():
            what = "is not a directory" if v.host.exists() else "no such directory"
            raise UserError(f"-v {printable(v.spec())}: {printable(v.host)}: {what}")


def kernel_tokens(vols: Sequence[Volume]) -> list[tuple[str, str]]:
    return [("volume", f"v{i}:{'ro' if v.readonly else 'rw'}:{v.guest}")
            for i, v in enumerate(vols)]


def _qemu_escape(value: str) -> str:
    return value.replace(",", ",,")  # QEMU's option syntax: a comma is doubled


def qemu_args(vols: Sequence[Volume]) -> list[str]:
    args: list[str] = []
    for i, v in enumerate(vols):
        # multidevs=remap: a file system mounted inside HOSTDIR keeps its files'
        # qids apart from the outer one's (the guest knows a file by its qid).
        fsdev = (f"local,id=v{i},path={_qemu_escape(str(v.host))},"
                 f"security_model={SECURITY_MODEL},multidevs=remap"
                 f"{',readonly=on' if v.readonly else ''}")
        args += ["-fsdev", fsdev, "-device", f"virtio-9p-device,fsdev=v{i},mount_tag=v{i}"]
    return args


def to_json(vols: Sequence[Volume]) -> bytes:
    doc = [{"host": str(v.host), "guest": v.guest, "readonly": v.readonly} for v in vols]
    return (json.dumps(doc, indent=1) + "\n").encode()


def from_json(data: bytes, where: str) -> list[Volume]:
    try:
        doc = json.loads(data)
        vols = [Volume(host=Path(d["host"]), guest=d["guest"], readonly=bool(d["readonly"]))
                for d in doc]
        if not all(isinstance(d["host"], str) and isinstance(d["guest"], str) for d in doc):
            raise TypeError("wrong types")
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"{where}: unreadable volume defaults {DEFAULTS_PATH}: {e}") from None
    return [parse_volume(v.spec()) for v in vols]  # the same checks as -v
