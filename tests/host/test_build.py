"""build(): what goes into the image, where, and why."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import BuildResult, build
from unipython.builder.image import Image
from unipython.builder.plan import source_date_epoch
from unipython.builder.rootfs import RootFS
from unipython.cmdline import BootConfig
from unipython.errors import UserError
from unipython.netconf import Network

AppMaker = Callable[..., Path]  # fixtures from conftest.py
Builder = Callable[..., BuildResult]

STDLIB = "/usr/lib/python3.11"
DYNLOAD = f"{STDLIB}/lib-dynload"


def rootfs(result_output: Path) -> RootFS:
    return Image.open(result_output).rootfs


def reasons(result: object) -> dict[str, str]:
    return {f.path: f.reason for f in result.files}  # type: ignore[attr-defined]


def test_hello_world_has_the_interpreter_app_startup_modules_and_libraries(
    make_app: AppMaker, build_app: Builder
) -> None:
    result = build_app(make_app({"hello.py": "print('hello')\n"}))
    fs = rootfs(result.output)
    why = reasons(result)
    assert why["/usr/bin/python3.11"] == "interpreter"
    assert why["/app/hello.py"] == "the app"
    assert fs.read("/app/hello.py") == b"print('hello')\n"
    for module in ["os.py", "site.py", "codecs.py", "encodings/__init__.py", "encodings/utf_8.py"]:
        assert fs.lookup(f"{STDLIB}/{module}") is not None, module
    assert why[f"{STDLIB}/os.py"] == "CPython startup"
    assert why["/usr/lib/x86_64-linux-gnu/libc.so.6"] == "DT_NEEDED of /usr/bin/python3.11"
    assert fs.lookup("/lib64/ld-linux-x86-64.so.2") is not None
    assert result.warnings == []


def test_the_main_script_and_frozen_modules_have_no_pyc(
    make_app: AppMaker, build_app: Builder
) -> None:
    fs = rootfs(build_app(make_app({"hello.py": "print('hello')\n"})).output)
    assert fs.lookup("/app/__pycache__") is None
    assert fs.lookup(f"{STDLIB}/__pycache__/os.cpython-311.pyc") is None  # frozen
    assert fs.lookup(f"{STDLIB}/encodings/__pycache__/__init__.cpython-311.pyc") is not None


def test_pyc_files_are_unchecked_hash_based(make_app: AppMaker, build_app: Builder) -> None:
    fs = rootfs(build_app(make_app({"hello.py": "print('hello')\n"})).output)
    pyc = fs.read(f"{STDLIB}/encodings/__pycache__/utf_8.cpython-311.pyc")
    flags = int.from_bytes(pyc[4:8], "little")
    assert flags == 0b01  # hash-based, check_source off


def test_only_the_core_encodings_go_in(make_app: AppMaker, build_app: Builder) -> None:
    fs = rootfs(build_app(make_app({"hello.py": "print('hello')\n"})).output)
    names = set(fs.listdir(f"{STDLIB}/encodings"))
    assert {"utf_8.py", "latin_1.py", "aliases.py"} <= names
    assert not names & {"cp1252.py", "big5.py", "cp437.py", "idna.py"}


def test_sitecustomize_symlink_is_kept_as_on_the_host(
    make_app: AppMaker, build_app: Builder
) -> None:
    host = Path(f"{STDLIB}/sitecustomize.py")
    if not host.is_symlink():
        pytest.skip("no Debian sitecustomize symlink here")
    fs = rootfs(build_app(make_app({"hello.py": "print('hello')\n"})).output)
    assert fs.readlink(str(host)) == os.readlink(host)
    assert fs.read(str(host)) == host.read_bytes()


def test_generated_files_and_mount_points(make_app: AppMaker, build_app: Builder) -> None:
    result = build_app(make_app({"hello.py": "print('hello')\n"}), env={"GREETING": "hi there"})
    fs = rootfs(result.output)
    passwd = Path("/usr/share/base-passwd/passwd.master").read_bytes()
    assert fs.read("/etc/passwd") == passwd and passwd.startswith(b"root:")
    assert fs.read("/etc/group").startswith(b"root:")
    shadow = fs.read("/etc/shadow").splitlines()
    assert [line.split(b":")[0] for line in shadow] == [
        line.split(b":")[0] for line in passwd.splitlines()]
    assert all(line.split(b":")[1] == b"*" for line in shadow)  # every account locked
    assert fs.lookup("/etc/shadow").mode & 0o777 == 0o600  # type: ignore[union-attr]
    assert fs.lookup("/etc/hosts") is None  # the app uses no sockets
    for directory in ["/tmp", "/dev", "/proc", "/root", DYNLOAD]:
        node = fs.lookup(directory)
        assert node is not None and node.is_dir, directory
    config = BootConfig.parse(fs.read("/.unipython/config").decode())
    assert config.exec == "/usr/bin/python3.11"
    assert config.argv == ["/usr/bin/python3.11", "/app/hello.py"]
    assert config.env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root",
                          "GREETING": "hi there"}
    assert config.cwd == "/app"
    assert b"GREETING=hi%20there" in fs.read("/.unipython/config")


def test_json_closure_has_json_decoder_and_the_json_extension(
    make_app: AppMaker, build_app: Builder
) -> None:
    result = build_app(make_app({"app.py": "import json\nprint(json.dumps([1]))\n"}))
    why = reasons(result)
    assert why[f"{STDLIB}/json/__init__.py"] == "imported by app"
    assert why[f"{STDLIB}/json/decoder.py"] == "imported by json"
    assert f"{STDLIB}/json/__pycache__/decoder.cpython-311.pyc" in why
    ext = sorted(Path(DYNLOAD).glob("_json.*.so"))
    if ext:  # an extension module here, built in elsewhere
        assert why[str(ext[0])].startswith("imported by json.")
    assert result.warnings == []  # nt, _winapi... inside the stdlib are not warnings


def test_development_tools_are_not_pulled_in_by_the_stdlib(
    make_app: AppMaker, build_app: Builder
) -> None:
    why = reasons(build_app(make_app({"app.py": "import json, collections\n"})))
    assert not any(p.startswith(f"{STDLIB}/{tool}") for p in why
                   for tool in ("unittest/", "doctest.py", "pdb.py", "test/", "pydoc.py"))


def test_development_tools_imported_by_a_third_party_package_go_in(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "tool").mkdir(parents=True)
    (site / "tool" / "__init__.py").write_text("import pdb\n")  # as pyelftools does
    why = reasons(build_app(make_app({"main.py": "import tool\n"}), extra_paths=[site]))
    assert why[f"{STDLIB}/pdb.py"] == "imported by tool"


def test_local_modules_and_packages_go_under_app(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({
        "main.py": "import helper\nfrom pkg import sub\n",
        "helper.py": "X = 1\n",
        "pkg/__init__.py": "",
        "pkg/sub.py": "from . import helper2\n",
        "pkg/helper2.py": "",
        "unused.py": "",
    })
    result = build_app(app)
    fs = rootfs(result.output)
    why = reasons(result)
    assert fs.read("/app/helper.py") == b"X = 1\n"
    assert why["/app/helper.py"] == "imported by app"
    assert why["/app/pkg/helper2.py"] == "imported by pkg.sub"
    assert fs.lookup("/app/__pycache__/helper.cpython-311.pyc") is not None
    assert fs.lookup("/app/pkg/__pycache__/sub.cpython-311.pyc") is not None
    assert fs.lookup("/app/unused.py") is None
    assert result.warnings == []


def test_an_unresolved_import_in_the_app_warns_and_names_it(
    make_app: AppMaker, build_app: Builder
) -> None:
    result = build_app(make_app({
        "app.py": "import helper\ntry:\n    import no_such_module_xyz\nexcept ImportError:\n"
                  "    pass\n",
        "helper.py": "import another_missing_one\n",
    }))
    assert len(result.warnings) == 2
    first, second = result.warnings  # sorted by module name
    assert first.startswith("module 'another_missing_one' imported by helper.py was not found")
    assert second.startswith("module 'no_such_module_xyz' imported by app.py was not found")


def test_names_a_package_makes_on_demand_are_not_missing_modules(
    make_app: AppMaker, build_app: Builder
) -> None:
    result = build_app(make_app({
        "app.py": "from lazy import Thing\nfrom plain import Nothing\n",
        "lazy/__init__.py": "def __getattr__(name):\n    return name\n",  # PEP 562
        "plain/__init__.py": "",
    }))
    assert [w.split(" was ")[0] for w in result.warnings] == [
        "module 'plain.Nothing' imported by app.py"]


def test_a_syntax_error_in_the_app_reads_as_python_reports_it(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"app.py": "x = 1\n\ndef f(:\n    pass\n"})
    with pytest.raises(UserError) as err:
        build_app(app)
    message = str(err.value)
    assert f'File "{app}", line 3' in message
    assert "def f(:" in message and "^" in message
    assert "SyntaxError: " in message


def test_a_syntax_error_in_a_local_module_is_reported(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"app.py": "import broken\n", "broken.py": "\n\nreturn = 5\n"})
    with pytest.raises(UserError, match=r"broken\.py\", line 3"):
        build_app(app)


def test_a_missing_app_file_is_a_user_error(tmp_path: Path, fake_kernel: Path) -> None:
    missing = tmp_path / "nope.py"
    with pytest.raises(UserError, match=f"^app file not found: {missing}$"):
        build(missing, tmp_path / "x.img", fake_kernel)


def test_include_modules_bring_their_closure(make_app: AppMaker, build_app: Builder) -> None:
    app = make_app({"app.py": "import importlib\nimportlib.import_module('json')\n"})
    why = reasons(build_app(app, include_modules=["json"]))
    assert why[f"{STDLIB}/json/__init__.py"] == "--include-module"
    assert f"{STDLIB}/json/decoder.py" in why


def test_an_unknown_include_module_is_a_user_error(
    make_app: AppMaker, build_app: Builder
) -> None:
    with pytest.raises(UserError, match="module not found: not_a_module_zz"):
        build_app(make_app({"app.py": ""}), include_modules=["not_a_module_zz"])


def test_two_builds_give_identical_bytes(make_app: AppMaker, build_app: Builder) -> None:
    app = make_app({"app.py": "import json\nimport helper\n", "helper.py": "Y = 2\n"})
    first, second = build_app(app), build_app(app)
    assert first.output.read_bytes() == second.output.read_bytes()


def test_source_date_epoch_sets_generated_mtimes(
    make_app: AppMaker, build_app: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    fs = rootfs(build_app(make_app({"app.py": ""})).output)
    assert fs.lookup("/etc/passwd").mtime == 1700000000  # type: ignore[union-attr]
    assert fs.nodes[0].mtime == 1700000000
    host_mtime = int(Path("/usr/bin/python3.11").stat().st_mtime)
    assert fs.lookup("/usr/bin/python3.11").mtime == host_mtime  # type: ignore[union-attr]


def test_the_result_sums_up_sizes(make_app: AppMaker, build_app: Builder) -> None:
    result = build_app(make_app({"app.py": ""}))
    assert result.total_size == result.output.stat().st_size
    assert result.kernel_size % 4096 == 0
    assert result.kernel_size + result.rootfs_size < result.total_size
    manifest = next(f for f in result.files if f.path == "/.unipython/manifest.json")
    assert manifest.reason == "this manifest"


CHROOT = shutil.which("chroot") or shutil.which("chroot", path="/usr/sbin:/sbin")


@pytest.mark.skipif(os.geteuid() != 0 or CHROOT is None, reason="needs root and chroot")
def test_the_image_tree_alone_runs_the_app(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    """Unpack the rootfs and run its config under chroot: the tree is self-sufficient
    (libraries, ld.so symlinks, startup modules, pyc files) without any kernel."""
    app = make_app({"app.py": "import json, helper\nprint(json.dumps(helper.VALUE))\n",
                    "helper.py": "VALUE = {'ok': [1, 2]}\n"})
    fs = rootfs(build_app(app).output)
    root = tmp_path / "unpacked"
    for path, node in fs.walk():
        dest = root / path.lstrip("/")
        if node.is_dir:
            dest.mkdir(parents=True, exist_ok=True)
        elif node.is_symlink:
            os.symlink(fs.data(node), dest)
        else:
            dest.write_bytes(fs.data(node))
            dest.chmod(node.mode & 0o7777)
    config = BootConfig.parse(fs.read("/.unipython/config").decode())
    proc = subprocess.run(
        [CHROOT, str(root), *config.argv], env=config.env, capture_output=True, text=True,
    )
    assert proc.stderr == ""
    assert proc.stdout == '{"ok": [1, 2]}\n'


def test_a_local_extension_module_goes_in_with_its_libraries(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    app = make_app({"app.py": "import fastmod\n"})
    (tmp_path / "m.c").write_text("#include <math.h>\ndouble f(double x) { return cos(x); }\n")
    so = app.parent / "fastmod.cpython-311-x86_64-linux-gnu.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(so), str(tmp_path / "m.c"), "-lm"],
                   check=True)
    result = build_app(app)
    why = reasons(result)
    assert why[f"/app/{so.name}"] == "imported by app"
    assert why["/usr/lib/x86_64-linux-gnu/libm.so.6"] == "DT_NEEDED of /usr/bin/python3.11"
    assert result.warnings == []


def test_a_wrapper_script_is_refused_as_the_interpreter(
    make_app: AppMaker, tmp_path: Path, fake_kernel: Path
) -> None:
    shim = tmp_path / "python3"
    shim.write_text("#!/bin/sh\nexec /usr/bin/python3.11 \"$@\"\n")
    shim.chmod(0o755)
    with pytest.raises(UserError, match="not an x86_64 ELF executable"):
        build(make_app({"app.py": ""}), tmp_path / "x.img", fake_kernel, python=shim)


def test_modules_the_stdlib_imports_by_computed_name_go_in(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"app.py": "import sysconfig\nprint(sysconfig.get_config_var('SOABI'))\n"})
    result = build_app(app)
    paths = {f.path for f in result.files}
    assert any("/_sysconfigdata_" in p for p in paths)


def test_extra_path_packages_go_in_under_their_own_dir_and_on_pythonpath(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "thirdparty").mkdir(parents=True)
    (site / "thirdparty" / "__init__.py").write_text("import json\nVALUE = 1\n")
    (site / "unused.py").write_text("")
    result = build_app(make_app({"main.py": "import thirdparty\n"}), extra_paths=[site])
    fs = rootfs(result.output)
    why = reasons(result)
    # Not at its host path: that could be hidden in the guest (the tmpfs at /tmp).
    assert fs.read("/.unipython/path/0/thirdparty/__init__.py").startswith(b"import json")
    assert fs.lookup("/.unipython/path/0/thirdparty/__pycache__/__init__.cpython-311.pyc")
    assert fs.lookup("/.unipython/path/0/unused.py") is None
    assert why["/.unipython/path/0/thirdparty/__init__.py"] == "imported by app"
    assert why[f"{STDLIB}/json/__init__.py"] == "imported by thirdparty"
    config = BootConfig.parse(fs.read("/.unipython/config").decode())
    assert config.env["PYTHONPATH"] == "/.unipython/path/0"
    assert result.warnings == []


def test_an_extra_path_that_is_not_a_directory_is_a_user_error(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="--path"):
        build_app(make_app({"main.py": ""}), extra_paths=[tmp_path / "missing"])


def test_codecs_looked_up_by_name_come_with_the_modules_that_use_them(
    make_app: AppMaker, build_app: Builder
) -> None:
    hello = {f.path for f in build_app(make_app({"a.py": "print(1)\n"})).files}
    assert not any(p.endswith(("/cp437.py", "/idna.py")) for p in hello)
    zipping = {f.path for f in build_app(make_app({"b.py": "import zipfile, socket\n"})).files}
    for codec in ("cp437", "idna", "punycode"):
        assert any(p.endswith(f"/encodings/{codec}.py") for p in zipping), codec


def test_an_app_with_sockets_gets_the_name_service_files(
    make_app: AppMaker, build_app: Builder
) -> None:
    fs = rootfs(build_app(make_app({"net.py": "import socket\n"})).output)
    assert b"localhost" in fs.read("/etc/hosts")
    assert b"hosts: files" in fs.read("/etc/nsswitch.conf")
    assert fs.read("/etc/services") == Path("/etc/services").read_bytes()
    assert fs.read("/etc/protocols") == Path("/etc/protocols").read_bytes()
    # The name server the runner names for QEMU's user networking (netconf.Network.dns).
    assert f"nameserver {Network().dns}\n".encode() in fs.read("/etc/resolv.conf")


def test_include_stdlib_puts_in_every_stdlib_file_with_debians_pyc_and_extension_libraries(
    make_app: AppMaker, build_app: Builder
) -> None:
    result = build_app(make_app({"hello.py": "print('hello')\n"}), include_stdlib=True,
                       exclude=[f"{STDLIB}/config-*/*.a"])
    fs = rootfs(result.output)
    why = reasons(result)
    assert why[f"{STDLIB}/test/test_bool.py"] == "the whole stdlib"
    assert why[f"{STDLIB}/xml/dom/minidom.py"] == "the whole stdlib"
    assert any(path.startswith("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0")
               and reason.startswith("DT_NEEDED of") for path, reason in why.items())
    assert fs.lookup(f"{DYNLOAD}/_sqlite3.cpython-311-x86_64-linux-gnu.so") is not None
    assert not any(f.path.endswith(".a") for f in result.files)
    # The closure's own modules keep their reason and unchecked-hash .pyc...
    assert why[f"{STDLIB}/os.py"] == "CPython startup"
    # ...the rest come with Debian's timestamp .pyc and the source's host mtime.
    pyc_path = f"{STDLIB}/test/__pycache__/test_bool.cpython-311.pyc"
    host_pyc = Path(pyc_path)
    if not host_pyc.is_file():
        pytest.skip("no Debian .pyc for test_bool here")
    pyc = fs.read(pyc_path)
    assert pyc == host_pyc.read_bytes()
    source = fs.lookup(f"{STDLIB}/test/test_bool.py")
    assert source is not None
    assert int.from_bytes(pyc[8:12], "little") == source.mtime


def test_extra_trees_keep_symlinks_and_leave_out_excluded_paths(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    tree = tmp_path / "data"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "a.txt").write_text("a")
    (tree / "skip.tmp").write_text("x")
    (tree / "link.txt").symlink_to("sub/a.txt")
    (tree / "dirlink").symlink_to("sub")
    (tree / "outside").symlink_to("/etc")
    result = build_app(make_app({"hello.py": "print('hello')\n"}),
                       extra_trees=[str(tree)], exclude=["*.tmp"])
    fs = rootfs(result.output)
    assert fs.read(f"{tree}/link.txt") == b"a"
    assert fs.readlink(f"{tree}/link.txt") == "sub/a.txt"
    assert fs.listdir(f"{tree}/dirlink") == ["a.txt"]
    assert fs.lookup(f"{tree}/skip.tmp") is None
    assert fs.lookup(f"{tree}/outside", follow_symlinks=False) is None


def test_an_extra_tree_that_is_not_a_directory_is_a_user_error(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="not a directory"):
        build_app(make_app({"hello.py": "print('hello')\n"}),
                  extra_trees=[str(tmp_path / "missing")])


def test_an_app_without_sockets_gets_the_kernel_without_networking(
    make_app: AppMaker, tmp_path: Path, fake_kernel: Path, target_python: Path
) -> None:
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    full = kernels / "kernel.elf"
    shutil.copy(fake_kernel, full)
    lean = kernels / "kernel-nonet.elf"
    shutil.copy(fake_kernel, lean)
    with lean.open("ab") as f:
        f.write(b"lean" * 25)  # tell them apart
    hello = build(make_app({"a.py": "print(1)\n"}), tmp_path / "a.img", full,
                  python=target_python)
    assert (hello.kernel, hello.networking) == (lean, False)
    embedded = lean.read_bytes()  # all of it but the ELF header, which the image changes
    assert Image.open(hello.output).data[64:len(embedded)] == embedded[64:]
    net = build(make_app({"b.py": "import socket\n"}), tmp_path / "b.img", full,
                python=target_python)
    assert (net.kernel, net.networking) == (full, True)
    lean.unlink()  # no variant beside it: the kernel given serves every app
    alone = build(make_app({"c.py": "print(1)\n"}), tmp_path / "c.img", full,
                  python=target_python)
    assert (alone.kernel, alone.networking) == (full, True)


def test_directories_from_the_host_keep_their_mtimes(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "pkg" / "sub").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("from pkg import sub\n")
    (site / "pkg" / "sub" / "__init__.py").write_text("")
    os.utime(site / "pkg" / "sub", (1_600_000_000, 1_600_000_000))
    os.utime(site / "pkg", (1_500_000_000, 1_500_000_000))
    result = build_app(make_app({"app.py": "import json, pkg\n"}), extra_paths=[site])
    fs = rootfs(result.output)
    assert fs.lookup("/.unipython/path/0/pkg").mtime == 1_500_000_000  # type: ignore[union-attr]
    assert fs.lookup("/.unipython/path/0/pkg/sub").mtime == 1_600_000_000  # type: ignore[union-attr]
    for directory in (f"{STDLIB}/json", STDLIB, "/usr/lib"):
        host = int(Path(directory).stat().st_mtime)
        assert fs.lookup(directory).mtime == host, directory  # type: ignore[union-attr]
    made_here = source_date_epoch(Path("/usr/bin/python3.11"))  # /app is the builder's own
    assert fs.lookup("/app").mtime == made_here  # type: ignore[union-attr]
    # Every directory has a date zipfile accepts (1980 and later), made here or not.
    for node in fs.nodes:
        assert node.mtime >= 315532800, node
