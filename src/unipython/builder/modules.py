"""Which Python module files go into the image, where, and why.

Sources, in order of precedence (the first reason for a file wins):
  1. what CPython's own startup imports (measured on the target, see probe.py);
  2. a fixed core set of encodings (not the whole 780 KB package);
  3. the app's closure found by ModuleFinder on [app dir, stdlib, lib-dynload], plus
     ``include_modules``. Host site-packages are NOT searched: a module found only
     there is reported as unresolved (pip packages are a later milestone).

Modules in the app's directory go under /app at the same relative path; stdlib files
keep their host paths. Source modules get an unchecked-hash .pyc in __pycache__,
except the main script (CPython does not cache __main__) and frozen modules (CPython
runs its frozen copy; only the .py must exist, e.g. os.py, the prefix landmark).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from unipython.builder.probe import Closure, TargetInfo

APP_DIR = "/app"
EXTRA_PATH_DIR = "/.unipython/path"  # extra_paths[i] goes to EXTRA_PATH_DIR/i
CORE_ENCODINGS = (
    "encodings", "encodings.aliases", "encodings.utf_8", "encodings.utf_8_sig",
    "encodings.ascii", "encodings.latin_1", "encodings.utf_16", "encodings.utf_16_le",
    "encodings.utf_16_be", "encodings.utf_32", "encodings.utf_32_le", "encodings.utf_32_be",
    "encodings.raw_unicode_escape", "encodings.unicode_escape", "encodings.charmap",
)


@dataclass(frozen=True)
class ModuleFile:
    name: str
    host: Path  # the file on the host
    guest: str  # its path in the image
    reason: str
    local: bool  # from the app's directory (no host symlink walk)
    compile: bool  # ship a .pyc for it

    @property
    def is_extension(self) -> bool:
        return self.host.suffix == ".so"


def is_under(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def pyc_path(source: str, cache_tag: str) -> str:
    """``/a/b.py`` -> ``/a/__pycache__/b.cpython-311.pyc``"""
    directory, name = posixpath.split(source)
    stem = name.rpartition(".")[0]
    return posixpath.join(directory, "__pycache__", f"{stem}.{cache_tag}.pyc")


def _reason(importer: str | None) -> str:
    if importer in (None, "__main__"):
        return "imported by app"
    if importer == "--include-module" or " " in importer:
        return importer  # a root of the scan described ("entry point pytest11 of ...")
    return f"imported by {importer}"


def module_files(
    info: TargetInfo,
    startup: dict[str, Path],
    closure: Closure,
    app_dir: Path,
    extra_dirs: Sequence[tuple[Path, str]] = (),
) -> list[ModuleFile]:
    """Every module file for the image except the main script, most important first.

    ``extra_dirs`` maps directories of third-party packages on the host to their
    directories in the image; like the app's own files, their files go in as they are.
    """
    wanted: list[tuple[str, Path, str]] = []
    for name, file in sorted(startup.items()):
        if is_under(file, info.stdlib):
            wanted.append((name, file, "CPython startup"))
    for name in CORE_ENCODINGS:
        parts = name.split(".")
        stem = info.stdlib.joinpath(*parts)
        file = stem / "__init__.py" if name == "encodings" else stem.with_suffix(".py")
        if file.is_file():
            wanted.append((name, file, "core encoding"))
    for module in closure.modules:
        if module.name != "__main__" and module.file is not None:
            wanted.append((module.name, module.file, _reason(module.importer)))

    by_guest: dict[str, ModuleFile] = {}
    # The deepest directory first: a venv inside the app's directory, given with
    # --path, is a package directory of its own (on PYTHONPATH), not app files.
    places = sorted([(app_dir, APP_DIR), *extra_dirs], key=lambda p: -len(p[0].parts))
    for name, file, reason in wanted:
        place = next(((d, g) for d, g in places if is_under(file, d)), None)
        local = place is not None
        guest = f"{place[1]}/{file.relative_to(place[0]).as_posix()}" if place else file.as_posix()
        compile_it = file.suffix == ".py" and name not in info.frozen
        old = by_guest.get(guest)
        if old is None:
            by_guest[guest] = ModuleFile(name, file, guest, reason, local, compile_it)
        elif compile_it and not old.compile:
            by_guest[guest] = ModuleFile(old.name, old.host, guest, old.reason, local, True)
    return list(by_guest.values())


def app_module_names(closure: Closure, app_dir: Path,
                     package_dirs: Sequence[Path] = ()) -> dict[str, str]:
    """Module name -> path relative to the app dir, for the app's own modules (not
    those of ``package_dirs``, --path directories, even inside the app's directory)."""
    names = {}
    for module in closure.modules:
        if module.file is None or not is_under(module.file, app_dir):
            continue
        if not any(is_under(module.file, d) for d in package_dirs):
            names[module.name] = module.file.relative_to(app_dir).as_posix()
    return names


def unresolved_warnings(closure: Closure, app_dir: Path, app_name: str,
                        package_dirs: Sequence[Path] = ()) -> list[str]:
    """Warnings for imports written in the app's own files that nothing satisfies.

    Unresolved imports inside the stdlib (``nt``, ``_winapi``, ``msvcrt``...) and in
    third-party packages are mostly optional (guarded by try/except or platform checks)
    and are not reported.
    """
    own = app_module_names(closure, app_dir, package_dirs)
    own["__main__"] = app_name
    warnings = []
    for missing in closure.missing:
        files = sorted({own[i] for i in missing.importers if i in own})
        if files:
            warnings.append(
                f"module {missing.name!r} imported by {', '.join(files)} was not found "
                "(searched: the app's directory and the stdlib); it is not in the image"
            )
    return warnings
