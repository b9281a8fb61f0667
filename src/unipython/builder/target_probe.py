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
import importlib.machinery
import json
import modulefinder
import os
import py_compile
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


def syntax_error_record(exc):
    return {
        "filename": exc.filename,
        "lineno": exc.lineno,
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


NAMESPACE = "namespace"  # a file_info kind of our own, next to modulefinder's


class Finder(modulefinder.ModuleFinder):
    """ModuleFinder that also remembers who first imported each module and the
    syntax errors in the app's own files (ModuleFinder would swallow them)."""

    def __init__(self, path, app_dir):
        modulefinder.ModuleFinder.__init__(self, path=path)
        self.app_dir = app_dir
        self.importer = {}
        self.scanning = []  # names of the modules whose code is being scanned
        self.root_importer = None
        self.syntax_error = None

    def scan_code(self, co, m):
        self.scanning.append(m.__name__)
        try:
            modulefinder.ModuleFinder.scan_code(self, co, m)
        finally:
            self.scanning.pop()

    def import_module(self, partname, fqname, parent):
        if fqname not in self.modules and fqname not in self.importer:
            self.importer[fqname] = self.scanning[-1] if self.scanning else self.root_importer
        return modulefinder.ModuleFinder.import_module(self, partname, fqname, parent)

    def _safe_import_hook(self, name, caller, fromlist, level=-1):
        if level == 0 and is_dev_tool(name) and caller is not None:
            if self.is_stdlib_module(caller) and not is_dev_tool(caller.__name__):
                return  # not followed: see DEV_TOOLS
        return modulefinder.ModuleFinder._safe_import_hook(self, name, caller, fromlist, level)

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
        tree = ast.parse(fp.read(), pathname)
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


def closure(request):
    app = request["app"]
    app_dir = request["app_dir"]
    finder = Finder(request["path"], app_dir)
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
    except SyntaxError as exc:
        if finder.syntax_error is None:
            finder.syntax_error = syntax_error_record(exc)
    if finder.syntax_error is not None:
        return {"syntax_error": finder.syntax_error}

    modules = []
    for name, module in sorted(finder.modules.items()):
        modules.append({
            "name": name,
            "file": module.__file__,
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
    }


def lazy_attribute(finder, name):
    """``from pkg import name`` where pkg has a module ``__getattr__`` (PEP 562), which
    makes the name on first use (pydantic's BaseModel): not a missing module."""
    parent = finder.modules.get(name.rpartition(".")[0])
    return parent is not None and "__getattr__" in parent.globalnames


def compile_all(request):
    for job in request["jobs"]:
        py_compile.compile(
            job["source"],
            cfile=job["cfile"],
            dfile=job["dfile"],
            doraise=True,
            optimize=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
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
