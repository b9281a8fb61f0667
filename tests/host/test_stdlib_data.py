"""The data files stdlib modules read go in with those modules, and only with them."""

from __future__ import annotations

import ssl
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import BuildResult
from unipython.builder.plan import Plan
from unipython.builder.stdlib_data import NAMES, add_stdlib_data, check_exclude_data
from unipython.errors import UserError

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]


def reasons(result: BuildResult) -> dict[str, str]:
    return {f.path: f.reason for f in result.files}


def fake_root(tmp_path: Path) -> Plan:
    (tmp_path / "usr/share/zoneinfo/America").mkdir(parents=True, exist_ok=True)
    (tmp_path / "usr/share/zoneinfo/America/New_York").write_bytes(b"TZif2")
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc/mime.types").write_text("application/x-thing thing\n")
    return Plan(root=tmp_path)


PATHS = {"zoneinfo": ["/usr/share/zoneinfo", "/usr/lib/zoneinfo"],
         "mimetypes": ["/etc/mime.types", "/etc/httpd/mime.types"]}


def test_data_goes_in_only_with_the_module_that_reads_it(tmp_path: Path) -> None:
    plan = fake_root(tmp_path)
    assert add_stdlib_data(plan, {"mimetypes", "os"}, PATHS) == ["mimetypes"]
    assert "/etc/mime.types" in plan.entries
    assert not any(p.startswith("/usr/share/zoneinfo") for p in plan.entries)
    assert plan.entries["/etc/mime.types"].reason.startswith("data of mimetypes: ")


def test_a_directory_of_data_goes_in_whole_and_absent_paths_are_skipped(tmp_path: Path) -> None:
    plan = fake_root(tmp_path)
    assert add_stdlib_data(plan, {"zoneinfo"}, PATHS) == ["zoneinfo"]
    assert plan.entries["/usr/share/zoneinfo/America/New_York"].kind == "file"
    assert "/usr/lib/zoneinfo" not in plan.entries


def test_excluded_data_stays_out(tmp_path: Path) -> None:
    plan = fake_root(tmp_path)
    assert add_stdlib_data(plan, {"zoneinfo", "mimetypes"}, PATHS,
                           check_exclude_data(["zoneinfo"])) == ["mimetypes"]
    assert add_stdlib_data(fake_root(tmp_path), {"zoneinfo", "mimetypes"}, PATHS,
                           check_exclude_data(["all"])) == []


def test_an_unknown_exclude_data_name_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="--exclude-data 'zonefino': not one of zoneinfo"):
        check_exclude_data(["zonefino"])
    assert check_exclude_data(["all"]) == frozenset(NAMES)


def test_an_app_using_zoneinfo_ssl_and_mimetypes_gets_the_hosts_data(
    make_app: AppMaker, build_app: Builder
) -> None:
    if not Path("/usr/share/zoneinfo/America/New_York").is_file():
        pytest.skip("no tzdata on the host")
    app = make_app({"app.py": "import zoneinfo, ssl, mimetypes, locale\n"})
    why = reasons(build_app(app))
    assert why["/usr/share/zoneinfo/America/New_York"].startswith("data of zoneinfo")
    cafile = ssl.get_default_verify_paths().cafile
    if cafile:
        assert why[cafile].startswith("data of _ssl")
    if Path("/etc/mime.types").is_file():
        assert why["/etc/mime.types"].startswith("data of mimetypes")
    if Path("/usr/lib/locale/C.utf8/LC_CTYPE").is_file():
        assert why["/usr/lib/locale/C.utf8/LC_CTYPE"].startswith("data of locale")


def test_hello_world_has_no_stdlib_data(make_app: AppMaker, build_app: Builder) -> None:
    why = reasons(build_app(make_app({"hello.py": "print('hello')\n"})))
    assert not [p for p, r in why.items() if r.startswith("data of ")]


def test_exclude_data_leaves_the_data_out_of_the_image(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"app.py": "import zoneinfo\n"})
    why = reasons(build_app(app, exclude_data=["zoneinfo"]))
    assert not any(p.startswith("/usr/share/zoneinfo") for p in why)


def test_the_tzdata_package_on_a_path_comes_with_zoneinfo(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "tzdata" / "zoneinfo").mkdir(parents=True)
    (site / "tzdata" / "__init__.py").write_text("")
    (site / "tzdata" / "zoneinfo" / "UTC").write_bytes(b"TZif2")
    why = reasons(build_app(make_app({"app.py": "import zoneinfo\n"}), extra_paths=[site]))
    assert why["/.unipython/path/0/tzdata/__init__.py"] == "imported by zoneinfo._common"
    assert "/.unipython/path/0/tzdata/zoneinfo/UTC" in why
    other = reasons(build_app(make_app({"app.py": "import json\n"}, "src2"), extra_paths=[site]))
    assert "/.unipython/path/0/tzdata/__init__.py" not in other


def test_with_the_whole_stdlib_every_modules_data_goes_in(
    make_app: AppMaker, build_app: Builder
) -> None:
    """A hello app imports none of them, but with include_stdlib any may be imported by
    name (CPython's test suite reads sysconfig's pyconfig.h, lib2to3's grammars...)."""
    if not Path("/usr/share/zoneinfo/UTC").exists():
        pytest.skip("no tzdata on the host")
    why = reasons(build_app(make_app({"hello.py": "print('hello')\n"}), include_stdlib=True))
    assert any(p.startswith("/usr/share/zoneinfo/") and r.startswith("data of zoneinfo")
               for p, r in why.items())
    if Path(sysconfig.get_config_h_filename()).is_file():
        assert why[sysconfig.get_config_h_filename()].startswith("data of sysconfig")
