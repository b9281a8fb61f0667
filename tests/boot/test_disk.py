"""The persistent disk (--disk FILE[:GUESTDIR]): virtio-blk and the guest's ext3
(kernel/fs/ext2/). What the guest writes, host tools read, and the other way round;
the file operations behave as on the host's own file system; e2fsck finds nothing
wrong afterwards; a damaged disk is refused with a message, and the app still runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.boot.conftest import Boot, unipython
from unipython import disk as disk_mod


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    path = tmp_path / "disk.img"
    disk_mod.create(64 << 20, path)
    return path


def debugfs(disk: Path, *requests: str, write: bool = False) -> str:
    args = ["debugfs", *(["-w"] if write else [])]
    for r in requests:
        args += ["-R", r] if len(requests) == 1 else []
    if len(requests) > 1:
        script = disk.with_suffix(".cmds")
        script.write_text("\n".join(requests) + "\n")
        args += ["-f", str(script)]
    proc = subprocess.run([*args, str(disk)], capture_output=True, text=True)
    return proc.stdout


def kernel_says(r) -> str:
    """The kernel's console messages (they come with the app's stdout)."""
    return "\n".join(x for x in (r.stdout + r.stderr).splitlines() if x.startswith("unipython: "))


def app_output(r) -> list[str]:
    return [x for x in r.stdout.splitlines() if not x.startswith("unipython: ")]


def assert_clean(disk: Path) -> None:
    check = disk_mod.fsck(disk, repair=False)
    assert check.returncode == 0, check.output


# The same operations, on the host in a fresh directory and in the guest on the
# disk; the output lists what they left behind.
SEMANTICS = """
import hashlib, os, sys
root = sys.argv[1]
os.chdir(root)
def show():
    out = []
    for d, dirs, files in sorted(os.walk(".")):
        dirs.sort()
        for n in sorted(files) + dirs:
            p = os.path.join(d, n)
            st = os.lstat(p)
            kind = "l" if os.path.islink(p) else "d" if os.path.isdir(p) else "f"
            digest = ""
            if kind == "f":
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()[:16]
            if kind == "l":
                digest = os.readlink(p)
            out.append(f"{p} {kind} {oct(st.st_mode & 0o7777)} "
                       f"{st.st_size if kind == 'f' else ''} {st.st_nlink} {digest}")
    return out
os.mkdir("a"); os.mkdir("a/b"); os.makedirs("c/d/e")
for i in range(300):  # a directory of many blocks
    with open(f"a/f{i:03d}-" + "x" * 40, "w") as f:
        f.write(str(i))
for i in range(0, 300, 3):
    os.unlink(f"a/f{i:03d}-" + "x" * 40)
os.rename("a/f001-" + "x" * 40, "a/b/moved")
os.rename("c/d", "a/b/d")               # a directory to another parent
os.rename("a/f002-" + "x" * 40, "a/f004-" + "x" * 40)  # over an existing name
os.rmdir("a/b/d/e")
try:
    os.rmdir("a")
except OSError as e:
    print("rmdir a:", e.errno)
with open("big", "wb") as f:             # double indirect blocks (> 4 MiB + 48 KiB)
    for i in range(96):
        f.write(hashlib.sha256(b"%d" % i).digest() * 2048)
with open("sparse", "wb") as f:
    f.seek(10 << 20); f.write(b"end")
with open("sparse", "rb") as f:
    f.seek(5 << 20); print("hole reads", f.read(4))
with open("trunc", "wb") as f:
    f.write(b"y" * 100000)
os.truncate("trunc", 5000); os.truncate("trunc", 9000)
with open("trunc", "rb") as f:
    data = f.read(); print("trunc", len(data), data[4998:5002])
os.truncate("big", 3 << 20)
with open("app", "a") as f: f.write("one\\n")
with open("app", "a") as f: f.write("two\\n")
os.link("app", "a/hardlink")
os.symlink("a/b/moved", "short-link"); os.symlink("z" * 200, "long-link")
os.chmod("app", 0o600)
os.mkfifo("fifo") if False else None
print(sorted(os.listdir("a"))[:5], len(os.listdir("a")))
st = os.statvfs(".")
print("statvfs ok", st.f_bsize > 0 and st.f_bfree > 0)
try:
    os.mkdir("a")
except FileExistsError:
    print("mkdir exists")
print("\\n".join(show()))
"""


def test_file_operations_on_the_disk_are_those_of_the_host(boot: Boot, disk: Path,
                                                           tmp_path: Path) -> None:
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    app = tmp_path / "sem.py"
    app.write_text(SEMANTICS)
    native = subprocess.run(["/usr/bin/python3.11", str(app), str(host_dir)],
                            capture_output=True, text=True, timeout=120)
    assert native.returncode == 0, native.stderr
    guest = boot(SEMANTICS, args=["/data"], options=["--disk", str(disk)])
    assert guest.returncode == 0, guest.stdout + guest.stderr
    assert "disk: vda (64 MiB ext3) mounted at /data" in kernel_says(guest)
    host_lines = [x for x in native.stdout.splitlines() if "lost+found" not in x]
    guest_lines = [x for x in app_output(guest) if "lost+found" not in x]
    assert guest_lines == host_lines
    assert_clean(disk)
    # And the host's tools read what the guest wrote.
    assert debugfs(disk, "cat /app") == "one\ntwo\n"
    assert "moved" in debugfs(disk, "ls /a/b")


def test_files_cross_between_host_tools_and_the_guest(boot: Boot, disk: Path,
                                                      tmp_path: Path) -> None:
    payload = tmp_path / "from-host.bin"
    payload.write_bytes(os.urandom(200_000))
    debugfs(disk, "mkdir /in", f"write {payload} /in/host.bin", write=True)
    result = boot("""
        import hashlib, os
        print(hashlib.sha256(open("/data/in/host.bin", "rb").read()).hexdigest())
        with open("/data/in/guest.txt", "w") as f:
            f.write("written in the guest\\n")
        """, options=["--disk", f"{disk}:/data"])
    assert result.returncode == 0, result.stderr
    import hashlib
    assert app_output(result) == [hashlib.sha256(payload.read_bytes()).hexdigest()]
    assert debugfs(disk, "cat /in/guest.txt") == "written in the guest\n"
    assert_clean(disk)


def test_sqlite_rows_persist_across_two_boots(image_of, disk: Path) -> None:
    image = image_of("""
        import sqlite3, sys
        db = sqlite3.connect("/data/app.db")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS t (boot INTEGER, n INTEGER)")
        boot = 1 + (db.execute("SELECT max(boot) FROM t").fetchone()[0] or 0)
        with db:
            db.executemany("INSERT INTO t VALUES (?, ?)", [(boot, i) for i in range(500)])
        print("boot", boot, "rows", db.execute("SELECT count(*) FROM t").fetchone()[0])
        """)
    outs = []
    for _ in range(2):
        r = unipython("run", "--disk", str(disk), str(image))
        assert r.returncode == 0, r.stderr
        outs.append(" ".join(app_output(r)))
    assert outs == ["boot 1 rows 500", "boot 2 rows 1000"]
    assert_clean(disk)


def test_a_read_only_disk_takes_no_writes(boot: Boot, disk: Path) -> None:
    before = disk.read_bytes()
    result = boot("""
        import os
        print(os.listdir("/data"))
        try:
            open("/data/x", "w")
        except OSError as e:
            print("write:", e.strerror)
        """, options=["--disk", f"{disk}:/data:ro"])
    assert result.returncode == 0, result.stderr
    assert "write: Read-only file system" in result.stdout
    assert "read-only" in kernel_says(result)
    assert disk.read_bytes() == before


NOOP = """
import os
print("app runs", sorted(os.listdir("/data")))
"""


def corrupt_superblock(disk: Path) -> None:
    with open(disk, "r+b") as f:
        f.seek(1024 + 56)
        f.write(b"\x00\x00")  # the magic


def corrupt_group_descriptor(disk: Path) -> None:
    with open(disk, "r+b") as f:
        f.seek(4096 + 8)  # group 0's inode table
        f.write(b"\xff\xff\xff\x7f")


def truncate_disk(disk: Path) -> None:
    os.truncate(disk, 16 << 20)


def corrupt_root_directory(disk: Path) -> None:
    out = debugfs(disk, "blocks /")
    block = int(out.split()[0])
    with open(disk, "r+b") as f:
        f.seek(block * 4096 + 4)
        f.write(b"\xff\x7f")  # the first entry's rec_len leaves the block


@pytest.mark.parametrize("damage, message", [
    (corrupt_superblock, "no ext2/ext3 superblock"),
    (corrupt_group_descriptor, "outside the group"),
    (truncate_disk, "larger than the disk"),
])
def test_a_damaged_disk_is_refused_and_the_app_still_runs(boot: Boot, disk: Path, damage,
                                                          message: str) -> None:
    damage(disk)
    result = boot(NOOP, options=["--disk", str(disk)])
    assert result.returncode == 0, result.stderr
    assert "app runs []" in result.stdout
    assert "disk: vda is not mounted at /data: " in kernel_says(result)
    assert message in kernel_says(result)
    assert "panic" not in result.stdout + result.stderr


def test_a_damaged_directory_gives_eio_not_a_crash(boot: Boot, disk: Path) -> None:
    corrupt_root_directory(disk)
    result = boot("""
        import os
        try:
            os.listdir("/data")
        except OSError as e:
            print("listdir:", e.strerror)
        """, options=["--disk", str(disk)])
    assert result.returncode == 0, result.stderr
    assert "listdir: Input/output error" in result.stdout
    assert "directory inode 2 block 0" in kernel_says(result)


def test_disk_create_makes_a_file_system_e2fsck_finds_clean(tmp_path: Path) -> None:
    path = tmp_path / "new.img"
    r = unipython("disk", "create", "32M", str(path))
    assert r.returncode == 0, r.stderr
    assert path.stat().st_size == 32 << 20
    assert_clean(path)
    again = unipython("disk", "create", "32M", str(path))
    assert again.returncode == 2 and "exists" in again.stderr


def test_a_missing_disk_file_is_a_one_line_error(tmp_path: Path) -> None:
    app = tmp_path / "a.py"
    app.write_text("print(1)\n")
    r = unipython("run", "--disk", str(tmp_path / "nope.img"), str(app))
    assert r.returncode == 2
    assert "no such disk" in r.stderr and "disk create" in r.stderr


def test_getcwd_follows_a_directory_renamed_and_removed_around_it(boot: Boot, disk: Path) -> None:
    result = boot("""
        import os
        os.makedirs("/data/a/b/c")
        os.chdir("/data/a/b/c")
        for _ in range(3):
            os.listdir("/data")  # lets go of what the walks looked up
        print(os.getcwd())
        os.chdir("..")
        print(os.getcwd(), os.listdir(".."))
        os.rename("/data/a/b", "/data/moved")
        print(os.getcwd())
        os.rmdir("/data/moved/c")
        os.chdir("/")
        os.rmdir("/data/moved"); os.rmdir("/data/a")
        print(sorted(os.listdir("/data")))
        """, options=["--disk", str(disk)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert app_output(result) == ["/data/a/b/c", "/data/a/b ['b']", "/data/moved",
                                  "['lost+found']"]
    assert_clean(disk)


def test_a_directory_with_a_second_name_is_eio_not_a_loop(boot: Boot, disk: Path) -> None:
    debugfs(disk, "mkdir /a", "mkdir /a/b", "mkdir /c", "ln /a /a/b/up", "ln /a /c/again",
            write=True)
    result = boot("""
        import os
        os.chdir("/data/a")  # keeps /a in memory, with its parent
        for path in ("/data/a/b/up", "/data/c/again"):
            try:
                os.listdir(path)
            except OSError as e:
                print(path, e.strerror)
        print(os.getcwd())
        """, options=["--disk", str(disk)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert app_output(result) == ["/data/a/b/up Input/output error",
                                  "/data/c/again Input/output error", "/data/a"]
    assert "has a second name" in kernel_says(result)


APP_DB = """
import os, sqlite3
db = sqlite3.connect("app.db")  # in the app's directory, /app
db.execute("CREATE TABLE IF NOT EXISTS t (n)")
with db:
    db.execute("INSERT INTO t VALUES (1)")
if not os.path.exists("notes.txt"):
    open("notes.txt", "w").write("the app's own\\n")
print(VERSION, os.getcwd(), db.execute("SELECT count(*) FROM t").fetchone()[0],
      open("notes.txt").read().strip())
"""


def test_app_dir_on_the_disk_keeps_app_db_and_takes_a_rebuilt_app(tmp_path: Path,
                                                                  disk: Path) -> None:
    app = tmp_path / "app.py"
    outs = []
    for version, boots in (("v1", 2), ("v2", 1)):
        app.write_text(APP_DB.replace("VERSION", repr(version)))
        os.utime(app, (0, 1_000_000_000 + len(outs) * 1000))  # the rebuilt app is newer
        image = tmp_path / f"{version}.img"
        assert unipython("build", str(app), "-o", str(image)).returncode == 0
        for _ in range(boots):
            r = unipython("run", "--disk", f"{disk}:/app", str(image))
            assert r.returncode == 0, r.stdout + r.stderr
            outs += app_output(r)
    assert outs == ["v1 /app 1 the app's own", "v1 /app 2 the app's own",
                    "v2 /app 3 the app's own"]
    assert_clean(disk)


def test_freed_blocks_are_discarded_so_the_disk_file_shrinks(image_of, disk: Path) -> None:
    writer = image_of("""
        import os
        with open("/data/big", "wb") as f:
            f.write(os.urandom(8 << 20))
        """)
    remover = image_of("""
        import os
        os.unlink("/data/big")
        """)
    base = disk.stat().st_blocks
    assert unipython("run", "--disk", str(disk), str(writer)).returncode == 0
    full = disk.stat().st_blocks
    assert unipython("run", "--disk", str(disk), str(remover)).returncode == 0
    emptied = disk.stat().st_blocks
    # 8 MiB went in twice (journal and home) and the home copy came back out.
    assert full - base >= (8 << 20) // 512
    assert full - emptied >= (7 << 20) // 512
    assert_clean(disk)


READ_AHEAD_APP = """
    import hashlib, sys
    def content():
        # 2 MiB of data, a 1 MiB hole, 1 MiB of data: double indirect blocks too.
        data = b"".join(hashlib.sha256(b"%d" % i).digest() * 128 for i in range(768))
        return data[: 2 << 20] + bytes(1 << 20) + data[2 << 20 :]
    if sys.argv[1] == "write":
        data = content()
        with open("/data/f", "wb") as f:
            f.write(data[: 2 << 20])
            f.seek(3 << 20)
            f.write(data[3 << 20 :])
    h = hashlib.sha256()
    with open("/data/f", "rb", buffering=0) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    print(sys.argv[1], h.hexdigest(), h.hexdigest() == hashlib.sha256(content()).hexdigest())
    """


def test_a_long_read_asks_the_disk_for_its_blocks_in_batches(image_of, disk: Path,
                                                             tmp_path: Path) -> None:
    """1 MiB reads of a file on the disk (written in the boot before, so nothing is
    cached) give back what was written, holes as zeros, and reach the device in
    batches (the read-ahead, kernel/fs/ext2/bcache.c bprefetch): the 768 data
    blocks were 768 requests one at a time before it."""
    from unipython.runcmd import RunOptions, run_image

    image = image_of(READ_AHEAD_APP)
    outs, stats = [], []
    for step in ("write", "read"):
        out = tmp_path / f"{step}.txt"
        with open(out, "w") as f:
            result = run_image(image, RunOptions(args=[step], disk=str(disk), timeout=300),
                               stdout=f, stderr=f)
        assert result.exit_status == 0, out.read_text()
        outs += [x for x in out.read_text().splitlines() if not x.startswith("unipython: ")]
        stats.append(result.stats)
    assert [o.split()[0] + " " + o.split()[2] for o in outs] == ["write True", "read True"]
    read = stats[1]
    assert read["blk_requests"] >= 768, read
    assert read["blk_submits"] < 200, read  # 768 / 32 = 24 batches, and the mount's reads
    assert_clean(disk)
