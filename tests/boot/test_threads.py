"""Threads, timers and signals inside one process on one virtual CPU."""

from __future__ import annotations

import hashlib
import resource
import subprocess

from tests.boot.conftest import Boot

from unipython.vmm import qemu


def test_a_pool_of_8_threads_computes_the_same_hashes_as_the_host(boot: Boot) -> None:
    r = boot("""
        import hashlib
        from concurrent.futures import ThreadPoolExecutor
        def work(i):
            h = hashlib.sha256()
            for _ in range(200):
                h.update(str(i).encode() * 100)
            return h.hexdigest()
        with ThreadPoolExecutor(max_workers=8) as pool:
            print(hashlib.sha256("".join(pool.map(work, range(64))).encode()).hexdigest())
    """)
    expected = []
    for i in range(64):
        h = hashlib.sha256()
        for _ in range(200):
            h.update(str(i).encode() * 100)
        expected.append(h.hexdigest())
    assert r.returncode == 0, r.stdout
    assert r.stdout.strip() == hashlib.sha256("".join(expected).encode()).hexdigest()


def test_lock_and_condition_ping_pong_of_1000_rounds_completes(boot: Boot) -> None:
    r = boot("""
        import threading
        cv = threading.Condition()
        turn = {"n": 0}
        def player(parity):
            for _ in range(1000):
                with cv:
                    while turn["n"] % 2 != parity:
                        cv.wait()
                    turn["n"] += 1
                    cv.notify()
        t = threading.Thread(target=player, args=(1,))
        t.start()
        player(0)
        t.join()
        print(turn["n"])
    """)
    assert r.stdout == "2000\n", r.stdout + r.stderr


def test_threading_timer_fires(boot: Boot) -> None:
    r = boot("""
        import threading, time
        fired = threading.Event()
        start = time.monotonic()
        threading.Timer(0.2, fired.set).start()
        assert fired.wait(5)
        took = time.monotonic() - start
        print("fired", 0.2 <= took < 1.5)
    """)
    assert r.stdout == "fired True\n", r.stdout + r.stderr


def test_alarm_interrupts_a_long_sleep_and_the_handler_runs(boot: Boot) -> None:
    r = boot("""
        import signal, time
        class Alarm(Exception):
            pass
        def handler(signo, frame):
            print("handler", signal.Signals(signo).name)
            raise Alarm
        signal.signal(signal.SIGALRM, handler)
        signal.alarm(1)
        start = time.monotonic()
        try:
            time.sleep(10)
        except Alarm:
            print("interrupted after", round(time.monotonic() - start))
    """)
    assert r.stdout == "handler SIGALRM\ninterrupted after 1\n", r.stdout + r.stderr


def test_setitimer_delivers_repeatedly(boot: Boot) -> None:
    r = boot("""
        import signal, time
        ticks = []
        signal.signal(signal.SIGALRM, lambda s, f: ticks.append(time.monotonic()))
        signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            time.sleep(0.01)
        signal.setitimer(signal.ITIMER_REAL, 0)
        print(len(ticks) >= 8, len(ticks) <= 13)
    """)
    assert r.stdout == "True True\n", r.stdout + r.stderr


def test_a_10ms_sleep_takes_about_10ms(boot: Boot) -> None:
    r = boot("""
        import time
        took = []
        for _ in range(20):
            start = time.monotonic()
            time.sleep(0.01)
            took.append(time.monotonic() - start)
        took.sort()
        print(took[0], took[10])
    """)
    assert r.returncode == 0, r.stderr
    shortest, median = map(float, r.stdout.split())
    # About 10 ms: never shorter, and not a 100 Hz tick's worth more (a busy host
    # may stretch a few).
    assert shortest >= 0.0095 and median <= 0.05, r.stdout


def test_two_cpu_bound_threads_both_make_progress(boot: Boot) -> None:
    r = boot("""
        import sys, threading, time
        sys.setswitchinterval(0.005)
        counts = [0, 0]
        stop = time.monotonic() + 1.0
        def spin(i):
            while time.monotonic() < stop:
                counts[i] += 1
        threads = [threading.Thread(target=spin, args=(i,)) for i in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        low, high = sorted(counts)
        print(low > 0 and low * 5 > high)
    """)
    assert r.stdout == "True\n", r.stdout + r.stderr


def test_an_exception_in_a_thread_is_printed_and_the_process_goes_on(boot: Boot) -> None:
    r = boot("""
        import threading
        def bad():
            raise RuntimeError("thread failed")
        t = threading.Thread(target=bad, name="worker")
        t.start()
        t.join()
        print("main thread still running")
    """)
    assert r.returncode == 0
    assert "Exception in thread worker" in r.stderr
    assert "RuntimeError: thread failed" in r.stderr
    assert r.stdout == "main thread still running\n"


def test_signal_to_self_runs_the_python_handler(boot: Boot) -> None:
    r = boot("""
        import os, signal, threading
        got = []
        signal.signal(signal.SIGUSR1, lambda s, f: got.append(threading.current_thread().name))
        os.kill(os.getpid(), signal.SIGUSR1)
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
        print(got)
    """)
    assert r.stdout == "['MainThread', 'MainThread']\n", r.stdout + r.stderr


def test_sigabrt_kills_the_process_with_status_134(boot: Boot) -> None:
    r = boot("import os\nos.abort()\n")
    assert r.returncode == 128 + 6
    assert "killed by SIGABRT" in r.stderr


def _qemu_cpu_seconds(image, app_args: list[str]) -> float:
    from unipython.runcmd import kernel_cmdline, RunOptions

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = qemu.boot(qemu.VMConfig(image=image, accel="tcg", timeout=120,
                                     cmdline=kernel_cmdline(RunOptions(args=app_args))),
                       stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.exit_status == 0
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_a_sleeping_guest_uses_almost_no_host_cpu(image_of) -> None:
    image = image_of("import sys, time\ntime.sleep(float(sys.argv[1]))\n")
    # The same boot with and without a 2 s sleep: the difference is the sleep's cost.
    awake = min(_qemu_cpu_seconds(image, ["0"]) for _ in range(2))
    asleep = _qemu_cpu_seconds(image, ["2"])
    assert asleep - awake < 0.3, (awake, asleep)


def test_alarm_reaches_a_thread_that_never_blocks(boot: Boot) -> None:
    r = boot("""
        import os, signal
        class Done(Exception):
            pass
        def handler(signo, frame):
            raise Done
        signal.signal(signal.SIGALRM, handler)
        r, w = os.pipe()
        signal.alarm(1)
        try:
            while True:                 # syscalls, but never a wait
                os.write(w, b"x")
                os.read(r, 1)
        except Done:
            print("syscall loop interrupted")
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        try:
            n = 0
            while True:                 # no syscalls at all
                n += 1
        except Done:
            print("cpu loop interrupted")
    """)
    assert r.stdout == "syscall loop interrupted\ncpu loop interrupted\n", r.stdout + r.stderr
