"""The compat image: the whole stdlib with CPython's test suite, built once and cached.

One image serves every test module; the module to run comes on the kernel command
line. It is large (about 120 MB), so it is cached under ~/.cache/unipython/compat/,
keyed by a hash of everything that shapes it: the kernel ELF, the python binary, the
builder's code and this package (guest_main.py, the fork/exec ignore list).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from unipython.builder import build
from unipython.builder.build import DEFAULT_PYTHON

PACKAGE_DIR = Path(__file__).resolve().parent
BUILDER_DIR = PACKAGE_DIR.parent / "builder"
GUEST_MAIN = PACKAGE_DIR / "guest_main.py"
# The fork/exec ignore lists: data of one Python revision each (X.Y.Z.txt), made by
# tools/gen_forkexec_ignore.py.
IGNORE_DIR = PACKAGE_DIR / "forkexec_ignore"


def ignore_file(version: tuple[int, int, int]) -> Path:
    """The fork/exec ignore list of Python ``version``."""
    return IGNORE_DIR / f"{'.'.join(map(str, version))}.txt"

# Environment of the tests, inside and on the host alike (HOME is added per side).
TEST_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

# Host trees the tests read besides the stdlib: time zones (test_zoneinfo, test_datetime)
# and the C.UTF-8 locale (locale coercion, UTF-8 file names). This package goes in at
# its host path, so guest_main.py and the ignore list have the same paths on both sides.
EXTRA_TREES = ("/usr/share/zoneinfo", "/usr/lib/locale/C.utf8", PACKAGE_DIR.as_posix())
# Static libraries and the link-time libpython: only for building C extensions.
EXCLUDE = (
    "/usr/lib/python3*/config-*/*.a",
    "/usr/lib/python3*/config-*/*.so",
    f"{PACKAGE_DIR.as_posix()}/__pycache__",
)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unipython" / "compat"


def _hash_files(h: hashlib._Hash, files: list[Path]) -> None:
    for file in sorted(files):
        h.update(file.name.encode() + b"\0")
        h.update(hashlib.sha256(file.read_bytes()).digest())


def image_key(kernel: Path, python: Path) -> str:
    """A hash of the kernel ELF, the python binary, the builder's and this package's code."""
    h = hashlib.sha256()
    _hash_files(h, [kernel, python.resolve()])
    _hash_files(h, [*BUILDER_DIR.glob("*.py"), *PACKAGE_DIR.glob("*.py"),
                    *IGNORE_DIR.glob("*.txt")])
    h.update(repr((TEST_ENV, EXTRA_TREES, EXCLUDE)).encode())
    return h.hexdigest()[:20]


def prune(directory: Path, keep: Path, max_unused: float = 3600.0) -> None:
    """Remove cached images other than ``keep`` that nobody used for ``max_unused``
    seconds (each is about 120 MB). Recently used ones stay: another worktree or run
    (other sources, other kernel) may be booting them right now."""
    now = time.time()
    for old in directory.glob("compat-*.img"):
        try:
            if old != keep and now - old.stat().st_mtime > max_unused:
                old.unlink()
        except FileNotFoundError:
            pass


def compat_image(
    kernel: Path,
    python: Path = DEFAULT_PYTHON,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """The cached image for ``kernel`` and ``python``, built when missing. Its mtime
    says when it was last used (see prune)."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    image = directory / f"compat-{image_key(kernel, python)}.img"
    if image.is_file():
        os.utime(image)
        prune(directory, image)
        return image
    build(
        GUEST_MAIN,
        image,
        kernel,
        python=python,
        env=TEST_ENV,
        include_stdlib=True,
        extra_trees=EXTRA_TREES,
        exclude=EXCLUDE,
        progress=progress,
    )
    prune(directory, image)
    return image
