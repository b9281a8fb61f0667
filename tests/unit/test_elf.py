"""The kernel's ELF parser (kernel/loader/elf.c) against pyelftools, on real binaries."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

PYTHON = Path("/usr/bin/python3.11")
LDSO = Path("/lib64/ld-linux-x86-64.so.2")


class Segment(ctypes.Structure):
    _fields_ = [("vaddr", ctypes.c_uint64), ("memsz", ctypes.c_uint64), ("offset", ctypes.c_uint64),
                ("filesz", ctypes.c_uint64), ("prot", ctypes.c_uint32)]


class ElfInfo(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint16), ("entry", ctypes.c_uint64), ("phdr_vaddr", ctypes.c_uint64),
                ("phnum", ctypes.c_uint16), ("segments", Segment * 16), ("nsegments", ctypes.c_uint),
                ("lowest", ctypes.c_uint64), ("highest", ctypes.c_uint64), ("interp", ctypes.c_char * 256),
                ("exec_stack", ctypes.c_bool)]


def parse(klib, path: Path):
    assert klib.t_elf_info_size() == ctypes.sizeof(ElfInfo)
    info = ElfInfo()
    why = ctypes.c_char_p()
    fd = os.open(path, os.O_RDONLY)
    try:
        rc = klib.t_elf_parse_fd(fd, path.stat().st_size, ctypes.byref(info), ctypes.byref(why))
    finally:
        os.close(fd)
    return rc, info, (why.value or b"").decode()


@pytest.mark.parametrize("path", [PYTHON, LDSO], ids=["python3.11", "ld.so"])
def test_load_plan_matches_pyelftools(klib, path):
    rc, info, why = parse(klib, path)
    assert rc == 0, why
    with path.open("rb") as f:
        elf = ELFFile(f)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        assert info.entry == elf["e_entry"]
        assert info.phnum == elf["e_phnum"]
        assert info.nsegments == len(loads)
        for seg, ph in zip(info.segments, loads):
            assert (seg.vaddr, seg.memsz, seg.offset, seg.filesz) == (
                ph["p_vaddr"], ph["p_memsz"], ph["p_offset"], ph["p_filesz"])
        interp = [s for s in elf.iter_segments() if s["p_type"] == "PT_INTERP"]
        assert info.interp.decode() == (interp[0].get_interp_name() if interp else "")


def test_python_is_a_fixed_address_executable_with_an_interpreter(klib):
    rc, info, why = parse(klib, PYTHON)
    assert info.type == 2 and info.lowest == 0x400000
    assert info.interp == b"/lib64/ld-linux-x86-64.so.2"
    assert info.phdr_vaddr == 0x400040


@pytest.mark.parametrize("mangle,reason", [
    (lambda b: b[:30], "too short"),
    (lambda b: b"\x7fELX" + b[4:], "not an ELF"),
    (lambda b: b[:4] + b"\x01" + b[5:], "64-bit"),
    (lambda b: b[:18] + b"\x03\x00" + b[20:], "x86-64"),
    (lambda b: b[:0x5000], "beyond the end"),
])
def test_broken_files_are_refused_with_a_reason(klib, tmp_path, mangle, reason):
    bad = tmp_path / "bad"
    bad.write_bytes(mangle(LDSO.read_bytes()))
    rc, info, why = parse(klib, bad)
    assert rc == -8  # ENOEXEC
    assert reason in why
