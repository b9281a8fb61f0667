"""Host volumes (-v HOSTDIR:GUESTDIR[:ro], virtio-9p): the file operations apps rely
on give on a volume what they give on the host directly (volume_ops.py, run both
ways), the host sees what the app wrote (mmap and sqlite3 included), an app that
tries to leave a volume cannot, a read-only volume refuses writes with EROFS, and a
missing host directory is a one-line error."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.boot.conftest import BOOT_TIMEOUT, Run, unipython

OPS = Path(__file__).with_name("volume_ops.py")
TOKEN = "secret-outside-the-volume-7f3a"

GUEST_APP = r'''
import errno, json, mmap, os, runpy, sqlite3, sys
import ctypes, fcntl, stat  # what volume_ops.py uses: the image's closure comes from here

def outcome(fn):
    try:
        r = fn()
        return r.decode("latin-1") if isinstance(r, bytes) else r
    except OSError as e:
        return errno.errorcode[e.errno]

def read(path):
    with open(path, "rb") as f:
        return f.read()

# 1. The operations of volume_ops.py, on the volume.
os.mkdir("/data/work")
sys.argv = ["volume_ops.py", "/data/work"]
runpy.run_path("/ops/volume_ops.py")

# 2. Trying to get out.
esc = {
    "relative link": outcome(lambda: read("/data/sec")),
    "absolute link": outcome(lambda: read("/data/abs")),
    "link to the top": outcome(lambda: sorted(os.listdir("/data/up")) == sorted(os.listdir("/"))),
    "dotdot": outcome(lambda: read("/data/../secret.txt")),
    "dotdot listing": outcome(lambda: sorted(os.listdir("/data/..")) == sorted(os.listdir("/"))),
    "dotdot realpath": os.path.realpath("/data/work/../.."),
    "dotdot from cwd": outcome(lambda: (os.chdir("/data"), os.chdir(".."), os.getcwd())[2]),
    "deep dotdot": outcome(lambda: read("/data/work/../../../../secret.txt")),
    "hard link in": outcome(lambda: os.link(sys.executable, "/data/py")),
    "hard link out": outcome(lambda: os.link("/data/work/h2", "/tmp/h2")),
    "rename out": outcome(lambda: os.rename("/data/work/h2", "/tmp/h2")),
    "new link out": outcome(lambda: (os.symlink("../secret.txt", "/data/mine"),
                                     read("/data/mine"))[1]),
}
print(json.dumps(esc))

# 3. The read-only volume.
def mapped_rw():
    fd = os.open("/ops/ro.txt", os.O_RDONLY)
    return len(mmap.mmap(fd, 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE))

ro = {
    "read": outcome(lambda: read("/ops/ro.txt")),
    "write": outcome(lambda: open("/ops/ro.txt", "w")),
    "create": outcome(lambda: open("/ops/new", "x")),
    "mkdir": outcome(lambda: os.mkdir("/ops/d")),
    "unlink": outcome(lambda: os.unlink("/ops/ro.txt")),
    "rename": outcome(lambda: os.rename("/ops/ro.txt", "/ops/x")),
    "chmod": outcome(lambda: os.chmod("/ops/ro.txt", 0o777)),
    "symlink": outcome(lambda: os.symlink("x", "/ops/l")),
    "truncate": outcome(lambda: os.truncate("/ops/ro.txt", 0)),
    "statvfs ro": bool(os.statvfs("/ops").f_flag & os.ST_RDONLY),
    "shared writable map": outcome(mapped_rw),
}
print(json.dumps(ro))

# 4. sqlite3, with a rollback journal and with WAL (whose -shm file is a shared mmap).
for name, mode in (("/data/rollback.db", "delete"), ("/data/wal.db", "wal")):
    db = sqlite3.connect(name)
    db.execute(f"pragma journal_mode={mode}")
    db.execute("pragma synchronous=full")
    db.execute("create table t (i integer primary key, s text)")
    with db:
        db.executemany("insert into t values (?, ?)", ((i, f"row {i}") for i in range(2000)))
    with db:
        db.execute("update t set s = s || '!' where i % 2 = 0")
    print(db.execute("select count(*), sum(length(s)) from t").fetchone(),
          db.execute("pragma integrity_check").fetchone()[0])
    db.close()

# 5. What a volume does not offer says so.
print(json.dumps({"setxattr": outcome(lambda: os.setxattr("/data/work/h2", "user.k", b"v")),
                  "getxattr": outcome(lambda: os.getxattr("/data/work/h2", "user.k")),
                  "rename after": outcome(lambda: (open("/data/x1", "w").close(),
                                                   os.rename("/data/x1", "/data/x2"))[1])}))

# 6. Threads at once: more requests in flight than the client has buffers.
import hashlib, threading
os.mkdir("/data/threads")
sums = {}
def worker(i):
    data = hashlib.sha256(str(i).encode()).digest() * 10000  # 320 000 bytes
    path = f"/data/threads/t{i}"
    with open(path, "wb") as f:
        f.write(data)
    for _ in range(20):
        os.stat(path)
        os.listdir("/data/threads")
    with open(path, "rb") as f:
        sums[i] = hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(data).hexdigest()
ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps(sorted(sums.items())))
'''


@dataclass
class Volumes:
    tmp: Path
    vol: Path
    ops: Path
    guest: Run
    native: list


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory,
            image_of: Callable[[str], Path]) -> Volumes:
    tmp = tmp_path_factory.mktemp("volumes")
    vol, ops = tmp / "vol", tmp / "ops"
    vol.mkdir()
    ops.mkdir()
    shutil.copy(OPS, ops / "volume_ops.py")
    (ops / "ro.txt").write_text("read only\n")
    (tmp / "secret.txt").write_text(TOKEN)
    (vol / "sec").symlink_to("../secret.txt")
    (vol / "abs").symlink_to(tmp / "secret.txt")
    (vol / "up").symlink_to("../../")
    native_dir = tmp / "native"
    native_dir.mkdir()
    native = subprocess.run(["/usr/bin/python3.11", str(OPS), str(native_dir)],
                            capture_output=True, text=True, timeout=120)
    assert native.returncode == 0, native.stderr
    guest = unipython("run", "--timeout", str(BOOT_TIMEOUT), "-v", f"{vol}:/data",
                      "-v", f"{ops}:/ops:ro", str(image_of(GUEST_APP)))
    return Volumes(tmp, vol, ops, guest, json.loads(native.stdout))


def lines(v: Volumes) -> list[str]:
    assert v.guest.returncode == 0, v.guest.stdout + v.guest.stderr
    return v.guest.stdout.splitlines()


def test_file_operations_on_a_volume_give_what_they_give_on_the_host(volumes: Volumes) -> None:
    guest = json.loads(lines(volumes)[0])
    # Compare one by one, for a message that names the operation.
    assert len(guest) == len(volumes.native)
    for (name, want), (gname, got) in zip(volumes.native, guest, strict=True):
        assert (gname, got) == (name, want), name


def test_the_host_sees_what_the_app_wrote(volumes: Volumes) -> None:
    lines(volumes)
    work = volumes.vol / "work"
    native = volumes.tmp / "native"
    for name in ("big", "m", "s", "h2", "a"):
        assert (work / name).read_bytes() == (native / name).read_bytes(), name
    m = (work / "m").read_bytes()
    assert m[0:5] == b"wELLO" and m[100:103] == b"ABC" and m[8190:8195] == b"WORLD"
    assert (work / "l").is_symlink() and (work / "l").readlink() == Path("h")
    assert (work / "ro").stat().st_mode & 0o777 == 0o444


def test_an_app_cannot_leave_its_volume(volumes: Volumes) -> None:
    esc = json.loads(lines(volumes)[1])
    assert TOKEN not in json.dumps(esc)
    assert esc["relative link"] == "ENOENT"  # ../secret.txt from /data is the guest's /secret.txt
    assert esc["absolute link"] == "ENOENT"  # the host's path means nothing in the guest
    assert esc["link to the top"] is True  # ../../ from /data is the guest's root
    assert esc["dotdot"] == "ENOENT" and esc["deep dotdot"] == "ENOENT"
    assert esc["dotdot listing"] is True and esc["dotdot realpath"] == "/"
    assert esc["dotdot from cwd"] == "/"
    assert esc["hard link in"] == esc["hard link out"] == esc["rename out"] == "EXDEV"
    assert esc["new link out"] == "ENOENT"
    assert not (volumes.tmp / "py").exists() and not (volumes.vol / "py").exists()
    assert (volumes.vol / "mine").readlink() == Path("../secret.txt")  # made, but inert inside


def test_a_read_only_volume_refuses_writes(volumes: Volumes) -> None:
    ro = json.loads(lines(volumes)[2])
    assert ro.pop("read") == "read only\n"
    assert ro.pop("statvfs ro") is True
    assert ro.pop("shared writable map") == "EACCES"
    assert set(ro.values()) == {"EROFS"}, ro
    assert sorted(p.name for p in volumes.ops.iterdir()) == ["ro.txt", "volume_ops.py"]
    assert (volumes.ops / "ro.txt").read_text() == "read only\n"


def test_sqlite3_databases_on_a_volume_are_whole_on_the_host(volumes: Volumes) -> None:
    out = lines(volumes)[3:5]
    want = sum(len(f"row {i}") + (i % 2 == 0) for i in range(2000))
    assert out == [f"(2000, {want}) ok"] * 2
    for name in ("rollback.db", "wal.db"):
        db = sqlite3.connect(volumes.vol / name)
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*), sum(length(s)) from t").fetchone() == (2000, want)
        db.close()


def test_what_a_volume_does_not_keep_is_refused(volumes: Volumes) -> None:
    extra = json.loads(lines(volumes)[5])
    assert extra["setxattr"] == extra["getxattr"] == "ENOTSUP"  # = EOPNOTSUPP on Linux
    assert extra["rename after"] is None  # and the volume still works after all this
    assert (volumes.vol / "x2").exists()


def test_threads_share_a_volume(volumes: Volumes) -> None:
    import hashlib

    assert json.loads(lines(volumes)[6]) == [[i, True] for i in range(8)]
    for i in range(8):
        want = hashlib.sha256(str(i).encode()).digest() * 10000
        assert (volumes.vol / "threads" / f"t{i}").read_bytes() == want


def test_a_missing_host_directory_is_a_one_line_error(tmp_path: Path,
                                                     image_of: Callable[[str], Path]) -> None:
    r = unipython("run", "-v", f"{tmp_path / 'nope'}:/data", str(image_of("print(1)\n")))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "no such directory" in r.stderr, r.stderr
    (tmp_path / "file").write_text("")
    r = unipython("run", "-v", f"{tmp_path / 'file'}:/data", str(image_of("print(1)\n")))
    assert r.returncode != 0 and "not a directory" in r.stderr, r.stderr


def test_build_stores_volumes_that_run_uses_and_can_replace(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "which").write_text("a")
    (b / "which").write_text("b")
    app = tmp_path / "app.py"
    app.write_text("print(open('/data/which').read())\n")
    img = tmp_path / "app.img"
    r = unipython("build", str(app), "-o", str(img), "-v", f"{a}:/data:ro")
    assert r.returncode == 0, r.stderr
    r = unipython("inspect", str(img))
    assert f"volumes (build's defaults for run): -v {a}:/data:ro" in r.stdout, r.stdout
    r = unipython("run", "--timeout", str(BOOT_TIMEOUT), str(img))
    assert (r.returncode, r.stdout) == (0, "a\n"), r.stderr
    r = unipython("run", "--timeout", str(BOOT_TIMEOUT), "-v", f"{b}:/data", str(img))
    assert (r.returncode, r.stdout) == (0, "b\n"), r.stderr


def test_long_reads_and_writes_take_few_round_trips(tmp_path: Path) -> None:
    """A 4 MiB file written and read back in 1 MiB calls on a volume is whole on the
    host, and the messages are large (p9_client.c: up to 504 KiB with this much
    memory): 16 of them each way, not the 128 that 64 KiB messages took."""
    from unipython.runcmd import RunOptions, run_image

    host = tmp_path / "vol"
    host.mkdir()
    app = tmp_path / "big_io.py"
    app.write_text(
        "import hashlib\n"
        "data = b''.join(hashlib.sha256(b'%d' % i).digest() for i in range(1 << 17))\n"
        "with open('/data/f', 'wb', buffering=0) as f:\n"
        "    for i in range(4):\n"
        "        f.write(data[i << 20 : (i + 1) << 20])\n"
        "h = hashlib.sha256()\n"
        "with open('/data/f', 'rb', buffering=0) as f:\n"
        "    while chunk := f.read(1 << 20):\n"
        "        h.update(chunk)\n"
        "print('same', h.hexdigest() == hashlib.sha256(data).hexdigest())\n")
    image = tmp_path / "big_io.img"
    r = unipython("build", str(app), "-o", str(image))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out.txt"
    from unipython.volumes import parse_volume

    with open(out, "w") as f:
        result = run_image(image, RunOptions(volumes=[parse_volume(f"{host}:/data")],
                                             timeout=BOOT_TIMEOUT), stdout=f, stderr=f)
    assert result.exit_status == 0, out.read_text()
    assert "same True" in out.read_text()
    import hashlib

    want = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(1 << 17))
    assert (host / "f").read_bytes() == want
    # 2 x 4 MiB at 504 KiB per message is 18 reads and writes; the rest is
    # walks, opens, getattrs and clunks.
    assert result.stats["p9_requests"] < 60, result.stats
