"""Run by the TARGET interpreter (the python that goes into the image), never imported.

Usage: ``PYTHON -I -S target_probe.py MODE`` with a JSON request on stdin; prints one
JSON document on stdout. Modes:

  info      the interpreter's paths, version, cache tag and frozen modules
  closure   ModuleFinder over the app (and extra module names) on a given path
  compile   py_compile a list of sources into unchecked-hash .pyc files
  data      where the stdlib's modules read their data files (see stdlib_data.py)

Everything that depends on the interpreter's own stdlib happens here, so that the
host-side builder may run under another Python. Keep this file free of dependencies
and of syntax newer than the oldest supported target (3.11).
"""

import _imp
import ast
import configparser
import importlib.machinery
import json
import modulefinder
import os
import py_compile
import re
import sys
import sysconfig
import traceback


def info(request):
    stdlib = os.path.dirname(os.__file__)
    dynload = sysconfig.get_config_var("DESTSHARED") or ""
    for entry in sys.path:
        if os.path.basename(entry) == "lib-dynload":
            dynload = entry
    return {
        "executable": sys.executable,
        "version": list(sys.version_info[:3]),
        "stdlib": stdlib,
        "dynload": dynload,
        "sys_path": sys.path,
        "cache_tag": sys.implementation.cache_tag,
        "frozen": sorted(_imp._frozen_module_names()),
    }


class NullByte(SyntaxError):
    """A source file with a NUL byte, which CPython refuses to compile ("source code
    string cannot contain null bytes"): a ValueError from ast.parse in 3.11, which
    ModuleFinder would let escape as a traceback, and a SyntaxError from 3.12."""


def check_no_null_byte(source, pathname):
    """Raises NullByte for the first NUL in ``source`` (bytes), with its line."""
    at = source.find(b"\0")
    if at >= 0:
        line_start = source.rfind(b"\n", 0, at) + 1
        raise NullByte("source code string cannot contain null bytes",
                       (pathname, source.count(b"\n", 0, at) + 1, at - line_start + 1, None))


def syntax_error_record(exc):
    return {
        "filename": exc.filename,
        "lineno": exc.lineno,
        "null_byte": isinstance(exc, NullByte),
        "text": "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n"),
    }


# Development tools: never followed from the rest of the stdlib, whose lazy imports of
# them (in test helpers, debuggers, help()) would pull in most of the stdlib; followed
# from the app's own files, third-party packages, --include-module and each other.
DEV_TOOLS = frozenset({
    "test", "unittest", "doctest", "pdb", "bdb", "pydoc", "pydoc_data", "lib2to3",
    "distutils", "tkinter", "idlelib", "turtle", "turtledemo", "ensurepip", "venv",
    "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase", "_testclinic",
    "_xxtestfuzz", "_ctypes_test", "xxlimited", "xxlimited_35",
})


def is_dev_tool(name):
    return name.partition(".")[0] in DEV_TOOLS


# Test and documentation tooling: pandas and numpy import pytest, hypothesis,
# setuptools or pygments only in their test helpers, doc builders and build hooks.
# Such an import in a third-party package (of a --path directory) is not followed when
# it is lazy (in a function body) or made by the package's own test or build tooling
# (TOOLING_MODULES): following them put pytest, setuptools and pygments into every
# image of pandas. Followed from the app's own files, --include-module, plugin entry
# points and the tools themselves; a module-level import elsewhere is followed too
# (an old package may ask pkg_resources for its version as it loads).
# With --keep-tests (request "keep_tests") the packages' test suites are in the image
# to be run, so their tooling's imports are followed; lazy ones elsewhere still are not.
TEST_TOOLS = frozenset({
    "pytest", "_pytest", "hypothesis", "_hypothesis_pytestplugin", "setuptools",
    "pkg_resources", "_distutils_hack", "distutils", "pip", "wheel", "pygments",
    "sphinx", "docutils", "numpydoc", "IPython", "nose", "asv", "tox", "mypy", "pylint",
    "coverage",
})
TOOLING_MODULES = frozenset({
    "conftest", "testing", "_testing", "tests", "test", "_pytesttester", "_tester",
    "distutils", "setup", "_build_utils", "sphinxext", "benchmarks",
})
TOOLING_PATTERN = re.compile(r"_?(test|tests|testing|conftest)(_\w*)?|\w*_tests?")


def is_tooling_part(part):
    """``conftest``, ``_testing``, ``_test_decorators`` (pandas.util's), ``foo_tests``."""
    return part in TOOLING_MODULES or TOOLING_PATTERN.fullmatch(part) is not None


CO_NEWLOCALS = 0x2  # a function's code (its body runs when called), not a module's or class's

# Entry point groups whose consumer loads every installed distribution's entries: when
# the consumer module is in the closure, those entries of every distribution on the
# package path are followed (and without it, none), and count as test tools (their own
# imports of pytest...). Other groups are followed for the distributions in the closure.
PLUGIN_GROUPS = {"pytest11": "_pytest.config"}
# Groups never loaded in the app's process: scripts the installer writes, and the
# build-time plugins of setuptools (setup.py commands and keywords).
NOT_LOADED_GROUPS = ("console_scripts", "gui_scripts", "distutils.", "setuptools.", "egg_info.")


NAMESPACE = "namespace"  # a file_info kind of our own, next to modulefinder's


class Finder(modulefinder.ModuleFinder):
    """ModuleFinder that also remembers who first imported each module and the
    syntax errors in the app's own files (ModuleFinder would swallow them)."""

    def __init__(self, path, app_dir, package_dirs=(), keep_tests=False):
        modulefinder.ModuleFinder.__init__(self, path=path)
        self.app_dir = app_dir
        self.package_dirs = list(package_dirs)
        self.keep_tests = keep_tests
        self.tool_tops = set(TEST_TOOLS)  # grows with the plugins of PLUGIN_GROUPS
        self.cut = {}  # test tool not followed -> the third-party module importing it
        self.lazy = [False]  # whether the code being scanned is in a function body
        self.importer = {}
        self.scanning = []  # names of the modules whose code is being scanned
        self.root_importer = None
        self.syntax_error = None

    def scan_code(self, co, m):
        self.scanning.append(m.__name__)
        top = co is getattr(m, "__code__", None)
        self.lazy.append(not top and (self.lazy[-1] or bool(co.co_flags & CO_NEWLOCALS)))
        try:
            modulefinder.ModuleFinder.scan_code(self, co, m)
        finally:
            self.scanning.pop()
            self.lazy.pop()

    def import_module(self, partname, fqname, parent):
        if fqname not in self.modules and fqname not in self.importer:
            self.importer[fqname] = self.scanning[-1] if self.scanning else self.root_importer
        return modulefinder.ModuleFinder.import_module(self, partname, fqname, parent)

    def _safe_import_hook(self, name, caller, fromlist, level=-1):
        if level == 0 and is_dev_tool(name) and caller is not None:
            if self.is_stdlib_module(caller) and not is_dev_tool(caller.__name__):
                return  # not followed: see DEV_TOOLS
        if level == 0 and caller is not None and self.is_tool(name) and name not in self.modules:
            tooling = any(is_tooling_part(part) for part in caller.__name__.split("."))
            if self.keep_tests:
                cut = self.lazy[-1] and not tooling
            else:
                cut = self.lazy[-1] or tooling
            if self.is_third_party(caller) and not self.is_tool(caller.__name__) and cut:
                self.cut.setdefault(name.partition(".")[0], caller.__name__)
                return  # not followed: see TEST_TOOLS
        return modulefinder.ModuleFinder._safe_import_hook(self, name, caller, fromlist, level)

    def is_tool(self, name):
        return name.partition(".")[0] in self.tool_tops

    def is_third_party(self, module):
        path = module.__file__
        return bool(path) and any(in_dir(path, d) for d in self.package_dirs)

    def is_stdlib_module(self, module):
        path = module.__file__
        if module.__name__ == "__main__" or path is None or in_dir(path, self.app_dir):
            return False
        stdlib = os.path.dirname(os.__file__)
        return in_dir(path, stdlib) and not any(
            in_dir(path, os.path.join(stdlib, sub)) for sub in ("site-packages", "dist-packages"))

    def find_module(self, name, path, parent=None):
        # ModuleFinder does not know namespace packages (a directory without
        # __init__.py, e.g. Debian's /usr/lib/python3.11/tkinter without python3-tk).
        if path is not None or name not in sys.builtin_module_names:
            spec = importlib.machinery.PathFinder.find_spec(
                name, self.path if path is None else path)
            if (spec is not None and spec.origin is None
                    and spec.submodule_search_locations is not None):
                return None, list(spec.submodule_search_locations), ("", "", NAMESPACE)
        return modulefinder.ModuleFinder.find_module(self, name, path, parent)

    def load_module(self, fqname, fp, pathname, file_info):
        kind = file_info[2]
        if kind == NAMESPACE:
            module = self.add_module(fqname)
            module.__path__ = pathname
            return module
        try:
            if kind == modulefinder._PY_SOURCE:
                return self.load_source(fqname, fp, pathname)
            return modulefinder.ModuleFinder.load_module(self, fqname, fp, pathname, file_info)
        except SyntaxError as exc:
            if self.syntax_error is None and in_dir(pathname, self.app_dir):
                self.syntax_error = syntax_error_record(exc)
            raise

    def load_source(self, fqname, fp, pathname):
        """ModuleFinder.load_module for source files, minus dead imports: those under
        ``if __name__ == "__main__":`` in an imported module (that code runs only when
        the file is a script) and under ``if TYPE_CHECKING:`` (never runs)."""
        source = fp.read()
        check_no_null_byte(source, pathname)
        tree = ast.parse(source, pathname)
        DeadBlocks(is_main=fqname == "__main__").visit(tree)
        code = compile(tree, pathname, "exec")
        module = self.add_module(fqname)
        module.__file__ = pathname
        module.__code__ = code
        self.scan_code(code, module)
        return module


class DeadBlocks(ast.NodeTransformer):
    """Empties the bodies of ``if`` statements that never run on import."""

    def __init__(self, is_main):
        self.is_main = is_main

    def visit_If(self, node):
        self.generic_visit(node)
        if self.never_runs(node.test):
            node.body = [ast.copy_location(ast.Pass(), node)]
        return node

    def never_runs(self, test):
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            return True
        if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
            return True
        if self.is_main or not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return False
        sides = [test.left, test.comparators[0]]
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return isinstance(test.ops[0], ast.Eq) and len(names) == 1 and len(mains) == 1


def in_dir(path, directory):
    return bool(path) and os.path.commonpath([os.path.abspath(path), directory]) == directory


def dynamic_imports():
    """Stdlib modules that import others by computed name, which a bytecode scan
    cannot see: trigger module -> what it imports at run time."""
    import sysconfig

    return {
        "sysconfig": [sysconfig._get_sysconfigdata_name()],
        "dbm": ["dbm.gnu", "dbm.ndbm", "dbm.dumb"],
        "xml.sax": ["xml.sax.expatreader"],
        # Codecs looked up by name: host names go through idna in the socket
        # layer, and zip archives name their members in cp437.
        "socket": ["encodings.idna"],
        "encodings.idna": ["encodings.punycode"],
        "zipfile": ["encodings.cp437"],
        # zoneinfo falls back to the tzdata package (importlib.resources, by name).
        "zoneinfo._common": ["tzdata"],
    }


def add_dynamic_imports(finder):
    done = set()
    table = dynamic_imports()
    while True:
        todo = [t for t in table if t in finder.modules and t not in done]
        if not todo:
            return
        for trigger in todo:
            done.add(trigger)
            finder.root_importer = trigger
            for name in table[trigger]:
                try:
                    finder.import_hook(name)
                except ImportError:
                    pass


def top_of(path, directory):
    """``numpy`` for DIR/numpy/_core/x.py, ``six.py`` for DIR/six.py."""
    return os.path.relpath(path, directory).split(os.sep)[0]


def package_modules(directory, top, left_out):
    """The module names of every .py file of the package ``directory/top``."""
    names = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(directory, top)):
        dirnames[:] = sorted(d for d in dirnames if d not in left_out and d.isidentifier())
        rel = os.path.relpath(dirpath, directory).split(os.sep)
        for name in sorted(filenames):
            stem, dot, ext = name.rpartition(".")
            if dot and ext == "py" and stem.isidentifier():
                parts = rel if stem == "__init__" else rel + [stem]
                names.append(".".join(parts))
    return names


def record_tops(info_dir):
    """The top-level names a *.dist-info directory's RECORD lists (``numpy``, ``six.py``)."""
    try:
        with open(os.path.join(info_dir, "RECORD"), encoding="utf-8", errors="replace") as f:
            return {line.split(",", 1)[0].split("/", 1)[0] for line in f}
    except OSError:
        return set()


def entry_points(info_dir):
    """(group, module) for each entry of a distribution's entry_points.txt."""
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str
    try:
        parser.read(os.path.join(info_dir, "entry_points.txt"), encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return []
    out = []
    for group in parser.sections():
        for value in parser[group].values():
            module = value.split(":", 1)[0].split("[", 1)[0].strip()
            if module and all(part.isidentifier() for part in module.split(".")):
                out.append((group, module))
    return out


def safe_import(finder, name, importer):
    finder.root_importer = importer
    try:
        finder.import_hook(name)
    except Exception:  # a third-party file that does not compile, or a missing module
        pass


def whole_package_reason(top, name):
    """Why module ``name`` of package ``top`` is in the image (inspect's why)."""
    reason = f"part of package {top}, which goes in whole"
    if "tests" in name.split(".")[1:]:
        reason += ", tests kept by --keep-tests"
    return reason


def follow_packages(finder, left_out):
    """Until nothing changes: every module of each package in a package directory that
    the closure uses (it goes in whole, see packages.py), and the modules named by the
    entry points of the distributions those packages belong to (and by the plugin
    entry points of every distribution, for the consumers of PLUGIN_GROUPS)."""
    done_tops, done_entries = set(), set()
    dists = [(d, os.path.join(d, n)) for d in finder.package_dirs if os.path.isdir(d)
             for n in sorted(os.listdir(d)) if n.endswith(".dist-info")]
    tops_of_dist = {info: record_tops(info) for _, info in dists}
    while True:
        tops = set()
        for module in list(finder.modules.values()):
            path = module.__file__
            for d in finder.package_dirs:
                if path and in_dir(path, d):
                    tops.add((d, top_of(path, d)))
                    break
        entries = []
        for d, info in dists:
            name = os.path.basename(info)[: -len(".dist-info")]
            used = any((d, t) in tops for t in tops_of_dist[info])
            for group, module in entry_points(info):
                if group.startswith(NOT_LOADED_GROUPS):
                    continue
                consumer = PLUGIN_GROUPS.get(group)  # a known group: only with its consumer
                if consumer in finder.modules if consumer is not None else used:
                    entries.append((group, module, name))
        todo_tops = sorted(tops - done_tops)
        todo_entries = [e for e in entries if e not in done_entries]
        if not todo_tops and not todo_entries:
            return
        for d, top in todo_tops:
            done_tops.add((d, top))
            if os.path.isdir(os.path.join(d, top)):
                for name in package_modules(d, top, left_out):
                    safe_import(finder, name, whole_package_reason(top, name))
        for group, module, dist in todo_entries:
            done_entries.add((group, module, dist))
            if group in PLUGIN_GROUPS:
                finder.tool_tops.add(module.partition(".")[0])
            safe_import(finder, module, f"entry point {group} of {dist}")
        add_dynamic_imports(finder)


def closure(request):
    app = request["app"]
    app_dir = request["app_dir"]
    finder = Finder(request["path"], app_dir, request.get("package_dirs", []),
                    request.get("keep_tests", False))
    missing_includes = []
    try:
        finder.run_script(app)
        finder.root_importer = "--include-module"
        for name in request["include_modules"]:
            try:
                finder.import_hook(name)
            except ImportError:
                missing_includes.append(name)
        add_dynamic_imports(finder)
        follow_packages(finder, set(request.get("left_out_dirs", [])))
    except SyntaxError as exc:
        if finder.syntax_error is None:
            finder.syntax_error = syntax_error_record(exc)
    if finder.syntax_error is not None:
        return {"syntax_error": finder.syntax_error}

    modules = []
    for name, module in sorted(finder.modules.items()):
        modules.append({
            "name": name,
            "file": module_file(module),
            "is_package": module.__path__ is not None,
            "importer": finder.importer.get(name),
        })
    missing, _maybe = finder.any_missing_maybe()
    return {
        "modules": modules,
        "missing": [
            {"name": name, "importers": sorted(finder.badmodules.get(name, {}))}
            for name in missing
            if name not in finder.modules and not lazy_attribute(finder, name)
        ],
        "missing_includes": missing_includes,
        "cut": finder.cut,
    }


def module_file(module):
    """The module's file; for a package ModuleFinder may leave its directory there
    (mypyc's ``__init__`` extension next to ``__init__.py``): then its ``__init__.py``."""
    path = module.__file__
    if path and os.path.isdir(path):
        init = os.path.join(path, "__init__.py")
        return init if os.path.isfile(init) else None
    return path


def lazy_attribute(finder, name):
    """``from pkg import name`` where pkg has a module ``__getattr__`` (PEP 562), which
    makes the name on first use (pydantic's BaseModel): not a missing module."""
    parent = finder.modules.get(name.rpartition(".")[0])
    return parent is not None and "__getattr__" in parent.globalnames


def compile_all(request):
    """Compiles each job; the first source that does not compile (a file of a package
    that goes in whole, which the closure does not scan) is reported, not raised."""
    for job in request["jobs"]:
        try:
            with open(job["source"], "rb") as f:
                check_no_null_byte(f.read(), job["source"])
            py_compile.compile(
                job["source"],
                cfile=job["cfile"],
                dfile=job["dfile"],
                doraise=True,
                optimize=0,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        except SyntaxError as exc:
            return {"syntax_error": syntax_error_record(exc)}
        except py_compile.PyCompileError as exc:
            value = exc.exc_value
            if isinstance(value, SyntaxError):
                record = syntax_error_record(value)
                record["filename"] = job["source"]  # not dfile, its path in the image
                return {"syntax_error": record}
            return {"compile_error": {"filename": job["source"],
                                      "text": f"{exc.exc_type_name}: {value}"}}
    return {"compiled": len(request["jobs"])}


def data_paths(request):
    """Key of stdlib_data.DATA -> the host paths (files or directories) that the
    target's stdlib reads for it, as the target computes them; absent ones included
    (the builder leaves them out)."""
    stdlib = os.path.dirname(os.__file__)
    paths = {
        "zoneinfo": [p for p in (sysconfig.get_config_var("TZPATH") or "").split(os.pathsep) if p],
        "locale": ["/usr/lib/locale/C.utf8", "/usr/lib/locale/locale-archive"],
        "platform": ["/etc/os-release", "/usr/lib/os-release"],
        "readline": ["/etc/inputrc"],
        "curses": ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"],
        "mailcap": ["/etc/mailcap", "/usr/etc/mailcap", "/usr/local/etc/mailcap"],
        "sysconfig": [sysconfig.get_makefile_filename(), sysconfig.get_config_h_filename()],
        "lib2to3": [os.path.join(stdlib, "lib2to3", name)
                    for name in sorted(os.listdir(os.path.join(stdlib, "lib2to3")))
                    if name.endswith((".txt", ".pickle"))]
        if os.path.isdir(os.path.join(stdlib, "lib2to3")) else [],
        "ensurepip": [sysconfig.get_config_var("WHEEL_PKG_DIR") or ""],
    }
    try:
        import mimetypes
        paths["mimetypes"] = list(mimetypes.knownfiles)
    except ImportError:
        pass
    try:
        import ssl
        verify = ssl.get_default_verify_paths()
        paths["ssl"] = [verify.cafile or "", verify.capath or "", verify.openssl_cafile,
                        verify.openssl_capath]
        # OpenSSL reads its configuration (Debian's sets the security level) from
        # OPENSSLDIR, where its default cert.pem is too.
        paths["openssl"] = [os.path.join(os.path.dirname(verify.openssl_cafile), "openssl.cnf")]
    except ImportError:
        pass
    return {key: [p for p in value if p] for key, value in paths.items()}


MODES = {"info": info, "closure": closure, "compile": compile_all, "data": data_paths}


def main():
    request = json.load(sys.stdin)
    result = MODES[sys.argv[1]](request)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
