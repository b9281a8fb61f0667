"""The network rows: one Python server app (bench/net_server.py) in each guest,
on a virtio-net device over virtio-mmio backed by a tap device in a network
namespace of the bench's own (netns.py), with the same QEMU device arguments for
both guests and the host's load in the same namespace: wrk for HTTP, a Python peer
(netpeer.py) for bulk TCP and for connect + one round trip.

Each guest boots once and serves the roles one after another (http, asyncio,
echo, sink, source); the console's "ready ROLE" line starts each measurement.
The Linux guest differs in what it needs to find and set up its device: Debian's
cloud kernel has virtio-mmio and virtio-net as modules, loaded by its init
(bench/linux_net_init.py), and no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so its
QEMU machine has ACPI tables (acpi=on, one IOAPIC); it is told the host's TSC rate
(tsc.py) rather than calibrating it against the emulated PIT.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unipython import netconf
from unipython.bench import linux, netns, tsc, wrk
from unipython.bench.settings import GUESTS, Runner
from unipython.bench.workloads import LINUX_NET_INIT
from unipython.runcmd import RunOptions, kernel_cmdline
from unipython.vmm import qemu

Log = Callable[[str], None]
APP = "net_server"
PORTS = {"http": 8000, "asyncio": 8001, "echo": 8002, "sink": 8003, "source": 8004}
BOOT_WAIT = 180.0  # seconds for a guest to boot and listen, under TCG on a busy host


@dataclass(frozen=True)
class NetMode:
    http_seconds: float  # each HTTP server's wrk run
    http_connections: int
    bulk_seconds: float  # each direction
    latency_n: int  # connect + round trip samples


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, p99 (nearest rank), min, max and count of latency samples (seconds)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return {"median": statistics.median(ordered), "p99": p99, "min": ordered[0],
            "max": ordered[-1], "n": len(ordered)}


def throughput(peer: dict[str, Any]) -> dict[str, float]:
    return {"bytes": peer["bytes"], "seconds": peer["seconds"],
            "mb_per_s": peer["bytes"] / peer["seconds"] / 1e6}


def skip_reason(r: Runner) -> str | None:
    reason = netns.problem()
    if reason:
        return reason
    if shutil.which("wrk") is None:
        return "skipped: needs wrk (apt-get install wrk)"
    problem = linux.net_problem(r.kernel)
    return f"skipped: {problem}" if problem else None


class GuestVM(threading.Thread):
    """qemu.boot in the background, its console in a file the bench watches."""

    def __init__(self, cfg: qemu.VMConfig, console: Path) -> None:
        super().__init__(daemon=True)
        self.cfg = cfg
        self.console = console
        self.result: qemu.VMResult | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with open(self.console, "wb") as out, open(os.devnull, "w") as trace:
                self.result = qemu.boot(self.cfg, stdout=out, trace_out=trace)
        except BaseException as exc:  # reported by wait_for and the caller
            self.error = exc

    def text(self) -> str:
        try:
            return self.console.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, line: str, seconds: float) -> None:
        pattern = re.compile(rf"^{re.escape(line)}\r?$", re.M)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            text = self.text()
            if pattern.search(text):
                return
            if not self.is_alive() or "gave up" in text:
                break
            time.sleep(0.05)
        raise RuntimeError(f"no {line!r} from the guest: {self.text()[-1500:]}")


def _in_ns(ns: netns.TapNamespace, args: list[str], timeout: float) -> str:
    proc = subprocess.run([*ns.exec_prefix, *args], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {(proc.stderr or proc.stdout)[-800:]}")
    return proc.stdout


def _peer(ns: netns.TapNamespace, *args: str, timeout: float = 600.0) -> dict[str, Any]:
    out = _in_ns(ns, [sys.executable, "-m", "unipython.bench.netpeer", args[0], ns.guest_ip,
                      *args[1:]], timeout)
    doc: dict[str, Any] = json.loads(out)
    return doc


def _http(ns: netns.TapNamespace, port: int, mode: NetMode) -> dict[str, Any]:
    out = _in_ns(ns, wrk.command(f"http://{ns.guest_ip}:{port}/", mode.http_seconds,
                                 mode.http_connections), mode.http_seconds + 120)
    row = wrk.parse(out)
    if row["requests"] == 0:
        raise RuntimeError(f"wrk got no answer from the guest (socket errors {row['errors']})")
    _peer(ns, "get", str(port), "/quit", timeout=120)
    return row


def _config(r: Runner, setting: str, ns: netns.TapNamespace, args: list[str],
            tsc_khz: int) -> qemu.VMConfig:
    images, app = r.images[APP], r.apps[APP]
    network = netconf.Network(address=ns.guest_ip, prefixlen=ns.prefix, gateway=None, dns=None,
                              tap=ns.tap)
    if setting == "linux":
        argv = [f"/app/{LINUX_NET_INIT}", f"{ns.guest_ip}/{ns.prefix}", app.guest_script, *args]
        cmdline = linux.kernel_cmdline(argv, images.guest_env,
                                       extra=(f"tsc_early_khz={tsc_khz}", "tsc=reliable"))
        cfg = qemu.VMConfig(image=r.kernel.vmlinux, initrd=images.initramfs, cmdline=cmdline,
                            acpi=linux.needs_acpi(r.kernel))
    else:
        cfg = qemu.VMConfig(image=images.unipython,
                            cmdline=kernel_cmdline(RunOptions(args=args), network))
    cfg.memory_mib = 256
    cfg.accel = r.accel
    cfg.netdev = network.qemu_netdev()
    cfg.command_prefix = ns.exec_prefix
    return cfg


def _guest_rows(r: Runner, setting: str, ns: netns.TapNamespace, mode: NetMode,
                tsc_khz: int, workdir: Path, log: Log) -> dict[str, Any]:
    # A role the host never ends (its side failed) ends itself after this.
    role_deadline = 60 + 3 * max(mode.http_seconds, mode.bulk_seconds) + 0.1 * mode.latency_n
    roles = ["http", "asyncio", "echo", "sink", f"source:{mode.bulk_seconds:g}"]
    cfg = _config(r, setting, ns, [f"{role_deadline:g}", *roles], tsc_khz)
    cfg.timeout = BOOT_WAIT + role_deadline * len(roles)
    vm = GuestVM(cfg, workdir / f"net-{setting}.txt")
    rows: dict[str, Any] = {}
    vm.start()
    try:
        vm.wait_for("ready http", BOOT_WAIT)
        rows["http"] = _http(ns, PORTS["http"], mode)
        vm.wait_for("ready asyncio", 60)
        rows["asyncio"] = _http(ns, PORTS["asyncio"], mode)
        vm.wait_for("ready echo", 60)
        rows["latency"] = summary(_peer(ns, "latency", str(PORTS["echo"]),
                                        str(mode.latency_n))["samples"])
        vm.wait_for("ready sink", 60)
        rows["bulk_to_guest"] = throughput(_peer(ns, "send", str(PORTS["sink"]),
                                                 f"{mode.bulk_seconds:g}"))
        vm.wait_for("ready source", 60)
        rows["bulk_from_guest"] = throughput(_peer(ns, "recv", str(PORTS["source"])))
        vm.wait_for("done source", 60)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        rows = {"error": str(exc)[-1500:]}
    vm.join(cfg.timeout + 60)
    problem = _vm_problem(setting, vm)
    if problem and "error" not in rows:
        rows = {"error": problem}
    log(f"network: {setting}" + (f" failed: {rows['error'][:200]}" if "error" in rows else ""))
    return rows


def _vm_problem(setting: str, vm: GuestVM) -> str | None:
    if vm.error is not None:
        return f"QEMU: {vm.error}"
    if vm.is_alive() or vm.result is None:
        return "the VM did not end"
    result, text = vm.result, vm.text()
    status = linux.exit_status(text) if setting == "linux" else result.exit_status
    if result.timed_out:
        return "the VM timed out: " + text[-1000:]
    if status != 0:
        return (f"the app ended with status {status} (QEMU {result.qemu_status}: "
                f"{result.qemu_stderr.strip()[-300:]}): {text[-1000:]}")
    return None


def network(r: Runner, mode: NetMode, cache: Path, workdir: Path, log: Log) -> dict[str, Any]:
    """The rows in each guest, or {"skipped": why} where they cannot run here."""
    reason = skip_reason(r)
    if reason:
        log(f"network rows {reason}")
        return {"skipped": reason}
    khz = tsc.host_tsc_khz(cache)
    out: dict[str, Any] = {"settings": {
        "http_seconds": mode.http_seconds, "http_connections": mode.http_connections,
        "bulk_seconds": mode.bulk_seconds, "latency_n": mode.latency_n,
        "linux_acpi": linux.needs_acpi(r.kernel), "linux_tsc_khz": khz,
        "netdev": f"tap (virtio-net-device over virtio-mmio), guest {netns.GUEST_IP}/"
                  f"{netns.PREFIX}, host {netns.HOST_IP} in a network namespace"}}
    with netns.tap_namespace() as ns:
        for setting in GUESTS:
            out[setting] = _guest_rows(r, setting, ns, mode, khz, workdir, log)
    return out
