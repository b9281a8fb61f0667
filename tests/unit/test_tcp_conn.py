"""The TCP engine (net/tcp_conn.c) end to end: two engines joined by a simulated
network (tests/unit/tcp_sim.c) that loses, duplicates and reorders segments, each
sending its own stream and then closing. Each stream must arrive whole and in
order, both ends must close cleanly, and the retransmissions must stay bounded."""

from __future__ import annotations

import ctypes

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

TIME_WAIT, CLOSED = 9, 0
STATUS = {0: "ok", 1: "a stream differs", 2: "not all data arrived", 3: "did not close"}


class Result(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("sim_ns", ctypes.c_uint64),
                ("segments", ctypes.c_uint64), ("dropped", ctypes.c_uint64),
                ("retrans", ctypes.c_uint32 * 2), ("state", ctypes.c_int * 2),
                ("err", ctypes.c_int * 2),
                ("bytes_acked", ctypes.c_uint64 * 2), ("bytes_received", ctypes.c_uint64 * 2),
                ("info_state", ctypes.c_uint32 * 2), ("info_retrans", ctypes.c_uint32 * 2)]


@pytest.fixture(scope="session")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    klib.t_tcp_transfer.argtypes = [ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_int, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_int,
                                    ctypes.POINTER(Result)]
    klib.t_tcp_transfer.restype = ctypes.c_int
    klib.t_heap_live.restype = ctypes.c_long
    return klib


def transfer(lib: ctypes.CDLL, up: int, down: int, loss: int = 0, dup: int = 0,
             reorder: int = 0, seed: int = 1, rcvbuf: int = 131072, reads: int = 1) -> Result:
    r = Result()
    before = lib.t_heap_live()
    status = lib.t_tcp_transfer(up, down, loss, dup, reorder, seed, rcvbuf, reads,
                                ctypes.byref(r))
    assert status == r.status
    assert lib.t_heap_live() == before, "the engine leaked heap blocks"
    return r


def check(r: Result) -> None:
    assert r.status == 0, (STATUS[r.status], list(r.state), list(r.err))
    assert set(r.state) <= {TIME_WAIT, CLOSED}
    assert list(r.err) == [0, 0]


def test_a_clean_network_needs_no_retransmission(lib: ctypes.CDLL) -> None:
    r = transfer(lib, 3_000_000, 1_000_000)
    check(r)
    assert list(r.retrans) == [0, 0]
    # 3 MB at 2 ms each way: slow start opens the window within a few round trips.
    assert r.sim_ns < 2_000_000_000, r.sim_ns


def test_an_empty_connection_opens_and_closes(lib: ctypes.CDLL) -> None:
    check(transfer(lib, 0, 0))


def test_five_percent_loss_and_reordering(lib: ctypes.CDLL) -> None:
    r = transfer(lib, 2_000_000, 500_000, loss=50, dup=10, reorder=50, seed=7)
    check(r)
    # TCP_INFO counts every byte once, however often it travelled; the FIN
    # and the SYN take a sequence number each.
    assert list(r.bytes_received) == [500_000, 2_000_000]
    assert list(r.bytes_acked) == [2_000_001, 500_001]
    assert list(r.info_retrans) == list(r.retrans)
    linux_states = {TIME_WAIT: 6, CLOSED: 7}
    assert list(r.info_state) == [linux_states[s] for s in r.state]
    assert r.dropped > 0 and r.retrans[0] > 0
    assert r.retrans[0] < r.segments // 4  # retransmits what was lost, not everything


def test_a_slow_reader_closes_the_window_and_the_sender_waits(lib: ctypes.CDLL) -> None:
    # A small buffer read rarely: zero windows, probes and window updates.
    check(transfer(lib, 400_000, 0, rcvbuf=8192, reads=50, seed=3))


@settings(max_examples=400, deadline=None)
# The peer's FIN lost back and forth until TIME_WAIT (60 s) ran out on the other end:
# a FIN repeated in TIME_WAIT restarts it.
@example(up=5, down=6, loss=105, dup=0, reorder=51, seed=5033216, rcvbuf=4096, reads=3)
@given(up=st.integers(0, 300_000), down=st.integers(0, 100_000), loss=st.integers(0, 150),
       dup=st.integers(0, 50), reorder=st.integers(0, 200), seed=st.integers(1, 2**32),
       rcvbuf=st.sampled_from([4096, 16384, 131072]), reads=st.sampled_from([1, 3, 20]))
def test_any_impairment_delivers_both_streams(lib: ctypes.CDLL, up: int, down: int, loss: int,
                                              dup: int, reorder: int, seed: int, rcvbuf: int,
                                              reads: int) -> None:
    check(transfer(lib, up, down, loss, dup, reorder, seed, rcvbuf, reads))


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_losses_are_mostly_repaired_without_waiting_for_the_timer(lib: ctypes.CDLL,
                                                                  seed: int) -> None:
    # Limited transmit, early retransmit, a steady window in duplicate ACKs, a lost
    # retransmission found by its duplicates and tail loss probes: at 5% loss each
    # way the 200 ms RTO (100 round trips of this network) must be the exception.
    r = transfer(lib, 2_000_000, 0, loss=50, dup=10, reorder=50, seed=seed)
    check(r)
    print("simulated", r.sim_ns / 1e9, "s,", r.retrans[0], "retransmissions")
    assert r.sim_ns < 6_000_000_000, r.sim_ns
