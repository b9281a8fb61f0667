"""System call round trip: a loop of os.getppid() against an empty loop.

    syscall.py time N     prints "empty_ns T0" and "getppid_ns T1" (time.perf_counter_ns
                          around each loop of N iterations; the best of 3 rounds)
    syscall.py count N empty|getppid
                          runs one loop and nothing else (the runner counts the
                          instructions of the whole run; the difference is per call)
"""

import os
import sys
import time


def empty(n):
    for _ in range(n):
        pass


def getppid(n, getppid=os.getppid):
    for _ in range(n):
        getppid()


def best_ns(loop, n, rounds=3):
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        loop(n)
        t = time.perf_counter_ns() - t0
        best = t if best is None else min(best, t)
    return best


mode, n = sys.argv[1], int(sys.argv[2])
if mode == "time":
    print("empty_ns", best_ns(empty, n))
    print("getppid_ns", best_ns(getppid, n))
else:
    {"empty": empty, "getppid": getppid}[sys.argv[3]](n)
