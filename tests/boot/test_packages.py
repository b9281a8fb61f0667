"""A third-party package with a C extension (--path): it imports from C, loads a library
bundled with it through $ORIGIN, reads its own data and metadata, as a wheel would."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.boot.conftest import Boot

EXTENSION_C = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int helper(void);

static PyObject *answer(PyObject *self, PyObject *args)
{
    return PyLong_FromLong(helper());
}

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void)
{
    /* Imported from C: no scan of Python code can see it. */
    PyObject *names = PyImport_ImportModule("fast._names");
    if (!names)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddObject(m, "names", names) < 0)
        Py_DECREF(names);
    return m;
}
"""


def test_a_package_with_a_c_extension_and_a_bundled_library_runs(
    boot: Boot, tmp_path: Path
) -> None:
    gcc = shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if gcc is None or not Path(include, "Python.h").exists():
        pytest.skip("needs gcc and python3.11-dev (./setup.sh installs them)")
    site = tmp_path / "site"
    pkg = site / "fast"
    (pkg / "data").mkdir(parents=True)
    (site / "fast.libs").mkdir()
    (pkg / "__init__.py").write_text("from fast._speedups import answer, names\n")
    (pkg / "_names.py").write_text("GREETING = 'imported from C'\n")
    (pkg / "data" / "greeting.txt").write_text("package data\n")
    info = site / "fast-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fast\nVersion: 1.2.3\n")
    (info / "RECORD").write_text("fast/__init__.py,,\n")
    (tmp_path / "helper.c").write_text("int helper(void) { return 42; }\n")
    (tmp_path / "ext.c").write_text(EXTENSION_C)
    lib = site / "fast.libs" / "libhelper-9f8e.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "helper.c")],
                   check=True)
    subprocess.run([gcc, "-shared", "-fPIC", f"-I{include}", "-o",
                    str(pkg / "_speedups.cpython-311-x86_64-linux-gnu.so"),
                    str(tmp_path / "ext.c"), f"-L{lib.parent}", "-lhelper-9f8e",
                    "-Wl,-rpath,$ORIGIN/../fast.libs"], check=True)
    r = boot("""
        import importlib.metadata, importlib.resources
        import fast
        print(fast.answer(), fast.names.GREETING)
        print(importlib.resources.files("fast").joinpath("data/greeting.txt").read_text().strip())
        print(importlib.metadata.version("fast"))
    """, options=["--path", str(site)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["42 imported from C", "package data", "1.2.3"]
