"""Whole host directory trees in the image: the entire stdlib, data trees.

Most images hold only an app's closure; some (CPython's own test suite, apps that load
plugins by path) need whole trees. Every file and symlink under a tree goes in at its
host path, with its host mtime; ``exclude`` takes fnmatch patterns on those paths.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path

from unipython.builder.libs import is_x86_64_elf
from unipython.builder.plan import Plan
from unipython.errors import UserError


def excluded(path: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def add_tree(plan: Plan, tree: str, reason: str, exclude: Sequence[str] = ()) -> list[str]:
    """Add every file, directory and symlink under the host directory ``tree``.

    Symlinks go in as symlinks (see hostfs) with what they point to; a symlink that
    leaves the tree or dangles is left out. Returns the guest paths of the x86_64 ELF
    files added, whose shared libraries the caller must add.
    """
    root = plan.root / tree.lstrip("/")
    if not root.is_dir():
        raise UserError(f"{tree}: not a directory on the host")
    elves: list[str] = []
    plan.add_host_dir(tree, reason)
    for dirpath, dirnames, filenames in os.walk(root):
        guest_dir = "/" + Path(dirpath).relative_to(plan.root).as_posix()
        for name in sorted(dirnames):
            guest = f"{guest_dir}/{name}"
            if excluded(guest, exclude):
                dirnames.remove(name)
            elif (Path(dirpath) / name).is_symlink():
                # os.walk does not descend into it; the tree holds what it points to.
                if _inside(plan, guest, tree):
                    plan.host_path(guest)
            else:
                plan.add_host_dir(guest, reason)
        for name in sorted(filenames):
            guest = f"{guest_dir}/{name}"
            host = Path(dirpath) / name
            if excluded(guest, exclude) or not host.exists():  # excluded or dangling
                continue
            if host.is_symlink() and not host.is_file():
                continue  # a device or socket behind a symlink
            if not host.is_file():
                continue
            real = plan.add_host_file(guest, reason)
            if name.endswith(".so") or ".so." in name:
                if is_x86_64_elf(host):
                    elves.append(real)
    return elves


def _inside(plan: Plan, guest: str, tree: str) -> bool:
    """Whether the symlink ``guest`` resolves to an existing directory inside ``tree``."""
    real = os.path.realpath(plan.root / guest.lstrip("/"))
    top = os.path.realpath(plan.root / tree.lstrip("/"))
    return os.path.isdir(real) and (real == top or real.startswith(top + os.sep))
