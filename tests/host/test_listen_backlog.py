"""The runner deepens the accept queue of QEMU's published ports (libslirp listens
with a backlog of 1): here on a child process of our own that listens the same way."""

from __future__ import annotations

import socket
import subprocess
import sys

from unipython.vmm import listen_backlog

CHILD = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)  # as libslirp's tcp_listen; it never accepts here
print(s.getsockname()[1], flush=True)
time.sleep(60)
"""


def connects_within(port: int, n: int, timeout: float) -> int:
    """How many of n connects complete within timeout (none accepted)."""
    done = 0
    socks = []
    for _ in range(n):
        c = socket.socket()
        c.settimeout(timeout)
        socks.append(c)
        try:
            c.connect(("127.0.0.1", port))
            done += 1
        except TimeoutError:
            pass
    for c in socks:
        c.close()
    return done


def test_a_burst_of_connects_all_complete_once_the_queue_is_deepened() -> None:
    for deepened in (False, True):
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            if deepened:
                t = listen_backlog.deepen_when_listening(
                    child, [port], warn=lambda m: (_ for _ in ()).throw(AssertionError(m)))
                t.join(10)
            done = connects_within(port, 6, 0.3)
            assert done == 6 if deepened else done < 6, (deepened, done)
        finally:
            child.kill()
            child.wait()


def test_the_tcp_ports_of_a_user_netdev() -> None:
    netdev = ("user,id=n0,hostfwd=tcp:127.0.0.1:8080-:8000,hostfwd=udp:127.0.0.1:5353-:53,"
              "hostfwd=tcp::9000-:9000")
    assert listen_backlog.tcp_forward_ports(netdev) == [8080, 9000]
    assert listen_backlog.tcp_forward_ports(None) == []
