"""The Linux guest's init for the storage rows (unipython mounts the same from its
command line, `run -v` and `--disk`): mounts /proc (for drop_caches) and devtmpfs
on /dev, loads the kernel modules for virtio-blk, 9P over virtio and ext4
(finit_module, in the order the bench wrote), mounts the 9P volume (tag v0) and
the disk (/dev/vda, ext4), prints the mounts' options, then runs the app as
__main__ with the remaining arguments and syncs.

    linux_storage_init.py VOLDIR DISKDIR APP ARG...
"""

import ctypes
import errno
import os
import runpy
import sys
import time

MODULES = "/usr/lib/modules/unipython-bench"
SYS_FINIT_MODULE = 313
NINEP_OPTIONS = b"trans=virtio,version=9p2000.L"

libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype, data=None):
    os.makedirs(target, exist_ok=True)
    if libc.mount(source.encode(), target.encode(), fstype.encode(), 0, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target} ({fstype}): {os.strerror(err)}")


def load_modules():
    with open(f"{MODULES}/order-storage.txt") as f:
        names = f.read().split()
    for name in names:
        fd = os.open(f"{MODULES}/{name}.ko", os.O_RDONLY)
        try:
            if libc.syscall(SYS_FINIT_MODULE, fd, b"", 0) != 0:
                err = ctypes.get_errno()
                if err != errno.EEXIST:
                    raise OSError(err, f"finit_module {name}: {os.strerror(err)}")
        finally:
            os.close(fd)


def retry(what, fn, seconds=30.0):
    """Devices appear after their driver probes them, which may be later."""
    end = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or \
                    time.monotonic() > end:
                raise SystemExit(f"linux_storage_init: {what}: {exc}") from None
            time.sleep(0.02)


def main():
    volume, disk = sys.argv[1], sys.argv[2]
    mount("proc", "/proc", "proc")
    mount("devtmpfs", "/dev", "devtmpfs")
    load_modules()
    retry("the volume", lambda: mount("v0", volume, "9p", NINEP_OPTIONS))
    retry("the disk", lambda: mount("/dev/vda", disk, "ext4"))
    with open("/proc/mounts") as f:
        for line in f:
            if line.split()[1] in (volume, disk):
                print("mount " + line.strip(), flush=True)
    app = sys.argv[3]
    sys.argv = sys.argv[3:]
    try:
        runpy.run_path(app, run_name="__main__")
    finally:
        os.sync()


main()
