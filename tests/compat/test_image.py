"""The compat image's cache: keyed by what shapes the image, pruned with care."""

from __future__ import annotations

import os
import time
from pathlib import Path

from unipython.compat.image import image_key, prune


def test_the_key_changes_with_the_kernel(tmp_path: Path) -> None:
    kernel, python = tmp_path / "kernel.elf", tmp_path / "python"
    kernel.write_bytes(b"one")
    python.write_bytes(b"py")
    first = image_key(kernel, python)
    assert image_key(kernel, python) == first
    kernel.write_bytes(b"two")
    assert image_key(kernel, python) != first


def test_the_key_changes_with_the_python_binary(tmp_path: Path) -> None:
    kernel, python = tmp_path / "kernel.elf", tmp_path / "python"
    kernel.write_bytes(b"k")
    python.write_bytes(b"3.11.2")
    first = image_key(kernel, python)
    python.write_bytes(b"3.11.9")
    assert image_key(kernel, python) != first


def test_prune_removes_only_images_unused_for_an_hour(tmp_path: Path) -> None:
    keep, recent, stale = (tmp_path / f"compat-{n}.img" for n in ("a", "b", "c"))
    for image in (keep, recent, stale):
        image.write_bytes(b"")
    hours_ago = time.time() - 7200
    os.utime(stale, (hours_ago, hours_ago))
    os.utime(keep, (hours_ago, hours_ago))
    prune(tmp_path, keep)
    assert keep.exists() and recent.exists() and not stale.exists()
