"""Packet-level conformance of the guest's TCP, in the style of gVisor's packetimpact:
the test is a peer of its own on a tap device it creates (an address the host kernel
does not own, whose ARP it answers itself), sends crafted segments with scapy and
checks each answer against RFC 9293 and Linux: RST for a closed port, the SYN-ACK's
options, a retransmitted SYN, an out-of-window segment, data and FIN. Needs root."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.boot.conftest import BOOT_TIMEOUT, REPO
from tests.boot.tap_peer import RawPeer, peer_on_tap

scapy = pytest.importorskip("scapy.all")
from scapy.all import IP, TCP  # noqa: E402

TAP, HOST_IP, GUEST_IP, PEER_IP = "upytap1", "192.168.78.1", "192.168.78.2", "192.168.78.3"


class Peer(RawPeer):
    """TCP segments to and from the guest, as PEER_IP."""

    def send(self, segment: TCP) -> None:
        super().send(IP(src=PEER_IP, dst=GUEST_IP) / segment)

    def expect(self, timeout: float = 10.0) -> TCP:  # type: ignore[override]
        """The next TCP segment the guest sends to PEER_IP."""
        frame = super().expect(lambda f: IP in f and f[IP].dst == PEER_IP and TCP in f,
                               timeout, "segment")
        return frame[TCP]

    def quiet(self, seconds: float) -> list[TCP]:
        got = []
        try:
            while True:
                got.append(self.expect(seconds))
        except AssertionError:
            return got


@pytest.fixture
def peer() -> Iterator[Peer]:
    yield from peer_on_tap(Peer, TAP, HOST_IP, PEER_IP)


APP = """
import socket
srv = socket.create_server(("0.0.0.0", 8000))
print("serving", flush=True)
conn, peer = srv.accept()
data = b""
while chunk := conn.recv(100):
    data += chunk
print("got", data, "from", peer[0], flush=True)
conn.close()
"""


def opts(seg: TCP) -> dict[str, object]:
    return {name: value for name, value in seg.options}


def test_segments_get_the_answers_rfc_9293_and_linux_give(peer: Peer, tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "--net", f"tap:{TAP}", "--ip",
                             f"{GUEST_IP}/24", str(app)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "serving\n"
        # A SYN to a closed port: RST|ACK acknowledging it, seq 0 (RFC 9293 3.10.7.1).
        peer.send(TCP(sport=5000, dport=9, flags="S", seq=1000))
        rst = peer.expect()
        assert (str(rst.flags), rst.seq, rst.ack) == ("RA", 0, 1001)

        # The handshake: the SYN-ACK's options answer ours.
        syn = TCP(sport=5001, dport=8000, flags="S", seq=5000, window=65535,
                  options=[("MSS", 1400), ("WScale", 2), ("SAckOK", b""),
                           ("Timestamp", (111, 0))])
        peer.send(syn)
        synack = peer.expect()
        o = opts(synack)
        assert str(synack.flags) == "SA" and synack.ack == 5001
        assert o["MSS"] == 1460 and o["WScale"] == 7 and "SAckOK" not in o
        assert o["Timestamp"][1] == 111  # type: ignore[index]
        # The same SYN again (our SYN-ACK was lost): the same SYN-ACK again.
        peer.send(syn)
        again = peer.expect()
        assert (str(again.flags), again.seq, again.ack) == ("SA", synack.seq, 5001)

        isn = synack.seq
        ts = ("Timestamp", (112, o["Timestamp"][0]))  # type: ignore[index]
        peer.send(TCP(sport=5001, dport=8000, flags="A", seq=5001, ack=isn + 1, window=1000,
                      options=[ts]))
        peer.send(TCP(sport=5001, dport=8000, flags="PA", seq=5001, ack=isn + 1, window=1000,
                      options=[ts]) / b"hello")
        ack = peer.expect()  # within the 40 ms delayed-ACK timer
        assert "A" in str(ack.flags) and ack.ack == 5006
        # Far outside the window: not taken, answered by an ACK of what is expected.
        peer.send(TCP(sport=5001, dport=8000, flags="PA", seq=5006 + 10_000_000, ack=isn + 1,
                      window=1000, options=[ts]) / b"junk")
        dup = peer.expect()
        assert dup.ack == 5006 and len(dup.payload) == 0
        # A RST whose sequence is in the window but not exact: a challenge ACK
        # (RFC 5961 3.2), and the connection lives on.
        peer.send(TCP(sport=5001, dport=8000, flags="R", seq=5010, window=0))
        challenge = peer.expect()
        assert str(challenge.flags) == "A" and challenge.ack == 5006
        # FIN: acknowledged; the app reads EOF and closes, so the guest's FIN follows.
        peer.send(TCP(sport=5001, dport=8000, flags="FA", seq=5006, ack=isn + 1, window=1000,
                      options=[ts]))
        segments = [peer.expect()]
        while not any("F" in str(s.flags) for s in segments):
            segments.append(peer.expect())
        assert all(s.ack == 5007 for s in segments)
        fin = next(s for s in segments if "F" in str(s.flags))
        peer.send(TCP(sport=5001, dport=8000, flags="A", seq=5007, ack=fin.seq + 1,
                      window=1000, options=[ts]))
        out, err = proc.communicate(timeout=BOOT_TIMEOUT)
        assert proc.returncode == 0, err
        assert out == f"got b'hello' from {PEER_IP}\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


TIME_WAIT_APP = """
import socket
srv = socket.create_server(("0.0.0.0", 8000))
print("serving", flush=True)
for _ in range(2):
    conn, peer = srv.accept()
    print("got", conn.recv(100), flush=True)
    conn.close()  # the guest closes first: its end of the four-tuple stays in TIME_WAIT
"""


def handshake(peer: Peer, sport: int, seq: int) -> int:
    peer.send(TCP(sport=sport, dport=8000, flags="S", seq=seq, window=65535))
    synack = peer.expect()
    assert str(synack.flags) == "SA" and synack.ack == seq + 1, synack
    peer.send(TCP(sport=sport, dport=8000, flags="A", seq=seq + 1, ack=synack.seq + 1))
    return int(synack.seq) + 1


def send_and_see_fin(peer: Peer, sport: int, seq: int, ack: int, data: bytes) -> int:
    """Sends data; the app reads it and closes: returns the sequence after its FIN."""
    peer.send(TCP(sport=sport, dport=8000, flags="PA", seq=seq, ack=ack) / data)
    while "F" not in str((seg := peer.expect()).flags):
        pass
    return int(seg.seq) + 1


def test_a_new_syn_ends_time_wait_when_its_sequence_is_newer(peer: Peer,
                                                             tmp_path: Path) -> None:
    """RFC 6191 and Linux: a SYN for a four-tuple in TIME_WAIT starts a new
    connection if its sequence number is past what the old one received; an
    older one is answered as TIME_WAIT answers. QEMU's user networking reuses
    the host clients' ports, so a busy published server meets this all the time."""
    app = tmp_path / "app.py"
    app.write_text(TIME_WAIT_APP)
    proc = subprocess.Popen([sys.executable, "-m", "unipython", "run", "--timeout",
                             str(BOOT_TIMEOUT), "--net", f"tap:{TAP}", "--ip",
                             f"{GUEST_IP}/24", str(app)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "serving\n"
        ack = handshake(peer, 5100, 1000)
        fin_end = send_and_see_fin(peer, 5100, 1001, ack, b"one")
        peer.send(TCP(sport=5100, dport=8000, flags="FA", seq=1004, ack=fin_end))
        last = peer.expect()
        assert (str(last.flags), last.ack) == ("A", 1005)  # the guest is in TIME_WAIT now
        assert proc.stdout.readline() == "got b'one'\n"
        # An older SYN: TIME_WAIT's ACK of what it has, no new connection.
        peer.send(TCP(sport=5100, dport=8000, flags="S", seq=500, window=65535))
        old = peer.expect()
        assert (str(old.flags), old.ack) == ("A", 1005), old
        # A newer one: a new connection, the same way as to a fresh port.
        ack = handshake(peer, 5100, 900_000)
        fin_end = send_and_see_fin(peer, 5100, 900_001, ack, b"two")
        peer.send(TCP(sport=5100, dport=8000, flags="FA", seq=900_004, ack=fin_end))
        out, err = proc.communicate(timeout=BOOT_TIMEOUT)
        assert proc.returncode == 0, err
        assert out == "got b'two'\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
