"""/proc inside the unikernel reads as it does on Linux.

Most tests run one snippet twice: in the guest, and with the host's Python
on Linux, the reference. The snippet prints a JSON summary of what it saw,
written so that it does not depend on where it runs (paths, pids, sizes);
both summaries must be equal. What only the guest can know (its argv, its
RAM, its one CPU) is checked against the guest's own facts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.boot.conftest import Boot

needs_linux = pytest.mark.skipif(sys.platform != "linux", reason="the reference is Linux's /proc")


def summary(stdout: str) -> Any:
    """The JSON the snippet printed last."""
    lines = [line for line in stdout.splitlines() if line.startswith(("{", "["))]
    assert lines, stdout
    return json.loads(lines[-1])


def in_guest(boot: Boot, source: str, **kwargs: Any) -> Any:
    r = boot(source, **kwargs)
    assert r.returncode == 0, r.stdout + r.stderr
    return summary(r.stdout)


def on_linux(source: str, tmp_path: Path) -> Any:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return summary(proc.stdout)


def same_as_linux(boot: Boot, tmp_path: Path, source: str) -> Any:
    guest = in_guest(boot, source)
    assert guest == on_linux(source, tmp_path)
    return guest


@needs_linux
def test_proc_self_fd_lists_the_open_descriptors_and_links_to_their_files(
        boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, """
        import json, os, stat, tempfile
        d = tempfile.mkdtemp()
        path = os.path.join(d, "data")
        rw = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        ro = os.open(path, os.O_RDONLY)
        wo = os.open(path, os.O_WRONLY | os.O_APPEND)
        dirfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        high = os.dup2(ro, 40)
        os.write(rw, b"12345")
        os.lseek(ro, 3, os.SEEK_SET)

        def is_open(fd):
            try:
                os.fstat(fd)
                return True
            except OSError:
                return False

        open_fds = {fd for fd in range(256) if is_open(fd)}
        listed = {int(name) for name in os.listdir("/proc/self/fd")}
        info = {}
        for name, fd in [("rw", rw), ("ro", ro), ("wo", wo), ("dir", dirfd), ("high", high)]:
            link = "/proc/self/fd/%d" % fd
            target = os.readlink(link)
            fdinfo = dict(line.split(":\\t", 1) for line in
                          open("/proc/self/fdinfo/%d" % fd).read().splitlines())
            info[name] = {
                "target": target.replace(d, "<dir>"),
                "mode": oct(os.lstat(link).st_mode),
                "same_file": os.path.samestat(os.stat(link), os.fstat(fd)),
                "pos": fdinfo["pos"],
                "access": int(fdinfo["flags"], 8) & 3,
                "append": bool(int(fdinfo["flags"], 8) & os.O_APPEND),
                "cloexec": bool(int(fdinfo["flags"], 8) & 0o2000000),
                "ino": int(fdinfo["ino"]) == os.fstat(fd).st_ino,
            }
        os.close(wo)
        gone = "/proc/self/fd/%d" % wo
        print(json.dumps({
            "listed_extra": len(listed - open_fds),   # the descriptor listdir itself used
            "listed_missing": sorted(open_fds - listed),
            "info": info,
            "closed_is_gone": not os.path.lexists(gone),
        }))
    """)


def test_proc_self_exe_is_the_interpreter(boot: Boot) -> None:
    guest = in_guest(boot, """
        import json, os, sys
        print(json.dumps([os.readlink("/proc/self/exe"), os.path.realpath(sys.executable)]))
    """)
    assert guest == ["/usr/bin/python3.11", "/usr/bin/python3.11"]


MAPS_LINE = (r"^([0-9a-f]{8,16})-([0-9a-f]{8,16}) ([r-][w-][x-][ps]) ([0-9a-f]{8,}) "
             r"([0-9a-f]{2,}):([0-9a-f]{2,}) (\d+) ?(?:\s+(.*))?$")


@needs_linux
def test_proc_self_maps_has_linux_format_and_names_files_heap_and_stack(
        boot: Boot, tmp_path: Path) -> None:
    source = """
        import json, mmap, os, re, sys, tempfile
        LINE = re.compile(MAPS_LINE)
        path = os.path.join(tempfile.mkdtemp(), "mapped")
        with open(path, "wb") as f:
            f.write(b"x" * 8192)
        f = open(path, "r+b")
        shared_file = mmap.mmap(f.fileno(), 8192)
        private_file = mmap.mmap(f.fileno(), 4096, flags=mmap.MAP_PRIVATE, offset=4096)
        anon_shared = mmap.mmap(-1, 4096 * 3)
        os.unlink(path)

        text = open("/proc/self/maps").read()
        lines = text.splitlines()
        parsed = [LINE.match(line) for line in lines]
        names = [m.group(8) for m in parsed if m and m.group(8)]
        starts = [int(m.group(1), 16) for m in parsed if m]
        def area(name):
            return sorted({(m.group(3), m.group(4)) for m in parsed if m and m.group(8) == name})
        mine = path + " (deleted)"
        print(json.dumps({
            "all_lines_parse": all(parsed),
            "sorted": starts == sorted(starts),
            "ends_with_newline": text.endswith("\\n"),
            "names_in_column_73": all(line.index(m.group(8)) == 73 for line, m in zip(lines, parsed)
                                      if m and m.group(8)),
            "anonymous_lines_end_in_a_space": any(line.endswith(" 0 ") for line in lines),
            "interpreter": any(os.path.realpath(n) == os.path.realpath(sys.executable)
                               for n in names),
            "libc": any(os.path.basename(n).startswith("libc.so") for n in names),
            "stack": names.count("[stack]"),
            "heap": names.count("[heap]"),
            "shared_file": [p for p, off in area(mine) if p.endswith("s")],
            "private_file": [(p, off) for p, off in area(mine) if p.endswith("p")],
            "anon_shared": area("/dev/zero (deleted)")[:1],
        }))
    """.replace("MAPS_LINE", repr(MAPS_LINE))
    guest = same_as_linux(boot, tmp_path, source)
    assert guest["interpreter"] and guest["stack"] == 1


@needs_linux
def test_getloadavg_and_uptime_read_proc(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import json, os, re, time
        loads = os.getloadavg()
        line = open("/proc/loadavg").read()
        up, idle = map(float, open("/proc/uptime").read().split())
        print(json.dumps({
            "loads": [isinstance(x, float) and x >= 0 for x in loads],
            "loadavg": bool(re.fullmatch(r"\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+\n", line)),
            "uptime": bool(re.fullmatch(r"\d+\.\d\d \d+\.\d\d\n", open("/proc/uptime").read())),
            "up": up > 0, "idle": idle >= 0,
        }))
    """)


def test_loadavg_counts_the_threads_and_the_last_thread_id(boot: Boot) -> None:
    guest = in_guest(boot, """
        import json, threading
        ev = threading.Event()
        threads = [threading.Thread(target=ev.wait) for _ in range(3)]
        for t in threads:
            t.start()
        fields = open("/proc/loadavg").read().split()
        ev.set()
        print(json.dumps([fields[3], int(fields[4]) == max(t.native_id for t in threads)]))
    """)
    assert guest == ["1/4", True]


@needs_linux
def test_meminfo_has_linux_layout(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import json, re
        lines = open("/proc/meminfo").read().splitlines()
        info = dict(re.match(r"(\S+):\s+(\d+)", line).groups() for line in lines)
        print(json.dumps({
            "layout": all(re.fullmatch(r"[\w()]+:\s+\d+( kB)?", l) and
                          (len(l) >= 27 if l.endswith(" kB") else True) for l in lines),
            "free_below_total": int(info["MemFree"]) <= int(info["MemTotal"]),
            "first": [l.split(":")[0] for l in lines[:3]],
        }))
    """)


def test_meminfo_total_is_about_the_guest_ram(boot: Boot) -> None:
    guest = in_guest(boot, """
        import json, os
        info = {l.split(":")[0]: int(l.split()[1]) for l in open("/proc/meminfo")}
        print(json.dumps([info["MemTotal"], info["MemFree"],
                          os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024]))
    """, options=["-m", "256M"])
    total, free, sysconf_total = guest
    assert 200 * 1024 < total <= 256 * 1024
    assert 0 < free < total
    assert sysconf_total == total  # glibc reads the same memory through sysinfo


def test_cmdline_is_pythons_argv_and_environ_its_environment(boot: Boot) -> None:
    guest = in_guest(boot, """
        import json, os, sys
        cmdline = open("/proc/self/cmdline", "rb").read()
        environ = open("/proc/self/environ", "rb").read()
        print(json.dumps({
            "cmdline": cmdline.decode().split("\\0"),
            "orig_argv": sys.orig_argv,
            "argv": sys.argv,
            "environ": sorted(e.decode() for e in environ.split(b"\\0") if e),
            "os_environ": sorted("%s=%s" % kv for kv in os.environ.items()),
        }))
    """, args=["one", "two words"], env={"PROC_TEST": "yes"})
    assert guest["cmdline"] == guest["orig_argv"] + [""]
    assert guest["cmdline"][0] == "/usr/bin/python3.11"
    assert guest["cmdline"][-3:] == ["one", "two words", ""]
    assert guest["argv"][1:] == ["one", "two words"]
    assert "PROC_TEST=yes" in guest["environ"]
    # /proc/self/environ is the environment the program started with; CPython's
    # locale coercion (PEP 538) then sets LC_CTYPE in os.environ only, as on Linux.
    started_with = set(guest["environ"])
    coerced = {e for e in guest["os_environ"] if e.startswith("LC_CTYPE=")} - started_with
    assert started_with == set(guest["os_environ"]) - coerced


@needs_linux
def test_status_threads_and_task_follow_the_threads_started(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, """
        import ctypes, json, os, re, threading

        def status(path="/proc/self/status"):
            return dict(re.match(r"([^:]+):\\s*(.*)", l).groups() for l in open(path))

        libc = ctypes.CDLL(None)
        names_set = threading.Barrier(4)
        done = threading.Event()

        def worker(i):
            libc.prctl(15, b"worker-%d" % i)  # PR_SET_NAME
            names_set.wait()
            done.wait()

        before = int(status()["Threads"])
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        names_set.wait()
        during = int(status()["Threads"])
        tids = sorted(int(t) for t in os.listdir("/proc/self/task"))
        expected = sorted([threading.get_native_id()] + [t.native_id for t in threads])
        comms = sorted(open("/proc/self/task/%d/comm" % t.native_id).read() for t in threads)
        thread_status = status("/proc/self/task/%d/status" % threads[0].native_id)
        thread_stat = open("/proc/self/task/%d/stat" % threads[0].native_id).read().split()
        self_link = os.readlink("/proc/thread-self")
        done.set()
        for t in threads:
            t.join()
        print(json.dumps({
            "before": before, "during": during, "after": int(status()["Threads"]),
            "tids_are_the_threads": tids == expected,
            "comms": comms,
            "main_comm_kept": open("/proc/self/comm").read() != "worker-0\\n",
            "thread_pid_is_its_tid": int(thread_status["Pid"]) == threads[0].native_id,
            "thread_tgid": int(thread_status["Tgid"]) == os.getpid(),
            "thread_name": thread_status["Name"],
            "thread_stat_pid": int(thread_stat[0]) == threads[0].native_id,
            "thread_stat_comm": thread_stat[1],
            "thread_self": self_link == "%d/task/%d" % (os.getpid(), threading.get_native_id()),
        }))
    """)


@needs_linux
def test_cpuinfo_has_processor_0_and_only_keys_linux_uses(boot: Boot, tmp_path: Path) -> None:
    source = """
        import json, os
        text = open("/proc/cpuinfo").read()
        first = text.split("\\n\\n")[0]
        keys = [line.split(":")[0] for line in first.splitlines()]
        print(json.dumps({"first_line": first.splitlines()[0], "keys": keys,
                          "cpu_count": os.cpu_count(),
                          "conf": os.sysconf("SC_NPROCESSORS_CONF")}))
    """
    guest = in_guest(boot, source)
    linux = on_linux(source, tmp_path)
    assert guest["first_line"] == "processor\t: 0"
    assert set(guest["keys"]) <= set(linux["keys"])
    for key in ("vendor_id\t", "model name\t", "flags\t\t", "cpu MHz\t\t", "address sizes\t"):
        assert key in guest["keys"]
    assert guest["cpu_count"] == guest["conf"] == 1


@needs_linux
def test_proc_stat_and_pid_stat_have_linux_fields(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import json, os, re, time
        lines = open("/proc/stat").read().splitlines()
        fields = {l.split()[0]: l.split()[1:] for l in lines}
        up = float(open("/proc/uptime").read().split()[0])
        stat = open("/proc/self/stat").read()
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        statm = open("/proc/self/statm").read().split()
        status = {l.split(":")[0]: l.split(":")[1].split() for l in open("/proc/self/status")}
        ticks = os.sysconf("SC_CLK_TCK")
        umask = os.umask(0)
        os.umask(umask)
        print(json.dumps({
            "cpu_line": lines[0].startswith("cpu  ") and len(fields["cpu"]) == 10,
            "cpu0": len(fields["cpu0"]) == 10,
            "btime": abs(int(fields["btime"][0]) + up - time.time()) < 5,
            "stat_fields": 2 + len(rest),
            "pid": int(stat.split()[0]) == os.getpid(),
            "comm": comm == open("/proc/self/comm").read().strip(),
            "state": rest[0],
            "threads": rest[17],
            "started_after_boot": 0 <= int(rest[19]) / ticks <= up,
            "vsize_rss": int(rest[20]) > 0 and int(rest[21]) > 0,
            "arg_start_below_arg_end": int(rest[45]) < int(rest[46]),
            "statm_fields": len(statm),
            "resident_below_size": 0 < int(statm[1]) <= int(statm[0]),
            "vmrss_below_vmsize": 0 < int(status["VmRSS"][0]) <= int(status["VmSize"][0]),
            "umask": status["Umask"] == ["%04o" % umask],
            "sigcgt_has_sigint": bool(int(status["SigCgt"][0], 16) & (1 << 1)),
        }))
    """)


@needs_linux
def test_proc_files_have_linux_modes_and_sizes(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, """
        import json, os, stat
        paths = ["/proc", "/proc/self", "/proc/self/", "/proc/thread-self", "/proc/self/fd",
                 "/proc/self/fdinfo", "/proc/self/task", "/proc/self/status", "/proc/self/stat",
                 "/proc/self/statm", "/proc/self/maps", "/proc/self/cmdline",
                 "/proc/self/environ", "/proc/self/auxv", "/proc/self/comm", "/proc/self/limits",
                 "/proc/self/mounts", "/proc/self/mountinfo", "/proc/self/exe",
                 "/proc/self/cwd", "/proc/self/root", "/proc/self/fdinfo/0", "/proc/meminfo",
                 "/proc/cpuinfo", "/proc/stat", "/proc/uptime", "/proc/loadavg",
                 "/proc/version", "/proc/filesystems", "/proc/mounts", "/proc/sys",
                 "/proc/sys/kernel", "/proc/sys/kernel/ostype", "/proc/sys/kernel/osrelease",
                 "/proc/sys/kernel/random", "/proc/sys/kernel/random/uuid",
                 "/proc/sys/kernel/random/boot_id"]
        out = {}
        for p in paths:
            st = os.lstat(p)
            out[p] = [stat.filemode(st.st_mode), st.st_size if not stat.S_ISDIR(st.st_mode) else 0]
        ino = lambda: os.stat("/proc/self/status").st_ino
        out["same_inode_twice"] = ino() == ino()
        print(json.dumps(out))
    """)


def test_writes_fail_as_on_linux_and_comm_is_writable(boot: Boot) -> None:
    # Linux's answers for root, who the app is: EINVAL for /proc/<pid>
    # files, EIO for /proc files, EACCES to open a read-only sysctl.
    guest = in_guest(boot, """
        import errno, json, os
        def write(path):
            try:
                fd = os.open(path, os.O_WRONLY)
            except OSError as e:
                return "open " + errno.errorcode[e.errno]
            try:
                os.write(fd, b"x")
                return "ok"
            except OSError as e:
                return "write " + errno.errorcode[e.errno]
            finally:
                os.close(fd)
        def err(fn):
            try:
                fn()
                return "ok"
            except OSError as e:
                return errno.errorcode[e.errno]
        out = {p: write(p) for p in ["/proc/self/status", "/proc/self/maps", "/proc/meminfo",
                                      "/proc/loadavg", "/proc/sys/kernel/ostype",
                                      "/proc/sys/kernel/random/uuid"]}
        with open("/proc/self/comm", "w") as f:
            f.write("renamed")
        out["comm"] = open("/proc/self/comm").read()
        with open("/proc/self/task/%d/comm" % os.getpid(), "w") as f:
            out["long_write"] = f.write("a-name-longer-than-fifteen-bytes" * 4)
        out["long_comm"] = open("/proc/self/comm").read()
        out["creat"] = err(lambda: open("/proc/self/new", "w"))
        out["unlink"] = err(lambda: os.unlink("/proc/self/status"))
        out["rmdir"] = err(lambda: os.rmdir("/proc/self/fd"))
        out["mkdir"] = err(lambda: os.mkdir("/proc/self/x"))
        print(json.dumps(out))
    """)
    assert guest == {
        "/proc/self/status": "write EINVAL", "/proc/self/maps": "write EINVAL",
        "/proc/meminfo": "write EIO", "/proc/loadavg": "write EIO",
        "/proc/sys/kernel/ostype": "open EACCES", "/proc/sys/kernel/random/uuid": "open EACCES",
        "comm": "renamed\n", "long_write": 128, "long_comm": "a-name-longer-t\n",
        # Linux says ENOENT for new names; here the VFS asks for EPERM.
        "creat": "EPERM", "unlink": "EPERM", "rmdir": "EPERM", "mkdir": "EPERM",
    }


@needs_linux
def test_directories_list_with_stable_positions_in_small_reads(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import ctypes, json, os, struct
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        SYS_getdents64 = 217

        def getdents(fd, buf):
            n = libc.syscall(SYS_getdents64, fd, buf, len(buf))
            assert n >= 0, ctypes.get_errno()
            out, pos = [], 0
            while pos < n:
                ino, off, reclen, typ = struct.unpack_from("QqHB", buf.raw, pos)
                out.append((buf.raw[pos + 19:pos + reclen].split(b"\0")[0].decode(), off))
                pos += reclen
            return out

        def listing(path):
            # A 64-byte buffer: one or two entries per call.
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            buf = ctypes.create_string_buffer(64)
            out = []
            while True:
                part = getdents(fd, buf)
                if not part:
                    break
                out += part
            # Seeking to an entry's d_off resumes right after it. (Linux's
            # own processes come and go meanwhile: skip those in /proc.)
            resumed = True
            for (name, off), (following, _) in zip(out, out[1:]):
                if path == "/proc" and (name.isdigit() or following.isdigit()):
                    continue
                os.lseek(fd, off, os.SEEK_SET)
                resumed &= getdents(fd, buf)[0][0] == following
            os.close(fd)
            return [name for name, _ in out], resumed

        extra = [os.open("/", os.O_RDONLY) for _ in range(5)]
        result = {}
        for path in ["/proc", "/proc/self", "/proc/self/fd", "/proc/self/task", "/proc/sys/kernel"]:
            names, resumed = listing(path)
            listed = os.listdir(path)
            fixed = lambda ns: sorted(n for n in ns if path != "/proc" or not n.isdigit())
            result[path] = {
                "dots": names[:2], "unique": len(set(names)) == len(names), "resumed": resumed,
                "matches_listdir": fixed(names[2:]) == fixed(listed),
                "own_pid": str(os.getpid()) in names if path == "/proc" else None,
            }
        print(json.dumps(result))
    """)


@needs_linux
def test_links_name_the_working_directory_root_and_mount_table(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import json, os, re, tempfile
        d = os.path.realpath(tempfile.mkdtemp())
        os.chdir(d)
        cwd = os.readlink("/proc/self/cwd")
        os.chdir("/proc/self/fd")
        in_proc = os.getcwd()
        os.chdir("/")
        mountinfo = open("/proc/self/mountinfo").read().splitlines()
        line = r"(\d+) (\d+) (\d+):(\d+) (\S+) (\S+) (\S+)( \S+)* - (\S+) (\S+) (\S+)"
        parsed = [re.fullmatch(line, l) for l in mountinfo]
        ids = {m.group(1) for m in parsed if m}
        proc_mount = [m.group(9) for m in parsed if m and m.group(6) == "/proc"]
        mounts = [l.split() for l in open("/proc/mounts")]
        fd = os.open("/proc/self/status", os.O_RDONLY)
        fdinfo_proc = dict(l.split(":\t")
                           for l in open("/proc/self/fdinfo/%d" % fd).read().splitlines())
        print(json.dumps({
            "cwd": cwd == d,
            "getcwd_in_proc": re.fullmatch(r"/proc/\d+/fd", in_proc) is not None,
            "root": os.readlink("/proc/self/root"),
            "mounts_link": os.readlink("/proc/mounts"),
            "mountinfo_parses": all(parsed),
            "proc_type": proc_mount,
            "root_mounted": any(m.group(6) == "/" for m in parsed if m),
            "mounts_fields": sorted({len(f) for f in mounts}),
            "proc_in_mounts": ["proc", "/proc", "proc"] in [f[:3] for f in mounts],
            "mnt_id_known": fdinfo_proc["mnt_id"].strip() in ids,
            "filesystems_proc": "nodev\tproc" in open("/proc/filesystems").read().splitlines(),
        }))
    """)


@needs_linux
def test_limits_and_sysctl_and_uuids_read_as_on_linux(boot: Boot, tmp_path: Path) -> None:
    same_as_linux(boot, tmp_path, r"""
        import json, os, re, resource
        lines = open("/proc/self/limits").read().splitlines()
        names = {"Max stack size": resource.RLIMIT_STACK,
                 "Max open files": resource.RLIMIT_NOFILE,
                 "Max core file size": resource.RLIMIT_CORE,
                 "Max address space": resource.RLIMIT_AS}
        def value(text):
            return resource.RLIM_INFINITY if text == "unlimited" else int(text)
        limits_ok = True
        for line in lines[1:]:
            name = line[:25].strip()
            if name in names:
                soft, hard = resource.getrlimit(names[name])
                shown = (value(line[26:46].strip()), value(line[47:67].strip()))
                limits_ok &= shown == (soft, hard)
        uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n")
        u1 = open("/proc/sys/kernel/random/uuid").read()
        u2 = open("/proc/sys/kernel/random/uuid").read()
        b1 = open("/proc/sys/kernel/random/boot_id").read()
        b2 = open("/proc/sys/kernel/random/boot_id").read()
        with open("/proc/sys/kernel/random/uuid") as f:
            again = [f.read(), f.seek(0), f.read()]
        print(json.dumps({
            "header": lines[0],
            "count": len(lines),
            "limits_match_getrlimit": limits_ok,
            "ostype": open("/proc/sys/kernel/ostype").read(),
            "osrelease": open("/proc/sys/kernel/osrelease").read() == os.uname().release + "\n",
            "hostname": open("/proc/sys/kernel/hostname").read() == os.uname().nodename + "\n",
            "version_line": open("/proc/version").read().startswith(
                "Linux version " + os.uname().release + " "),
            "pid_max": int(open("/proc/sys/kernel/pid_max").read()) > 1,
            "uuid_format": bool(uuid.fullmatch(u1)), "uuid_fresh": u1 != u2,
            "uuid_fresh_after_seek": again[0] != again[2],
            "boot_id_format": bool(uuid.fullmatch(b1)), "boot_id_stable": b1 == b2,
        }))
    """)
