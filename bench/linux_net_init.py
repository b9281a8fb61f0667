"""The Linux guest's init for the network rows (unipython takes the same from its
command line): loads the kernel modules a virtio-net device over virtio-mmio
needs (finit_module, in the order the bench wrote), gives eth0 the address and
brings it and lo up (the ioctls ip(8) and ifconfig use), then runs the app as
__main__ with the remaining arguments.

    linux_net_init.py ADDR/PREFIX APP ARG...
"""

import ctypes
import errno
import fcntl
import os
import runpy
import socket
import struct
import sys
import time

MODULES = "/usr/lib/modules/unipython-bench"
SYS_FINIT_MODULE = 313
SIOCGIFFLAGS, SIOCSIFFLAGS = 0x8913, 0x8914
SIOCSIFADDR, SIOCSIFNETMASK = 0x8916, 0x891C
IFF_UP = 0x1


def load_modules():
    libc = ctypes.CDLL(None, use_errno=True)
    with open(f"{MODULES}/order.txt") as f:
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


def wait_for_interface(name, seconds=30.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if any(n == name for _, n in socket.if_nameindex()):
            return
        time.sleep(0.02)
    raise SystemExit(f"linux_net_init: no {name} after {seconds} s")


def ifreq_addr(name, addr):
    return struct.pack("16sH2s4s16s", name.encode(), socket.AF_INET, b"", socket.inet_aton(addr),
                       b"")


def bring_up(sock, name):
    flags = struct.unpack_from("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS,
                                                   struct.pack("16sH22s", name.encode(), 0, b"")))[1]
    fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22s", name.encode(), flags | IFF_UP, b""))


def main():
    address, prefix = sys.argv[1].split("/")
    mask = socket.inet_ntoa(struct.pack("!I", (0xFFFFFFFF << (32 - int(prefix))) & 0xFFFFFFFF))
    load_modules()
    wait_for_interface("eth0")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        bring_up(sock, "lo")
        fcntl.ioctl(sock, SIOCSIFADDR, ifreq_addr("eth0", address))
        fcntl.ioctl(sock, SIOCSIFNETMASK, ifreq_addr("eth0", mask))
        bring_up(sock, "eth0")
    app = sys.argv[2]
    sys.argv = sys.argv[2:]
    runpy.run_path(app, run_name="__main__")


main()
