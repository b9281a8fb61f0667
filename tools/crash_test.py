#!/usr/bin/env python3
"""The disk's crash test: an app appends numbered records to a file on a --disk and
fsyncs each one, and every few records creates a file and fsyncs its directory,
printing "acked N" / "file N" once the fsync returned; the harness SIGKILLs QEMU at
random moments (during boot, the journal replay and the writes). After every kill:

- ``e2fsck -fy`` (which replays the journal) reports nothing but the recovery, and
  ``e2fsck -fn`` afterwards finds nothing at all;
- every acknowledged record and file is on the disk (read with debugfs), and the
  records before the last acknowledged one are all there, in order.

Every other kill, the check runs on a copy and the guest replays the journal itself
at its next boot; so both replays are exercised.

``tools/crash_test.py --kills 1000`` is the long run; ./test.sh runs 20
(tests/boot/test_disk_crash.py)."""

from __future__ import annotations

import argparse
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from unipython import disk as disk_mod  # noqa: E402

APP = r'''
import os, sys
LOG = "/data/log"
FILES = "/data/files"
os.makedirs(FILES, exist_ok=True)
for stale in [x for x in os.listdir(FILES) if x.endswith(".tmp")]:
    os.unlink(os.path.join(FILES, stale))  # a rename the kill came before
dfd = os.open(FILES, os.O_RDONLY | os.O_DIRECTORY)
os.fsync(dfd)
# Records are lines "N payload\n"; the end of the log may hold a record that was
# never acknowledged, cut short: start again after the last whole line.
data = b""
if os.path.exists(LOG):
    with open(LOG, "rb") as f:
        data = f.read()
    data = data[:data.rfind(b"\n") + 1]
n = int(data.rsplit(b"\n", 2)[-2].split()[0]) + 1 if data else 0
fd = os.open(LOG, os.O_WRONLY | os.O_CREAT, 0o644)
os.ftruncate(fd, len(data))
os.lseek(fd, len(data), 0)
print("start", n, flush=True)
for i in range(n, n + 400):
    payload = (b"%d-" % i) * (1 + (i * 7919) % 700)  # 2 bytes .. 4 KiB, across blocks
    os.write(fd, b"%d %s\n" % (i, payload))
    if i % 3 == 0:
        os.fdatasync(fd)
    else:
        os.fsync(fd)
    print("acked", i, flush=True)
    if i % 5 == 0:
        name = os.path.join(FILES, "r%d" % i)
        with open(name + ".tmp", "wb") as f:
            f.write(b"%d\n" % i)
            os.fsync(f.fileno())
        os.rename(name + ".tmp", name)
        os.fsync(dfd)
        print("file", i, flush=True)
    if i % 50 == 49:
        for old in sorted(os.listdir(FILES), key=lambda x: int(x[1:]))[:-20]:
            os.unlink(os.path.join(FILES, old))  # unlinks and frees, too
        os.fsync(dfd)
print("done", flush=True)
'''

RECOVERY_LINES = re.compile(
    r"^(e2fsck [\d.]+ \(.*\)|\S+: recovering journal|Pass \d.*|"
    r"\S+: \d+/\d+ files .*|Clearing orphaned inode .*|"
    r"(\S+: )?\*\*\*\*\* FILE SYSTEM WAS MODIFIED \*\*\*\*\*|)$")


@dataclass
class Outcome:
    kills: int = 0
    boots: int = 0
    acked_records: int = 0
    replays_by_guest: int = 0
    replays_by_e2fsck: int = 0
    failures: list[str] = field(default_factory=list)


def build_image(workdir: Path) -> Path:
    app = workdir / "crash_app.py"
    app.write_text(APP)
    image = workdir / "crash_app.img"
    subprocess.run([sys.executable, "-m", "unipython", "build", str(app), "-o", str(image)],
                   check=True, cwd=REPO, capture_output=True)
    return image


def boot_and_kill(image: Path, disk: Path, delay: float | None,
                  after_first_ack: bool) -> tuple[list[str], bool]:
    """Boots; kills QEMU `delay` seconds after start (or after the first ack).
    Returns the console lines read and whether the run was killed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "unipython", "run", "--timeout", "300", "--disk",
         f"{disk}:/data", str(image)], cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True)
    assert proc.stdout is not None
    lines: list[str] = []
    buf = b""
    start = time.monotonic()
    deadline = None if after_first_ack else start + (delay or 0)
    killed = False
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            os.killpg(proc.pid, signal.SIGKILL)  # QEMU with the runner: our own group
            killed = True
            break
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *done, buf = buf.split(b"\n")
        lines += [x.decode(errors="replace") for x in done]
        if deadline is None and any(x.startswith("acked") for x in lines):
            deadline = time.monotonic() + (delay or 0)
    proc.wait()
    # What came before the kill (a line without its newline is not counted).
    return lines, killed


def check(disk: Path, acked: int, files: set[int], outcome: Outcome, guest_replays: bool,
          workdir: Path) -> None:
    target = disk
    if guest_replays:
        target = workdir / "copy.img"
        shutil.copyfile(disk, target)
    fix = disk_mod.fsck(target, repair=True)
    if "recovering journal" in fix.output:
        outcome.replays_by_e2fsck += 1
    odd = [x for x in fix.output.splitlines() if not RECOVERY_LINES.match(x.strip())]
    if fix.returncode not in (0, 1) or odd:
        outcome.failures.append(f"kill {outcome.kills}: e2fsck -fy: {fix.output}")
    ro = disk_mod.fsck(target, repair=False)
    if ro.returncode != 0:
        outcome.failures.append(f"kill {outcome.kills}: e2fsck -fn after replay: {ro.output}")
    log = subprocess.run(["debugfs", "-R", "cat /log", str(target)], capture_output=True).stdout
    numbers = []
    for line in log.split(b"\n")[:-1]:
        head, _, payload = line.partition(b" ")
        i = int(head)
        if payload != (b"%d-" % i) * (1 + (i * 7919) % 700):
            outcome.failures.append(f"kill {outcome.kills}: record {i} is damaged")
            break
        numbers.append(i)
    if numbers != list(range(len(numbers))):
        outcome.failures.append(f"kill {outcome.kills}: records out of order or missing")
    if acked >= 0 and (not numbers or numbers[-1] < acked):
        outcome.failures.append(f"kill {outcome.kills}: acked record {acked} is not on the disk "
                                f"(last: {numbers[-1] if numbers else None})")
    ls = subprocess.run(["debugfs", "-R", "ls -p /files", str(target)], capture_output=True,
                        text=True).stdout
    present = {int(m) for m in re.findall(r"/r(\d+)/", ls)}
    # The app removes all but the 20 newest files on the disk, which may include files
    # whose "file N" line a kill kept from us: an acknowledged file may be gone only
    # when 20 newer ones are there.
    missing = [f for f in files if f not in present and sum(p > f for p in present) < 20]
    if missing:
        outcome.failures.append(f"kill {outcome.kills}: acked files missing: {missing}")


def run(kills: int, workdir: Path, seed: int, progress: bool = True) -> Outcome:
    rng = random.Random(seed)
    image = build_image(workdir)
    disk = workdir / "crash.img"
    disk_mod.create(64 << 20, disk, force=True)
    outcome = Outcome()
    acked, files = -1, set()
    while outcome.kills < kills:
        after_ack = rng.random() < 0.75
        delay = rng.uniform(0, 1.5) if after_ack else rng.uniform(0, 5.0)
        lines, killed = boot_and_kill(image, disk, delay, after_ack)
        outcome.boots += 1
        if any("replayed" in x for x in lines):
            outcome.replays_by_guest += 1
        bad = [x for x in lines if "panic" in x.lower() or "not mounted" in x
               or "Traceback" in x]
        if bad:
            outcome.failures.append(f"boot {outcome.boots}: {bad}\n" + "\n".join(lines[-30:]))
        for x in lines:
            if x.startswith("acked "):
                acked = max(acked, int(x.split()[1]))
            elif x.startswith("file "):
                files.add(int(x.split()[1]))
        if any(x == "done" for x in lines) or not killed:
            # Ran to the end: the next boot starts with a fresh disk (keep it small).
            disk_mod.create(64 << 20, disk, force=True)
            acked, files = -1, set()
            continue
        outcome.kills += 1
        outcome.acked_records = max(outcome.acked_records, acked)
        check(disk, acked, files, outcome, guest_replays=outcome.kills % 2 == 0,
              workdir=workdir)
        if progress:
            print(f"kill {outcome.kills}/{kills}: acked up to {acked}, "
                  f"{len(outcome.failures)} failures", flush=True)
        if outcome.failures:
            break
    return outcome


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-test-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        out = run(args.kills, workdir, args.seed)
        print(f"{out.kills} kills in {out.boots} boots ({time.monotonic() - t0:.0f} s): "
              f"{len(out.failures)} failures; journal replayed by the guest "
              f"{out.replays_by_guest} times, by e2fsck {out.replays_by_e2fsck} times")
        for f in out.failures:
            print(f)
        return 1 if out.failures else 0


if __name__ == "__main__":
    sys.exit(main())
