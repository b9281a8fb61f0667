"""The image's checksum (builder/seal.py): every byte but the footer is covered, `run`
refuses a changed image before booting it, and `inspect` shows the digest."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from unipython.builder import inspect_image
from unipython.builder.image import Image, assemble, write_atomic
from unipython.builder.rootfs import HEADER, RootFSWriter
from unipython.cli import main
from unipython.errors import UserError
from unipython.vmm import qemu


@pytest.fixture
def image_file(fake_kernel: Path, tmp_path: Path) -> Path:
    w = RootFSWriter()
    w.add_file("/hello.txt", b"hello\n" * 100)
    path = tmp_path / "test.img"
    write_atomic(path, assemble(fake_kernel.read_bytes(), w.to_bytes()))
    return path


def text_offset(image: Path) -> int:
    with image.open("rb") as f:
        return int(ELFFile(f).get_section_by_name(".text")["sh_offset"])


def file_data_offset(image: Path) -> int:
    img = Image.open(image)
    node = img.rootfs.lookup("/hello.txt")
    assert node is not None
    return img.rootfs_phdr.offset + node.data_offset


def node_table_offset(image: Path) -> int:
    return Image.open(image).rootfs_phdr.offset + HEADER.size + 1


def phdr_table_offset(image: Path) -> int:
    return Image.open(image).total_size - 64 - 10  # the last program header


WHERE = {"kernel-text": text_offset, "file-data": file_data_offset,
         "node-table": node_table_offset, "program-headers": phdr_table_offset,
         "elf-header": lambda _: 24, "footer-digest": lambda p: p.stat().st_size - 40}


def test_the_footer_is_the_sha256_of_everything_before_it(image_file: Path) -> None:
    data = image_file.read_bytes()
    assert data[-64:-56] == b"UPYSUM01"
    assert int.from_bytes(data[-56:-48], "little") == len(data) - 64
    assert data[-48:-16] == hashlib.sha256(data[:-64]).digest()
    head = subprocess.run(["head", "-c", "-64", str(image_file)], capture_output=True,
                          check=True).stdout
    assert Image.open(image_file).checksum == hashlib.sha256(head).hexdigest()


@pytest.mark.parametrize("where", WHERE)
def test_a_flipped_byte_anywhere_is_refused(image_file: Path, where: str) -> None:
    offset = WHERE[where](image_file)
    data = bytearray(image_file.read_bytes())
    data[offset] ^= 0x01
    image_file.write_bytes(data)
    with pytest.raises(UserError) as err:
        Image.open(image_file)
    assert str(err.value).startswith(f"{image_file}: corrupted image: the SHA-256 of its "
                                     f"first {len(data) - 64} bytes is ")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("cut", [1, 64, 65, 4096])
def test_a_truncated_image_is_refused(image_file: Path, cut: int) -> None:
    data = image_file.read_bytes()
    image_file.write_bytes(data[:-cut])
    with pytest.raises(UserError) as err:
        Image.open(image_file)
    message = str(err.value)
    assert (message == f"{image_file}: no checksum at its end: truncated, or built before "
            "images had one (build it again)" or "truncated image" in message), message


def test_an_image_without_a_footer_is_refused(image_file: Path) -> None:
    image_file.write_bytes(image_file.read_bytes()[:-64])
    with pytest.raises(UserError, match="no checksum at its end"):
        Image.open(image_file)


def test_run_of_a_corrupted_image_is_one_line_status_2_and_no_boot(
    image_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    def no_boot(*args: object, **kwargs: object) -> None:
        raise AssertionError("a corrupted image was booted")

    monkeypatch.setattr(qemu, "boot", no_boot)
    data = bytearray(image_file.read_bytes())
    data[file_data_offset(image_file)] ^= 0x20
    image_file.write_bytes(data)
    assert main(["run", str(image_file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"unipython: error: {image_file}: corrupted image: ")
    assert err.count("\n") == 1


def test_inspect_shows_the_checksum(
    image_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = hashlib.sha256(image_file.read_bytes()[:-64]).hexdigest()
    assert inspect_image(image_file).checksum == expected
    assert main(["inspect", str(image_file)]) == 0
    assert f"sha256: {expected} (all but the last 64 bytes: verified)" in capsys.readouterr().out
