"""Shared libraries: the DT_NEEDED closure, resolved as glibc's ld.so does it.

Search order for a DT_NEEDED name without a slash (glibc, Debian 12 x86_64):
DT_RPATH of the object and of its loaders (only if the object has no DT_RUNPATH),
LD_LIBRARY_PATH (not set in the image), DT_RUNPATH, ld.so.cache (the image has none),
then the system dirs below (``/lib64/ld-linux-x86-64.so.2 --help``). Each library is
recorded under the path at which the guest's ld.so will find it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

from unipython.errors import UserError

SYSTEM_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib")
DST = {"LIB": "lib/x86_64-linux-gnu", "PLATFORM": "x86_64"}


@dataclass(frozen=True)
class ElfDeps:
    interp: str | None
    needed: list[str]
    rpath: list[str]
    runpath: list[str]


def is_x86_64_elf(host_path: Path) -> bool:
    try:
        with host_path.open("rb") as f:
            ident = f.read(20)
    except OSError:
        return False
    elf64_le = ident[:4] == b"\x7fELF" and ident[4] == 2 and ident[5] == 1
    return elf64_le and ident[18:20] == b"\x3e\x00"  # e_machine EM_X86_64


def read_deps(host_path: Path) -> ElfDeps:
    """PT_INTERP, DT_NEEDED, DT_RPATH and DT_RUNPATH of an ELF file."""
    interp = None
    needed: list[str] = []
    rpath: list[str] = []
    runpath: list[str] = []
    try:
        with host_path.open("rb") as f:
            elf = ELFFile(f)
            for segment in elf.iter_segments():
                if isinstance(segment, InterpSegment):
                    interp = segment.get_interp_name()
            # pyelftools sets .needed/.rpath/.runpath on tags at run time.
            for section in elf.iter_sections():
                if not isinstance(section, DynamicSection):
                    continue
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_NEEDED":
                        needed.append(tag.needed)  # type: ignore[attr-defined]
                    elif tag.entry.d_tag == "DT_RPATH":
                        rpath += tag.rpath.split(":")  # type: ignore[attr-defined]
                    elif tag.entry.d_tag == "DT_RUNPATH":
                        runpath += tag.runpath.split(":")  # type: ignore[attr-defined]
    except (ELFError, OSError) as exc:
        raise UserError(f"cannot read ELF file {host_path}: {exc}") from None
    return ElfDeps(interp, needed, rpath, runpath)


def expand(entry: str, origin: str) -> str:
    """Expand $ORIGIN, $LIB and $PLATFORM (also in ${...} form) in a path entry."""
    for name, value in {"ORIGIN": origin, **DST}.items():
        entry = entry.replace("${" + name + "}", value).replace("$" + name, value)
    return entry


@dataclass(frozen=True)
class Library:
    path: str  # where the guest's ld.so will open it
    needed_by: str
    name: str  # the DT_NEEDED entry (or PT_INTERP)
    host: Path  # the file on the host


@dataclass
class LibraryClosure:
    libraries: list[Library] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (name, needed_by)


@dataclass(frozen=True)
class _Loaded:
    path: str  # guest path (also the host path under root)
    rpath_chain: tuple[str, ...]  # expanded DT_RPATH dirs of this object and its loaders


@dataclass(frozen=True)
class _Host:
    """Maps guest paths to host files: ``root``/path, except for ``extra`` files and
    for paths under the guest directories of ``trees`` (the app's, --path ones)."""

    root: Path
    extra: Mapping[str, Path]
    trees: Mapping[str, Path]

    def __call__(self, guest: str) -> Path:
        if guest in self.extra:
            return self.extra[guest]
        for top, host_dir in self.trees.items():
            if guest.startswith(top + "/"):
                return host_dir / guest[len(top) + 1:]
        return self.root / guest.lstrip("/")


def _find(name: str, loader: _Loaded, runpath: list[str], host: _Host) -> str | None:
    if "/" in name:
        return name if host(name).exists() else None
    dirs = [] if runpath else list(loader.rpath_chain)
    dirs += [expand(d, posixpath.dirname(loader.path)) for d in runpath]
    dirs += SYSTEM_DIRS
    for d in dirs:
        if not d:
            continue
        candidate = posixpath.normpath(posixpath.join(d, name))
        if is_x86_64_elf(host(candidate)):
            return candidate
    return None


def _own_rpath(path: str, deps: ElfDeps) -> tuple[str, ...]:
    """DT_RPATH counts only for objects without DT_RUNPATH."""
    if deps.runpath:
        return ()
    return tuple(expand(d, posixpath.dirname(path)) for d in deps.rpath)


def library_closure(
    roots: Sequence[str], root: Path = Path("/"), hosts: Mapping[str, Path] | None = None,
    trees: Mapping[str, Path] | None = None,
) -> LibraryClosure:
    """The interpreters and libraries the ELF files ``roots`` (guest paths) need.

    ``roots`` are the executable first, then objects it dlopens (extension modules);
    all of them are loaded by the executable, so its DT_RPATH applies to them. Guest
    paths are host paths under ``root``, except those ``hosts`` maps elsewhere and
    those under a guest directory of ``trees``, which maps it to a host directory (so
    a wheel's extension finds its bundled libraries through $ORIGIN, as on the host).
    """
    host = _Host(root, hosts or {}, trees or {})
    result = LibraryClosure()
    seen: set[str] = set(roots)
    exe_rpath = _own_rpath(roots[0], read_deps(host(roots[0])))
    # (object, DT_RPATH dirs of the objects that loaded it, nearest first)
    queue: list[tuple[str, tuple[str, ...]]] = [(roots[0], ())]
    queue += [(r, exe_rpath) for r in roots[1:]]
    while queue:
        path, loader_rpath = queue.pop(0)
        deps = read_deps(host(path))
        loaded = _Loaded(path, _own_rpath(path, deps) + loader_rpath)
        if deps.interp and deps.interp not in seen:
            seen.add(deps.interp)
            if host(deps.interp).exists():
                result.libraries.append(Library(deps.interp, path, "PT_INTERP",
                                                host(deps.interp)))
            else:
                result.missing.append((deps.interp, path))
        for name in deps.needed:
            found = _find(name, loaded, deps.runpath, host)
            if found is None:
                if (name, path) not in result.missing:
                    result.missing.append((name, path))
            elif found not in seen:
                seen.add(found)
                result.libraries.append(Library(found, path, name, host(found)))
                queue.append((found, loaded.rpath_chain))
    return result
