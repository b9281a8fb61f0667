"""The app's own files inside the guest: data put in with --add, and writes to the app's
directory and HOME, which live in RAM over the read-only image."""

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
            open("/srv/www/index.html", "a")
        except OSError as e:
            print("outside the app dir:", errno.errorcode[e.errno])
    """, options=["--add", str(tmp_path / "config.json"), "--add", f"{www}:/srv/www"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "hi from the host",
        "['css', 'css/site.css', 'index.html']",
        "<h1>home</h1>",
        "outside the app dir: EROFS",
    ]


def test_the_app_dir_and_home_take_writes_and_keep_the_images_files(
    boot: Boot, tmp_path: Path
) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(bytes(range(256)) * 40)  # 10240 bytes: two full pages and a part
    r = boot("""
        import mmap, os, sqlite3, stat, pathlib
        st = os.stat("data.bin")
        print("seeded", st.st_size, oct(stat.S_IMODE(st.st_mode)), int(st.st_mtime) == MTIME)
        print("listing", sorted(os.listdir(".")))
        with open("data.bin", "r+b") as f:  # a write in the middle copies one page up
            f.seek(5000); f.write(b"XYZ")
        raw = open("data.bin", "rb").read()
        print("patched", len(raw), raw[4998:5005], raw[:4] == bytes(range(4)),
              raw[8192:8196] == bytes(range(0, 4)))
        with open("data.bin", "r+b") as f:
            f.truncate(4100)
            f.seek(0, 2); f.write(b"!")
        raw = open("data.bin", "rb").read()
        print("truncated", len(raw), raw[4095:4101])
        with open("data.bin", "r+b") as f:
            m = mmap.mmap(f.fileno(), 0)
            print("mapped", m[:3], m[4096:4099])
            m[0:2] = b"AB"
            m.close()
        print("via read", open("data.bin", "rb").read(3))
        os.rename("data.bin", "renamed.bin")
        os.unlink("app.py")
        open("new.txt", "w").write("made in the guest")
        os.mkdir("sub")
        db = sqlite3.connect("app.db")
        db.execute("create table t (x)"); db.execute("insert into t values (42)"); db.commit()
        print("sqlite", db.execute("select x from t").fetchall())
        print("listing", sorted(os.listdir(".")))
        home = pathlib.Path.home() / ".cache" / "myapp"
        home.mkdir(parents=True)
        (home / "state").write_text("ok")
        print("home", str(home), (home / "state").read_text())
        # /etc is writable too when the closure has sockets (tests/boot/test_net_config.py)
        print("mounts", sorted(l.split()[1] for l in open("/proc/mounts")
                               if " tmpfs " in l and l.split()[1] != "/etc"))
    """.replace("MTIME", str(int(data.stat().st_mtime))), options=["--add", str(data)])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "seeded 10240 0o644 True",
        "listing ['app.py', 'data.bin']",
        "patched 10240 b'\\x86\\x87XYZ\\x8b\\x8c' True True",
        "truncated 4101 b'\\xff\\x00\\x01\\x02\\x03!'",
        "mapped b'\\x00\\x01\\x02' b'\\x00\\x01\\x02'",
        "via read b'AB\\x02'",
        "sqlite [(42,)]",
        "listing ['app.db', 'new.txt', 'renamed.bin', 'sub']",
        "home /root/.cache/myapp ok",
        "mounts ['/app', '/root', '/tmp']",
    ]


def test_add_with_an_image_is_a_usage_error(image_of) -> None:
    image = image_of("print('hi')\n")
    r = unipython("run", "--add", "README.md", str(image))
    assert r.returncode == 2
    assert "--add only apply when building an app" in r.stderr


def test_every_directory_has_a_date_zipfile_accepts(boot: Boot) -> None:
    # The builder's own directories (/app, /.unipython) included: test_zipfile's
    # ZipInfo.from_file refuses dates before 1980.
    r = boot(r"""
        import os, zipfile
        old = [d for top in ("/app", "/.unipython", "/etc", "/usr/lib/python3.11")
               for d, _, _ in os.walk(top) if os.stat(d).st_mtime < 315532800]
        print("before 1980:", old[:5])
        print(zipfile.ZipInfo.from_file("/app").filename)
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "before 1980: []" in r.stdout
    assert "app/" in r.stdout
