"""The whole bench in smoke mode (one iteration of everything, TCG): it keeps working.
CI times nothing; this checks that every measurement runs and reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unipython.bench import linux
from unipython.bench.report import markdown
from unipython.bench.suite import BenchOptions, run_bench


@pytest.fixture(scope="module")
def needs_tools() -> None:
    for tool in ("qemu-system-x86_64", "qemu-x86_64", "gcc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (./setup.sh installs it)")
    for module in ("pyperf", "pyperformance", "matplotlib", "zstandard", "lz4"):
        pytest.importorskip(module)


def test_smoke_run_measures_every_metric_in_every_setting(needs_tools: None,
                                                           tmp_path: Path) -> None:
    try:
        linux.fetch_kernel()
    except Exception as exc:  # no network to Debian's mirrors and nothing cached
        pytest.skip(f"cannot fetch the Linux kernel: {exc}")
    opts = BenchOptions(mode="smoke", accel="tcg", json_path=tmp_path / "bench.json",
                        chart_path=tmp_path / "bench.png", workdir=tmp_path / "work")
    res = run_bench(opts, log=lambda _msg: None)
    doc = json.loads((tmp_path / "bench.json").read_text())
    assert doc["boot_ratio_vs_linux"] > 0
    assert set(doc["boot"]) == {"native", "linux", "unipython", "qemu-user"}
    assert doc["instructions"]["unipython"]["first_line"] > 0
    assert doc["instructions"]["linux"]["kernel_share"] > 0
    assert doc["min_ram"]["unipython"] > 0 and doc["min_ram"]["linux"] > 0
    assert set(doc["pyperf"]) == {"nbody", "richards", "float", "json_dumps", "json_loads",
                                  "regex_compile"}
    assert (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")
    table = markdown(res)
    assert "unipython / Linux" in table and "Budgets" in table
    check_storage(doc, table)
    network = doc["network"]
    if "skipped" in network:  # not root: no namespace, no tap device
        assert network["skipped"].startswith("skipped: needs root"), network
        assert "network rows" in table and "skipped" in table
        return
    for s in ("linux", "unipython"):
        rows = network[s]
        assert "error" not in rows, f"{s}: {rows.get('error')}"
        for server in ("http", "asyncio"):
            assert rows[server]["requests_per_s"] > 0 and rows[server]["non_2xx_3xx"] == 0
        assert rows["bulk_to_guest"]["bytes"] > 0 and rows["bulk_from_guest"]["bytes"] > 0
        assert 0 < rows["latency"]["median"] <= rows["latency"]["p99"]
    assert set(doc["network_ratios_vs_linux"]) == {
        "http_rps", "asyncio_rps", "bulk_to_guest", "bulk_from_guest", "latency_median",
        "latency_p99"}
    assert all(r > 0 for r in doc["network_ratios_vs_linux"].values())
    assert "TCP connect + 32-byte round trip, p99" in table


def check_storage(doc: dict, table: str) -> None:
    storage = doc["storage"]
    if "skipped" in storage:  # offline with no generic kernel cached, or no mke2fs
        assert storage["skipped"].startswith("skipped:"), storage
        assert "storage rows" in table
        return
    for s in ("linux", "unipython"):
        rows = storage[s]
        assert "error" not in rows, f"{s}: {rows.get('error')}"
        for target in ("volume", "disk"):
            for step in ("seqwrite", "randwrite", "seqread", "randread"):
                assert rows[target][step]["bytes"] > 0 and rows[target][step]["seconds"] > 0
        assert rows["disk"]["sqlite"]["ops"] == 5
    assert all(storage["linux"]["drops"]) and not any(storage["unipython"]["drops"])
    assert any(" 9p " in m for m in storage["linux"]["mounts"])
    assert any(" ext4 " in m for m in storage["linux"]["mounts"])
    ratios = doc["storage_ratios_vs_linux"]
    assert len(ratios) == 9 and all(r > 0 for r in ratios.values())
    assert "sqlite3 inserts/s on the disk" in table
