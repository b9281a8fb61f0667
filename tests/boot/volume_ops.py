"""File operations apps rely on, run in a directory ROOT (argv[1]); prints one JSON
list of (operation, result or errno name). test_volumes.py runs it on a host volume
inside unipython and on a host directory natively: the lists must be equal."""

import errno
import fcntl
import json
import mmap
import os
import stat
import sys

ROOT = sys.argv[1]
log = []


def p(*names):
    return os.path.join(ROOT, *names)


def do(name, fn):
    try:
        log.append((name, fn()))
    except OSError as e:
        log.append((name, errno.errorcode.get(e.errno, e.errno)))


def mode(path, follow=True):
    st = os.stat(path) if follow else os.lstat(path)
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def write_excl(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)


os.umask(0o022)
# Creating, reading, writing.
do("create", lambda: write_excl(p("a"), b"hello world\n"))
do("create again", lambda: write_excl(p("a"), b"x"))
do("mode", lambda: mode(p("a")))
do("read", lambda: read(p("a")))
do("pread", lambda: os.pread(os.open(p("a"), os.O_RDONLY), 5, 6).decode())
do("missing", lambda: read(p("nope")))
do("dir as file", lambda: os.open(ROOT, os.O_WRONLY))


def appends():
    fd = os.open(p("a"), os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"one\n")
    os.pwrite(fd, b"two\n", 0)  # Linux: pwrite on O_APPEND appends too
    os.close(fd)
    return read(p("a"))


do("append", appends)
do("size", lambda: os.stat(p("a")).st_size)


def truncates():
    with open(p("a"), "r+b") as f:
        f.truncate(5)
    first = read(p("a"))
    os.truncate(p("a"), 8)
    return first, read(p("a"))


do("truncate", truncates)
do("o_trunc", lambda: (open(p("a"), "w").close(), os.stat(p("a")).st_size)[1])


def big():
    data = bytes(range(256)) * 1000 + b"end"  # more than one 9P message
    with open(p("big"), "wb") as f:
        f.write(data)
    with open(p("big"), "rb") as f:
        back = f.read()
    return len(back), back == data, os.stat(p("big")).st_size


do("big file", big)

# Directories.
do("mkdir", lambda: os.mkdir(p("d"), 0o750))
do("mkdir again", lambda: os.mkdir(p("d")))
do("dir mode", lambda: mode(p("d")))
do("file in dir", lambda: write_excl(p("d", "f"), b"in d"))
do("rmdir not empty", lambda: os.rmdir(p("d")))
do("rmdir a file", lambda: os.rmdir(p("a")))
do("unlink a dir", lambda: os.unlink(p("d")))
do("unlink missing", lambda: os.unlink(p("nope")))
do("mkdir in missing", lambda: os.mkdir(p("nope", "x")))
do("file as dir", lambda: os.stat(p("a", "x")))


def many():
    # More entries than one 9P readdir answer (64 KiB) and one getdents64
    # buffer (Python's 32 KiB) hold.
    os.mkdir(p("many"))
    for i in range(1000):
        open(p("many", f"file-{i:04d}-" + "x" * 100), "w").close()
    names = os.listdir(p("many"))
    with os.scandir(p("many")) as it:
        kinds = {e.is_file() for e in it}
    return len(names), sorted(names)[:2], sorted(kinds)


do("readdir of 1000", many)
do("listdir", lambda: sorted(os.listdir(ROOT)))

# Renames.
do("rename", lambda: os.rename(p("d", "f"), p("d", "g")))
do("rename over", lambda: (write_excl(p("h"), b"old"), os.rename(p("d", "g"), p("h")),
                           read(p("h")))[2])
do("rename missing", lambda: os.rename(p("nope"), p("x")))
do("rename into missing dir", lambda: os.rename(p("h"), p("nope", "h")))
do("rename dir into itself", lambda: os.rename(p("d"), p("d", "e")))
do("rename dir", lambda: (os.mkdir(p("d", "sub")), os.rename(p("d"), p("d2")),
                          sorted(os.listdir(p("d2"))))[2])
do("rename dir over non-empty", lambda: (os.mkdir(p("e")), open(p("e", "x"), "w").close(),
                                         os.rename(p("d2", "sub"), p("e")))[2])


def cwd_moves():
    os.chdir(p("d2", "sub"))
    here = os.getcwd() == os.path.realpath(p("d2", "sub"))
    os.chdir("..")
    up = sorted(os.listdir("."))
    os.chdir("/")
    return here, up


do("cwd", cwd_moves)

# Links.
do("symlink", lambda: os.symlink("h", p("l")))
do("symlink again", lambda: os.symlink("h", p("l")))
do("readlink", lambda: os.readlink(p("l")))
do("lstat", lambda: mode(p("l"), follow=False)[0] == stat.S_IFLNK)
do("through link", lambda: read(p("l")))
do("nofollow", lambda: os.open(p("l"), os.O_RDONLY | os.O_NOFOLLOW))
do("dangling", lambda: (os.symlink("nowhere", p("dl")), read(p("dl")))[1])
do("readlink a file", lambda: os.readlink(p("h")))


def hard_links():
    os.link(p("h"), p("h2"))
    a, b = os.stat(p("h")), os.stat(p("h2"))
    same = a.st_ino == b.st_ino
    nl = (a.st_nlink, b.st_nlink)
    with open(p("h2"), "a") as f:
        f.write("+more")
    seen = read(p("h"))
    os.unlink(p("h"))
    return same, nl, seen, os.stat(p("h2")).st_nlink


do("hard link", hard_links)
do("link exists", lambda: os.link(p("h2"), p("l")))
do("link a dir", lambda: os.link(p("d2"), p("d3")))


def unlinked_open():
    fd = os.open(p("gone"), os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, b"still here")
    os.unlink(p("gone"))
    data = os.pread(fd, 100, 0)
    nlink = os.fstat(fd).st_nlink
    os.close(fd)
    return data.decode(), nlink, os.path.exists(p("gone"))


do("unlinked but open", unlinked_open)

# Attributes.
do("chmod", lambda: (os.chmod(p("h2"), 0o604), mode(p("h2")))[1])
do("utime", lambda: (os.utime(p("h2"), (1000000000, 1234567890)),
                     int(os.stat(p("h2")).st_mtime))[1])


def utime_omit():
    # utimensat with UTIME_OMIT for atime: the file's atime stays what it is
    # (a read may just have moved it, relatime) while mtime is set.
    import ctypes

    class Ts(ctypes.Structure):
        _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]

    libc = ctypes.CDLL(None, use_errno=True)
    os.utime(p("h2"), (1000000000, 1234567890))
    read(p("h2"))
    before = os.stat(p("h2")).st_atime
    times = (Ts * 2)(Ts(0, (1 << 30) - 2), Ts(1300000000, 0))
    if libc.utimensat(-100, p("h2").encode(), times, 0) != 0:
        raise OSError(ctypes.get_errno(), "utimensat")
    st = os.stat(p("h2"))
    return st.st_atime == before, int(st.st_mtime)


do("utime omitting atime", utime_omit)
do("create 0444 for writing", lambda: (os.close(os.open(p("ro"), os.O_WRONLY | os.O_CREAT, 0o444)),
                                       mode(p("ro")))[1])

# Locks (one process: flock on two open files conflicts, fcntl locks do not).


def locks():
    f1, f2 = open(p("lock"), "w"), open(p("lock"), "w")
    fcntl.flock(f1, fcntl.LOCK_EX)
    try:
        fcntl.flock(f2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        second = "got it"
    except OSError as e:
        second = errno.errorcode[e.errno]
    fcntl.flock(f1, fcntl.LOCK_UN)
    fcntl.flock(f2, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.lockf(f1, fcntl.LOCK_EX | fcntl.LOCK_NB)
    f1.close()
    f2.close()
    return second


do("flock", locks)

# mmap: a shared mapping's writes reach the file (msync, munmap), a private one's do not.


def maps():
    with open(p("m"), "wb") as f:
        f.write(b"." * 10000)
    with open(p("m"), "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        m[0:5] = b"HELLO"
        m[8190:8195] = b"WORLD"
        m.flush()
        flushed = read(p("m"))[0:5]
        m[100:103] = b"ABC"
        m.close()
        pm = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE)
        pm[200:203] = b"XYZ"
        pm.close()
    text = read(p("m"))
    with open(p("m"), "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        os.pwrite(f.fileno(), b"w", 0)  # a write after the mapping exists: the mapping sees it
        seen = m[0:1]
        m.close()
    return flushed, text[8190:8195], text[100:103], text[200:203], seen.decode()


do("mmap", maps)
do("mmap of a whole file", lambda: len(mmap.mmap(os.open(p("m"), os.O_RDONLY), 0,
                                                  prot=mmap.PROT_READ)))


def fsyncs():
    fd = os.open(p("s"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"durable")
    os.fsync(fd)
    os.fdatasync(fd)
    os.close(fd)
    dfd = os.open(ROOT, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(dfd)
    os.close(dfd)
    return read(p("s"))


do("fsync", fsyncs)
do("final listing", lambda: sorted(os.listdir(ROOT)))
print(json.dumps(log))
