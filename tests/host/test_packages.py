"""Third-party packages from --path: whole packages, their metadata and bundled libraries."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import BuildResult
from unipython.builder.image import Image

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]


def make_site(site: Path) -> None:
    """A wheel-like install: a package with an unimported submodule, data, tests, metadata."""
    pkg = site / "fancy"
    (pkg / "plugins").mkdir(parents=True)
    (pkg / "tests").mkdir()
    (pkg / "__pycache__").mkdir()
    (pkg / "__init__.py").write_text(
        "import importlib\n"
        "def plugin(name):\n"
        "    return importlib.import_module(f'fancy.plugins.{name}')\n")
    (pkg / "plugins" / "__init__.py").write_text("")
    (pkg / "plugins" / "csv_out.py").write_text("import csv\nNAME = 'csv'\n")
    (pkg / "data.json").write_text("{}\n")
    (pkg / "tests" / "test_fancy.py").write_text("import fancy\n")
    (pkg / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"stale")
    info = site / "fancy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fancy\nVersion: 1.0\n")
    (info / "RECORD").write_text("fancy/__init__.py,,\nfancy-1.0.dist-info/METADATA,,\n")
    other = site / "unrelated-2.0.dist-info"
    other.mkdir()
    (other / "RECORD").write_text("unrelated/__init__.py,,\n")
    (site / "unrelated").mkdir()
    (site / "unrelated" / "__init__.py").write_text("")


def test_a_package_goes_in_whole_with_its_metadata_but_not_its_tests(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    make_site(site)
    result = build_app(make_app({"main.py": "import fancy\n"}), extra_paths=[site])
    fs = Image.open(result.output).rootfs
    top = "/.unipython/path/0"
    assert fs.read(f"{top}/fancy/plugins/csv_out.py").startswith(b"import csv")
    assert fs.lookup(f"{top}/fancy/plugins/__pycache__/csv_out.cpython-311.pyc") is not None
    assert fs.read(f"{top}/fancy/data.json") == b"{}\n"
    assert fs.read(f"{top}/fancy-1.0.dist-info/METADATA").startswith(b"Metadata-Version")
    assert fs.lookup(f"{top}/fancy/tests") is None
    assert fs.read(f"{top}/fancy/__pycache__/__init__.cpython-311.pyc") != b"stale"
    assert fs.lookup(f"{top}/unrelated") is None
    assert fs.lookup(f"{top}/unrelated-2.0.dist-info") is None
    why = {f.path: f.reason for f in result.files}
    assert why[f"{top}/fancy/__init__.py"] == "imported by app"
    assert why[f"{top}/fancy/data.json"] == "part of package fancy"


def make_test_tool(site: Path) -> None:
    """A package named as a test tool, which fancy's test suite and test helper import."""
    (site / "pytest").mkdir()
    (site / "pytest" / "__init__.py").write_text("")
    (site / "fancy" / "tests" / "test_fancy.py").write_text("import fancy\nimport pytest\n")
    (site / "fancy" / "tests" / "data.csv").write_text("1,2\n")
    (site / "fancy" / "testing.py").write_text("import pytest\n")


def test_keep_tests_keeps_a_packages_tests_and_follows_their_test_tools(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    make_site(site)
    make_test_tool(site)
    app = make_app({"main.py": "import fancy\n"})
    top = "/.unipython/path/0"
    plain = {f.path for f in build_app(app, extra_paths=[site]).files}
    assert f"{top}/fancy/testing.py" in plain  # the package goes in whole...
    assert f"{top}/fancy/tests/test_fancy.py" not in plain  # ...but for its tests
    assert f"{top}/pytest/__init__.py" not in plain  # and test tooling's imports

    result = build_app(app, extra_paths=[site], keep_tests=True)
    fs = Image.open(result.output).rootfs
    assert fs.read(f"{top}/fancy/tests/test_fancy.py").startswith(b"import fancy")
    assert fs.lookup(f"{top}/fancy/tests/__pycache__/test_fancy.cpython-311.pyc") is not None
    assert fs.read(f"{top}/fancy/tests/data.csv") == b"1,2\n"
    assert fs.lookup(f"{top}/fancy/__pycache__/__init__.cpython-311.pyc") is not None
    assert fs.read(f"{top}/fancy/__pycache__/__init__.cpython-311.pyc") != b"stale"
    why = {f.path: f.reason for f in result.files}
    assert why[f"{top}/fancy/tests/test_fancy.py"].endswith("tests kept by --keep-tests")
    assert why[f"{top}/fancy/tests/data.csv"] == (
        "part of package fancy, tests kept by --keep-tests")
    assert why[f"{top}/pytest/__init__.py"] in (
        "imported by fancy.testing", "imported by fancy.tests.test_fancy")


def test_a_venv_inside_the_app_dir_given_with_path_is_packages_not_app_files(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"main.py": "import fancy\n"})
    site = app.parent / "venv" / "lib" / "python3.11" / "site-packages"
    make_site(site)
    (site / "fancy" / "optional.py").write_text("import not_installed_anywhere\n")
    result = build_app(app, extra_paths=[site])
    paths = {f.path for f in result.files}
    assert "/.unipython/path/0/fancy/__init__.py" in paths
    assert not any(p.startswith("/app/venv") for p in paths)
    assert result.warnings == []  # optional imports inside packages are not the app's


def test_a_library_bundled_with_a_wheel_is_found_through_origin(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    site = tmp_path / "site"
    (site / "fast").mkdir(parents=True)
    (site / "fast.libs").mkdir()
    (tmp_path / "lib.c").write_text("int helper(void) { return 42; }\n")
    (tmp_path / "ext.c").write_text("int helper(void);\nint call(void) { return helper(); }\n")
    lib = site / "fast.libs" / "libhelper-1a2b.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "lib.c")],
                   check=True)
    ext = site / "fast" / "_speedups.cpython-311-x86_64-linux-gnu.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(ext), str(tmp_path / "ext.c"),
                    f"-L{lib.parent}", "-lhelper-1a2b", "-Wl,-rpath,$ORIGIN/../fast.libs"],
                   check=True)
    (site / "fast" / "__init__.py").write_text("from . import _speedups\n")
    result = build_app(make_app({"main.py": "import fast\n"}), extra_paths=[site])
    fs = Image.open(result.output).rootfs
    assert fs.read("/.unipython/path/0/fast.libs/libhelper-1a2b.so") == lib.read_bytes()
    why = {f.path: f.reason for f in result.files}
    assert why["/.unipython/path/0/fast.libs/libhelper-1a2b.so"] == (
        f"DT_NEEDED of /.unipython/path/0/fast/{ext.name}")
    assert result.warnings == []
