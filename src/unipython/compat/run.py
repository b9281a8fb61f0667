"""run_compat(): every module inside a unipython VM and on the host, side by side."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from unipython.builder.build import DEFAULT_PYTHON
from unipython.builder.probe import Target
from unipython.compat.compare import ModuleResult
from unipython.compat.image import cache_dir, compat_image, ignore_file
from unipython.compat.runner import Run, RunSettings, run_guest, run_host
from unipython.errors import UserError


@dataclass
class CompatOptions:
    settings: RunSettings = field(default_factory=RunSettings)
    jobs: int = 1  # runs side by side (each VM boot or host run is one)
    python: Path = DEFAULT_PYTHON
    log_dir: Path | None = None  # console output of each run: MODULE.inside.log, .host.log


def default_log_dir() -> Path:
    return cache_dir() / "logs"


def whole_suite(python: Path) -> list[str]:
    """Every module of the test suite, as regrtest lists them when given none."""
    code = "from test.libregrtest.runtest import findtests; print(*findtests())"
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    if run.returncode != 0:
        raise UserError(f"{python} cannot list its test suite (is CPython's test package "
                        f"installed?): {run.stderr.strip().splitlines()[-1:]}")
    return run.stdout.split()


def check_modules(modules: Sequence[str], test_dir: Path) -> None:
    """Raise UserError for a name that is no module of the ``test`` package."""
    unknown = [m for m in modules
               if not (test_dir / f"{m}.py").is_file() and not (test_dir / m).is_dir()]
    if unknown:
        raise UserError(f"no such test module in {test_dir}: {', '.join(unknown)} "
                        "(give a tier, or a module such as test_os or os)")


def wholly_ignored(modules: Sequence[str], ignore_list: Path) -> list[str]:
    """The modules the ignore list leaves out whole: those with the pattern
    ``test.MODULE.*``, which the generator writes when a process was started outside
    any test (at import, in setUpModule), so no test of theirs runs on either side."""
    whole = {line.strip() for line in ignore_list.read_text().splitlines()
             if line.endswith(".*") and not line.startswith("#")}
    return [m for m in modules if f"test.{m}.*" in whole]


def resolved_ignore_file(settings: RunSettings, python: Path) -> RunSettings:
    """``settings`` with the ignore list of ``python``'s revision in place of "auto"."""
    if settings.ignore_file != "auto":
        return settings
    version = Target(python).info().version
    listed = ignore_file(version)
    if not listed.is_file():
        raise UserError(f"no fork/exec ignore list for Python "
                        f"{'.'.join(map(str, version))} ({listed}): make it with "
                        "tools/gen_forkexec_ignore.py --python PYTHON all")
    return replace(settings, ignore_file=listed)


def run_compat(
    modules: Sequence[str],
    kernel: Path,
    options: CompatOptions,
    progress: Callable[[str], None] | None = None,
    done: Callable[[ModuleResult], None] | None = None,
) -> list[ModuleResult]:
    """Run each module once in its own VM boot and once on the host; results in the
    order of ``modules``. ``done`` is called as each module completes."""
    say = progress or (lambda _text: None)
    info = Target(options.python).info()
    check_modules(modules, info.stdlib / "test")
    settings = resolved_ignore_file(options.settings, options.python)
    say("building the compat image (cached)")
    image = compat_image(kernel, options.python, progress=say)
    say(f"running {len(modules)} modules")
    log_dir = options.log_dir
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)

    def logged(side: str, module: str, run: Run) -> Run:
        if log_dir is not None:
            (log_dir / f"{module}.{side}.log").write_text(run.output)
        return run

    def guest(module: str) -> Run:
        return logged("inside", module, run_guest(image, module, settings))

    def host(module: str) -> Run:
        return logged("host", module, run_host(options.python, module, settings))

    results: dict[str, ModuleResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        pending: dict[str, tuple[Future[Run], Future[Run]]] = {
            m: (pool.submit(guest, m), pool.submit(host, m)) for m in modules
        }
        for module, (g, h) in pending.items():
            result = ModuleResult(module, g.result(), h.result())
            results[module] = result
            if done is not None:
                done(result)
    return [results[m] for m in modules]
