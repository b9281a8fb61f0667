"""The app's own data (--add) inside the guest: read where the app expects it, never written."""

from __future__ import annotations

from pathlib import Path

from tests.boot.conftest import Boot, unipython


def test_added_files_and_trees_are_read_from_the_app_dir_and_absolute_paths(
    boot: Boot, tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text('{"greeting": "hi from the host"}\n')
    www = tmp_path / "www"
    (www / "css").mkdir(parents=True)
    (www / "index.html").write_text("<h1>home</h1>\n")
    (www / "css" / "site.css").write_text("h1 {}\n")
    r = boot("""
        import errno, json, os, pathlib
        print(json.load(open("config.json"))["greeting"])
        print(sorted(str(p.relative_to("/srv/www")) for p in pathlib.Path("/srv/www").rglob("*")))
        print(open("/srv/www/index.html").read().strip())
        try:
            open("config.json", "a")
        except OSError as e:
            print("write:", errno.errorcode[e.errno])
    """, options=["--add", str(tmp_path / "config.json"), "--add", f"{www}:/srv/www"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "hi from the host",
        "['css', 'css/site.css', 'index.html']",
        "<h1>home</h1>",
        "write: EROFS",
    ]


def test_add_with_an_image_is_a_usage_error(image_of) -> None:
    image = image_of("print('hi')\n")
    r = unipython("run", "--add", "README.md", str(image))
    assert r.returncode == 2
    assert "--add only apply when building an app" in r.stderr
