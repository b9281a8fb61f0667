"""The host's copy of the guest/host interface agrees with the kernel's header."""

from __future__ import annotations

import re
from pathlib import Path

from unipython import abi, cmdline

HEADER = Path(__file__).resolve().parents[2] / "kernel" / "abi" / "host.h"


def defines() -> dict[str, str]:
    return dict(re.findall(r"#define UPY_(\w+) (\S+)", HEADER.read_text()))


def test_ports_and_exit_codes_match_the_header() -> None:
    d = defines()
    assert int(d["CONSOLE_PORT"], 16) == abi.CONSOLE_PORT
    assert int(d["CONTROL_PORT"], 16) == abi.CONTROL_PORT
    assert int(d["DEBUG_EXIT_PORT"], 16) == abi.DEBUG_EXIT_PORT
    assert int(d["EXIT_APP"], 16) == abi.EXIT_APP
    assert int(d["EXIT_PANIC"], 16) == abi.EXIT_PANIC


def test_config_path_matches_the_header() -> None:
    assert defines()["CONFIG_PATH"].strip('"') == cmdline.CONFIG_PATH


def test_input_frame_types_match_the_header() -> None:
    d = defines()
    assert d["INPUT_DATA"] == "'d'" and abi.INPUT_DATA == b"d"
    assert d["INPUT_EOF"] == "'e'" and abi.INPUT_EOF == b"e"
    assert d["INPUT_SIGNAL"] == "'s'" and abi.INPUT_SIGNAL == b"s"
    assert abi.input_frame(abi.INPUT_DATA, b"hi") == b"d\x00\x02hi"
