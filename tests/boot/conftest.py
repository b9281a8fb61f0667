"""Boot tests: build real images and run them in QEMU (TCG unless KVM is real)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 300  # seconds; TCG on a loaded CI machine is slow


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def unipython(*args: str, timeout: float = BOOT_TIMEOUT, input: str = "") -> Run:
    """Runs the CLI; ``input`` is its stdin (and so the app's)."""
    proc = subprocess.run([sys.executable, "-m", "unipython", *args], capture_output=True,
                          text=True, timeout=timeout + 30, cwd=REPO, input=input)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session", autouse=True)
def _needs_qemu() -> None:
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 is not installed (./setup.sh installs it)")


Boot = Callable[..., Run]


@pytest.fixture
def boot(tmp_path: Path) -> Boot:
    """boot(source, args=(), env={}, options=(), input="") builds and runs an app."""

    def run(source: str, args: Sequence[str] = (), env: dict[str, str] | None = None,
            options: Sequence[str] = (), name: str = "app.py", input: str = "") -> Run:
        app = tmp_path / name
        app.write_text(textwrap.dedent(source))
        env_args = [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
        result = unipython("run", "--timeout", str(BOOT_TIMEOUT), *env_args, *options,
                           str(app), "--", *args, input=input)
        assert "QEMU failed" not in result.stderr, result.stderr
        return result

    return run


SameAsHost = Callable[[str], Run]


@pytest.fixture
def same_as_host(boot: Boot, tmp_path: Path) -> SameAsHost:
    """same_as_host(source): runs the script natively with /usr/bin/python3.11 (in a
    fresh directory) and inside unipython, asserts identical output, returns the guest run."""

    def run(source: str) -> Run:
        source = textwrap.dedent(source)
        native_dir = tmp_path / "native"
        native_dir.mkdir(exist_ok=True)
        script = native_dir / "native_app.py"
        script.write_text(source)
        native = subprocess.run(["/usr/bin/python3.11", str(script)], capture_output=True,
                                text=True, cwd=native_dir, timeout=120)
        assert native.returncode == 0, native.stderr
        guest = boot(source)
        assert guest.returncode == 0, guest.stdout + guest.stderr
        assert guest.stdout == native.stdout
        return guest

    return run


@pytest.fixture(scope="session")
def image_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """image_of(source) builds an image once per source text."""
    cache: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("images")

    def build(source: str) -> Path:
        if source not in cache:
            app = root / f"app{len(cache)}.py"
            app.write_text(textwrap.dedent(source))
            out = root / f"app{len(cache)}.img"
            r = unipython("build", str(app), "-o", str(out))
            assert r.returncode == 0, r.stderr
            cache[source] = out
        return cache[source]

    return build


def pytest_report_header(config: pytest.Config) -> str:
    from unipython.vmm.accel import hardware_kvm_problem

    problem = hardware_kvm_problem()
    return f"unipython boots with: {'TCG (' + problem + ')' if problem else 'KVM'}; CI={os.environ.get('CI', '')}"
