"""An image whose boot config is garbage: the kernel says what is wrong in one line and
the run ends non-zero, with no panic, no backtrace and none of the raw bytes. The host's
checksum would refuse such an image first, so the test re-seals it (as a hostile or buggy
builder would) to reach the kernel's own check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.boot.conftest import unipython
from unipython import abi
from unipython.builder import seal
from unipython.builder.image import Image
from unipython.cmdline import CONFIG_PATH

SPOIL: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "control-byte": (lambda c: c[:3] + b"\x01" + c[4:],
                     f"{CONFIG_PATH}: byte 3 of {{size}} is 0x01, which `unipython build` "
                     "never writes there (build the image again)"),
    "token-without-equals": (lambda c: c.replace(b"=", b"_", 1),
                             f"{CONFIG_PATH}: a token without '=' (build the image again)"),
}


@pytest.mark.parametrize("case", SPOIL)
def test_a_garbage_boot_config_is_refused_in_one_line(
    image_of: Callable[[str], Path], tmp_path: Path, case: str
) -> None:
    built = image_of("print('never runs')\n")
    img = Image.open(built)
    node = img.rootfs.lookup(CONFIG_PATH)
    assert node is not None
    at = img.rootfs_phdr.offset + node.data_offset
    data = bytearray(seal.unsealed(img.data))
    config = bytes(data[at : at + node.size])
    spoil, message = SPOIL[case]
    data[at : at + node.size] = spoil(config)
    bad = tmp_path / "bad.img"
    bad.write_bytes(seal.seal(bytes(data)))

    result = unipython("run", "--timeout", "120", str(bad), timeout=120)
    assert result.returncode == abi.STATUS_BAD_IMAGE, result.stderr
    reason = message.format(size=node.size)
    assert f"unipython: the image is damaged: {reason}\n" in result.stdout + result.stderr
    assert result.stderr.endswith(
        f"unipython: error: {bad}: the kernel refused it as damaged: {reason}\n")
    assert "panic" not in result.stderr and "backtrace" not in result.stderr
    assert "never runs" not in result.stdout
