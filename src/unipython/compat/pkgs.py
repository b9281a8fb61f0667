"""The ``pkgs`` tier: third-party packages' own pytest suites, inside and on the host.

A second yardstick next to CPython's tests: real packages' suites, at pinned versions,
fetched by pip into ~/.cache/unipython/compat/pkgs/ (never vendored) and installed into
one directory that both sides put on sys.path. The same interpreter runs each suite on
the host and, from one image built with ``--keep-tests``, inside; a suite passes when the
counts are equal. Tests that start a subprocess are deselected on both sides, as the
fork/exec ignore list does for CPython's (unipython runs one process).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from unipython.builder import build
from unipython.compat.compare import ModuleResult
from unipython.compat.hostpty import run_on_pty
from unipython.compat.image import BUILDER_DIR, EXTRA_TREES, TEST_ENV, cache_dir
from unipython.compat.junit import pytest_counts_from_output
from unipython.compat.runner import (
    Run,
    RunSettings,
    boot_captured,
    finish,
    host_problem,
    vm_problem,
)
from unipython.errors import UserError
from unipython.runcmd import RunOptions

PKGS_MAIN = Path(__file__).resolve().parent / "pkgs_main.py"
TIER = "pkgs"

# What the suites need, pinned: the packages under test and the test tools. pip picks
# their own dependencies (pluggy, iniconfig, attrs, sortedcontainers...).
REQUIREMENTS = (
    "pytest==8.4.2",
    "hypothesis==6.168.3",
    "numpy==2.3.5",
    "toolz==1.2.0",
    "simplejson==4.3.0",
    "networkx==3.6.1",
)

# Tests that start another process (subprocess, multiprocessing, os.fork): deselected on
# both sides, as CPython's fork/exec ignore list does. Each is a test's id from its
# package's directory on (pkgs_main.py's --leave-out).
SPAWNS = (
    "toolz/sandbox/tests/test_parallel.py::test_fold",  # a multiprocessing.Pool
    # python -m simplejson.tool, and a child interpreter with a small recursion limit
    "simplejson/tests/test_tool.py::TestTool",
    "simplejson/tests/test_iterable.py::TestIterable::test_unbounded_iterable_recursion_is_guarded",
    "numpy/linalg/tests/test_linalg.py::test_sdot_bug_8577",  # a child interpreter
)


@dataclass(frozen=True)
class Suite:
    """One package suite: pytest's arguments (after --pyargs)."""

    name: str
    args: tuple[str, ...]


SUITES = (
    Suite("toolz", ("toolz",)),
    Suite("simplejson", ("simplejson",)),
    Suite("networkx", ("networkx.classes", "networkx.algorithms.shortest_paths")),
    # The sort and partition kernels: the ones Debian's QEMU 7.2 TCG got wrong with AVX2.
    Suite("numpy.sort", ("numpy._core.tests.test_multiarray", "-k", "sort or partition")),
    Suite("numpy.linalg", ("numpy.linalg",)),
    Suite("numpy.random", ("numpy.random",)),
)
MODULES = ("pytest", "_pytest", "hypothesis", "numpy", "toolz", "tlz", "simplejson",
           "networkx")


def suite_names() -> list[str]:
    return [f"{TIER}:{s.name}" for s in SUITES]


def is_pkgs_name(name: str) -> bool:
    return name == TIER or name.startswith(f"{TIER}:")


def expand_pkgs(names: Sequence[str]) -> list[str]:
    """``pkgs`` -> every suite; ``pkgs:NAME`` stays; others are not ours."""
    out: list[str] = []
    for name in names:
        for one in (suite_names() if name == TIER else [name]):
            if one not in out:
                out.append(one)
    return out


def find_suite(name: str) -> Suite:
    short = name.removeprefix(f"{TIER}:")
    for suite in SUITES:
        if suite.name == short:
            return suite
    raise UserError(f"no package suite {name!r} (there are: {', '.join(suite_names())})")


def pytest_args(suite: Suite) -> list[str]:
    return [*(f"--leave-out={node}" for node in SPAWNS), "-q", "--pyargs", *suite.args]


def _key(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def site_dir(python: Path, say: Callable[[str], None]) -> Path:
    """The directory with REQUIREMENTS installed for ``python``, made once: pip downloads
    the wheels into the cache, then installs them from there without the index."""
    base = cache_dir() / "pkgs"
    wheels = base / "wheels"
    site = base / f"site-{_key(str(python.resolve()).encode(), repr(REQUIREMENTS).encode())}"
    if (site / ".complete").is_file():
        return site
    say(f"fetching {len(REQUIREMENTS)} packages with pip into {wheels}")
    wheels.mkdir(parents=True, exist_ok=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    _pip(pip + ["download", "--only-binary=:all:", "-d", str(wheels), *REQUIREMENTS])
    partial = site.with_name(site.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _pip(pip + ["install", "--no-index", "--find-links", str(wheels), "--no-compile",
                "--no-warn-script-location", "--target", str(partial), *REQUIREMENTS])
    (partial / ".complete").write_text("\n".join(REQUIREMENTS) + "\n")
    shutil.rmtree(site, ignore_errors=True)
    partial.rename(site)
    return site


def _pip(argv: list[str]) -> None:
    run = subprocess.run(argv, capture_output=True, text=True)
    if run.returncode != 0:
        last = [line for line in run.stderr.splitlines() if "WARNING" not in line][-3:]
        raise UserError(f"pip failed ({' '.join(argv[3:5])}): {' / '.join(last)}")


def pkgs_image(kernel: Path, python: Path, site: Path, say: Callable[[str], None]) -> Path:
    """The image of the pkgs tier (the whole stdlib, the site directory with the
    packages' tests), cached like the compat image."""
    code = b"".join(f.read_bytes() for f in sorted(BUILDER_DIR.glob("*.py")))
    key = _key(kernel.read_bytes(), python.resolve().read_bytes(), code,
               PKGS_MAIN.read_bytes(), str(site).encode(), repr(MODULES).encode())
    image = cache_dir() / f"pkgs-{key}.img"
    if image.is_file():
        os.utime(image)
        return image
    say("building the pkgs image (cached)")
    partial = image.with_suffix(".partial.img")
    build(PKGS_MAIN, partial, kernel, python=python, env={**TEST_ENV, **SUITE_ENV},
          include_modules=MODULES, extra_paths=[site], keep_tests=True, include_stdlib=True,
          extra_trees=EXTRA_TREES[:2], progress=say)
    partial.rename(image)
    return image


# Both sides: no .pyc written into the shared site directory, no plugin autoload beyond
# what the site directory holds, the same hash seed for reproducible parametrization.
SUITE_ENV = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


def run_guest(image: Path, suite: Suite, settings: RunSettings) -> Run:
    opts = RunOptions(args=pytest_args(suite), memory=settings.memory, accel=settings.accel,
                      timeout=settings.timeout, net="none")
    output, seconds, result = boot_captured(image, opts)
    return finish(output, seconds, result.exit_status, vm_problem(result, settings.timeout),
                  pytest_counts_from_output)


def run_host(python: Path, site: Path, suite: Suite, settings: RunSettings) -> Run:
    with tempfile.TemporaryDirectory(prefix="unipython-pkgs-host-") as tmp:
        work, home = Path(tmp) / "cwd", Path(tmp) / "home"
        work.mkdir()
        home.mkdir()
        script = shutil.copy(PKGS_MAIN, work / PKGS_MAIN.name)
        env = {**TEST_ENV, **SUITE_ENV, "HOME": str(home), "PYTHONPATH": str(site)}
        run = run_on_pty([str(python), str(script), *pytest_args(suite)], work, env,
                         settings.timeout)
    return finish(run.output, run.seconds, run.status, host_problem(run.status, settings.timeout),
                  pytest_counts_from_output)


def run_pkgs(
    names: Sequence[str],
    kernel: Path,
    python: Path,
    settings: RunSettings,
    progress: Callable[[str], None],
    done: Callable[[ModuleResult], None],
    log_dir: Path | None = None,
) -> list[ModuleResult]:
    """Each named suite (``pkgs:NAME``) inside and on the host, one after the other."""
    suites = [find_suite(n) for n in names]
    site = site_dir(python, progress)
    image = pkgs_image(kernel, python, site, progress)
    results = []
    for suite in suites:
        name = f"{TIER}:{suite.name}"
        progress(f"running {name}")
        guest = run_guest(image, suite, settings)
        host = run_host(python, site, suite, settings)
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            (log_dir / f"{name}.inside.log").write_text(guest.output)
            (log_dir / f"{name}.host.log").write_text(host.output)
        result = ModuleResult(name, guest, host)
        done(result)
        results.append(result)
    return results
