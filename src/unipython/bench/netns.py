"""A network namespace of the bench's own with a tap device in it: the guests'
network. QEMU opens the tap and the load generators run inside the namespace
(``ip netns exec``), so every packet of the network rows stays in it, between
the namespace's own address and the guest's."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TAP = "upybench0"
HOST_IP = "192.168.77.1"
GUEST_IP = "192.168.77.2"
PREFIX = 24


@dataclass(frozen=True)
class TapNamespace:
    name: str
    tap: str = TAP
    host_ip: str = HOST_IP
    guest_ip: str = GUEST_IP
    prefix: int = PREFIX

    @property
    def exec_prefix(self) -> list[str]:
        """Runs a command inside the namespace."""
        return ["ip", "netns", "exec", self.name]


def problem() -> str | None:
    """Why the bench cannot make its namespace here, or None."""
    if os.geteuid() != 0:
        return "skipped: needs root (a network namespace and a tap device)"
    if shutil.which("ip") is None:
        return "skipped: needs ip(8) (apt-get install iproute2)"
    return None


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


@contextmanager
def tap_namespace(name: str | None = None) -> Iterator[TapNamespace]:
    """Creates the namespace and its tap device (host side HOST_IP/PREFIX, up);
    deletes both on the way out, whatever happened."""
    ns = TapNamespace(name or f"upybench-{os.getpid()}")
    subprocess.run(["ip", "netns", "del", ns.name], capture_output=True, timeout=30)
    _ip("netns", "add", ns.name)
    try:
        _ip("-n", ns.name, "link", "set", "lo", "up")
        _ip("-n", ns.name, "tuntap", "add", "dev", ns.tap, "mode", "tap")
        _ip("-n", ns.name, "addr", "add", f"{ns.host_ip}/{ns.prefix}", "dev", ns.tap)
        _ip("-n", ns.name, "link", "set", ns.tap, "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True, timeout=30)
