"""The storage rows' workload (a small fio in Python), the same in both guests.

    storage_io.py STEP...

Each STEP is NAME:DIR[:ARG...] and prints one line ``result {json}`` with the
bytes moved, the operations, and the seconds they took by the guest's own clock
(time.perf_counter):

  seqwrite:DIR:MIB          DIR/seq.dat made anew: MIB writes of 1 MiB, then fsync
  randwrite:DIR:N:SECONDS   N pwrites of 4 KiB at random 4 KiB-aligned offsets of
                            DIR/seq.dat (or as many as fit in SECONDS), then fsync
  seqread:DIR               DIR/seq.dat read through in 1 MiB reads
  randread:DIR:N:SECONDS    N preads of 4 KiB at random aligned offsets of it
  sqlite:DIR:N:SECONDS      N rows inserted into DIR/bench.db, each insert its own
                            transaction, PRAGMA synchronous=FULL (or as many as fit)
  drop                      sync, then 3 > /proc/sys/vm/drop_caches where there is
                            one (the Linux guest); prints whether it could

The offsets come from random.Random(SEED), so both guests touch the same blocks.
"""

import json
import os
import random
import sys
import time

MIB = 1 << 20
BLOCK = 4096
SEED = 20261204
FILE = "seq.dat"


def report(step, where, nbytes, ops, seconds, **more):
    print("result " + json.dumps({"step": step, "dir": where, "bytes": nbytes, "ops": ops,
                                  "seconds": seconds, **more}), flush=True)


def seqwrite(where, mib):
    chunk = os.urandom(MIB)  # incompressible, and no file system can skip zeroes
    start = time.perf_counter()
    fd = os.open(os.path.join(where, FILE), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for _ in range(int(mib)):
        if os.write(fd, chunk) != MIB:
            raise SystemExit("storage_io: short write")
    os.fsync(fd)
    os.close(fd)
    report("seqwrite", where, int(mib) * MIB, int(mib), time.perf_counter() - start)


def _blocks(fd):
    n = os.fstat(fd).st_size // BLOCK
    if n == 0:
        raise SystemExit("storage_io: seq.dat is empty (run seqwrite first)")
    return n


def randwrite(where, n, seconds):
    rng = random.Random(SEED)
    data = os.urandom(BLOCK)
    fd = os.open(os.path.join(where, FILE), os.O_WRONLY)
    blocks = _blocks(fd)
    start = time.perf_counter()
    end = start + float(seconds)
    done = 0
    while done < int(n) and time.perf_counter() < end:
        os.pwrite(fd, data, rng.randrange(blocks) * BLOCK)
        done += 1
    os.fsync(fd)
    os.close(fd)
    report("randwrite", where, done * BLOCK, done, time.perf_counter() - start)


def seqread(where):
    start = time.perf_counter()
    fd = os.open(os.path.join(where, FILE), os.O_RDONLY)
    total = ops = 0
    while True:
        got = len(os.read(fd, MIB))
        if not got:
            break
        total += got
        ops += 1
    os.close(fd)
    report("seqread", where, total, ops, time.perf_counter() - start)


def randread(where, n, seconds):
    rng = random.Random(SEED + 1)
    fd = os.open(os.path.join(where, FILE), os.O_RDONLY)
    blocks = _blocks(fd)
    start = time.perf_counter()
    end = start + float(seconds)
    done = 0
    while done < int(n) and time.perf_counter() < end:
        if len(os.pread(fd, BLOCK, rng.randrange(blocks) * BLOCK)) != BLOCK:
            raise SystemExit("storage_io: short read")
        done += 1
    os.close(fd)
    report("randread", where, done * BLOCK, done, time.perf_counter() - start)


def sqlite(where, n, seconds):
    import sqlite3

    path = os.path.join(where, "bench.db")
    for name in (path, path + "-journal"):
        if os.path.exists(name):
            os.unlink(name)
    con = sqlite3.connect(path, isolation_level=None)  # autocommit: one transaction each
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    body = "x" * 100
    start = time.perf_counter()
    end = start + float(seconds)
    done = 0
    while done < int(n) and time.perf_counter() < end:
        con.execute("INSERT INTO t (body) VALUES (?)", (body,))
        done += 1
    seconds_taken = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    con.close()
    if rows != done:
        raise SystemExit(f"storage_io: {rows} rows after {done} inserts")
    report("sqlite", where, 0, done, seconds_taken, journal_mode=mode)


def drop():
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        dropped = True
    except OSError:
        dropped = False
    print("result " + json.dumps({"step": "drop", "dropped": dropped}), flush=True)


STEPS = {"seqwrite": seqwrite, "randwrite": randwrite, "seqread": seqread,
         "randread": randread, "sqlite": sqlite, "drop": drop}


def main():
    for step in sys.argv[1:]:
        name, *args = step.split(":")
        STEPS[name](*args)
    print("storage_io: done", flush=True)


main()
