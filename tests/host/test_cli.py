"""The `unipython` command line: a thin shell over the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from unipython.cli import main
from unipython.errors import UserError
from unipython.kernel import find_kernel


def test_build_writes_name_img_in_the_current_directory(
    tmp_path: Path, fake_kernel: Path, target_python: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "src" / "hello.py"
    app.parent.mkdir()
    app.write_text("print('hello')\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    status = main(["build", str(app), "--kernel", str(fake_kernel), "-e", "A=b c"])
    assert status == 0
    assert (work / "hello.img").is_file()
    assert "hello.img" in capsys.readouterr().out


def test_inspect_lists_files_with_reasons(
    tmp_path: Path, fake_kernel: Path, target_python: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app.py"
    app.write_text("print('hello')\n")
    image = tmp_path / "app.img"
    assert main(["build", str(app), "-o", str(image), "--kernel", str(fake_kernel)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(image)]) == 0
    out = capsys.readouterr().out
    assert "/usr/bin/python3.11" in out and "interpreter" in out
    assert "/app/app.py" in out and "the app" in out
    assert "kernel:" in out and "total:" in out


def test_build_rootfs_outside_leaves_the_rootfs_unloaded_and_inspect_says_so(
    tmp_path: Path, fake_kernel: Path, target_python: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from unipython.builder.image import Image

    app = tmp_path / "app.py"
    app.write_text("print('hello')\n")
    default, outside = tmp_path / "default.img", tmp_path / "outside.img"
    assert main(["build", str(app), "-o", str(default), "--kernel", str(fake_kernel)]) == 0
    assert main(["build", "--rootfs-outside", str(app), "-o", str(outside),
                 "--kernel", str(fake_kernel)]) == 0
    assert Image.open(default).rootfs_loaded and not Image.open(outside).rootfs_loaded
    capsys.readouterr()
    assert main(["inspect", str(outside)]) == 0
    assert "outside the loaded segments: run --rootfs=blk|ram" in capsys.readouterr().out
    assert main(["inspect", str(default)]) == 0
    assert "loaded into RAM with the kernel" in capsys.readouterr().out


def test_user_errors_are_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.py"
    assert main(["build", str(missing)]) == 2
    assert capsys.readouterr().err == f"unipython: error: app file not found: {missing}\n"


def test_bad_env_option_is_a_user_error(
    tmp_path: Path, fake_kernel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app.py"
    app.write_text("")
    assert main(["build", str(app), "--kernel", str(fake_kernel), "-e", "NOEQUALS"]) == 2
    assert "-e expects KEY=VALUE" in capsys.readouterr().err


def test_inspecting_a_non_image_is_a_user_error(
    fake_kernel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(fake_kernel)]) == 2
    assert capsys.readouterr().err == (
        f"unipython: error: {fake_kernel}: not a unipython image: no root file system\n"
    )


def test_warnings_go_to_stderr(
    tmp_path: Path, fake_kernel: Path, target_python: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app.py"
    app.write_text("import surely_not_installed_qq\n")
    assert main(["build", str(app), "-o", str(tmp_path / "a.img"),
                 "--kernel", str(fake_kernel)]) == 0
    err = capsys.readouterr().err
    assert "unipython: warning: module 'surely_not_installed_qq' imported by app.py" in err


def test_run_refuses_a_missing_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "x.img")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_run_refuses_a_file_that_is_not_an_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"just some bytes, not an ELF file at all")
    assert main(["run", str(junk)]) == 2
    assert "not a unipython image" in capsys.readouterr().err


def test_run_refuses_a_truncated_image(
    built_image: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.img"
    cut.write_bytes(built_image.read_bytes()[: built_image.stat().st_size // 2])
    assert main(["run", str(cut)]) == 2
    assert "truncated image" in capsys.readouterr().err


def test_find_kernel_honours_unipython_kernel(
    fake_kernel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIPYTHON_KERNEL", str(fake_kernel))
    assert find_kernel() == fake_kernel


def test_find_kernel_reports_a_missing_unipython_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIPYTHON_KERNEL", str(tmp_path / "none.elf"))
    with pytest.raises(UserError, match="UNIPYTHON_KERNEL names no file"):
        find_kernel()


def test_missing_qemu_is_a_one_line_error_that_says_how_to_install_it(
    built_image: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["run", "--accel", "tcg", str(built_image)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "QEMU is not installed" in err and "apt-get install qemu-system-x86" in err
