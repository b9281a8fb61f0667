"""Out of memory is an error the app can handle: the kernel charges private writable
memory when it is mapped (mm/commit.h), so an allocation the guest could not back fails
with ENOMEM and Python raises MemoryError, instead of the app dying at a page fault."""

from __future__ import annotations

from tests.boot.conftest import Boot


def test_allocating_in_a_loop_ends_in_memoryerror_and_the_app_goes_on(boot: Boot) -> None:
    r = boot(r"""
        import mmap, os

        def fill(size, touch):
            # bytearray(size) leaves fresh mmap pages untouched; b"x" * size writes them.
            blocks = []
            try:
                while True:
                    blocks.append(b"x" * size if touch else bytearray(size))
            except MemoryError:
                return len(blocks) * size >> 20
            finally:
                blocks.clear()

        for round in range(2):
            for size, touch in ((1 << 20, True), (1 << 20, False), (64 << 20, False), (4096, True)):
                print("MemoryError after", fill(size, touch), "MiB", size, touch, flush=True)
        # A raw mmap past what is free: ENOMEM, and nothing charged stays behind.
        try:
            mmap.mmap(-1, 1 << 30)
        except OSError as e:
            print("mmap 1 GiB:", os.strerror(e.errno))
        # MAP_NORESERVE is not charged (as Linux's overcommit heuristics): reserved, not backed.
        big = mmap.mmap(-1, 1 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000)  # MAP_NORESERVE
        big[0] = 1
        big.close()
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        print("committed below limit:",
              int(info["Committed_AS"].split()[0]) <= int(info["CommitLimit"].split()[0]))
        print("still fine:", len(b"y" * (8 << 20)))
    """, options=["-m", "128M"])
    assert r.returncode == 0, r.stdout + r.stderr
    rounds = [line.split() for line in r.stdout.splitlines() if line.startswith("MemoryError after")]
    assert len(rounds) == 8, r.stdout
    for line in rounds:
        assert 40 <= int(line[2]) <= 128, r.stdout  # most of 128 MiB, never more than there is
    # The second round gets as much as the first: freeing gave everything back.
    for first, second in zip(rounds[:4], rounds[4:]):
        assert abs(int(first[2]) - int(second[2])) <= 4, r.stdout
    assert "mmap 1 GiB: Cannot allocate memory" in r.stdout
    assert "committed below limit: True" in r.stdout
    assert "still fine: 8388608" in r.stdout


def test_64_threads_start_in_128_mib(boot: Boot) -> None:
    # glibc gives each thread an 8 MiB MAP_STACK mapping (512 MiB in all): not charged.
    r = boot(r"""
        import threading
        ready = threading.Barrier(65)
        def worker():
            ready.wait()
        threads = [threading.Thread(target=worker) for _ in range(64)]
        for t in threads:
            t.start()
        ready.wait()
        for t in threads:
            t.join()
        print("threads:", len(threads))
    """, options=["-m", "128M"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "threads: 64" in r.stdout


def test_map_populate_of_more_than_ram_is_a_hint_the_app_survives(boot: Boot) -> None:
    """MAP_POPULATE over memory that is not charged (read-only, or MAP_NORESERVE) and far
    larger than RAM: Linux maps its zero page for the read-only one and ignores what it
    cannot populate; the app goes on (found by the syscall fuzzer, seed 1016: a 443 GB
    read-only populate ate every frame, then the app died at its next fault)."""
    r = boot(r"""
        import ctypes, mmap
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        MAP_POPULATE, MAP_NORESERVE = 0x8000, 0x4000
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_POPULATE
        for prot, extra, size in ((mmap.PROT_READ, 0, 64 << 30),
                                  (mmap.PROT_READ | mmap.PROT_WRITE, MAP_NORESERVE, 4 << 30)):
            p = libc.mmap(None, size, prot, flags | extra, -1, 0)
            print("mapped", p not in (None, ctypes.c_void_p(-1).value), flush=True)
            print("reads zero", ctypes.string_at(p + size // 2, 8) == bytes(8), flush=True)
            data = [bytes([i]) * (1 << 20) for i in range(8)]  # the app still gets memory
            print("allocates", len(data), flush=True)
            libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            print("unmapped", libc.munmap(p, size), flush=True)
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ("mapped True\nreads zero True\nallocates 8\nunmapped 0\n" * 2)
