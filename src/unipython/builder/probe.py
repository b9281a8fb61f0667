"""Questions answered by the target interpreter, run in subprocesses.

The builder may run under any Python 3.11+, but the stdlib that goes into the image is
the target's (default /usr/bin/python3.11): its paths, its module search, its bytecode.
So every such question runs ``target_probe.py`` (or a short ``-c`` program) under the
target and reads JSON back.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unipython.errors import UserError

PROBE_SCRIPT = Path(__file__).with_name("target_probe.py")

# Measures what CPython's startup imports in the image: site runs, but the image has no
# site-packages, so addsitepackages does nothing. Prints the modules with a file.
STARTUP_PROGRAM = """\
import sys
import site
site.addsitepackages = lambda known_paths, *args, **kwargs: known_paths
site.main()
found = {}
for name, module in list(sys.modules.items()):
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        found[name] = file
import json
json.dump(found, sys.stdout)
"""


@dataclass(frozen=True)
class TargetInfo:
    executable: Path
    version: tuple[int, int, int]
    stdlib: Path
    dynload: Path
    sys_path: list[Path]
    cache_tag: str
    frozen: frozenset[str]

    def search_path(self) -> list[Path]:
        """The module search path inside the image, after the app's directory: the
        target's sys.path without site-packages (the image has none), existing dirs only."""
        return [p for p in self.sys_path if p.is_dir()]


@dataclass(frozen=True)
class FoundModule:
    name: str
    file: Path | None  # None for built-in modules
    is_package: bool
    importer: str | None  # the module whose code imported it first; "--include-module"


@dataclass(frozen=True)
class MissingImport:
    name: str
    importers: list[str]


@dataclass(frozen=True)
class Closure:
    modules: list[FoundModule]
    missing: list[MissingImport]
    missing_includes: list[str]
    # Test tools not followed (target_probe.TEST_TOOLS) -> a third-party module importing it
    cut: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CompileJob:
    source: Path  # host file to compile
    cfile: Path  # host file to write the .pyc to
    dfile: str  # the source's path in the image (co_filename)


class Target:
    """The target interpreter, asked questions in subprocesses."""

    def __init__(self, python: Path) -> None:
        self.python = python

    def _run(self, args: list[str], stdin: str, env: Mapping[str, str] | None) -> Any:
        try:
            proc = subprocess.run(
                [str(self.python), *args],
                input=stdin,
                capture_output=True,
                text=True,
                check=True,
                env=dict(env) if env is not None else None,
            )
        except FileNotFoundError:
            raise UserError(f"python not found: {self.python}") from None
        except PermissionError:
            raise UserError(f"python is not executable: {self.python}") from None
        except subprocess.CalledProcessError as exc:
            tail = "\n".join(exc.stderr.strip().splitlines()[-10:])
            raise UserError(f"{self.python} failed ({' '.join(args[:4])}):\n{tail}") from None
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise UserError(f"{self.python}: unexpected output from the probe") from None

    def _probe(self, mode: str, request: dict[str, Any]) -> Any:
        return self._run(["-I", "-S", str(PROBE_SCRIPT), mode], json.dumps(request), None)

    def info(self) -> TargetInfo:
        raw = self._probe("info", {})
        version = tuple(raw["version"])
        if version < (3, 11):
            raise UserError(f"{self.python} is Python {'.'.join(map(str, version))}; need 3.11+")
        return TargetInfo(
            executable=Path(raw["executable"]),
            version=(version[0], version[1], version[2]),
            stdlib=Path(raw["stdlib"]),
            dynload=Path(raw["dynload"]),
            sys_path=[Path(p) for p in raw["sys_path"]],
            cache_tag=raw["cache_tag"],
            frozen=frozenset(raw["frozen"]),
        )

    def startup_modules(self, env: Mapping[str, str]) -> dict[str, Path]:
        """Module name -> file of every module CPython's startup imports, measured
        with ``env`` as the environment (the image's, so the locale matches)."""
        raw = self._run(["-I", "-S", "-c", STARTUP_PROGRAM], "", env)
        return {name: Path(file) for name, file in raw.items()}

    def closure(
        self, app: Path, app_dir: Path, path: list[Path], include_modules: list[str],
        package_dirs: list[Path] | None = None, left_out_dirs: list[str] | None = None,
        keep_tests: bool = False,
    ) -> Closure:
        """ModuleFinder over ``app`` and ``include_modules`` on ``path``; then over every
        module of the packages of ``package_dirs`` that go in whole (but for
        ``left_out_dirs``), and the modules their distributions' entry points name.
        ``keep_tests``: the packages' tests are in the image, and their imports of test
        tools are followed.

        Raises UserError with Python's own report for a syntax error in the app's files.
        """
        raw = self._probe(
            "closure",
            {
                "app": str(app),
                "app_dir": str(app_dir),
                "path": [str(p) for p in path],
                "include_modules": include_modules,
                "package_dirs": [str(p) for p in package_dirs or []],
                "left_out_dirs": sorted(left_out_dirs or []),
                "keep_tests": keep_tests,
            },
        )
        check_compiled(raw)
        return Closure(
            modules=[
                FoundModule(
                    name=m["name"],
                    file=Path(m["file"]) if m["file"] else None,
                    is_package=m["is_package"],
                    importer=m["importer"],
                )
                for m in raw["modules"]
            ],
            missing=[MissingImport(m["name"], m["importers"]) for m in raw["missing"]],
            missing_includes=raw["missing_includes"],
            cut=dict(raw.get("cut", {})),
        )

    def data_paths(self) -> dict[str, list[str]]:
        """Where the target's stdlib reads its data files (see stdlib_data.py)."""
        raw = self._probe("data", {})
        return {str(k): [str(p) for p in v] for k, v in raw.items()}

    def compile(self, jobs: list[CompileJob]) -> None:
        """Compile sources to unchecked-hash .pyc files, in the given order."""
        request = {
            "jobs": [
                {"source": str(j.source), "cfile": str(j.cfile), "dfile": j.dfile} for j in jobs
            ]
        }
        check_compiled(self._probe("compile", request))


def check_compiled(raw: dict[str, Any]) -> None:
    """Raises UserError for a source file the probe could not compile."""
    if "syntax_error" in raw:
        err = raw["syntax_error"]
        if err.get("null_byte"):
            raise UserError(f"{err['filename']}: line {err['lineno']} contains a NUL byte "
                            "(Python source code cannot contain null bytes)")
        raise UserError(f"syntax error in {err['filename']}, line {err['lineno']}:\n"
                        f"{err['text']}")
    if "compile_error" in raw:
        err = raw["compile_error"]
        raise UserError(f"{err['filename']}: does not compile: {err['text']}")
