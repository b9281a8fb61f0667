"""The /etc files of an image: the user and group databases, and what glibc's name
services read when the app uses sockets."""

from __future__ import annotations

from pathlib import Path

from unipython.builder.plan import Plan

# Debian's base-passwd: the system users and groups every Debian system has.
BASE_PASSWD = Path("/usr/share/base-passwd")
ROOT_ONLY = {"passwd": b"root:x:0:0:root:/root:/bin/sh\n", "group": b"root:x:0:\n"}

# What the kernel writes over with eth0's configuration at boot (kernel/net/etc_text.h):
# files that start with this line. An app's own (--add) do not, and stay.
MARKER = b"# unipython: generated"
# Until then, or without a network device: loopback, and the kernel's host name.
HOSTS = (MARKER + b" by the builder: loopback only until eth0 has an address\n"
         b"127.0.0.1\tlocalhost\n"
         b"127.0.1.1\tunipython\n"
         b"::1\tlocalhost ip6-localhost ip6-loopback\n")
# Without this file glibc asks DNS first, at 127.0.0.1:53, for every host name.
NSSWITCH = (b"passwd: files\n"
            b"group: files\n"
            b"shadow: files\n"
            b"hosts: files dns\n"
            b"networks: files\n"
            b"protocols: files\n"
            b"services: files\n")
# The name server of QEMU's user networking; at boot the kernel puts in the ones the
# runner names (dns= in net=) or a DHCP lease gives.
RESOLV_CONF = (MARKER + b" by the builder: QEMU user networking's name server until "
               b"eth0 has its own\n"
               b"nameserver 10.0.2.3\n")
# Debian's netbase: getservbyname() and getprotobyname() read these.
NETBASE = ("/etc/services", "/etc/protocols")


def user_database(name: str, base: Path = BASE_PASSWD) -> bytes:
    """/etc/passwd or /etc/group (``name``) as a fresh Debian system has it, or root
    alone where base-passwd is missing."""
    master = base / f"{name}.master"
    return master.read_bytes() if master.is_file() else ROOT_ONLY[name]


def shadow_database(passwd: bytes) -> bytes:
    """/etc/shadow for the users of ``passwd``: every account locked ("*", no password
    logs in), as a fresh Debian system has its system users; no date of last change,
    so the image does not depend on the day it was built."""
    names = [line.split(b":", 1)[0] for line in passwd.splitlines() if b":" in line]
    return b"".join(name + b":*::0:99999:7:::\n" for name in names)


def add_etc(plan: Plan, uses_sockets: bool) -> None:
    base = plan.root / BASE_PASSWD.relative_to("/")
    passwd = user_database("passwd", base)
    plan.add_generated("/etc/passwd", passwd, "generated: user database")
    # spwd.getspnam() and PAM-free tools read it; root-only, as on Debian (0640 root:shadow)
    plan.add_generated("/etc/shadow", shadow_database(passwd),
                       "generated: shadow database, every account locked", perm=0o600)
    plan.add_generated("/etc/group", user_database("group", base), "generated: group database")
    if not uses_sockets:
        return
    if "/etc/hosts" not in plan.entries:
        plan.add_generated("/etc/hosts", HOSTS, "generated: host names (eth0's at boot)")
    plan.add_generated("/etc/nsswitch.conf", NSSWITCH, "generated: name services")
    if "/etc/resolv.conf" not in plan.entries:
        plan.add_generated("/etc/resolv.conf", RESOLV_CONF,
                           "generated: the name server of QEMU's user networking")
    for path in NETBASE:
        if (plan.root / path.lstrip("/")).is_file():
            plan.add_host_file(path, "service and protocol names for sockets")
