"""The disk's crash test, short (tools/crash_test.py has the method; --kills 1000 is
the long run): QEMU is SIGKILLed at random moments while an app appends and fsyncs
records and creates files and fsyncs their directory; after every kill e2fsck finds
nothing but a journal to replay, and every acknowledged record and file is there."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.boot.conftest import REPO

KILLS = 20


def load_harness():
    spec = importlib.util.spec_from_file_location("crash_test", REPO / "tools/crash_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_test"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_twenty_kills_lose_no_acknowledged_write_and_leave_the_disk_consistent(
        tmp_path: Path) -> None:
    harness = load_harness()
    outcome = harness.run(KILLS, tmp_path, seed=20, progress=False)
    assert outcome.failures == []
    assert outcome.kills == KILLS
    assert outcome.acked_records > 0
    # Both replays ran: the guest's own at boot, and e2fsck's.
    assert outcome.replays_by_guest > 0 and outcome.replays_by_e2fsck > 0


def test_files_unlinked_while_open_are_freed_by_the_next_boot_after_a_kill(
        tmp_path: Path, image_of) -> None:
    from unipython import disk as disk_mod

    harness = load_harness()
    disk = tmp_path / "disk.img"
    disk_mod.create(32 << 20, disk)
    before = disk_mod.fsck(disk, repair=False).output.splitlines()[-1]
    holder = image_of("""
        import os, time
        files = [open("/data/held%d" % i, "wb") for i in range(3)]
        for f in files:
            f.write(os.urandom(300000))
            os.unlink(f.name)
        os.fsync(files[0].fileno())
        print("acked 0", flush=True)
        time.sleep(600)
        """)
    lines, killed = harness.boot_and_kill(holder, disk, 0.2, after_first_ack=True)
    assert killed and "acked 0" in lines, lines
    after = image_of("import os\nprint(sorted(os.listdir('/data')))\n")
    lines, killed = harness.boot_and_kill(after, disk, 120, after_first_ack=False)
    assert not killed
    assert any("freed 3 inodes unlinked while open" in x for x in lines), lines
    assert "['lost+found']" in lines
    check = disk_mod.fsck(disk, repair=False)
    assert check.returncode == 0, check.output
    assert check.output.splitlines()[-1] == before  # the same files and blocks in use



@pytest.mark.parametrize("sync", ["m.flush()", "os.fsync(fd)"])  # msync(MS_SYNC), fsync
def test_what_msync_or_fsync_acknowledged_of_a_shared_mapping_survives_a_kill(
        tmp_path: Path, image_of, sync: str) -> None:
    """A shared mapping's writes are durable once msync(MS_SYNC) or fsync returned:
    QEMU is killed right after, the mapping still there and a later write to it not
    acknowledged, and the next boot reads the acknowledged bytes."""
    from unipython import disk as disk_mod
    harness = load_harness()
    disk = tmp_path / "disk.img"
    disk_mod.create(32 << 20, disk)
    writer = image_of(f"""
        import mmap, os, time
        fd = os.open("/data/mapped", os.O_RDWR | os.O_CREAT, 0o644)
        os.ftruncate(fd, 2 * mmap.PAGESIZE)
        m = mmap.mmap(fd, 2 * mmap.PAGESIZE)
        m[0:6] = b"synced"
        {sync}
        m[mmap.PAGESIZE:mmap.PAGESIZE + 5] = b"later"  # never acknowledged
        print("acked", flush=True)
        time.sleep(600)
        """)
    lines, killed = harness.boot_and_kill(writer, disk, 0.2, after_first_ack=True)
    assert killed and "acked" in lines, lines
    reader = image_of("""
        data = open("/data/mapped", "rb").read()
        print(len(data), data[:6])
        """)
    lines, killed = harness.boot_and_kill(reader, disk, 120, after_first_ack=False)
    assert not killed
    assert "8192 b'synced'" in lines, lines
    check = disk_mod.fsck(disk, repair=False)
    assert check.returncode == 0, check.output
