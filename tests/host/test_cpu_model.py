"""The CPU model QEMU is given: TCG_CPU under TCG, the host's CPU under KVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from unipython.bench import settings
from unipython.vmm import accel, qemu


def _cpu(argv: list[str]) -> str:
    return argv[argv.index("-cpu") + 1]


def test_tcg_leaves_out_avx2() -> None:
    assert "-avx2" in accel.TCG_CPU.split(",")


@pytest.mark.parametrize(("mode", "cpu"), [("tcg", accel.TCG_CPU), ("kvm", "host")])
def test_guest_command_line_uses_the_model(tmp_path: Path, mode: str, cpu: str) -> None:
    cfg = qemu.VMConfig(image=tmp_path / "x.img", cmdline="")
    assert _cpu(qemu.command(cfg, tmp_path / "control", mode)) == cpu


def test_bench_qemu_user_uses_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_host(self: object, prefix: list[str], *_: object) -> settings.Run:
        seen.append(prefix)
        return settings.Run(True, "", 0.0, 0)

    monkeypatch.setattr(settings.Runner, "_host", fake_host)
    runner = settings.Runner.__new__(settings.Runner)
    runner.run("qemu-user", "app")
    assert seen[0][0] == settings.QEMU_USER
    assert _cpu(seen[0]) == accel.TCG_CPU
