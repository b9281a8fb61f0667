"""The instruction-counting QEMU plugin (insn_count.c), compiled once into the cache."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from unipython.errors import UserError


def source() -> bytes:
    return resources.files("unipython.bench").joinpath("insn_count.c").read_bytes()


def build_plugin(cache: Path) -> Path:
    """The plugin's shared object, built with gcc when its source changed."""
    text = source()
    out = cache / f"insn_count-{hashlib.sha256(text).hexdigest()[:12]}.so"
    if out.is_file():
        return out
    gcc = shutil.which("gcc")
    if gcc is None:
        raise UserError("the bench needs gcc to build its QEMU plugin")
    cache.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".c")
    src.write_bytes(text)
    tmp = out.with_suffix(".tmp")
    subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-o", str(tmp), str(src)], check=True)
    tmp.replace(out)
    return out


def boot_range(kernel_elf: Path) -> tuple[int, int]:
    """The physical range of a kernel ELF's executable segments: its boot code runs
    there, at lower-half addresses, before the kernel maps itself high."""
    from elftools.elf.elffile import ELFFile

    with open(kernel_elf, "rb") as f:
        spans = [(seg["p_paddr"], seg["p_paddr"] + seg["p_memsz"])
                 for seg in ELFFile(f).iter_segments()
                 if seg["p_type"] == "PT_LOAD" and seg["p_flags"] & 1]
    return min(a for a, _ in spans), max(b for _, b in spans)


def plugin_args(plugin: Path, out: Path, last_user: bool = False,
                boot: tuple[int, int] | None = None) -> list[str]:
    options = f"{plugin},out={out}"
    if boot is not None:
        options += f",boot={boot[0]:x}-{boot[1]:x}"
    if last_user:
        options += ",last_user=on"
    return ["-plugin", options]


def read_counts(out: Path) -> dict[str, int]:
    if not out.is_file():
        return {}
    counts = {}
    for line in out.read_text().splitlines():
        key, _, value = line.partition(" ")
        counts[key] = int(value)
    return counts
