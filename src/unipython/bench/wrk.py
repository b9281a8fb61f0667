"""HTTP load from the host: wrk (Debian's package), and the numbers of its report."""

from __future__ import annotations

import re
from typing import Any

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if m is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def command(url: str, seconds: float, connections: int, timeout: float = 10.0) -> list[str]:
    """One wrk thread (the host has two cores; the guest is the bottleneck)."""
    return ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            f"--timeout={max(1, round(timeout))}s", "--latency", url]


def parse(text: str) -> dict[str, Any]:
    """Requests/s, the request count and time, wrk's socket errors and non-2xx/3xx
    answers, and the latency percentiles of --latency (seconds)."""
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.M)
    done = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", text, re.M)
    if rps is None or done is None:
        raise ValueError(f"no result in wrk's output: {text[-500:]!r}")
    out: dict[str, Any] = {
        "requests_per_s": float(rps.group(1)),
        "requests": int(done.group(1)),
        "seconds": _seconds(done.group(2)),
        "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        "non_2xx_3xx": 0,
        "latency": {},
    }
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    if errors:
        out["errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                 map(int, errors.groups()), strict=True))
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non:
        out["non_2xx_3xx"] = int(non.group(1))
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", text, re.M):
        out["latency"][f"p{pct}"] = _seconds(value)
    return out
