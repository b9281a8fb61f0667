"""Host paths as the guest will resolve them.

The guest must resolve each path the way the host does, so every symlink met while
walking a path component by component goes into the image as a symlink (target text as
on the host), and the file itself at its real path. Debian 12 has merged /usr
(``/lib -> usr/lib``), and ``/lib64/ld-linux-x86-64.so.2`` is an absolute symlink.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from unipython.errors import UserError

MAX_SYMLINK_HOPS = 40


@dataclass(frozen=True)
class Resolution:
    path: str  # the path asked for
    symlinks: list[tuple[str, str]]  # (where the link is, its target text), in walk order
    real_path: str  # the path with every symlink resolved


def resolve(path: str, root: Path = Path("/")) -> Resolution:
    """Walk the absolute ``path`` under ``root`` component by component.

    Components that do not exist are taken as plain names; callers check existence.
    """
    if not path.startswith("/"):
        raise ValueError(f"path must be absolute: {path!r}")
    pending = [p for p in path.split("/") if p]
    real: list[str] = []
    symlinks: list[tuple[str, str]] = []
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            if real:
                real.pop()
            continue
        host = root.joinpath(*real, part)
        if host.is_symlink():
            if len(symlinks) >= MAX_SYMLINK_HOPS:
                raise UserError(f"too many levels of symbolic links: {path}")
            target = os.readlink(host)
            symlinks.append(("/" + "/".join([*real, part]), target))
            if target.startswith("/"):
                real = []
            pending = [p for p in target.split("/") if p] + pending
        else:
            real.append(part)
    return Resolution(path, symlinks, "/" + "/".join(real))
