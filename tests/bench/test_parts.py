"""The bench's parts that need no VM: initramfs writer, kernel unpacking, command
line, exit status, report."""

from __future__ import annotations

import gzip
import stat
import struct
from pathlib import Path

import pytest

from unipython.bench import initramfs, linux, report
from unipython.builder.plan import Plan


def parse_newc(data: bytes) -> list[tuple[str, int, bytes, tuple[int, int]]]:
    """A reader of the cpio newc format, as the kernel's unpacker reads it."""
    out = []
    pos = 0
    while True:
        assert data[pos : pos + 6] == b"070701"
        fields = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, namesize = fields[1], fields[6], fields[11]
        name_start = pos + 110
        name = data[name_start : name_start + namesize - 1].decode()
        assert data[name_start + namesize - 1] == 0
        pos = (name_start + namesize + 3) & ~3
        body = data[pos : pos + filesize]
        pos = (pos + filesize + 3) & ~3
        if name == "TRAILER!!!":
            assert pos == len(data)
            return out
        out.append((name, mode, body, (fields[9], fields[10])))


def test_cpio_entries_come_parents_first_with_content_and_devices() -> None:
    w = initramfs.CpioWriter()
    w.add_file("/usr/lib/x/y.py", b"print(1)\n", perm=0o644)
    w.add_symlink("/lib", "usr/lib")
    w.add_char_device("/dev/console", 5, 1)
    entries = parse_newc(w.to_bytes())
    names = [e[0] for e in entries]
    assert names == ["dev", "dev/console", "lib", "usr", "usr/lib", "usr/lib/x",
                     "usr/lib/x/y.py"]
    by_name = {e[0]: e for e in entries}
    assert by_name["usr/lib/x/y.py"][2] == b"print(1)\n"
    assert stat.S_ISREG(by_name["usr/lib/x/y.py"][1])
    assert stat.S_ISLNK(by_name["lib"][1]) and by_name["lib"][2] == b"usr/lib"
    assert stat.S_ISCHR(by_name["dev/console"][1]) and by_name["dev/console"][3] == (5, 1)
    assert stat.S_ISDIR(by_name["usr"][1])


def test_cpio_is_deterministic() -> None:
    def make() -> bytes:
        w = initramfs.CpioWriter()
        w.add_file("/b", b"2")
        w.add_file("/a", b"1")
        return w.to_bytes()

    assert make() == make()


def test_initramfs_from_plan_holds_the_plans_files_and_a_console(tmp_path: Path) -> None:
    host = tmp_path / "app.py"
    host.write_text("print('hi')\n")
    plan = Plan()
    plan.add_file("/app/app.py", host, "the app")
    plan.add_generated("/etc/passwd", b"root:x:0:0::/:/bin/sh\n", "generated")
    plan.add_dir("/tmp", "mount point")
    entries = {e[0]: e for e in parse_newc(initramfs.from_plan(plan).to_bytes())}
    assert entries["app/app.py"][2] == b"print('hi')\n"
    assert entries["etc/passwd"][2].startswith(b"root")
    assert stat.S_ISDIR(entries["tmp"][1])
    assert entries["dev/console"][3] == (5, 1)


FAKE_ELF = b"\x7fELF\x02\x01\x01" + bytes(57) + b"kernel text" * 100


def fake_bzimage(payload: bytes) -> bytes:
    """A bzImage-shaped file: setup sectors, "HdrS", payload_offset/length."""
    setup_sects = 4
    head = bytearray((setup_sects + 1) * 512)
    head[0x1F1] = setup_sects
    head[0x202:0x206] = b"HdrS"
    protected = b"decompressor code" * 10
    struct.pack_into("<II", head, 0x248, len(protected), len(payload))
    return bytes(head) + protected + payload + b"\0" * 64


def test_vmlinux_comes_out_of_a_gzip_bzimage() -> None:
    assert linux.extract_vmlinux(fake_bzimage(gzip.compress(FAKE_ELF))) == FAKE_ELF


def test_vmlinux_comes_out_of_an_lz4_legacy_bzimage() -> None:
    lz4_block = pytest.importorskip("lz4.block")
    block = lz4_block.compress(FAKE_ELF, store_size=False)
    stream = linux.LZ4_LEGACY_MAGIC + struct.pack("<I", len(block)) + block
    stream += struct.pack("<I", len(FAKE_ELF))  # the size the kernel's build appends
    assert linux.extract_vmlinux(fake_bzimage(stream)) == FAKE_ELF


def test_a_kernel_without_a_known_payload_is_a_clear_error() -> None:
    from unipython.errors import UserError

    with pytest.raises(UserError, match="vmlinux"):
        linux.extract_vmlinux(fake_bzimage(b"no compression here"))


def test_linux_command_line_runs_python_as_init_with_env_and_args() -> None:
    line = linux.kernel_cmdline(["/app/hello.py", "x"], {"HOME": "/root"})
    assert "console=ttyS0" in line and "rdinit=/usr/bin/python3.11" in line
    assert "panic=-1" in line and "reboot=t" in line
    assert line.endswith("HOME=/root -- /app/hello.py x")
    with pytest.raises(ValueError):
        linux.kernel_cmdline(["a b"], {})


def test_exit_status_comes_from_the_init_panic() -> None:
    text = "hello\n[ 1.3] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300\n"
    assert linux.exit_status(text) == 3
    assert linux.exit_status("Attempted to kill init! exitcode=0x0000000b") == 128 + 11
    assert linux.exit_status("hello\n") is None


def fake_results() -> dict:
    boot = {"median": 1.0, "min": 0.9, "max": 1.1, "n": 3}
    ins = {"first_line": 100.0, "to_user": 10.0, "hello_total": 200.0, "hello_kernel": 20.0,
           "kernel_share": 0.1}
    return {
        "environment": {"mode": "quick", "accel": "tcg", "accel_reason": "no KVM",
                        "host": "h", "qemu": "7.2", "python": "3.11.2", "linux_kernel": "k"},
        "boot": {"native": boot, "linux": {**boot, "median": 2.0}, "qemu-user": boot,
                 "unipython": {**boot, "median": 0.3}},
        "instructions": {"linux": ins, "qemu-user": ins,
                         "unipython": {**ins, "kernel_share": 0.04, "stats_to_ldso": 1e5,
                                       "stats_kernel_share": 0.04}},
        "image": {"unipython": {"raw": 10_500_000, "zstd": 4_000_000},
                  "linux": {"raw": 60_000_000, "zstd": 16_000_000}},
        "min_ram": {"unipython": 40, "linux": 96},
        "syscall": {s: {"ns_per_call": 1000.0, "insns_per_call": 500.0,
                        "kernel_insns_per_call": 200.0}
                    for s in ("native", "linux", "unipython", "qemu-user")},
        "pyperf": {"nbody": {s: {"median": 0.1, "min": 0.1, "max": 0.1, "n": 1}
                             for s in ("native", "linux", "unipython", "qemu-user")}},
    }


def test_report_states_tcg_the_ratio_and_each_budget() -> None:
    res = fake_results()
    report.summarize(res)
    assert res["boot_ratio_vs_linux"] == pytest.approx(0.15)
    text = report.markdown(res)
    assert "**Accelerator: TCG**" in text
    verdicts = {b["what"]: b["met"] for b in res["budgets"]}
    assert verdicts["hello boot-to-exit, unipython / Linux guest (median wall)"] is True
    assert verdicts["minimum guest RAM for hello (MiB)"] is False  # 40 MiB
    assert verdicts["getppid round trip, unipython / Linux guest (wall)"] is False  # 1.0
    assert "MISSED" in text and "| **0.15** |" in text


def test_report_writes_json_and_a_png_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    res = fake_results()
    report.summarize(res)
    report.write_json(res, tmp_path / "r.json")
    report.chart(res, tmp_path / "r.png")
    assert '"boot_ratio_vs_linux"' in (tmp_path / "r.json").read_text()
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")


def test_only_names_the_sections_it_knows() -> None:
    from unipython.bench.suite import SECTIONS, BenchOptions, run_bench
    from unipython.errors import UserError

    with pytest.raises(UserError, match="no section pyperformance"):
        run_bench(BenchOptions(mode="smoke", only=frozenset({"pyperformance", "boot"})))
    assert "network" in SECTIONS and "boot" in SECTIONS
