"""Fixtures for the host-side tests: a tiny fake kernel, the target python, app dirs."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder import BuildResult, build

TARGET_PYTHON = Path("/usr/bin/python3.11")

FAKE_KERNEL_C = """
int counter = 1;              /* .data */
static char scratch[8192];    /* .bss: the rootfs must load after it */
void kernel_main(void) { scratch[0] = (char)counter; }
void _start(void) { kernel_main(); for (;;) __asm__ volatile("hlt"); }
/* The PVH entry note QEMU boots by (XEN_ELFNOTE_PHYS32_ENTRY), as the real kernel has:
 * `run` checks for it before booting. */
__asm__(".pushsection .note.pvh, \\"a\\", @note\\n .balign 4\\n .long 4, 4, 18\\n"
        " .asciz \\"Xen\\"\\n .long _start\\n .popsection");
"""


@pytest.fixture(scope="session")
def fake_kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny static x86_64 ELF standing in for the kernel (never the real one)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    out = tmp_path_factory.mktemp("kernel")
    source = out / "kernel.c"
    source.write_text(FAKE_KERNEL_C)
    elf = out / "kernel.elf"
    subprocess.run(
        [gcc, "-nostdlib", "-static", "-O1", "-Wl,-Ttext=0x100000", "-Wl,--build-id=none",
         "-o", str(elf), str(source)],
        check=True,
    )
    return elf


@pytest.fixture(scope="session")
def target_python() -> Path:
    if not TARGET_PYTHON.exists():
        pytest.skip(f"{TARGET_PYTHON} not installed")
    return TARGET_PYTHON


AppMaker = Callable[..., Path]


@pytest.fixture
def make_app(tmp_path: Path) -> AppMaker:
    """make_app({"app.py": "...", "pkg/__init__.py": ""}) -> path of the first file."""

    def make(files: dict[str, str], directory: str = "src") -> Path:
        root = tmp_path / directory
        first = None
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
            first = first or path
        assert first is not None
        return first

    return make


Builder = Callable[..., BuildResult]


@pytest.fixture
def build_app(tmp_path: Path, fake_kernel: Path, target_python: Path) -> Builder:
    """build_app(app_path, **options) builds into tmp_path/out-N.img."""
    count = 0

    def run(app: Path, **options: object) -> BuildResult:
        nonlocal count
        count += 1
        return build(app, tmp_path / f"out-{count}.img", fake_kernel,
                     python=target_python, **options)  # type: ignore[arg-type]

    return run


@pytest.fixture
def built_image(make_app: AppMaker, build_app: Builder) -> Path:
    """A complete image of a hello-world app (with the fake kernel)."""
    return build_app(make_app({"hello.py": "print('hello')\n"})).output
