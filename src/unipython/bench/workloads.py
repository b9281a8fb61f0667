"""The apps the bench runs, staged into app directories, and their images.

The guest-side scripts live in the repository's bench/ folder. pyperformance's
benchmark code is not copied into the repository: at bench time each
run_benchmark.py is copied from the installed pyperformance package into the
staging directory as bm_NAME.py, next to the driver bench/pyperf_app.py, and
pyperf (a pure-Python package) goes into the image through the builder's
extra_paths. Every setting runs the same staged files.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from unipython.bench import initramfs
from unipython.builder import DEFAULT_PYTHON, build, plan_app
from unipython.errors import UserError
from unipython.kernel import REPO

BENCH_DIR = REPO / "bench"
PYPERF_BENCHMARKS = ("nbody", "richards", "float", "json_dumps", "json_loads", "regex_compile")
# Extra modules a benchmark directory holds (imported by run_benchmark.py).
BENCHMARK_HELPERS = {"regex_compile": ("bm_regex_effbot", "bm_regex_v8")}
# Same for every setting: fixed hash seed (deterministic counts), the image's PATH/HOME.
COMMON_ENV = {"PYTHONHASHSEED": "0", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"}


@dataclass
class App:
    """One staged app: its main script in its own directory."""

    name: str
    script: Path
    include_modules: list[str] = field(default_factory=list)
    extra_paths: list[Path] = field(default_factory=list)

    @property
    def guest_script(self) -> str:
        return f"/app/{self.script.name}"

    def host_env(self) -> dict[str, str]:
        """The environment for running the app on the host (native, qemu-user)."""
        env = dict(COMMON_ENV)
        if self.extra_paths:
            env["PYTHONPATH"] = ":".join(p.as_posix() for p in self.extra_paths)
        return env


def _package_dir(module: str, hint: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise UserError(f"the bench needs {module}: {hint}")
    return Path(spec.origin).parent


def sysconfigdata_module(python: Path = DEFAULT_PYTHON) -> str:
    """The module sysconfig imports by a name it computes (pyperf uses sysconfig)."""
    proc = subprocess.run([str(python), "-I", "-c",
                           "import sysconfig; print(sysconfig._get_sysconfigdata_name())"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def stage_simple(name: str, workdir: Path, include_modules: tuple[str, ...] = ()) -> App:
    directory = workdir / name
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / f"{name}.py"
    shutil.copyfile(BENCH_DIR / f"{name}.py", script)
    return App(name, script, include_modules=list(include_modules))


def stage_pyperf(workdir: Path) -> App:
    """The driver and the benchmarks' own files, from the installed pyperformance."""
    hint = "pip install 'unipython[bench]'"
    benchmarks = _package_dir("pyperformance", hint) / "data-files" / "benchmarks"
    # pyperf alone (not the venv's site-packages: psutil there is optional for pyperf,
    # and a C extension reading /proc; no setting gets it).
    site = workdir / "site-packages"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(_package_dir("pyperf", hint), site / "pyperf",
                    ignore=shutil.ignore_patterns("__pycache__", "tests"))
    modules = [sysconfigdata_module()]  # sysconfig imports it by a computed name
    directory = workdir / "pyperf"
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "pyperf_app.py"
    shutil.copyfile(BENCH_DIR / "pyperf_app.py", script)
    for name in PYPERF_BENCHMARKS:
        source = benchmarks / f"bm_{name}"
        if not (source / "run_benchmark.py").is_file():
            raise UserError(f"pyperformance has no benchmark {name} ({source})")
        shutil.copyfile(source / "run_benchmark.py", directory / f"bm_{name}.py")
        modules.append(f"bm_{name}")
        for helper in BENCHMARK_HELPERS.get(name, ()):
            shutil.copyfile(source / f"{helper}.py", directory / f"{helper}.py")
            modules.append(helper)
    return App("pyperf", script, include_modules=modules, extra_paths=[site])


@dataclass(frozen=True)
class Images:
    unipython: Path
    initramfs: Path
    guest_env: dict[str, str]  # the environment both guests give the app


def make_images(app: App, kernel: Path, workdir: Path) -> Images:
    """The unipython image and the Linux initramfs of ``app``: one closure, the same
    files (the initramfs adds /dev/console and /dev/null)."""
    out = workdir / "images"
    out.mkdir(parents=True, exist_ok=True)
    image = out / f"{app.name}.img"
    build(app.script, image, kernel, env=COMMON_ENV, include_modules=app.include_modules,
          extra_paths=app.extra_paths)
    planned = plan_app(app.script, env=COMMON_ENV, include_modules=app.include_modules,
                       extra_paths=app.extra_paths)
    cpio = out / f"{app.name}.cpio"
    cpio.write_bytes(initramfs.from_plan(planned.plan).to_bytes())
    return Images(image, cpio, dict(planned.config.env))


# Linux's init for the network rows and what it needs beyond the app's closure.
LINUX_NET_INIT = "linux_net_init.py"
LINUX_NET_MODULES_DIR = "/usr/lib/modules/unipython-bench"


def make_net_images(app: App, kernel: Path, modules: tuple[Path, ...], workdir: Path) -> Images:
    """The network app's images: the unipython image as make_images builds it; the
    Linux initramfs holds the same closure plus its init (linux_net_init.py, which
    uses ctypes and fcntl) and the kernel modules for virtio-net over virtio-mmio."""
    return make_init_images(app, kernel, LINUX_NET_INIT, ["ctypes", "fcntl", "runpy"], modules,
                            "order.txt", workdir)


def make_init_images(app: App, kernel: Path, init: str, init_modules: list[str],
                     modules: tuple[Path, ...], order_file: str, workdir: Path) -> Images:
    """The unipython image as make_images builds it; the Linux initramfs holds the
    same closure plus the init prelude ``init`` from bench/ (with the Python modules
    it needs beyond the app's, ``init_modules``) and the kernel modules, their load
    order in LINUX_NET_MODULES_DIR/order_file."""
    out = workdir / "images"
    out.mkdir(parents=True, exist_ok=True)
    image = out / f"{app.name}.img"
    build(app.script, image, kernel, env=COMMON_ENV, include_modules=app.include_modules,
          extra_paths=app.extra_paths)
    planned = plan_app(app.script, env=COMMON_ENV,
                       include_modules=[*app.include_modules, *init_modules],
                       extra_paths=app.extra_paths)
    writer = initramfs.from_plan(planned.plan)
    writer.add_file(f"/app/{init}", (BENCH_DIR / init).read_bytes())
    for module in modules:
        writer.add_file(f"{LINUX_NET_MODULES_DIR}/{module.name}", module.read_bytes())
    order = "".join(f"{m.name.removesuffix('.ko')}\n" for m in modules)
    writer.add_file(f"{LINUX_NET_MODULES_DIR}/{order_file}", order.encode())
    cpio = out / f"{app.name}.cpio"
    cpio.write_bytes(writer.to_bytes())
    return Images(image, cpio, dict(planned.config.env))
