"""build(): an app, the target interpreter and a kernel in, one bootable image out."""

from __future__ import annotations

import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from unipython.builder.added import Added, add_to_plan
from unipython.builder.etc import add_etc
from unipython.builder.image import assemble, parse_elf_header, write_atomic
from unipython.builder.libs import is_x86_64_elf, library_closure
from unipython.builder.manifest import FileEntry
from unipython.builder.modules import (
    APP_DIR,
    EXTRA_PATH_DIR,
    ModuleFile,
    module_files,
    pyc_path,
    unresolved_warnings,
)
from unipython.builder.observe import OBSERVED_PATH, observe_app, observed_json
from unipython.builder.packages import left_out_dirs, package_files
from unipython.builder.plan import Plan, source_date_epoch
from unipython.builder.probe import CompileJob, Target, TargetInfo
from unipython.builder.rootfs import align_up
from unipython.builder.stdlib_data import DATA as STDLIB_DATA
from unipython.builder.stdlib_data import add_stdlib_data, check_exclude_data
from unipython.builder.trees import add_tree
from unipython.cmdline import CONFIG_PATH, DEFAULT_ENV, BootConfig, check_key
from unipython.errors import UserError, is_utf8, printable
from unipython.kernel import nonet_variant
from unipython.netconf import DEFAULTS_PATH, NetworkDefaults
from unipython.volumes import DEFAULTS_PATH as VOLUMES_PATH
from unipython.volumes import Volume
from unipython.volumes import to_json as volumes_json

DEFAULT_PYTHON = Path("/usr/bin/python3.11")
HOME_DIR = DEFAULT_ENV["HOME"]
MOUNT_POINTS = ("/tmp", "/dev", "/proc", "/data", HOME_DIR)  # /data: --disk's default

Progress = Callable[[str], None]


@dataclass
class AppPlan:
    """Everything an image of the app holds, before it is written: the root file
    system plan, what the kernel runs, and warnings for the user."""

    plan: Plan
    config: BootConfig
    warnings: list[str]
    uses_sockets: bool = True  # the app's closure has socket: it needs the network component


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: list[FileEntry]
    warnings: list[str]
    kernel_size: int  # bytes before the rootfs region (kernel ELF + padding)
    rootfs_size: int
    total_size: int
    kernel: Path = Path()  # the kernel ELF embedded: the one given, or its lean variant
    networking: bool = True  # whether that kernel has the network component


def check_env(env: Mapping[str, str]) -> dict[str, str]:
    for key in env:
        try:
            check_key(key)
        except ValueError:
            raise UserError(f"bad environment variable name: {key!r}") from None
    return dict(env)


def check_app_file(app: Path) -> None:
    """A one-line error unless ``app`` is a regular file whose name an image can hold
    (its path in the image goes on the kernel command line, which is UTF-8)."""
    try:
        st = app.stat()
    except FileNotFoundError:
        raise UserError(f"app file not found: {printable(app)}") from None
    except OSError as exc:  # ENAMETOOLONG, ENOTDIR, EACCES, ELOOP
        raise UserError(f"{printable(app)}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"{printable(app)}: is a directory, not an app file "
                        "(give the app's main script)")
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{printable(app)}: not a regular file")
    if not is_utf8(app.name):
        raise UserError(f"{printable(app)}: the file name is not UTF-8 (an image holds "
                        "UTF-8 names only); rename it")


def check_output(output: Path) -> None:
    """A one-line error for an output path that cannot be written, before the long part
    (a directory, or a name too long for the file system, such as APP.img for an app
    whose name is near the limit)."""
    try:
        st = output.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UserError(f"{printable(output)}: cannot write it: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"output is a directory: {printable(output)}")


def read_kernel(kernel: Path) -> bytes:
    try:
        data = kernel.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise UserError(f"kernel not found: {kernel}") from None
    parse_elf_header(data, f"kernel {kernel}")
    return data


def find_python(python: Path) -> Path:
    """The interpreter as an absolute path (its path in the image too); it must be an
    ELF executable, not a wrapper script such as a pyenv shim."""
    if "/" not in str(python):
        found = shutil.which(str(python))
        if found is None:
            raise UserError(f"python not found: {python}")
        python = Path(found)
    python = python.absolute()
    if not python.is_file():
        raise UserError(f"python not found: {python}")
    if not is_x86_64_elf(python):
        raise UserError(f"{python} is not an x86_64 ELF executable (a wrapper script?); "
                        "pass the real interpreter, e.g. /usr/bin/python3.11")
    return python


def check_extra_paths(paths: Sequence[Path]) -> list[Path]:
    out = []
    for path in paths:
        if not path.is_dir():
            raise UserError(f"--path {path}: not a directory")
        out.append(path.resolve())
    return out


def plan_app(
    app: Path,
    *,
    python: Path = DEFAULT_PYTHON,
    env: Mapping[str, str] | None = None,
    include_modules: Sequence[str] = (),
    extra_paths: Sequence[Path] = (),
    add: Sequence[Added] = (),
    include_stdlib: bool = False,
    extra_trees: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_data: Sequence[str] = (),
    observe: bool = False,
    keep_tests: bool = False,
    progress: Progress | None = None,
) -> AppPlan:
    """The closure of ``python app``: every file an image of it holds, and the boot
    config. ``build`` writes it as a unipython image; the benchmark also writes the
    same files as a Linux initramfs.

    ``env`` adds to the image's default environment; ``include_modules`` names modules
    (with their closure) that the app imports dynamically. ``include_stdlib`` puts the
    target's whole stdlib in (every file under its stdlib directory, lib-dynload and
    the ``test`` package included, with the shared libraries of every extension
    module); ``extra_trees`` names more host directories to include whole; ``exclude``
    holds fnmatch patterns of paths in those trees to leave out. The data files
    that the closure's stdlib modules read go in too (see stdlib_data.py), but for
    those named in ``exclude_data`` (or all of them, for ``all``). ``observe`` runs
    the app once on the host and records what it imports and opens (see observe.py).
    ``keep_tests`` keeps the ``tests`` directories of the packages that go in whole
    (see packages.py), so that their own test suites can run inside.
    ``extra_paths`` are directories of third-party pure-Python packages: searched
    after the app's directory and before the stdlib, as PYTHONPATH would be. The
    modules the app needs from the i-th go into the image under /.unipython/path/i
    (a host path could be hidden in the guest, e.g. by the tmpfs at /tmp), and the
    image's PYTHONPATH starts with those directories. ``add`` holds the user's data
    files and directories (see added.py). ``progress`` is called with a
    short description of each step. Raises UserError for the user's mistakes.
    """
    say = progress or (lambda _step: None)
    check_app_file(app)
    left_out_data = check_exclude_data(exclude_data)
    extra = check_extra_paths(extra_paths)
    extra_dirs = [(path, f"{EXTRA_PATH_DIR}/{i}") for i, path in enumerate(extra)]
    guest_env = {**DEFAULT_ENV, **check_env(env or {})}
    if extra:
        pythonpath = ":".join(guest for _, guest in extra_dirs)
        old = guest_env.get("PYTHONPATH")
        guest_env["PYTHONPATH"] = f"{pythonpath}:{old}" if old else pythonpath
    python = find_python(python)
    python_guest = python.as_posix()
    plan = Plan(source_date_epoch(python))

    say(f"asking {python} about its stdlib")
    target = Target(python)
    info = target.info()
    startup = target.startup_modules(guest_env)

    say("finding the modules the app imports")
    app_host = app.resolve()
    app_dir = app_host.parent
    closure = target.closure(
        app_host, app_dir, [app_dir, *extra, *info.search_path()], list(include_modules),
        package_dirs=extra, left_out_dirs=sorted(left_out_dirs(keep_tests)),
        keep_tests=keep_tests,
    )
    if closure.missing_includes:
        raise UserError(f"module not found: {', '.join(closure.missing_includes)} "
                        "(given with --include-module)")
    warnings = unresolved_warnings(closure, app_dir, app.name, extra)
    modules = module_files(info, startup, closure, app_dir, extra_dirs)
    modules += package_files(closure, extra_dirs, (m.guest for m in modules), keep_tests)

    app_guest = f"{APP_DIR}/{app.name}"
    plan.add_host_file(python_guest, "interpreter")
    plan.add_file(app_guest, app_host, "the app")
    for module in modules:
        if module.local:
            plan.add_file(module.guest, module.host, module.reason)
        else:
            plan.add_host_file(module.guest, module.reason)
    plan.add_host_dir(info.dynload.as_posix(), "CPython's exec_prefix landmark")
    for path, guest in extra_dirs:
        plan.add_dir(guest, f"--path {path}: on PYTHONPATH")
    for item in add:
        say(f"adding {item.host} as {item.guest}")
        add_to_plan(plan, item)
    if observe:
        say("running the app on the host (--observe)")
        places = [(app_dir, APP_DIR), *extra_dirs]
        seen = observe_app(python, app_host, app_dir, [app_dir, *extra, *info.search_path()],
                           guest_env)
        plan.add_generated(OBSERVED_PATH, observed_json(seen, places),
                           "what the app imported and opened on the host (--observe)")
    say("adding the data files of the stdlib modules")
    names = {m.name for m in closure.modules} | set(startup)
    if include_stdlib:  # every stdlib module is there to import, so all their data is
        names |= {module for data in STDLIB_DATA for module in data.modules}
    add_stdlib_data(plan, names, target.data_paths(), left_out_data, exclude)

    say("compiling bytecode")
    with tempfile.TemporaryDirectory(prefix="unipython-pyc-") as tmp:
        _add_bytecode(plan, target, info, modules, Path(tmp))

    extensions = {m.guest: m.host for m in modules if m.is_extension}
    trees = ([(info.stdlib.as_posix(), "the whole stdlib")] if include_stdlib else [])
    trees += [(tree, "extra tree") for tree in extra_trees]
    for tree, reason in trees:
        # After the closure's own files: those keep their reasons and unchecked-hash
        # .pyc. The rest comes as on the host, __pycache__ included: Debian's .pyc are
        # timestamp-based (they record the source's mtime and size), and the plan keeps
        # host mtimes, so CPython accepts them as they are and never rewrites them.
        say(f"adding {tree}")
        for elf in add_tree(plan, tree, reason, exclude):
            extensions.setdefault(elf, Path(elf))

    say("resolving shared libraries")
    trees_of_app = {APP_DIR: app_dir, **{guest: path for path, guest in extra_dirs}}
    warnings += _add_libraries(plan, python_guest, extensions, trees_of_app)

    # The app's directory (its working directory) and HOME take writes, in RAM, as
    # apps expect of them; the rest of the image stays read-only.
    uses_sockets = include_stdlib or any(m.name in ("socket", "_socket") for m in modules)
    # /etc too for an app with sockets: the kernel writes eth0's resolv.conf and hosts.
    config = BootConfig(python_guest, [python_guest, app_guest], guest_env, APP_DIR,
                        writable=[APP_DIR, HOME_DIR] + (["/etc"] if uses_sockets else []))
    _add_generated(plan, config, uses_sockets)
    return AppPlan(plan, config, warnings, uses_sockets)


def build(
    app: Path,
    output: Path,
    kernel: Path,
    *,
    python: Path = DEFAULT_PYTHON,
    env: Mapping[str, str] | None = None,
    include_modules: Sequence[str] = (),
    extra_paths: Sequence[Path] = (),
    add: Sequence[Added] = (),
    include_stdlib: bool = False,
    extra_trees: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_data: Sequence[str] = (),
    observe: bool = False,
    keep_tests: bool = False,
    network: NetworkDefaults | None = None,
    volumes: Sequence[Volume] = (),
    rootfs_outside: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the image ``output`` that runs ``python app`` on ``kernel``.

    The options are those of plan_app; ``network`` holds the network options
    that ``run`` uses for the image unless it is given others. ``rootfs_outside``: the root
    file system is no PT_LOAD (image.py), for run --rootfs=blk|ram. ``progress`` is called
    with a short description of each step. Raises UserError for the user's mistakes.
    """
    say = progress or (lambda _step: None)
    check_app_file(app)
    check_output(output)
    read_kernel(kernel)  # a clear error for a bad kernel before the long part
    planned = plan_app(app, python=python, env=env, include_modules=include_modules,
                       extra_paths=extra_paths, add=add, include_stdlib=include_stdlib,
                       extra_trees=extra_trees, exclude=exclude, exclude_data=exclude_data,
                       observe=observe, keep_tests=keep_tests, progress=progress)
    if network is not None and not network.is_empty():
        if not planned.uses_sockets:
            raise UserError(f"{' '.join(network.options())}: the app uses no sockets, so its "
                            "image has no network")
        planned.plan.add_generated(DEFAULTS_PATH, network.to_json(),
                                   "generated: build's network options, run's defaults")
    if volumes:
        planned.plan.add_generated(VOLUMES_PATH, volumes_json(volumes),
                                   "generated: build's -v volumes, run's defaults")
    # Only the kernel components the app needs: without sockets, no network stack.
    lean = None if planned.uses_sockets else nonet_variant(kernel)
    if lean is not None:
        kernel = lean
    kernel_bytes = read_kernel(kernel)

    say("writing the image")
    region, files = planned.plan.write()
    image = assemble(kernel_bytes, region, loaded=not rootfs_outside)
    write_atomic(output, image)
    return BuildResult(
        output=output,
        files=files,
        warnings=planned.warnings,
        kernel_size=align_up(len(kernel_bytes)),
        rootfs_size=len(region),
        total_size=len(image),
        kernel=kernel,
        networking=lean is None,
    )


def _add_bytecode(
    plan: Plan, target: Target, info: TargetInfo, modules: list[ModuleFile], tmp: Path
) -> None:
    """Compile every module that wants a .pyc with the target; add the results."""
    jobs: list[tuple[str, CompileJob]] = []
    for module in sorted((m for m in modules if m.compile), key=lambda m: m.guest):
        directory, name = module.guest.rsplit("/", 1)
        if not module.local:
            directory = plan.host_path(directory)
        guest_pyc = pyc_path(f"{directory}/{name}", info.cache_tag)
        cfile = tmp / f"{len(jobs)}.pyc"
        jobs.append((guest_pyc, CompileJob(module.host, cfile, module.guest)))
    target.compile([job for _, job in jobs])
    for guest_pyc, job in jobs:
        plan.add_generated(guest_pyc, job.cfile.read_bytes(), f"bytecode of {job.dfile}")


def _add_libraries(plan: Plan, python_guest: str, extensions: Mapping[str, Path],
                   trees: Mapping[str, Path]) -> list[str]:
    """``extensions`` maps the guest path of each dlopened ELF file to its host file;
    ``trees`` the guest directories whose files come from elsewhere on the host (the
    app's and the --path ones) to their host directories."""
    local = {g: h for g, h in extensions.items() if g != h.as_posix()}  # /app/... files
    closure = library_closure([python_guest, *sorted(extensions)], hosts=local, trees=trees)
    for lib in closure.libraries:
        reason = f"{'PT_INTERP' if lib.name == 'PT_INTERP' else 'DT_NEEDED'} of {lib.needed_by}"
        if lib.host.as_posix() == lib.path:
            plan.add_host_file(lib.path, reason)
        else:  # e.g. a wheel's bundled library (numpy.libs/...) found through $ORIGIN
            plan.add_file(lib.path, lib.host, reason)
    return [f"library {name!r} needed by {by} not found; it is not in the image"
            for name, by in closure.missing]


def _add_generated(plan: Plan, config: BootConfig, uses_sockets: bool) -> None:
    add_etc(plan, uses_sockets)
    for directory in MOUNT_POINTS:
        plan.add_dir(directory, "generated: mount point" if directory != HOME_DIR else "HOME")
    plan.add_generated(CONFIG_PATH, config.render().encode("ascii"), "boot defaults")
