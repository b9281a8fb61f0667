"""Files and directories the user asks for with `--add HOST[:GUEST]`: data, templates, configs.

The import scan finds the code an app needs, never the data it opens. These go in as
they are on the host (content, permissions, mtimes; symlinks as symlinks), at GUEST, a
path that is absolute or relative to the app's directory (the app's working directory
in the guest). A directory goes in with everything under it but its ``__pycache__``
(the builder compiles the app's modules itself). The root file system is read-only:
the app reads these; it writes in /tmp.
"""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path

from unipython.builder.modules import APP_DIR
from unipython.builder.plan import Plan
from unipython.errors import UserError

# Mounted over the root file system in the guest: what the image holds there is hidden.
HIDDEN_BY_MOUNTS = ("/tmp", "/dev", "/proc")
BUILDER_DIR = "/.unipython"


@dataclass(frozen=True)
class Added:
    host: Path
    guest: str  # absolute, normalized


def parse_add(spec: str) -> Added:
    """'HOST' or 'HOST:GUEST' -> Added; GUEST defaults to the host name under the app's dir."""
    host_text, sep, guest_text = spec.partition(":")
    if not host_text:
        raise UserError(f"--add {spec!r}: give a host path, as HOST or HOST:GUEST")
    host = Path(host_text)
    if sep and not guest_text:
        raise UserError(f"--add {spec!r}: the guest path after ':' is empty")
    guest = guest_text if sep else host.resolve().name
    guest = posixpath.normpath(posixpath.join(APP_DIR, guest))
    if guest == "/" or guest.startswith("//"):
        raise UserError(f"--add {spec!r}: cannot replace the root directory")
    if guest == BUILDER_DIR or guest.startswith(BUILDER_DIR + "/"):
        raise UserError(f"--add {spec!r}: {BUILDER_DIR} holds the image's own configuration")
    for mount in HIDDEN_BY_MOUNTS:
        if guest == mount or guest.startswith(mount + "/"):
            raise UserError(f"--add {spec!r}: {mount} is mounted over in the guest, "
                            "so nothing the image holds there can be seen")
    return Added(host, guest)


def add_to_plan(plan: Plan, added: Added) -> None:
    """Put ``added`` (a file, or a directory with everything under it) into ``plan``."""
    try:
        st = added.host.lstat()
    except OSError as e:
        raise UserError(f"--add {added.host}: {e.strerror}") from None
    reason = f"--add {added.host}"
    _add_parents(plan, added.guest, reason)
    if stat.S_ISLNK(st.st_mode):
        st = added.host.stat() if added.host.exists() else st
    if stat.S_ISREG(st.st_mode):
        if _free(plan, added.guest, "file", added.host):
            plan.add_file(added.guest, added.host, reason)
    elif stat.S_ISDIR(st.st_mode):
        _add_tree(plan, added.host, added.guest, reason)
    else:
        raise UserError(f"--add {added.host}: not a regular file or a directory")


def _add_tree(plan: Plan, top: Path, guest_top: str, reason: str) -> None:
    if _free(plan, guest_top, "dir"):
        plan.add_dir(guest_top, reason, host=top)
    for dirpath, dirnames, filenames in os.walk(top):
        # The builder compiles the app's modules itself; the host's bytecode would clash.
        if "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        rel = Path(dirpath).relative_to(top).as_posix()
        guest_dir = guest_top if rel == "." else f"{guest_top}/{rel}"
        for name in sorted(dirnames + filenames):
            host = Path(dirpath) / name
            guest = f"{guest_dir}/{name}"
            mode = host.lstat().st_mode
            if stat.S_ISLNK(mode):
                if _free(plan, guest, "symlink"):
                    plan.add_symlink(guest, os.readlink(host), reason)
            elif stat.S_ISDIR(mode):
                if _free(plan, guest, "dir"):
                    plan.add_dir(guest, reason, host=host)
            elif stat.S_ISREG(mode):
                if _free(plan, guest, "file", host):
                    plan.add_file(guest, host, reason)
            # Sockets, FIFOs and devices have no content to carry: left out.


def _add_parents(plan: Plan, guest: str, reason: str) -> None:
    parent = posixpath.dirname(guest)
    chain = []
    while parent != "/":
        chain.append(parent)
        parent = posixpath.dirname(parent)
    for path in reversed(chain):
        old = plan.entries.get(path)
        if old is None:
            plan.add_dir(path, f"on the way to {reason}")
        elif old.kind != "dir":
            raise UserError(f"{reason}: {path} is already in the image as a {old.kind} "
                            f"({old.reason})")


def _free(plan: Plan, guest: str, kind: str, host: Path | None = None) -> bool:
    """Whether to add at ``guest``: False when it is already there, an error when
    something else is.

    A directory may be shared (``--add data:/app`` merges into the app's directory), and
    the very file already planned (the app itself, when the whole app directory is
    added) is kept once; anything else would silently replace what the app needs.
    """
    old = plan.entries.get(guest)
    if old is None:
        return True
    if kind == "dir" and old.kind == "dir":
        return False
    if kind == "file" and old.host is not None and host is not None and _same(old.host, host):
        return False
    raise UserError(f"{guest}: already in the image ({old.reason}); --add would replace it")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
