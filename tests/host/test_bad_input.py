"""Bad files given to the CLI: one line naming the file and what is wrong, status 2,
never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from unipython.builder import inspect_image
from unipython.builder.image import MAX_IMAGE_SIZE
from unipython.cli import main
from unipython.runcmd import build_for_run

NON_UTF8 = os.fsdecode(b"\xff")  # how Python names the file b"\xff" (a lone surrogate)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("unipython: error: ") and err.count("\n") == 1, err
    return err.rstrip("\n")


def test_inspect_of_a_fifo_is_refused_at_once_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.img"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "unipython", "inspect", str(fifo)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == f"unipython: error: {fifo}: is a FIFO, not an image\n"


def test_inspect_of_a_device_is_refused_without_reading_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inspect", "/dev/zero"]) == 2  # an endless read otherwise
    assert one_error_line(capsys) == (
        "unipython: error: /dev/zero: is a character device, not an image")


def test_inspect_of_a_directory_says_it_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path)]) == 2
    assert one_error_line(capsys) == f"unipython: error: {tmp_path}: is a directory, not an image"


def test_a_file_larger_than_any_image_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "disk.img"
    with big.open("wb") as f:
        f.truncate(MAX_IMAGE_SIZE + 1)  # sparse: no disk space used
    assert main(["inspect", str(big)]) == 2
    line = one_error_line(capsys)
    assert line.startswith(f"unipython: error: {big}: {MAX_IMAGE_SIZE + 1} bytes, larger than")


def test_a_large_file_that_is_not_elf_is_refused_from_its_first_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.img"
    with junk.open("wb") as f:
        f.truncate(MAX_IMAGE_SIZE)
    assert main(["inspect", str(junk)]) == 2
    assert one_error_line(capsys) == (
        f"unipython: error: {junk}: not a unipython image: not an ELF file")


def test_run_of_a_directory_says_it_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for directory in (tmp_path / "app", tmp_path / "looks_like.py"):
        directory.mkdir()
        assert main(["run", str(directory)]) == 2
        assert one_error_line(capsys) == (
            f"unipython: error: {directory}: is a directory; give an app (APP.py) or an image")


def test_build_of_a_directory_says_it_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(tmp_path)]) == 2
    assert one_error_line(capsys) == (f"unipython: error: {tmp_path}: is a directory, not "
                                      "an app file (give the app's main script)")


def test_run_of_a_fifo_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["run", str(fifo)]) == 2
    assert one_error_line(capsys) == f"unipython: error: {fifo}: is a FIFO, not an image"


@pytest.mark.parametrize("helper", [False, True], ids=["in-the-app", "in-a-local-module"])
def test_a_nul_byte_in_the_source_names_the_file_and_line(
    helper: bool, tmp_path: Path, fake_kernel: Path, target_python: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app.py"
    bad = tmp_path / "helper.py" if helper else app
    app.write_bytes(b"import helper\n" if helper else b"print(1)\nx = 1\x00\n")
    if helper:
        bad.write_bytes(b"a = 1\n\nb = 2\x00\n")
    assert main(["build", str(app), "-o", str(tmp_path / "a.img"),
                 "--kernel", str(fake_kernel)]) == 2
    line = 3 if helper else 2
    assert one_error_line(capsys) == (
        f"unipython: error: {bad}: line {line} contains a NUL byte "
        "(Python source code cannot contain null bytes)")
    assert not (tmp_path / "a.img").exists()


def test_a_nul_byte_in_a_package_that_goes_in_whole_names_the_file(
    tmp_path: Path, fake_kernel: Path, target_python: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = tmp_path / "site"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    (site / "pkg" / "unused.py").write_bytes(b"\x00")  # never imported, still compiled
    app = tmp_path / "app.py"
    app.write_text("import pkg\n")
    assert main(["build", str(app), "--path", str(site), "-o", str(tmp_path / "a.img"),
                 "--kernel", str(fake_kernel)]) == 2
    assert one_error_line(capsys) == (
        f"unipython: error: {site / 'pkg' / 'unused.py'}: line 1 contains a NUL byte "
        "(Python source code cannot contain null bytes)")


def test_an_app_whose_name_is_not_utf8_is_refused(
    tmp_path: Path, fake_kernel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / f"{NON_UTF8}.py"
    app.write_text("print(1)\n")
    assert main(["build", str(app), "-o", str(tmp_path / "a.img"),
                 "--kernel", str(fake_kernel)]) == 2
    assert one_error_line(capsys) == (
        f"unipython: error: {tmp_path}/\\xff.py: the file name is not UTF-8 (an image "
        "holds UTF-8 names only); rename it")


@pytest.mark.parametrize("inside_a_dir", [False, True], ids=["the-file", "under-a-dir"])
def test_an_added_file_whose_name_is_not_utf8_is_refused(
    inside_a_dir: bool, tmp_path: Path, fake_kernel: Path, target_python: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app.py"
    app.write_text("print(1)\n")
    data = tmp_path / "data"
    data.mkdir()
    bad = (data if inside_a_dir else tmp_path) / f"{NON_UTF8}.dat"
    bad.write_text("x")
    added = data if inside_a_dir else bad
    assert main(["build", str(app), "--add", str(added), "-o", str(tmp_path / "a.img"),
                 "--kernel", str(fake_kernel)]) == 2
    shown = str(bad.parent) + "/\\xff.dat"
    assert one_error_line(capsys) == (
        f"unipython: error: {shown}: the file name is not UTF-8 (an image holds UTF-8 "
        "names only); rename it")


def test_an_added_directory_with_a_non_utf8_host_name_goes_in_under_its_guest_name(
    tmp_path: Path, fake_kernel: Path, target_python: Path,
) -> None:
    app = tmp_path / "app.py"
    app.write_text("print(1)\n")
    data = tmp_path / NON_UTF8
    data.mkdir()
    (data / "f.txt").write_text("x")
    image = tmp_path / "a.img"
    assert main(["build", str(app), "--add", f"{data}:/data", "-o", str(image),
                 "--kernel", str(fake_kernel)]) == 0
    reasons = {e.path: e.reason for e in inspect_image(image).files}
    assert reasons["/data/f.txt"] == f"--add {tmp_path}/\\xff"  # readable in the manifest


def test_the_image_run_builds_has_a_name_of_its_own_whatever_the_apps_length(
    tmp_path: Path, fake_kernel: Path, target_python: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UNIPYTHON_KERNEL", str(fake_kernel))
    app = tmp_path / ("a" * 252 + ".py")  # 255 bytes: the longest name Linux allows
    app.write_text("print(1)\n")
    work = tmp_path / "work"
    work.mkdir()
    image = build_for_run(app, work, {})
    assert image.is_file() and len(image.name) < 16


def test_a_default_output_name_too_long_for_the_file_system_is_one_line(
    tmp_path: Path, fake_kernel: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / ("a" * 252 + ".py")
    app.write_text("print(1)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(app), "--kernel", str(fake_kernel)]) == 2
    assert one_error_line(capsys) == (
        f"unipython: error: {tmp_path / ('a' * 252 + '.img')}: cannot write it: "
        "File name too long")


def test_an_output_name_at_the_limit_is_written(
    tmp_path: Path, fake_kernel: Path, target_python: Path,
) -> None:
    app = tmp_path / "app.py"
    app.write_text("print(1)\n")
    output = tmp_path / ("b" * 251 + ".img")  # the temporary file's name must be shorter
    assert main(["build", str(app), "-o", str(output), "--kernel", str(fake_kernel)]) == 0
    assert output.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
