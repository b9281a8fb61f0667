"""--add HOST[:GUEST]: the user's data files and directories in the image."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import BuildResult
from unipython.builder.added import parse_add
from unipython.builder.image import Image
from unipython.errors import UserError

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]


def test_guest_paths_default_to_the_name_under_the_app_dir(tmp_path: Path) -> None:
    assert parse_add(f"{tmp_path}/data.json").guest == "/app/data.json"
    assert parse_add(f"{tmp_path}/templates/").guest == "/app/templates"
    assert parse_add(f"{tmp_path}/x:conf/x.ini").guest == "/app/conf/x.ini"
    assert parse_add(f"{tmp_path}/x:/etc/myapp/../myapp.conf").guest == "/etc/myapp.conf"
    assert parse_add(f"{tmp_path}/x:.").guest == "/app"


@pytest.mark.parametrize("spec, message", [
    (":/x", "give a host path"),
    ("data:", "guest path after ':' is empty"),
    ("data:/", "root directory"),
    ("data:/tmp/data", "/tmp is mounted over"),
    ("data:/proc", "/proc is mounted over"),
    ("data:/.unipython/config", "image's own configuration"),
])
def test_bad_specs_are_user_errors(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_add(spec)


def test_files_and_trees_go_in_as_on_the_host(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    app = make_app({"main.py": "print(open('data.txt').read())\n"})
    (tmp_path / "data.txt").write_text("hello data\n")
    tree = tmp_path / "static"
    (tree / "css").mkdir(parents=True)
    (tree / "css" / "site.css").write_text("body {}\n")
    (tree / "run.sh").write_text("#!/bin/sh\n")
    (tree / "run.sh").chmod(0o755)
    (tree / "empty").mkdir()
    os.symlink("css/site.css", tree / "link.css")
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"old")
    os.utime(tree / "css" / "site.css", (1_600_000_000, 1_600_000_000))

    result = build_app(app, add=[parse_add(f"{tmp_path}/data.txt"),
                                 parse_add(f"{tree}:/srv/www")])
    fs = Image.open(result.output).rootfs
    assert fs.read("/app/data.txt") == b"hello data\n"
    assert fs.read("/srv/www/css/site.css") == b"body {}\n"
    assert fs.lookup("/srv/www/css/site.css").mtime == 1_600_000_000
    assert fs.lookup("/srv/www/run.sh").mode & 0o777 == 0o755
    assert fs.lookup("/srv/www/empty").is_dir
    assert fs.readlink("/srv/www/link.css") == "css/site.css"
    assert fs.lookup("/srv/www/__pycache__") is None
    why = {f.path: f.reason for f in result.files}
    assert why["/srv/www/css/site.css"] == f"--add {tree}"
    assert why["/srv"] == f"on the way to --add {tree}"


def test_adding_the_app_dir_itself_keeps_the_app_once(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"main.py": "import helper\n", "helper.py": "", "notes.txt": "n\n"})
    result = build_app(app, add=[parse_add(f"{app.parent}:.")])
    fs = Image.open(result.output).rootfs
    assert fs.read("/app/notes.txt") == b"n\n"
    assert fs.read("/app/main.py") == b"import helper\n"
    why = {f.path: f.reason for f in result.files}
    assert why["/app/main.py"] == "the app"
    assert fs.lookup("/app/__pycache__/helper.cpython-311.pyc") is not None


def test_replacing_what_the_image_needs_is_a_user_error(
    make_app: AppMaker, build_app: Builder, tmp_path: Path
) -> None:
    app = make_app({"main.py": "import json\n"})
    other = tmp_path / "other.py"
    other.write_text("print('not the app')\n")
    with pytest.raises(UserError, match="/app/main.py: already in the image"):
        build_app(app, add=[parse_add(f"{other}:main.py")])
    with pytest.raises(UserError, match="already in the image"):
        build_app(app, add=[parse_add(f"{other}:/usr/bin/python3.11")])
    with pytest.raises(UserError, match="already in the image as a file"):
        build_app(app, add=[parse_add(f"{other}:main.py/inside")])


def test_a_missing_host_path_is_a_user_error(make_app: AppMaker, build_app: Builder,
                                             tmp_path: Path) -> None:
    with pytest.raises(UserError, match="missing.txt: No such file"):
        build_app(make_app({"main.py": ""}), add=[parse_add(f"{tmp_path}/missing.txt")])
