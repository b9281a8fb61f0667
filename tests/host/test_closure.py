"""The closure follows what is loaded by name (entry points), the imports of every
module of a package that goes in whole, and not the test tooling of third-party ones."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from unipython.builder import BuildResult

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]
STDLIB = "/usr/lib/python3.11"


def site_with(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def reasons(result: BuildResult) -> dict[str, str]:
    return {f.path: f.reason for f in result.files}


def dist(name: str, tops: list[str], entry_points: str = "") -> dict[str, str]:
    info = f"{name}-1.0.dist-info"
    files = {f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
             f"{info}/RECORD": "".join(f"{top}/__init__.py,,\n" for top in tops)}
    if entry_points:
        files[f"{info}/entry_points.txt"] = entry_points
    return files


def test_the_entry_points_of_an_included_distribution_are_followed(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = site_with(tmp_path / "site", {
        "host/__init__.py": "",
        "plugged/__init__.py": "",
        "plugged/hook.py": "import plugged_extra\n",
        "plugged_extra/__init__.py": "",
        **dist("host", ["host"], "[host.plugins]\nhook = plugged.hook:register\n"
                                 "[console_scripts]\nhost = scriptonly.cli:main\n"),
        "scriptonly/__init__.py": "", "scriptonly/cli.py": "",
    })
    why = reasons(build_app(make_app({"app.py": "import host\n"}), extra_paths=[site]))
    assert why["/.unipython/path/0/plugged/hook.py"] == "entry point host.plugins of host-1.0"
    assert "/.unipython/path/0/plugged_extra/__init__.py" in why  # imported by the plugin
    assert "/.unipython/path/0/scriptonly/cli.py" not in why  # a script, never imported


def test_pytest_plugins_of_every_distribution_come_with_pytest(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = site_with(tmp_path / "site", {
        "pytest/__init__.py": "import _pytest.config\n",
        "_pytest/__init__.py": "", "_pytest/config/__init__.py": "",
        **dist("pytest", ["pytest", "_pytest"]),
        "_plugin_of_other.py": "import other\n",
        "other/__init__.py": "",
        **dist("other", ["other"], "[pytest11]\nother = _plugin_of_other\n"),
    })
    why = reasons(build_app(make_app({"app.py": "import pytest\n"}), extra_paths=[site]))
    assert why["/.unipython/path/0/_plugin_of_other.py"] == "entry point pytest11 of other-1.0"
    assert "/.unipython/path/0/other/__init__.py" in why
    without = reasons(build_app(make_app({"app.py": "import other\n"}, "src2"),
                                extra_paths=[site]))
    assert "/.unipython/path/0/_plugin_of_other.py" not in without  # no pytest, no plugin


def test_every_module_of_a_package_that_goes_in_whole_has_its_imports_followed(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = site_with(tmp_path / "site", {
        "whole/__init__.py": "",
        "whole/report.py": "import xml.etree.ElementTree\n",  # never imported by the app
        "whole/tests/test_x.py": "import tomllib\n",  # tests/ stays out, and its imports
    })
    why = reasons(build_app(make_app({"app.py": "import whole\n"}), extra_paths=[site]))
    assert f"{STDLIB}/xml/etree/ElementTree.py" in why
    assert f"{STDLIB}/tomllib/__init__.py" not in why


def test_test_tools_imported_lazily_by_third_party_packages_stay_out(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    site = site_with(tmp_path / "site", {
        "pytest/__init__.py": "",
        "pygments/__init__.py": "",
        "pkg_resources/__init__.py": "",
        "lib/__init__.py": "def test():\n    import pytest\n",
        "lib/conftest.py": "import pytest\n",  # the package's own test tooling
        "lib/util/__init__.py": "",
        "lib/util/_test_decorators.py": "import pytest\n",  # test tooling by its name
        "lib/docs.py": "def highlight():\n    import pygments\n",
        "old/__init__.py": "import pkg_resources\n",  # at import time: needed
    })
    lib = reasons(build_app(make_app({"app.py": "import lib, old\n"}), extra_paths=[site]))
    assert "/.unipython/path/0/lib/conftest.py" in lib  # the package still goes in whole
    assert "/.unipython/path/0/pytest/__init__.py" not in lib
    assert "/.unipython/path/0/pygments/__init__.py" not in lib
    assert "/.unipython/path/0/pkg_resources/__init__.py" in lib
    app = reasons(build_app(make_app({"app.py": "import pytest\n"}, "src2"), extra_paths=[site]))
    assert "/.unipython/path/0/pytest/__init__.py" in app  # the app's own import
