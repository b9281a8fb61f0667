"""A tap device of the test's own on the host, and a peer on it that sends and receives
raw Ethernet frames as an address the host kernel does not own (answering ARP for it
itself), for packet-level boot tests. Needs root; without it the tests are skipped."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

ETH_P_ALL = 3
GUEST_MAC = "52:54:00:12:34:56"  # QEMU's default for the guest's virtio-net
PEER_MAC = "02:00:00:00:00:03"


@contextmanager
def tap_device(name: str, host_ip: str) -> Iterator[str]:
    """The tap device ``name`` with ``host_ip``/24, up; deleted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a tap device needs root")
    subprocess.run(["ip", "link", "del", name], capture_output=True)
    try:
        for cmd in (["ip", "tuntap", "add", "dev", name, "mode", "tap"],
                    ["ip", "addr", "add", f"{host_ip}/24", "dev", name],
                    ["ip", "link", "set", name, "up"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                pytest.skip(f"cannot set up a tap device ({' '.join(cmd)}: {r.stderr.strip()})")
        yield name
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True)


class RawPeer:
    """Frames in and out of a tap, as the address ``ip``."""

    def __init__(self, ifname: str, ip: str) -> None:
        self.ip = ip
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((ifname, 0))

    def send(self, packet: Any) -> None:
        """An IP packet (scapy) in a frame to the guest."""
        from scapy.all import Ether
        self.sock.send(bytes(Ether(src=PEER_MAC, dst=GUEST_MAC) / packet))

    def expect(self, wanted: Callable[[Any], bool], timeout: float,
               what: str = "frame of the kind") -> Any:
        """The next frame ``wanted`` accepts, answering ARP for our address meanwhile;
        AssertionError naming ``what`` when none comes within ``timeout`` seconds."""
        from scapy.all import ARP, Ether
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                break
            frame = Ether(self.sock.recv(65536))
            if ARP in frame and frame[ARP].op == 1 and frame[ARP].pdst == self.ip:
                self.sock.send(bytes(Ether(src=PEER_MAC, dst=frame.src) / ARP(
                    op=2, hwsrc=PEER_MAC, psrc=self.ip, hwdst=frame.src, pdst=frame[ARP].psrc)))
            elif wanted(frame):
                return frame
        raise AssertionError(f"the guest sent no {what}")

    def close(self) -> None:
        self.sock.close()


P = TypeVar("P", bound=RawPeer)


def peer_on_tap(cls: type[P], tap: str, host_ip: str, peer_ip: str) -> Iterator[P]:
    """A fixture's body: a peer of class ``cls`` as ``peer_ip`` on a new tap device."""
    with tap_device(tap, host_ip):
        peer = cls(tap, peer_ip)
        try:
            yield peer
        finally:
            peer.close()
