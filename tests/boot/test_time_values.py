"""Time values and futex words from the app, hostile ones too, as Linux takes them: every
timespec/timeval goes through one saturating conversion (a sleep of 2**62 s really sleeps,
until a signal), malformed ones are EINVAL, and futex words outside the app's half are EFAULT."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_huge_timeouts_sleep_until_a_signal_and_bad_ones_are_einval(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import ctypes, errno, os, select, signal, time

        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long

        class timespec(ctypes.Structure):
            _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_int64)]

        class timeval(ctypes.Structure):
            _fields_ = [("tv_sec", ctypes.c_int64), ("tv_usec", ctypes.c_int64)]

        def call(what, nr, *args):
            r = libc.syscall(nr, *args)
            print(what, r if r >= 0 else errno.errorcode[ctypes.get_errno()])

        fired = []
        signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))

        # A sleep of 2**62 s really sleeps: still asleep after 1 s, until the alarm.
        for sec in (2**62, 2**63 - 1):
            fired.clear()
            signal.setitimer(signal.ITIMER_REAL, 1.0)
            t0 = time.monotonic()
            rem = timespec()
            call(f"nanosleep({sec})", 35, ctypes.byref(timespec(sec, 0)), ctypes.byref(rem))
            # Linux saturates the deadline at KTIME_MAX: the time left is KTIME_MAX - now.
            print(" slept >= 1 s", time.monotonic() - t0 >= 0.99, "handler ran", fired == [signal.SIGALRM],
                  "rem near KTIME_MAX", 9 * 10**9 < rem.tv_sec <= (2**63 - 1) // 10**9)
        # clock_nanosleep relative and absolute (TIMER_ABSTIME = 1)
        for flags in (0, 1):
            fired.clear()
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            t0 = time.monotonic()
            call(f"clock_nanosleep(MONOTONIC, {flags}, 2**62)", 230, 1, flags,
                 ctypes.byref(timespec(2**62, 0)), None)
            print(" slept", time.monotonic() - t0 >= 0.49, fired == [signal.SIGALRM])
        # invalid values: EINVAL
        for sec, nsec in ((-1, 0), (0, -1), (0, 10**9), (2**62, 10**9), (-2**63, 0)):
            call(f"nanosleep({sec}, {nsec})", 35, ctypes.byref(timespec(sec, nsec)), None)
            call(f"clock_nanosleep abs({sec}, {nsec})", 230, 0, 1, ctypes.byref(timespec(sec, nsec)), None)
            call(f"ppoll({sec}, {nsec})", 271, None, 0, ctypes.byref(timespec(sec, nsec)), None, 8)
            call(f"pselect6({sec}, {nsec})", 270, 0, None, None, None, ctypes.byref(timespec(sec, nsec)), None)
            sigset = ctypes.c_uint64(1 << (signal.SIGUSR2 - 1))
            call(f"rt_sigtimedwait({sec}, {nsec})", 128, ctypes.byref(sigset), None,
                 ctypes.byref(timespec(sec, nsec)), 8)
            word = ctypes.c_uint32(0)
            call(f"futex wait({sec}, {nsec})", 202, ctypes.byref(word), 0x80, 0,
                 ctypes.byref(timespec(sec, nsec)), None, 0)
        # setitimer validates both timevals, and a huge one stays pending
        for sec, usec in ((-1, 0), (0, -1), (0, 10**6)):
            call(f"setitimer({sec}, {usec})", 38, 0, ctypes.byref((timeval * 2)(timeval(0, 0), timeval(sec, usec))), None)
        call("setitimer(2**62 s)", 38, 0, ctypes.byref((timeval * 2)(timeval(0, 0), timeval(2**62, 0))), None)
        print("getitimer near KTIME_MAX", 9e9 < signal.getitimer(signal.ITIMER_REAL)[0] < 2**63 / 1e9)
        call("setitimer(interval 2**62 s)", 38, 0, ctypes.byref((timeval * 2)(timeval(2**62, 0), timeval(1, 0))), None)
        print("interval saturates", int(signal.getitimer(signal.ITIMER_REAL)[1]))
        signal.setitimer(signal.ITIMER_REAL, 0)
        # select normalizes tv_usec; a huge timeout waits until a signal
        call("select(usec=1500)", 23, 0, None, None, None, ctypes.byref(timeval(0, 1500)))
        call("select(usec=-1)", 23, 0, None, None, None, ctypes.byref(timeval(0, -1)))
        call("select(sec=-1)", 23, 0, None, None, None, ctypes.byref(timeval(-1, 0)))
        fired.clear()
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        t0 = time.monotonic()
        call("select(2**62 s)", 23, 0, None, None, None, ctypes.byref(timeval(2**62, 0)))
        print(" waited", time.monotonic() - t0 >= 0.49, fired == [signal.SIGALRM])
        fired.clear()
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        call("ppoll(2**62 s)", 271, None, 0, ctypes.byref(timespec(2**62, 0)), None, 8)
        print(" handler ran", fired == [signal.SIGALRM])
        fired.clear()
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        word = ctypes.c_uint32(0)
        call("futex wait(2**62 s)", 202, ctypes.byref(word), 0x80, 0, ctypes.byref(timespec(2**62, 0)), None, 0)
        print(" handler ran", fired == [signal.SIGALRM])
        # FUTEX_WAIT_BITSET|CLOCK_REALTIME absolute, far in the future
        fired.clear()
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        call("futex wait_bitset realtime(2**62 s)", 202, ctypes.byref(word), 9 | 0x80 | 256, 0,
             ctypes.byref(timespec(2**62, 0)), None, 0xffffffff)
        print(" handler ran", fired == [signal.SIGALRM])

        # futex words: kernel addresses EFAULT, misaligned EINVAL, even for a wake
        for addr in (0xffffffff80000000, 0xffff800000000000, 2**64 - 4):
            call(f"futex wake({addr:#x})", 202, ctypes.c_uint64(addr), 0x81, 1, None, None, 0)
            call(f"futex wake shared({addr:#x})", 202, ctypes.c_uint64(addr), 1, 1, None, None, 0)
        call("futex wake(misaligned)", 202, ctypes.c_uint64(ctypes.addressof(word) + 1), 0x81, 1, None, None, 0)
        call("futex wake shared(unmapped)", 202, ctypes.c_uint64(0x1000), 1, 1, None, None, 0)
        call("futex wake(ok)", 202, ctypes.byref(word), 0x81, 1, None, None, 0)
        call("futex requeue(kernel uaddr2)", 202, ctypes.byref(word), 0x83, 1, 0, ctypes.c_uint64(0xffffffff80000000), 0)
    """)
    assert "nanosleep(4611686018427387904) EINTR" in r.stdout
    assert "slept >= 1 s True handler ran True rem near KTIME_MAX True" in r.stdout
    assert "futex wake(0xffffffff80000000) EFAULT" in r.stdout


def test_clock_tai_equals_realtime_without_an_offset(boot: Boot) -> None:
    # Linux's TAI offset is 0 until adjtimex(ADJ_TAI) sets one.
    r = boot("""
        import time
        tai = time.clock_gettime(time.CLOCK_TAI)
        print("offset", round(tai - time.time()))
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "offset 0" in r.stdout
