"""TCP across a bad network: two guests joined by a link of our own (QEMU's dgram
netdev, --net udp:LOCALPORT:PEERPORT) through a relay in this test that drops 5% of
the frames, duplicates 1% and reorders 5%. A 20 MB transfer arrives intact in bounded
time. The host kernel here has no netem, so the impairment is the relay's."""

from __future__ import annotations

import random
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from tests.boot.conftest import BOOT_TIMEOUT, REPO

MB = 20
SERVER_IP, CLIENT_IP = "192.168.90.1", "192.168.90.2"


class Relay:
    """Frames from guest A's QEMU go on to guest B's and back, impaired. Each side
    gets a port of the relay to send to; the relay sends to each guest's own."""

    def __init__(self, drop: float, dup: float, reorder: float, seed: int,
                 drop_if: Callable[[bytes, int], bool] | None = None) -> None:
        self.rng = random.Random(seed)
        self.drop_if = drop_if  # frame, side it came from -> whether to drop it
        self.drop, self.dup, self.reorder = drop, dup, reorder
        self.socks = []
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            self.socks.append(s)
        self.guest_ports = [self._free_udp_port(), self._free_udp_port()]
        self.counts = {"frames": 0, "dropped": 0, "duplicated": 0, "reordered": 0}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _free_udp_port() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def link(self, side: int) -> str:
        """--net for guest `side` (0 or 1)."""
        return f"udp:{self.guest_ports[side]}:{self.socks[side].getsockname()[1]}"

    def _run(self) -> None:
        held: list[tuple[float, int, bytes]] = []  # (due, to side, frame)
        while not self.stop.is_set():
            ready, _, _ = select.select(self.socks, [], [], 0.002)
            now = time.monotonic()
            for s in ready:
                frame = s.recv(65536)
                to = 1 - self.socks.index(s)
                self.counts["frames"] += 1
                if self.drop_if and self.drop_if(frame, 1 - to):
                    self.counts["dropped"] += 1
                    continue
                r = self.rng.random()
                if r < self.drop:
                    self.counts["dropped"] += 1
                    continue
                if r < self.drop + self.reorder:
                    # Held back a few ms: the frames behind it overtake it.
                    self.counts["reordered"] += 1
                    held.append((now + 0.004, to, frame))
                    continue
                self._send(to, frame)
                if r < self.drop + self.reorder + self.dup:
                    self.counts["duplicated"] += 1
                    self._send(to, frame)
            for item in [h for h in held if h[0] <= now]:
                held.remove(item)
                self._send(item[1], item[2])

    def _send(self, to: int, frame: bytes) -> None:
        self.socks[to].sendto(frame, ("127.0.0.1", self.guest_ports[to]))

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


SERVER = """
import hashlib, socket
l = socket.socket()
l.bind(("", 5000))
l.listen()
print("listening", flush=True)
c, peer = l.accept()
h, n = hashlib.sha256(), 0
while data := c.recv(1 << 16):
    h.update(data)
    n += len(data)
c.sendall(h.hexdigest().encode())
c.close()
print("received", n, h.hexdigest(), "from", peer[0])
"""

CLIENT = f"""
import hashlib, random, socket, time
data = random.Random(7).randbytes({MB} << 20)
start = time.monotonic()
s = socket.create_connection(("{SERVER_IP}", 5000), timeout=120)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
answer = b""
while chunk := s.recv(100):
    answer += chunk
print("sent", len(data), hashlib.sha256(data).hexdigest(), "server says", answer.decode(),
      "in", round(time.monotonic() - start, 1), "s")
"""


def run_pair(relay: Relay, server_src: str, client_src: str, tmp_path: Path,
             ) -> tuple[subprocess.CompletedProcess[str], subprocess.Popen[str], str, str]:
    """Boots server_src on the relay's side 0 and, once it prints "listening",
    client_src on side 1; returns the client's result, the server and its output."""
    server_app, client_app = tmp_path / "server.py", tmp_path / "client.py"
    server_app.write_text(server_src)
    client_app.write_text(client_src)
    cli = [sys.executable, "-m", "unipython", "run", "--timeout", str(BOOT_TIMEOUT)]
    server = subprocess.Popen(cli + ["--net", relay.link(0), "--ip", f"{SERVER_IP}/24",
                                     str(server_app)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line == "listening\n", line + (server.stderr.read() if server.stderr else "")
        client = subprocess.run(cli + ["--net", relay.link(1), "--ip", f"{CLIENT_IP}/24",
                                       str(client_app)], cwd=REPO, capture_output=True,
                                text=True, timeout=BOOT_TIMEOUT + 60)
        out, err = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
        relay.close()
    return client, server, out, err


def test_a_transfer_through_loss_duplication_and_reordering(tmp_path: Path) -> None:
    relay = Relay(drop=0.05, dup=0.01, reorder=0.05, seed=1)
    started = time.monotonic()
    client, server, out, err = run_pair(relay, SERVER, CLIENT, tmp_path)
    assert client.returncode == 0, client.stdout + client.stderr
    assert server.returncode == 0, out + err
    words = client.stdout.split()
    sha = words[2]
    assert words[:2] == ["sent", str(MB << 20)] and words[5] == sha, client.stdout
    assert out == f"received {MB << 20} {sha} from {CLIENT_IP}\n"
    c = relay.counts
    assert c["dropped"] > 100 and c["duplicated"] > 10 and c["reordered"] > 100, c
    print(f"{MB} MB through the relay in {words[7]} s ({time.monotonic() - started:.0f} s "
          f"with both boots): {c}")


REPLY_SERVER = """
import socket
l = socket.socket()
l.bind(("", 5000))
l.listen()
print("listening", flush=True)
c, peer = l.accept()
c.recv(100)
c.sendall(bytes(range(256)) * 40)
print("replied", flush=True)
# Exits with the reply not yet acknowledged and without closing c.
"""

REPLY_CLIENT = f"""
import socket
s = socket.create_connection(("{SERVER_IP}", 5000), timeout=60)
s.sendall(b"hello")
got = b""
while chunk := s.recv(1 << 16):
    got += chunk
print("got", len(got), got == bytes(range(256)) * 40)
"""


def first_copy_of_data_from(side: int) -> Callable[[bytes, int], bool]:
    """Drops every TCP segment from `side` that carries data not sent before:
    each byte must be retransmitted to arrive."""
    sent_to: dict[int, int] = {}  # per source port: how far (seq offset) data was sent

    def drop(frame: bytes, from_side: int) -> bool:
        tcp = Ether(frame).getlayer(TCP)
        if from_side != side or tcp is None or not len(tcp.payload):
            return False
        end = (tcp.seq + len(tcp.payload)) & 0xFFFFFFFF
        if tcp.sport not in sent_to:
            sent_to[tcp.sport] = tcp.seq  # a base to count from: no wrap within the test
        base = sent_to.setdefault(-tcp.sport, tcp.seq)
        reach = sent_to[tcp.sport]
        if (end - base) & 0xFFFFFFFF <= (reach - base) & 0xFFFFFFFF:
            return False
        sent_to[tcp.sport] = end
        return True

    return drop


def test_what_an_app_sent_before_it_exited_still_arrives(tmp_path: Path) -> None:
    """The server exits right after sendall, every data segment it sent lost
    once: its kernel must go on retransmitting after exit (as Linux's does
    after a process is gone), and close the socket the app left open."""
    relay = Relay(drop=0, dup=0, reorder=0, seed=1, drop_if=first_copy_of_data_from(0))
    client, server, out, err = run_pair(relay, REPLY_SERVER, REPLY_CLIENT, tmp_path)
    assert server.returncode == 0, out + err
    assert client.returncode == 0, client.stdout + client.stderr
    assert client.stdout == "got 10240 True\n", client.stdout + client.stderr + err
    assert relay.counts["dropped"] >= 7, relay.counts
