"""IPv4 fragment reassembly in the guest, over a tap device the test creates: datagrams
the host's own Linux fragments (8000 bytes, and the largest UDP datagram, 65507 bytes)
and ones a peer of the test's own crafts with scapy (shuffled, with a duplicate) reach
the app whole; a datagram with a partially overlapping fragment never does (RFC 5722);
a datagram whose first fragment came but not the rest is answered after 30 s with an
ICMP time exceeded (fragment reassembly time exceeded) quoting that fragment, as Linux
does. Needs root."""

from __future__ import annotations

import hashlib
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.boot.conftest import BOOT_TIMEOUT, REPO
from tests.boot.tap_peer import RawPeer, peer_on_tap

scapy = pytest.importorskip("scapy.all")
from scapy.all import ICMP, IP, UDP, Ether, IPerror, Raw, fragment  # noqa: E402

TAP, HOST_IP, GUEST_IP, PEER_IP = "upytap3", "192.168.76.1", "192.168.76.2", "192.168.76.3"
PORT = 9000


@pytest.fixture
def peer() -> Iterator[RawPeer]:
    yield from peer_on_tap(RawPeer, TAP, HOST_IP, PEER_IP)


APP = f"""
import hashlib, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("0.0.0.0", {PORT}))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    if data == b"quit":
        break
    print("got", len(data), hashlib.sha256(data).hexdigest()[:16], peer[0], flush=True)
"""


def line(data: bytes, src: str) -> str:
    return f"got {len(data)} {hashlib.sha256(data).hexdigest()[:16]} {src}\n"


class Lines:
    """The app's output lines as they come, with a time limit for each."""

    def __init__(self, stream: IO[str]) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for text in stream:
            self.q.put(text)

    def next(self, timeout: float = 60) -> str:
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the app printed nothing in {timeout} s") from None

    def rest(self) -> list[str]:
        return list(self.q.queue)


def udp(ident: int, data: bytes) -> IP:
    return IP(src=PEER_IP, dst=GUEST_IP, id=ident) / UDP(sport=5000, dport=PORT) / data


def test_fragmented_datagrams_arrive_whole_and_overlaps_never(peer: RawPeer,
                                                              tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "--net", f"tap:{TAP}", "--ip",
                             f"{GUEST_IP}/24", str(app)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    rng = random.Random(9)
    lines = Lines(proc.stdout)
    try:
        assert lines.next(BOOT_TIMEOUT) == "ready\n"
        # The first fragment of a datagram whose rest never comes: its 30 s start now.
        lonely = fragment(udp(4, rng.randbytes(3000)), fragsize=1480)
        started = time.monotonic()
        peer.send(lonely[0])

        # The host's Linux fragments what is larger than the tap's MTU.
        host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for size in (8000, 65507):
            data = rng.randbytes(size)
            host.sendto(data, (GUEST_IP, PORT))
            assert lines.next() == line(data, HOST_IP)

        # Fragments of our own, last first, shuffled, one of them twice.
        data = rng.randbytes(8000)
        frags = fragment(udp(1, data), fragsize=1480)
        order = [frags[-1]] + rng.sample(frags[:-1], len(frags) - 1)
        order.insert(3, frags[2])
        for f in order:
            peer.send(f)
        assert lines.next() == line(data, PEER_IP)

        # A fragment across the boundary of two others while only the first is here:
        # the whole datagram goes, whatever follows.
        evil_data = rng.randbytes(4000)
        frags = fragment(udp(2, evil_data), fragsize=1480)
        overlap = IP(src=PEER_IP, dst=GUEST_IP, id=2, proto=17, flags="MF",
                     frag=1400 // 8) / Raw(b"X" * 160)
        peer.send(frags[0])
        peer.send(overlap)
        for f in frags[1:]:
            peer.send(f)
        # The same datagram again, rightly fragmented under a new ID: it arrives, and
        # it is the next thing the app hears.
        frags = fragment(udp(3, evil_data), fragsize=1480)
        for f in reversed(frags):
            peer.send(f)
        assert lines.next() == line(evil_data, PEER_IP)

        # 30 s after the lonely first fragment: ICMP time exceeded, code 1, quoting it.
        def time_exceeded(frame: Ether) -> bool:
            return ICMP in frame and frame[IP].dst == PEER_IP and frame[ICMP].type == 11
        icmp = peer.expect(time_exceeded, timeout=60)
        waited = time.monotonic() - started
        assert icmp[ICMP].code == 1
        quoted = icmp[IPerror]
        assert (quoted.id, quoted.src, quoted.dst, quoted.flags) == (4, PEER_IP, GUEST_IP, 1)
        assert bytes(icmp[ICMP].payload) == bytes(lonely[0])[:28]
        assert 29 <= waited <= 45, waited

        peer.send(udp(5, b"quit"))
        rc = proc.wait(timeout=BOOT_TIMEOUT)
        assert rc == 0, proc.stderr.read() if proc.stderr else rc
        time.sleep(0.5)
        assert lines.rest() == []  # nothing else came through: not the overlapped datagram
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the runner and its QEMU
            proc.communicate()
