"""pidfds: pidfd_open, pidfd_send_signal and pidfd_getfd on the one process, as on Linux."""

from __future__ import annotations

from tests.boot.conftest import Boot, SameAsHost


def test_pidfds_match_linux(same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import ctypes, errno, os, select, signal, threading

        def attempt(what, fn):
            try:
                print(what, fn())
            except OSError as e:
                print(what, errno.errorcode[e.errno])

        pid = os.getpid()
        fd = os.pidfd_open(pid)
        print("link", os.readlink(f"/proc/self/fd/{fd}"), "inheritable", os.get_inheritable(fd))
        info = open(f"/proc/self/fdinfo/{fd}").read().split("\n")
        print("fdinfo", [l.split(":")[0] for l in info], info[1], f"Pid:\t{pid}" in info, f"NSpid:\t{pid}" in info)
        nb = os.pidfd_open(pid, os.O_NONBLOCK)
        print("nonblock", os.get_blocking(nb), open(f"/proc/self/fdinfo/{nb}").read().split("\n")[1])
        attempt("pidfd_open(-1)", lambda: os.pidfd_open(-1))
        attempt("pidfd_open(0)", lambda: os.pidfd_open(0))
        attempt("pidfd_open(bad flags)", lambda: os.pidfd_open(pid, 1))
        attempt("pidfd_open(no such pid)", lambda: os.pidfd_open(2**22 + 7))
        # Readable once the process has exited: never, for the running app.
        p = select.poll(); p.register(fd, select.POLLIN); print("poll", p.poll(0))
        ep = select.epoll(); ep.register(fd, select.EPOLLIN); print("epoll", ep.poll(0))
        attempt("read", lambda: os.read(fd, 8))
        attempt("write", lambda: os.write(fd, b"x"))
        attempt("lseek", lambda: os.lseek(fd, 0, 0))

        got = []
        signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
        signal.pidfd_send_signal(fd, signal.SIGUSR1)
        print("handled", got)
        attempt("signal 0", lambda: signal.pidfd_send_signal(fd, 0))
        attempt("bad signal", lambda: signal.pidfd_send_signal(fd, 65))
        attempt("negative signal", lambda: signal.pidfd_send_signal(fd, -1))
        attempt("unknown flags", lambda: signal.pidfd_send_signal(fd, signal.SIGUSR1, None, 8))
        attempt("not a pidfd", lambda: signal.pidfd_send_signal(0, signal.SIGUSR1))
        r, w = os.pipe()
        attempt("a pipe", lambda: signal.pidfd_send_signal(r, signal.SIGUSR1))
        attempt("closed fd", lambda: signal.pidfd_send_signal(999, signal.SIGUSR1))
        proc_dir = os.open(f"/proc/{pid}", os.O_DIRECTORY)
        signal.pidfd_send_signal(proc_dir, signal.SIGUSR1)
        print("via /proc/<pid>", got)
        task_dir = os.open(f"/proc/{pid}/task/{pid}", os.O_DIRECTORY)
        attempt("/proc/<pid>/task/<tid>", lambda: signal.pidfd_send_signal(task_dir, signal.SIGUSR1))
        opath = os.open(f"/proc/{pid}", os.O_PATH)
        attempt("O_PATH /proc/<pid>", lambda: signal.pidfd_send_signal(opath, signal.SIGUSR1))

        # A siginfo the app wrote (Python only passes None): delivered as given.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        def send_info(pidfd, signo=signal.SIGUSR2, code=-1, spid=4242, uid=77):
            buf = (ctypes.c_int * 32)()
            buf[0], buf[2], buf[4], buf[5] = signo, code, spid, uid
            if libc.syscall(424, pidfd, signal.SIGUSR2, buf, 0) < 0:
                return errno.errorcode[ctypes.get_errno()]
            si = signal.sigtimedwait([signal.SIGUSR2], 1)
            return si.si_code, si.si_pid, si.si_uid
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
        print("info", send_info(fd))
        print("info posing as kill()", send_info(fd, code=0))
        print("info posing as the kernel", send_info(fd, code=1))
        print("info signo mismatch", send_info(fd, signo=signal.SIGUSR1))
        print("info on a /proc/<pid> fd", send_info(proc_dir, code=0, spid=5, uid=6))
        rc = libc.syscall(424, fd, signal.SIGUSR2, ctypes.c_void_p(8), 0)
        print("info at a bad address", rc, errno.errorcode[ctypes.get_errno()])
        # Only a task signalling its own id may pose as kill() or the kernel.
        def from_thread():
            own = os.open(f"/proc/{threading.get_native_id()}", os.O_DIRECTORY)
            for code in (-1, 0, 1):
                print("thread, code", code, "pidfd", send_info(fd, code=code),
                      "/proc/<pid>", send_info(proc_dir, code=code),
                      "/proc/<own tid>", send_info(own, code=code))
        t = threading.Thread(target=from_thread); t.start(); t.join()

        dup = libc.syscall(438, fd, w, 0)
        print("getfd", dup > w, os.get_inheritable(dup), os.readlink(f"/proc/self/fd/{dup}") == os.readlink(f"/proc/self/fd/{w}"))
        os.write(dup, b"via the copy"); print(os.read(r, 100))
        def getfd(pidfd, target, flags=0):
            rc = libc.syscall(438, pidfd, target, flags)
            return rc if rc >= 0 else errno.errorcode[ctypes.get_errno()]
        print("getfd flags", getfd(fd, w, 1))
        print("getfd closed target", getfd(fd, 999))
        print("getfd not a pidfd", getfd(r, w))
        print("getfd /proc/<pid>", getfd(proc_dir, w))
        print("getfd closed pidfd", getfd(999, w))
        os.close(fd)
        print("done")
    """)
    out = r.stdout.splitlines()
    assert "link anon_inode:[pidfd] inheritable False" in out
    assert "handled [10]" in out
    assert "info (-1, 4242, 77)" in out
    assert "thread, code 0 pidfd EPERM /proc/<pid> EPERM /proc/<own tid> (0, 4242, 77)" in out
    assert "getfd True False True" in out
    assert out[-1] == "done"


def test_pidfds_answer_as_linux_6_1(boot: Boot) -> None:
    # Linux 6.9 added PIDFD_THREAD (a pidfd for one thread) and the
    # PIDFD_SIGNAL_* flags; 6.1, the kernel the guest reports, refuses both.
    r = boot("""
        import ctypes, errno, os, signal, threading
        ready, done, tids = threading.Event(), threading.Event(), []
        def sleeper():
            tids.append(threading.get_native_id()); ready.set(); done.wait()
        t = threading.Thread(target=sleeper); t.start(); ready.wait()
        for what, fn in [("thread id", lambda: os.pidfd_open(tids[0])),
                         ("PIDFD_THREAD", lambda: os.pidfd_open(os.getpid(), os.O_EXCL)),
                         ("PIDFD_SIGNAL_THREAD", lambda: signal.pidfd_send_signal(
                             os.pidfd_open(os.getpid()), signal.SIGUSR1, None, 1))]:
            try:
                fn()
            except OSError as e:
                print(what, errno.errorcode[e.errno])
        done.set(); t.join()
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["thread id EINVAL", "PIDFD_THREAD EINVAL",
                                     "PIDFD_SIGNAL_THREAD EINVAL"]
