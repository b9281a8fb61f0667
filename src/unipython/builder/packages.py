"""Third-party packages go in whole: every file of each top-level package the app uses.

The import scan sees the imports written in Python. Third-party packages also import
from C (numpy's extensions import ``numpy._core._exceptions``), load plugins by computed
name and open their own data files (certifi's ``cacert.pem``), none of which a scan can
see. So a package found in a --path directory goes in with all its files, but for its
``tests`` directories (a package's own test suite, often most of its size: numpy's
are 17 MiB of its 45; ``keep_tests``, build's --keep-tests, keeps them so that the suite
can run inside) and its ``__pycache__``, and with the ``.dist-info`` metadata that
``importlib.metadata`` reads (many packages ask it for their own version at import time).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from unipython.builder.modules import ModuleFile, is_under
from unipython.builder.probe import Closure

TESTS_DIR = "tests"
LEFT_OUT_DIRS = frozenset({"__pycache__", TESTS_DIR})
KEPT_TESTS = "tests kept by --keep-tests"


def left_out_dirs(keep_tests: bool) -> frozenset[str]:
    """Directory names of a package that stay out of the image."""
    return LEFT_OUT_DIRS - {TESTS_DIR} if keep_tests else LEFT_OUT_DIRS


def in_tests_dir(rel: Path) -> bool:
    """Whether a path relative to a package directory is under a ``tests`` directory."""
    return TESTS_DIR in rel.parts[:-1]


def package_files(
    closure: Closure, extra_dirs: Sequence[tuple[Path, str]], planned: Iterable[str],
    keep_tests: bool = False,
) -> list[ModuleFile]:
    """Files of the top-level packages (or single-file modules) of ``closure`` found in
    ``extra_dirs`` (host directory, guest directory) that ``planned`` (guest paths)
    does not hold yet; their ``tests`` directories too with ``keep_tests``."""
    left_out = left_out_dirs(keep_tests)
    have = set(planned)
    out: list[ModuleFile] = []
    for host_dir, guest_dir in sorted(extra_dirs, key=lambda p: -len(p[0].parts)):
        tops = sorted({
            module.file.relative_to(host_dir).parts[0]
            for module in closure.modules
            if module.file is not None and is_under(module.file, host_dir)
        })
        if not tops:
            continue
        reason = "part of package {}"
        for top in tops:
            if (host_dir / top).is_dir():
                for host in _tree(host_dir / top, left_out):
                    why = reason.format(top)
                    if in_tests_dir(host.relative_to(host_dir)):
                        why += f", {KEPT_TESTS}"
                    out.append(_file(host, host_dir, guest_dir, why))
        for info_dir in _metadata_dirs(host_dir, set(tops)):
            for host in _tree(info_dir, left_out):
                out.append(_file(host, host_dir, guest_dir, f"metadata of {info_dir.name}"))
    unique = []
    for item in out:
        if item.guest not in have:
            have.add(item.guest)
            unique.append(item)
    return unique


def _tree(top: Path, left_out: frozenset[str]) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in left_out)
        files += [Path(dirpath) / name for name in sorted(filenames)
                  if (Path(dirpath) / name).is_file()]
    return files


def _file(host: Path, host_dir: Path, guest_dir: str, reason: str) -> ModuleFile:
    rel = host.relative_to(host_dir)
    parts = rel.with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return ModuleFile(name, host, f"{guest_dir}/{rel.as_posix()}", reason, local=True,
                      compile=host.suffix == ".py")


def _metadata_dirs(host_dir: Path, tops: set[str]) -> list[Path]:
    """The *.dist-info directories whose RECORD lists files of the packages ``tops``."""
    found = []
    for info_dir in sorted(host_dir.glob("*.dist-info")):
        try:
            record = (info_dir / "RECORD").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        listed = {line.split(",", 1)[0].split("/", 1)[0] for line in record.splitlines()}
        if listed & tops:
            found.append(info_dir)
    return found
