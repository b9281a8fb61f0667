"""The results as a markdown table, the budgets of design.md section 9, JSON and a chart."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unipython.bench import storage

MIB = 1 << 20


@dataclass(frozen=True)
class Budget:
    what: str
    limit: str
    value: float | None  # the measured quantity the limit applies to
    met: bool | None  # None: could not be judged

    def line(self) -> str:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[self.met]
        shown = "n/a" if self.value is None else f"{self.value:.4g}"
        return f"| {self.what} | {self.limit} | {shown} | {verdict} |"


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def budgets(res: dict[str, Any]) -> list[Budget]:
    out = []
    if "instructions" in res:
        to_ldso = res["instructions"]["unipython"].get("stats_to_ldso")
        out.append(Budget("instructions from PVH entry to ld.so's first instruction",
                          "< 2,000,000", to_ldso, None if to_ldso is None else to_ldso < 2e6))
    if "boot" in res:
        r = res.get("boot_ratio_vs_linux")
        out.append(Budget("hello boot-to-exit, unipython / Linux guest (median wall)",
                          "< 0.2", r, None if r is None else r < 0.2))
    if "instructions" in res:
        share = res["instructions"]["unipython"]["kernel_share"]
        out.append(Budget("kernel share of guest instructions, hello (plugin)", "< 5%",
                          share * 100, share < 0.05))
        st = res["instructions"]["unipython"].get("stats_kernel_share")
        if st is not None:
            out.append(Budget("kernel share, hello (the kernel's own stats)", "< 5%",
                              st * 100, st < 0.05))
    if "syscall" in res:
        r = _ratio(res["syscall"]["unipython"]["ns_per_call"],
                   res["syscall"]["linux"]["ns_per_call"])
        out.append(Budget("getppid round trip, unipython / Linux guest (wall)", "< 0.5", r,
                          None if r is None else r < 0.5))
    if "image" in res:
        raw = res["image"]["unipython"]["raw"] / 1e6
        out.append(Budget("hello image, raw (MB)", "< 11 MB", raw, raw < 11))
    if "min_ram" in res:
        m = res["min_ram"]["unipython"]
        out.append(Budget("minimum guest RAM for hello (MiB)", "< 32 MiB", m,
                          None if m < 0 else m < 32))
    if "pyperf" in res:
        g = res["pyperf_geomean_vs_linux"]
        out.append(Budget("pyperformance, unipython / Linux guest (geometric mean of medians)",
                          "<= 1 (no slower; 2% noise allowed)", g, g <= 1.02))
    if "storage" in res:
        worst = storage_worst(res.get("storage_ratios_vs_linux", {}))
        out.append(Budget("storage throughput and sqlite inserts/s, unipython / Linux guest "
                          "(the lowest row)", ">= 1 (higher is better)", worst,
                          None if worst is None else worst >= 1.0))
    return out


def storage_worst(ratios: dict[str, float | None]) -> float | None:
    """The lowest storage ratio (the budget is on every row); None if one is missing."""
    values = list(ratios.values())
    if not values or any(v is None for v in values):
        return None
    return min(v for v in values if v is not None)


def summarize(res: dict[str, Any]) -> None:
    """Adds the derived numbers (ratios, verdicts) to ``res``."""
    if "boot" in res:
        res["boot_ratio_vs_linux"] = _ratio(res["boot"]["unipython"]["median"],
                                            res["boot"]["linux"]["median"])
    if "pyperf" in res:
        ratios = [b["unipython"]["median"] / b["linux"]["median"] for b in res["pyperf"].values()]
        res["pyperf_geomean_vs_linux"] = _geomean(ratios)
    net = net_ratios(res.get("network"))
    if net:
        res["network_ratios_vs_linux"] = net
    st = storage.ratios(res.get("storage"))
    if st:
        res["storage_ratios_vs_linux"] = st
    res["budgets"] = [{"what": b.what, "limit": b.limit, "value": b.value, "met": b.met}
                      for b in budgets(res)]


@dataclass(frozen=True)
class NetRow:
    key: str  # in network_ratios_vs_linux
    what: str
    get: Callable[[dict[str, Any]], float]  # the number, from one guest's rows
    unit: str
    higher_is_better: bool
    bar: str  # the chart's label


NET_ROWS = (
    NetRow("http_rps", "HTTP requests/s, stdlib http.server (ThreadingHTTPServer), wrk",
           lambda g: g["http"]["requests_per_s"], "req/s", True, "http.server, time per request"),
    NetRow("asyncio_rps", "HTTP requests/s, minimal asyncio server (keep-alive), wrk",
           lambda g: g["asyncio"]["requests_per_s"], "req/s", True, "asyncio, time per request"),
    NetRow("bulk_to_guest", "TCP bulk throughput, host → guest",
           lambda g: g["bulk_to_guest"]["mb_per_s"], "MB/s", True, "TCP →guest, time per byte"),
    NetRow("bulk_from_guest", "TCP bulk throughput, guest → host",
           lambda g: g["bulk_from_guest"]["mb_per_s"], "MB/s", True, "TCP ←guest, time per byte"),
    NetRow("latency_median", "TCP connect + 32-byte round trip, median",
           lambda g: g["latency"]["median"], "s", False, "connect + round trip, median"),
    NetRow("latency_p99", "TCP connect + 32-byte round trip, p99",
           lambda g: g["latency"]["p99"], "s", False, "connect + round trip, p99"),
)


def _guest_ok(net: dict[str, Any] | None, setting: str) -> bool:
    return net is not None and setting in net and "error" not in net[setting]


def net_ratios(net: dict[str, Any] | None) -> dict[str, float | None]:
    """unipython / Linux guest of each network number (for throughput, above 1
    favours unipython; for latency, below 1); {} when a guest has no rows."""
    if not (_guest_ok(net, "unipython") and _guest_ok(net, "linux")):
        return {}
    assert net is not None
    return {row.key: _ratio(row.get(net["unipython"]), row.get(net["linux"]))
            for row in NET_ROWS}


def _net_cell(value: float, unit: str) -> str:
    if unit == "s":
        return _ms(value)
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"


def net_lines(net: dict[str, Any] | None) -> list[str]:
    """The network rows of the markdown table."""
    if not net:
        return []
    if "skipped" in net:
        return [_row("network rows (HTTP, bulk TCP, connect + round trip)",
                     {"linux": net["skipped"], "unipython": net["skipped"]}, None)]
    st = net.get("settings", {})
    ratios = net_ratios(net)
    lines = []
    for row in NET_ROWS:
        cells = {}
        for s in ("linux", "unipython"):
            if _guest_ok(net, s):
                cells[s] = _net_cell(row.get(net[s]), row.unit)
            else:
                cells[s] = "failed (see the JSON)"
        key, what = row.key, row.what
        if key.endswith("_rps"):
            what += f" -c{st.get('http_connections', '?')}, {st.get('http_seconds', '?')} s"
        elif key.startswith("bulk"):
            what += f", {st.get('bulk_seconds', '?')} s"
        else:
            what += f" of {st.get('latency_n', '?')}"
        what += " (higher is better)" if row.higher_is_better else ""
        lines.append(_row(what, cells, ratios.get(key)))
    return lines


def storage_lines(st: dict[str, Any] | None) -> list[str]:
    """The storage rows of the markdown table (higher is better in all of them)."""
    if not st:
        return []
    if "skipped" in st:
        return [_row("storage rows (volume and disk throughput, sqlite3)",
                     {"linux": st["skipped"], "unipython": st["skipped"]}, None)]
    ratios = storage.ratios(st)
    settings = st.get("settings", {})
    lines = []
    for row in storage.STORAGE_ROWS:
        cells = {}
        for s in ("linux", "unipython"):
            value = storage.figure(st, s, row) if storage.guest_ok(st, s) else None
            if not storage.guest_ok(st, s):
                cells[s] = "failed (see the JSON)"
            elif value is None:
                cells[s] = "n/a"
            else:
                cells[s] = (f"{value:,.0f} {row.unit}" if value >= 100
                            else f"{value:.3g} {row.unit}")
        if row.step in ("seqwrite", "seqread"):
            size = f", {settings.get('file_mib', '?')} MiB"
        elif row.step == "sqlite":
            size = f", up to {settings.get('sqlite_n', '?')}"
        else:
            size = f", up to {settings.get('random_n', '?')}"
        lines.append(_row(f"{row.what}{size} (higher is better)", cells, ratios.get(row.key)))
    return lines


Fmt = Callable[[Any], str]


def _ms(x: Any) -> str:
    if x is None:
        return "n/a"
    return f"{x * 1e3:.1f} ms" if x >= 1e-3 else f"{x * 1e6:.0f} µs"


def _wall(d: dict[str, float] | None) -> str:
    if d is None:
        return "n/a"
    return f"{d['median'] * 1e3:.0f} ms ({d['min'] * 1e3:.0f}–{d['max'] * 1e3:.0f})"


def _count(x: Any) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _row(metric: str, cells: dict[str, str], ratio: float | None, note: str = "") -> str:
    r = "n/a" if ratio is None else f"{ratio:.3g}"
    return (f"| {metric} | {cells.get('native', 'n/a')} | {cells.get('linux', 'n/a')} | "
            f"{cells.get('unipython', 'n/a')} | **{r}** | {cells.get('qemu-user', 'n/a')} |"
            + (f" {note}" if note else ""))


def markdown(res: dict[str, Any]) -> str:
    env = res["environment"]
    lines = [f"## unipython bench ({env['mode']} run)", ""]
    if env["accel"] == "tcg":
        lines.append(f"**Accelerator: TCG** — QEMU's software emulation, not hardware "
                     f"virtualization ({env['accel_reason']}). Wall times of the guests are "
                     f"emulated times; the instruction counts are exact and deterministic.")
    else:
        lines.append("**Accelerator: KVM** (hardware). Instruction counts still run under "
                     "TCG (QEMU plugins and -icount need it).")
    lines += ["",
              f"Host: {env['host']}; QEMU {env['qemu']}; python {env['python']}; "
              f"Linux guest: {env['linux_kernel']}"
              + (f" (storage rows: {res['storage']['settings']['linux_kernel']}, which has 9P)"
                 if "settings" in res.get("storage", {}) else "") + ".", "",
              "| metric | native | Linux guest | unipython | unipython / Linux | qemu-user |",
              "|---|---|---|---|---|---|"]
    if "boot" in res:
        b = res["boot"]
        lines.append(_row(f"hello boot-to-exit, wall, median (min–max) of {b['linux']['n']}",
                          {s: _wall(b[s]) for s in b}, res["boot_ratio_vs_linux"]))
    if "instructions" in res:
        ins = res["instructions"]
        ul = ins["unipython"], ins["linux"]
        lines.append(_row("instructions, VM entry to first user instruction (ld.so)",
                          {s: _count(ins[s]["to_user"]) for s in ("linux", "unipython")},
                          _ratio(ul[0]["to_user"], ul[1]["to_user"])))
        lines.append(_row("instructions until the app's first line runs",
                          {s: _count(ins[s]["first_line"]) for s in ins},
                          _ratio(ul[0]["first_line"], ul[1]["first_line"])))
        lines.append(_row("instructions, whole hello run",
                          {s: _count(ins[s]["hello_total"]) for s in ins},
                          _ratio(ul[0]["hello_total"], ul[1]["hello_total"])))
        share = {s: f"{ins[s]['kernel_share'] * 100:.2f}%" for s in ("linux", "unipython")}
        share["qemu-user"] = "0 (host kernel)"
        if "stats_kernel_share" in ul[0]:
            share["unipython"] += f" (kernel stats: {ul[0]['stats_kernel_share'] * 100:.2f}%)"
        lines.append(_row("kernel share of guest instructions, hello", share,
                          _ratio(ul[0]["kernel_share"], ul[1]["kernel_share"])))
    if "image" in res:
        im = res["image"]
        lines.append(_row("image, raw (Linux: vmlinux + initramfs)",
                          {s: f"{im[s]['raw'] / 1e6:.1f} MB" for s in im},
                          _ratio(im["unipython"]["raw"], im["linux"]["raw"])))
        lines.append(_row("image, zstd -3",
                          {s: f"{im[s]['zstd'] / 1e6:.1f} MB" for s in im},
                          _ratio(im["unipython"]["zstd"], im["linux"]["zstd"])))
    if "min_ram" in res:
        mr = res["min_ram"]
        lines.append(_row("minimum guest RAM for hello",
                          {s: (f"{v} MiB" if v >= 0 else "failed") for s, v in mr.items()},
                          _ratio(mr["unipython"], mr["linux"]) if min(mr.values()) > 0 else None))
    if "syscall" in res:
        sc = res["syscall"]
        lines.append(_row("getppid round trip, wall (loop overhead subtracted)",
                          {s: f"{sc[s]['ns_per_call']:.0f} ns" for s in sc},
                          _ratio(sc["unipython"]["ns_per_call"], sc["linux"]["ns_per_call"])))
        insns = {s: f"{sc[s]['insns_per_call']:,.0f} ({sc[s]['kernel_insns_per_call']:,.0f})"
                 for s in sc if "insns_per_call" in sc[s]}
        lines.append(_row("getppid round trip, guest instructions (of them in the kernel)",
                          insns,
                          _ratio(sc["unipython"]["insns_per_call"], sc["linux"]["insns_per_call"])))
    if "pyperf" in res:
        for name, row in res["pyperf"].items():
            lines.append(_row(f"pyperformance {name}, median per loop",
                              {s: _ms(row[s]["median"]) for s in row},
                              _ratio(row["unipython"]["median"], row["linux"]["median"])))
        lines.append(_row("pyperformance, geometric mean of the ratios", {},
                          res["pyperf_geomean_vs_linux"]))
    lines += net_lines(res.get("network"))
    lines += storage_lines(res.get("storage"))
    lines += ["", "### Budgets (design.md §9)", "", "| budget | limit | measured | verdict |",
              "|---|---|---|---|"]
    lines += [b.line() for b in budgets(res)]
    lines += ["", "Method: see bench/README.md. Ratios below 1 favour unipython, except "
              "where a row says higher is better (throughput: above 1 favours unipython)."]
    return "\n".join(lines) + "\n"


def write_json(res: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")


def chart(res: dict[str, Any], path: Path) -> None:
    """Bars of unipython / Linux guest per metric (log scale), budget marks where set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars: list[tuple[str, float, float | None]] = []  # label, ratio, budget
    if res.get("boot_ratio_vs_linux"):
        bars.append(("boot-to-exit (wall)", res["boot_ratio_vs_linux"], 0.2))
    if "instructions" in res:
        ins = res["instructions"]
        for key, label in (("first_line", "instructions to first line"),
                           ("hello_total", "instructions, hello"),
                           ("kernel_share", "kernel share")):
            r = _ratio(ins["unipython"][key], ins["linux"][key])
            if r:
                bars.append((label, r, None))
    if "image" in res:
        bars.append(("image raw", res["image"]["unipython"]["raw"] / res["image"]["linux"]["raw"],
                     None))
    if "min_ram" in res and min(res["min_ram"].values()) > 0:
        bars.append(("min RAM", res["min_ram"]["unipython"] / res["min_ram"]["linux"], None))
    if "syscall" in res:
        sc = res["syscall"]
        bars.append(("getppid (wall)",  # type: ignore[arg-type]
                     _ratio(sc["unipython"]["ns_per_call"], sc["linux"]["ns_per_call"]), 0.5))
    if "pyperf" in res:
        for name, row in res["pyperf"].items():
            bars.append((f"pyperf {name}",  # type: ignore[arg-type]
                         _ratio(row["unipython"]["median"], row["linux"]["median"]), 1.0))
    for row in NET_ROWS:
        r = res.get("network_ratios_vs_linux", {}).get(row.key)
        if r:
            # Throughput as time per request or byte, so that here too lower is better.
            bars.append((row.bar, 1 / r if row.higher_is_better else r, None))
    for row in storage.STORAGE_ROWS:
        r = res.get("storage_ratios_vs_linux", {}).get(row.key)
        if r:
            bars.append((f"{row.key}, time per byte or op", 1 / r, 1.0))
    # A smoke run's tiny loops can give a zero or negative difference: no bar for it.
    bars = [b for b in bars if b[1] is not None and b[1] > 0]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.5))
    labels = [b[0] for b in bars][::-1]
    values = [b[1] for b in bars][::-1]
    colors = ["tab:green" if b[2] is None or b[1] <= b[2] else "tab:red" for b in bars][::-1]
    ax.barh(labels, values, color=colors)
    for i, b in enumerate(bars[::-1]):
        if b[2] is not None:
            ax.plot([b[2], b[2]], [i - 0.4, i + 0.4], color="black", linewidth=2)
        ax.text(b[1], i, f" {b[1]:.3g}", va="center", fontsize=8)
    ax.axvline(1.0, color="gray", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    accel = res["environment"]["accel"].upper()
    ax.set_title(f"unipython / Linux guest (lower is better; black mark = budget), {accel}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
