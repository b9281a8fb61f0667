"""The DT_NEEDED closure, resolved as glibc's ld.so resolves it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from unipython.builder.libs import expand, library_closure, read_deps
from unipython.builder.plan import Plan

PYTHON = "/usr/bin/python3.11"


@pytest.mark.skipif(not Path(PYTHON).exists(), reason="python3.11 not installed")
def test_python_needs_libc_libm_libz_libexpat_and_ld_so() -> None:
    closure = library_closure([PYTHON])
    paths = {lib.path for lib in closure.libraries}
    assert {
        "/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/lib/x86_64-linux-gnu/libexpat.so.1",
    } <= paths
    assert closure.missing == []


@pytest.mark.skipif(not Path(PYTHON).exists(), reason="python3.11 not installed")
def test_ld_so_goes_in_with_the_lib64_symlink_chain() -> None:
    plan = Plan()
    real = plan.add_host_file("/lib64/ld-linux-x86-64.so.2", "PT_INTERP")
    assert plan.entries[real].kind == "file"
    links = {p: e.data for p, e in plan.entries.items() if e.kind == "symlink"}
    assert links["/lib64"] == b"usr/lib64"
    assert links["/lib"] == b"usr/lib"


def test_origin_and_lib_are_expanded() -> None:
    assert expand("$ORIGIN/../lib", "/opt/app/bin") == "/opt/app/bin/../lib"
    assert expand("${ORIGIN}/x:$LIB", "/o") == "/o/x:lib/x86_64-linux-gnu"


@pytest.fixture
def rpath_tree(tmp_path: Path) -> Path:
    """/opt/bin/prog needs libfoo.so, found through DT_RUNPATH $ORIGIN/../lib."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    root = tmp_path / "root"
    (root / "opt/lib").mkdir(parents=True)
    (root / "opt/bin").mkdir(parents=True)
    (tmp_path / "foo.c").write_text("int foo(void) { return 1; }\n")
    (tmp_path / "prog.c").write_text("int foo(void); int main(void) { return foo(); }\n")
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(root / "opt/lib/libfoo.so"),
                    str(tmp_path / "foo.c")], check=True)
    subprocess.run([gcc, "-o", str(root / "opt/bin/prog"), str(tmp_path / "prog.c"),
                    "-L", str(root / "opt/lib"), "-lfoo", "-Wl,-rpath,$ORIGIN/../lib",
                    "-Wl,--enable-new-dtags"], check=True)
    return root


def test_runpath_with_origin_is_searched_first(rpath_tree: Path) -> None:
    assert read_deps(rpath_tree / "opt/bin/prog").runpath == ["$ORIGIN/../lib"]
    closure = library_closure(["/opt/bin/prog"], root=rpath_tree)
    assert [lib.path for lib in closure.libraries if lib.name == "libfoo.so"] == [
        "/opt/lib/libfoo.so"
    ]


def test_a_missing_library_is_reported_with_who_needs_it(rpath_tree: Path) -> None:
    (rpath_tree / "opt/lib/libfoo.so").unlink()
    closure = library_closure(["/opt/bin/prog"], root=rpath_tree)
    assert ("libfoo.so", "/opt/bin/prog") in closure.missing
