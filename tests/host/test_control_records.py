"""The host runner against a hostile guest: what the control channel brings is checked."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from unipython import abi
from unipython.runcmd import report
from unipython.vmm.qemu import ControlReader, _result


@pytest.mark.parametrize("record", [
    ("exit", "abc"), ("exit", ""), ("exit", "-1"), ("exit", "99999"), ("killed", "0x9"),
    ("frame", "not-hex"), ("stat", "syscalls many"), ("stat", "tsc_hz -3"),
])
def test_a_malformed_control_record_is_a_one_line_vm_error(
    record: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = _result(0, [("exit", "0"), record], "", False, "tcg")
    assert result.bad_record == f"{record[0]} {record[1]}"
    assert report(result, Path("unused.img")) == abi.STATUS_VM_ERROR
    err = capsys.readouterr().err
    assert err.startswith("unipython: error: the guest sent a malformed control record")
    assert err.count("\n") == 1


def test_well_formed_records_are_taken() -> None:
    result = _result(1, [("stat", "syscalls 12"), ("frame", "ffffffff80001000"),
                         ("exit", "3")], "", False, "tcg")
    assert result.bad_record is None
    assert (result.exit_status, result.stats, result.frames) == (
        3, {"syscalls": 12}, [0xffffffff80001000])


def test_many_input_records_start_one_stdin_thread() -> None:
    read_end, write_end = os.pipe()
    frames: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unused:
        reader = ControlReader(unused, echo=io.StringIO(), stdin=read_end)
        reader.send_frame = frames.append  # type: ignore[method-assign, assignment]
        before = threading.active_count()
        for _ in range(50):
            reader._record("input ready")
        assert threading.active_count() <= before + 1
        os.write(write_end, b"hello\n")
        os.close(write_end)
        deadline = time.monotonic() + 10
        while abi.input_frame(abi.INPUT_EOF) not in frames and time.monotonic() < deadline:
            time.sleep(0.01)
    os.close(read_end)
    assert frames == [abi.input_frame(abi.INPUT_DATA, b"hello\n"), abi.input_frame(abi.INPUT_EOF)]
