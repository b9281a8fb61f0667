"""The host's TSC rate (tsc_khz.c, compiled once into the cache): what the Linux
guest of the network rows is told, so that it does not calibrate its TSC
against the emulated PIT (under TCG that fails now and then and, with ACPI, hangs
the boot)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from unipython.errors import UserError


def host_tsc_khz(cache: Path) -> int:
    text = resources.files("unipython.bench").joinpath("tsc_khz.c").read_bytes()
    exe = cache / f"tsc_khz-{hashlib.sha256(text).hexdigest()[:12]}"
    if not exe.is_file():
        gcc = shutil.which("gcc")
        if gcc is None:
            raise UserError("the bench needs gcc to build its TSC probe")
        cache.mkdir(parents=True, exist_ok=True)
        src = exe.with_suffix(".c")
        src.write_bytes(text)
        tmp = exe.with_suffix(".tmp")
        subprocess.run([gcc, "-O2", "-o", str(tmp), str(src)], check=True)
        tmp.replace(exe)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=30)
    khz = int(out.stdout.strip())
    if khz <= 0:
        raise UserError(f"the TSC probe measured {khz} kHz")
    return khz
