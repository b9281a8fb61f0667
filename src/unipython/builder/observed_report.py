"""The static closure against what an --observe run really imported and opened."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from unipython.builder.manifest import FileEntry

# Opened on the host but never something an image could hold.
NOT_FILES = ("/proc/", "/dev/", "/sys/", "/tmp/", "/run/")


@dataclass(frozen=True)
class ClosureReport:
    static_count: int  # module files in the image (.py and extensions)
    static_bytes: int
    imported_count: int  # of those, the ones the observed run imported
    imported_bytes: int
    unused_by_top: list[tuple[str, int, int]]  # (package, files, bytes) never imported
    missing_modules: list[str] = field(default_factory=list)  # imported, not in the image
    missing_files: list[str] = field(default_factory=list)  # opened, not in the image
    returncode: int | None = None
    timed_out: bool = False


def is_module_file(path: str) -> bool:
    """A Python source or an extension module (not a shared library such as
    numpy.libs/libopenblas...so, which is loaded, never imported)."""
    if "/__pycache__/" in path:
        return False
    name = path.rsplit("/", 1)[-1]
    return path.endswith(".py") or (path.endswith(".so") and (
        ".cpython-" in name or ".abi3." in name or "/lib-dynload/" in path))


def top_of(path: str) -> str:
    """The package a module file belongs to, as a path: /usr/lib/python3.11/email,
    /.unipython/path/0/pandas."""
    deep = path.startswith(("/.unipython/path/", "/usr/lib/"))
    return "/".join(path.split("/")[: 5 if deep else 3])


def compare(files: list[FileEntry], observed: dict[str, Any]) -> ClosureReport:
    image = {e.path: e for e in files if e.kind == "file"}
    modules = {p: e for p, e in image.items() if is_module_file(p)}
    raw_modules = observed.get("modules", {})
    imported = {f for f in raw_modules.values() if isinstance(f, str)}
    used = {p for p in modules if p in imported}
    unused: Counter[str] = Counter()
    unused_files: Counter[str] = Counter()
    for path, entry in modules.items():
        if path not in used:
            unused[top_of(path)] += entry.size
            unused_files[top_of(path)] += 1
    missing_modules = sorted(name for name, f in raw_modules.items()
                             if isinstance(f, str) and f not in image and name != "__main__")
    missing_files = []
    for path in observed.get("opened", []):
        if (isinstance(path, str) and path not in image and not path.startswith(NOT_FILES)
                and path not in imported and "/__pycache__/" not in path):
            missing_files.append(path)
    return ClosureReport(
        static_count=len(modules),
        static_bytes=sum(e.size for e in modules.values()),
        imported_count=len(used),
        imported_bytes=sum(modules[p].size for p in used),
        unused_by_top=sorted(((top, unused_files[top], size) for top, size in unused.items()),
                             key=lambda t: (-t[2], t[0])),
        missing_modules=missing_modules,
        missing_files=missing_files,
        returncode=observed.get("returncode"),
        timed_out=bool(observed.get("timed_out")),
    )


def load_observed(data: bytes) -> dict[str, Any]:
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc
