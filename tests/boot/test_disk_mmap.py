"""mmap of files on the persistent disk (kernel/fs/ext2/pages.c): Python's mmap module
(private copy-on-write and shared read-write mappings, msync, munmap, a mapping left at
exit), sqlite3 in WAL mode (its -shm index is a shared mapping), numpy.memmap and
np.load(mmap_mode=...), and SIGBUS past the end of a file. Each app runs on the host too,
in a fresh directory, and the outputs must be the same; the two-boot tests run the
second phase in a second boot of the same disk (on the host, a second process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.boot.conftest import Boot
from tests.boot.test_disk import app_output, assert_clean
from unipython import disk as disk_mod

HOST_PYTHON = "/usr/bin/python3.11"


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    path = tmp_path / "disk.img"
    disk_mod.create(64 << 20, path)
    return path


def on_host(tmp_path: Path, source: str, phases: list[str], python: str = HOST_PYTHON,
            returncode: int = 0) -> list[str]:
    """Runs the app once per phase on the host, in one fresh directory."""
    work = tmp_path / "host"
    work.mkdir(exist_ok=True)
    app = tmp_path / "host_app.py"
    app.write_text(textwrap.dedent(source))
    outs = []
    for phase in phases:
        r = subprocess.run([python, str(app), str(work), phase], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == returncode, r.stderr
        outs.append(r.stdout)
    return outs


def in_guest(boot: Boot, disk: Path, source: str, phases: list[str],
             options: list[str] | None = None, returncode: int = 0) -> list[str]:
    """Runs the app once per phase in the guest, one boot each, on the disk."""
    outs = []
    for phase in phases:
        r = boot(source, args=["/data", phase],
                 options=["--disk", f"{disk}:/data", *(options or [])])
        assert r.returncode == returncode, r.stdout + r.stderr
        outs.append("".join(x + "\n" for x in app_output(r)))
    return outs


MMAP_APP = """
import hashlib, mmap, os, sys
os.chdir(sys.argv[1])
PAGE = mmap.PAGESIZE
def digest(name):
    data = open(name, "rb").read()
    return f"{name} {len(data)} {hashlib.sha256(data).hexdigest()[:16]}"
if sys.argv[2] == "1":
    with open("data.bin", "wb") as f:
        f.write(bytes(range(256)) * 48 + b"tail")  # three pages and four bytes
    fd = os.open("data.bin", os.O_RDWR)
    # Private: the file's bytes, copy on write; the file never sees the writes.
    priv = mmap.mmap(fd, 0, flags=mmap.MAP_PRIVATE)
    print("private", len(priv), priv[:4].hex(), priv[-6:].hex(), priv[-4:])
    priv[0:4] = b"PRIV"
    print("private write", priv[:4], os.pread(fd, 4, 0))
    # Shared: one page per file page, whoever looks (read(), another mapping at an
    # offset, a private mapping's untouched page), and the mapping sees write().
    shared = mmap.mmap(fd, 0)
    other = mmap.mmap(fd, 2 * PAGE, offset=PAGE)
    shared[PAGE + 4:PAGE + 9] = b"SHARE"
    print("seen", other[4:9], os.pread(fd, 5, PAGE + 4), priv[PAGE + 4:PAGE + 9])
    os.pwrite(fd, b"WRITE", 2 * PAGE + 8)
    print("write seen", shared[2 * PAGE + 8:2 * PAGE + 13], other[PAGE + 8:PAGE + 13])
    shared.flush()  # msync(MS_SYNC)
    print(digest("data.bin"))
    # Grown into a hole: it reads as zeros, and munmap alone writes it back.
    os.ftruncate(fd, 5 * PAGE + 10)
    grown = mmap.mmap(fd, 0)
    print("hole", grown[4 * PAGE:4 * PAGE + 4].hex(), grown[-10:].hex())
    grown[4 * PAGE + 1:4 * PAGE + 5] = b"HOLE"
    grown[-3:] = b"end"
    grown.close()
    print("after munmap", os.pread(fd, 4, 4 * PAGE + 1), os.pread(fd, 3, 5 * PAGE + 7))
    # Shrunk under a mapping: the bytes past the new end read as zero once it grows again.
    shrink = mmap.mmap(fd, 0)
    shrink[3 * PAGE + 100:3 * PAGE + 104] = b"GONE"
    os.ftruncate(fd, 3 * PAGE + 50)
    os.ftruncate(fd, 5 * PAGE + 10)
    print("regrown", os.pread(fd, 8, 3 * PAGE + 48).hex(), os.pread(fd, 4, 4 * PAGE + 1).hex())
    del shrink
    # Left mapped at exit, written after the last msync: exit writes it back.
    last = mmap.mmap(fd, 0)
    last[8:12] = b"EXIT"
    print(digest("data.bin"))
    sys.stdout.flush()
    os._exit(0)
else:
    print(digest("data.bin"))
    with open("data.bin", "rb") as f:
        data = f.read()
    print(data[:12], data[PAGE + 4:PAGE + 9], data[2 * PAGE + 8:2 * PAGE + 13], data[-3:])
"""


def test_the_mmap_module_on_a_disk_file_is_as_on_the_host_across_two_boots(
        boot: Boot, disk: Path, tmp_path: Path) -> None:
    host = on_host(tmp_path, MMAP_APP, ["1", "2"])
    guest = in_guest(boot, disk, MMAP_APP, ["1", "2"])
    assert guest == host
    assert "EXIT" in host[1]  # the write left mapped at exit reached the disk
    assert_clean(disk)


SIGBUS_APP = """
import mmap, os, sys
os.chdir(sys.argv[1])
with open("small.bin", "wb") as f:
    f.write(b"x" * 6000)
fd = os.open("small.bin", os.O_RDWR)
m = mmap.mmap(fd, 6000)  # two pages
print("before", m[50], m[5000], flush=True)
os.ftruncate(fd, 100)
print("inside the last page", m[50], m[99], m[200], m[4095], flush=True)
print("past the end", m[5000], flush=True)
print("not reached")
"""


def test_an_access_past_the_end_of_a_disk_file_is_sigbus(boot: Boot, disk: Path,
                                                          tmp_path: Path) -> None:
    host = on_host(tmp_path, SIGBUS_APP, ["1"], returncode=-7)
    guest = in_guest(boot, disk, SIGBUS_APP, ["1"], returncode=128 + 7)
    assert guest == host
    assert "past the end" not in host[0] and "inside the last page" in host[0]


SQLITE_WAL_APP = """
import os, sqlite3, sys
os.chdir(sys.argv[1])
phase = int(sys.argv[2])
db = sqlite3.connect("wal.db")
print("mode", db.execute("PRAGMA journal_mode=WAL").fetchone()[0])
db.execute("CREATE TABLE IF NOT EXISTS t (phase INTEGER, n INTEGER, s TEXT)")
with db:
    db.executemany("INSERT INTO t VALUES (?, ?, ?)",
                   [(phase, i, str(i) * 20) for i in range(3000)])
# A second connection finds the rows through the shared-memory index (-shm).
reader = sqlite3.connect("wal.db")
print("rows", reader.execute("SELECT phase, count(*), sum(n) FROM t GROUP BY phase").fetchall())
print("files", os.path.exists("wal.db-wal"), os.path.exists("wal.db-shm"))
with db:
    db.execute("UPDATE t SET n = n + 1 WHERE n % 7 = 0")
print("updated", reader.execute("SELECT sum(n) FROM t").fetchone())
if phase == 1:
    # Not closed: the WAL is not checkpointed, and the next run recovers it.
    sys.stdout.flush()
    os._exit(0)
print("integrity", reader.execute("PRAGMA integrity_check").fetchone())
reader.close()
db.close()
print("closed", sorted(n for n in os.listdir(".") if n.startswith("wal")))
"""


def test_sqlite_in_wal_mode_on_the_disk_is_as_on_the_host_across_two_boots(
        boot: Boot, disk: Path, tmp_path: Path) -> None:
    host = on_host(tmp_path, SQLITE_WAL_APP, ["1", "2"])
    guest = in_guest(boot, disk, SQLITE_WAL_APP, ["1", "2"])
    assert guest == host
    assert "mode wal" in host[0] and "integrity ('ok',)" in host[1]
    assert_clean(disk)


NUMPY_APP = """
import os, sys
import numpy as np
os.chdir(sys.argv[1])
a = np.memmap("arr.dat", dtype=np.int64, mode="w+", shape=(100_000,))
a[:] = np.arange(100_000)
a[12345] = -1
a.flush()
del a
b = np.memmap("arr.dat", dtype=np.int64, mode="r+")
b[::1000] *= 3
del b
c = np.memmap("arr.dat", dtype=np.int64, mode="c")  # copy on write
c[0] = 777
print("copy", int(c[0]), int(np.memmap("arr.dat", dtype=np.int64, mode="r")[0]))
print("file", int(np.fromfile("arr.dat", dtype=np.int64).sum()))
np.save("arr.npy", np.arange(50_000, dtype=np.float64) ** 0.5)
d = np.load("arr.npy", mmap_mode="r")
print("npy", type(d).__name__, float(d[49]), round(float(d.sum()), 6))
"""


def test_numpy_memmap_on_the_disk_is_as_on_the_host(boot: Boot, disk: Path,
                                                     tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    site = Path(np.__file__).parent.parent
    packages = tmp_path / "site"
    packages.mkdir()
    for name in ("numpy", "numpy.libs"):
        if (site / name).exists():
            os.symlink(site / name, packages / name)
    host = on_host(tmp_path, NUMPY_APP, ["1"], python=sys.executable)
    guest = in_guest(boot, disk, NUMPY_APP, ["1"], options=["--path", str(packages)])
    assert guest == host
    assert_clean(disk)


BIG_APP = """
import hashlib, mmap, os, sys
os.chdir(sys.argv[1])
SIZE, CHUNK = 160 << 20, 1 << 20
fd = os.open("big.bin", os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, SIZE)
m = mmap.mmap(fd, SIZE)
h = hashlib.sha256()
for i in range(SIZE // CHUNK):
    block = hashlib.sha256(str(i).encode()).digest() * (CHUNK // 32)
    m[i * CHUNK:(i + 1) * CHUNK] = block
    h.update(block)
m.flush()
print("written", h.hexdigest()[:16])
print("through the mapping", hashlib.sha256(m).hexdigest()[:16])
m.close()
h = hashlib.sha256()
with open("big.bin", "rb") as f:
    while data := f.read(CHUNK):
        h.update(data)
print("read", h.hexdigest()[:16])
"""


def test_a_shared_mapping_larger_than_the_guest_memory_is_written_and_read_back(
        boot: Boot, tmp_path: Path) -> None:
    """160 MiB written through one shared mapping in a 96 MiB guest: dirty pages are
    written back once they hold an eighth of memory, and clean ones given back."""
    disk = tmp_path / "big.img"
    disk_mod.create(256 << 20, disk)
    host = on_host(tmp_path, BIG_APP, ["1"])
    (tmp_path / "host" / "big.bin").unlink()
    guest = in_guest(boot, disk, BIG_APP, ["1"], options=["-m", "96M"])
    assert guest == host
    assert_clean(disk)


FALLOCATE_APP = """
import ctypes, errno, os, sys
os.chdir(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
KEEP_SIZE, PUNCH_HOLE = 1, 2
def fallocate(fd, mode, off, length):  # the system call itself: no glibc fallback
    if libc.fallocate(fd, mode, off, length) == 0:
        return "ok"
    return errno.errorcode[ctypes.get_errno()]
def state(fd):
    st = os.fstat(fd)
    whole = st.st_blocks * 512 >= (st.st_size + 4095) // 4096 * 4096
    return f"size {st.st_size} allocated {whole}"
fd = os.open("f", os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b"a" * 5000)
os.ftruncate(fd, 40000)  # a hole after the data
print("same: sparse", state(fd))
print("same: keep size", fallocate(fd, KEEP_SIZE, 0, 40000), state(fd))
print("same: mode 0", fallocate(fd, 0, 30000, 70000), state(fd))
print("same: bytes", os.pread(fd, 8, 4996), os.pread(fd, 4, 99996))
print("same: inside", fallocate(fd, 0, 10, 20), state(fd))
# What ext2 cannot do (host file systems with extents can).
print("guest: keep size past the end", fallocate(fd, KEEP_SIZE, 0, 200000), state(fd))
print("guest: punch", fallocate(fd, PUNCH_HOLE | KEEP_SIZE, 0, 4096), state(fd))
# More than the disk holds: nothing is taken.
g = os.open("g", os.O_RDWR | os.O_CREAT, 0o644)
os.pwrite(g, b"b", 100_000)  # a hole, then a byte
before = (os.fstat(g).st_blocks, os.statvfs(".").f_bfree)
print("guest: too much", fallocate(g, 0, 0, 200 << 20),
      (os.fstat(g).st_blocks, os.statvfs(".").f_bfree) == before, os.fstat(g).st_size)
"""


def test_fallocate_on_the_disk_allocates_and_a_failed_call_gives_back_what_it_took(
        boot: Boot, disk: Path, tmp_path: Path) -> None:
    host = on_host(tmp_path, FALLOCATE_APP, ["1"])
    guest = in_guest(boot, disk, FALLOCATE_APP, ["1"])
    def lines(out: str, prefix: str) -> list[str]:
        return [x for x in out.splitlines() if x.startswith(prefix)]
    assert lines(guest[0], "same:") == lines(host[0], "same:")
    assert lines(guest[0], "same:")[2] == "same: mode 0 ok size 100000 allocated True"
    assert lines(guest[0], "guest:") == [
        "guest: keep size past the end ENOTSUP size 100000 allocated True",
        "guest: punch ENOTSUP size 100000 allocated True",
        "guest: too much ENOSPC True 100001",
    ]
    assert_clean(disk)


SPARSE_APP = """
import mmap, os, sys
os.chdir(sys.argv[1])
SIZE = 20 << 20  # five times the 64 MiB disk's journal
fd = os.open("sparse.bin", os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, SIZE)
m = mmap.mmap(fd, SIZE)
for i in range(0, SIZE, 4096):  # every page a hole given a block at its write fault
    m[i] = i // 4096 % 251
m.flush()
print("pages", sum(os.pread(fd, 1, i)[0] for i in range(0, SIZE, 4096)))
"""


def test_write_faults_filling_holes_never_outgrow_the_journal(boot: Boot, disk: Path,
                                                              tmp_path: Path) -> None:
    """The blocks write faults allocate join the running transaction, which is
    committed along the way: before, 20 MiB of holes written through a mapping made
    a transaction the 4 MiB journal could not hold, and msync failed with EIO."""
    host = on_host(tmp_path, SPARSE_APP, ["1"])
    guest = in_guest(boot, disk, SPARSE_APP, ["1"])
    assert guest == host
    assert_clean(disk)
