"""The network rows' parts that need no VM: wrk's report, latency and throughput
summaries, the Linux kernel's config and module dependencies, the kept modules,
the table rows, ratios and chart, and the skip without root."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from unipython.bench import linux, net, netns, report, wrk

WRK_CLOSE = """Running 2s test @ http://192.168.77.2:8000/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.26ms    1.05ms  22.16ms   95.01%
    Req/Sec   366.82     20.10   400.00     70.00%
  Latency Distribution
     50%   10.26ms
     75%   10.65ms
     90%   11.18ms
     99%   22.16ms
  733 requests in 2.01s, 112.19KB read
  Socket errors: connect 0, read 3, write 0, timeout 1
  Non-2xx or 3xx responses: 2
Requests/sec:    364.92
Transfer/sec:     55.82KB
"""


def test_wrk_report_gives_rate_count_errors_and_percentiles() -> None:
    row = wrk.parse(WRK_CLOSE)
    assert row["requests_per_s"] == 364.92
    assert row["requests"] == 733 and row["seconds"] == pytest.approx(2.01)
    assert row["errors"] == {"connect": 0, "read": 3, "write": 0, "timeout": 1}
    assert row["non_2xx_3xx"] == 2
    assert row["latency"] == pytest.approx({"p50": 0.01026, "p75": 0.01065, "p90": 0.01118,
                                            "p99": 0.02216})


def test_wrk_report_without_errors_has_zero_errors_and_microsecond_latencies() -> None:
    text = ("  4771 requests in 1.00m, 2.53MB read\nRequests/sec:   79.52\n"
            "  Latency Distribution\n     50%  970.00us\n     99%    1.76ms\n")
    row = wrk.parse(text)
    assert row["seconds"] == 60.0 and row["requests_per_s"] == 79.52
    assert row["errors"] == {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    assert row["non_2xx_3xx"] == 0
    assert row["latency"] == pytest.approx({"p50": 970e-6, "p99": 1.76e-3})


def test_wrk_output_without_a_result_is_an_error() -> None:
    with pytest.raises(ValueError, match="no result"):
        wrk.parse("unable to connect to 192.168.77.2:8000 Connection refused\n")


def test_wrk_command_is_one_thread_bounded_in_time() -> None:
    assert wrk.command("http://h:1/", 0.4, 8) == ["wrk", "-t1", "-c8", "-d1s", "--timeout=10s",
                                                  "--latency", "http://h:1/"]


def test_latency_summary_has_the_nearest_rank_p99() -> None:
    samples = [i / 1000 for i in range(1, 201)]  # 1..200 ms
    s = net.summary(list(reversed(samples)))
    assert s["median"] == pytest.approx(0.1005)
    assert s["p99"] == pytest.approx(0.198)  # rank ceil(0.99 * 200) = 198
    assert (s["min"], s["max"], s["n"]) == (0.001, 0.2, 200)
    assert net.summary([0.5])["p99"] == 0.5
    with pytest.raises(ValueError):
        net.summary([])


def test_throughput_is_megabytes_per_second() -> None:
    assert net.throughput({"bytes": 50_000_000, "seconds": 2.0})["mb_per_s"] == 25.0


CONFIG = """# CONFIG_FOO is not set
CONFIG_VIRTIO=m
CONFIG_VIRTIO_MMIO=m
# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set
CONFIG_VIRTIO_NET=y
CONFIG_LOCALVERSION="-cloud"
"""


def test_kernel_config_values() -> None:
    assert linux.config_value(CONFIG, "CONFIG_VIRTIO_MMIO") == "m"
    assert linux.config_value(CONFIG, "CONFIG_VIRTIO_NET") == "y"
    assert linux.config_value(CONFIG, "CONFIG_VIRTIO") == "m"  # not CONFIG_VIRTIO_MMIO's
    assert linux.config_value(CONFIG, "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES") is None
    assert linux.config_value(CONFIG, "CONFIG_LOCALVERSION") == "-cloud"


def test_modules_load_after_what_they_depend_on() -> None:
    depends = {"virtio_net": ["virtio_ring", "virtio", "net_failover"],
               "net_failover": ["failover"], "virtio": ["virtio_ring"],
               "virtio_mmio": ["virtio", "virtio_ring"]}
    order = linux.load_order(["virtio_mmio", "virtio_net"], depends)
    assert order == ["virtio_ring", "virtio", "virtio_mmio", "failover", "net_failover",
                     "virtio_net"]
    with pytest.raises(Exception, match="cycle"):
        linux.load_order(["a"], {"a": ["b"], "b": ["a"]})


def fake_module(tmp: Path, name: str, depends: str) -> Path:
    """An ELF object with a .modinfo section, as a kernel module has."""
    src = tmp / f"{name}.c"
    src.write_text(f'__attribute__((section(".modinfo"), used)) static const char info[] = '
                   f'"license=GPL\\0depends={depends}\\0name={name}";\n')
    out = tmp / f"{name}.ko"
    subprocess.run(["gcc", "-c", "-o", str(out), str(src)], check=True)
    return out


@pytest.fixture
def needs_gcc() -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")


def test_modinfo_reads_a_modules_dependencies(needs_gcc: None, tmp_path: Path) -> None:
    ko = fake_module(tmp_path, "virtio_net", "virtio_ring,virtio")
    info = linux.modinfo(ko.read_bytes())
    assert info["depends"] == "virtio_ring,virtio" and info["license"] == "GPL"


def test_kept_modules_are_the_ones_configured_as_m_with_dependencies(needs_gcc: None,
                                                                      tmp_path: Path) -> None:
    tree = tmp_path / "lib" / "modules" / "6.1.0-x" / "kernel"
    for rel, deps in (("drivers/virtio/virtio_mmio", "virtio,virtio_ring"),
                      ("drivers/virtio/virtio", "virtio_ring"),
                      ("drivers/virtio/virtio_ring", ""),
                      ("drivers/net/virtio_net", "virtio_ring,virtio"),
                      ("drivers/block/virtio_blk", "virtio")):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        fake_module(tmp_path, Path(rel).name, deps).rename(tree / f"{rel}.ko")
    config = tmp_path / "config"
    config.write_text(CONFIG.replace("CONFIG_VIRTIO_NET=y", "CONFIG_VIRTIO_NET=m"))
    out = tmp_path / "kept"
    order = linux.keep_net_modules(config, tmp_path / "lib" / "modules", out)
    assert order == ["virtio_ring", "virtio", "virtio_mmio", "virtio_net"]
    assert (out / "order.txt").read_text().split() == order
    assert sorted(p.name for p in out.glob("*.ko")) == sorted(f"{n}.ko" for n in order)
    # A built-in virtio_net needs no module of its own.
    config.write_text(CONFIG)
    assert linux.keep_net_modules(config, tmp_path / "lib" / "modules", tmp_path / "k2") == \
        ["virtio_ring", "virtio", "virtio_mmio"]


def test_a_kernel_without_cmdline_devices_is_booted_with_acpi(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(CONFIG)
    k = linux.LinuxKernel("p", "1", tmp_path, tmp_path, config, net_modules=())
    assert linux.needs_acpi(k) and linux.net_problem(k) is None
    config.write_text(CONFIG + "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n")
    assert not linux.needs_acpi(k)
    config.write_text(CONFIG.replace("CONFIG_VIRTIO_NET=y", "# CONFIG_VIRTIO_NET is not set"))
    assert "virtio_net" in (linux.net_problem(k) or "")
    old = linux.LinuxKernel("p", "1", tmp_path, tmp_path, config.with_name("c2"), None)
    old.config.write_text(CONFIG)
    assert "without its modules" in (linux.net_problem(old) or "")


def test_linux_command_line_takes_extra_kernel_options() -> None:
    line = linux.kernel_cmdline(["/app/a.py"], {}, extra=("tsc=reliable",))
    assert "tsc=reliable" in line.split("--")[0] and line.endswith("-- /app/a.py")


def guest_rows(scale: float) -> dict[str, Any]:
    return {"http": {"requests_per_s": 300.0 * scale}, "asyncio": {"requests_per_s": 2000.0},
            "latency": {"median": 0.002 / scale, "p99": 0.004},
            "bulk_to_guest": {"mb_per_s": 100.0 * scale},
            "bulk_from_guest": {"mb_per_s": 50.0}}


NET = {"settings": {"http_seconds": 3, "http_connections": 8, "bulk_seconds": 3,
                    "latency_n": 100},
       "linux": guest_rows(1.0), "unipython": guest_rows(2.0)}


def test_network_ratios_are_unipython_over_linux() -> None:
    r = report.net_ratios(NET)
    assert r == pytest.approx({"http_rps": 2.0, "asyncio_rps": 1.0, "bulk_to_guest": 2.0,
                               "bulk_from_guest": 1.0, "latency_median": 0.5,
                               "latency_p99": 1.0})
    assert report.net_ratios({**NET, "linux": {"error": "boom"}}) == {}
    assert report.net_ratios({"skipped": "skipped: needs root"}) == {}


def test_network_rows_in_the_table() -> None:
    lines = report.net_lines(NET)
    assert len(lines) == len(report.NET_ROWS)
    assert lines[0].startswith("| HTTP requests/s, stdlib http.server (ThreadingHTTPServer), "
                               "wrk -c8, 3 s (higher is better) | n/a | 300 req/s | 600 req/s "
                               "| **2** |")
    assert "| 100 MB/s | 200 MB/s | **2** |" in lines[2]
    assert "median of 100 | n/a | 2.0 ms | 1.0 ms | **0.5** |" in lines[4]
    failed = report.net_lines({**NET, "unipython": {"error": "boom"}})
    assert all("failed (see the JSON)" in line and "**n/a**" in line for line in failed)
    assert report.net_lines({"skipped": "skipped: needs root"}) == [
        "| network rows (HTTP, bulk TCP, connect + round trip) | n/a | skipped: needs root | "
        "skipped: needs root | **n/a** | n/a |"]


def test_network_ratios_land_in_the_json_and_the_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    res = {"environment": {"mode": "quick", "accel": "tcg", "accel_reason": "no KVM",
                           "host": "h", "qemu": "7.2", "python": "3.11.2", "linux_kernel": "k"},
           "network": NET}
    report.summarize(res)
    assert res["network_ratios_vs_linux"]["http_rps"] == 2.0
    assert "TCP bulk throughput, host → guest" in report.markdown(res)
    report.chart(res, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")


def test_without_root_the_network_rows_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns.os, "geteuid", lambda: 1000)
    assert netns.problem() == "skipped: needs root (a network namespace and a tap device)"
    r: Any = object()  # not looked at: the skip comes first
    out = net.network(r, net.NetMode(1, 1, 1, 1), Path("/nonexistent"), Path("/nonexistent"),
                      lambda _m: None)
    assert out == {"skipped": "skipped: needs root (a network namespace and a tap device)"}
