"""What QEMU needs of an image's ELF headers, checked before booting it.

QEMU's PVH loader copies each PT_LOAD to its physical address and jumps to the address
in the PVH note; a header it cannot honour gives a multi-line error from QEMU (or a
guest that never starts). These checks turn each such case into one line.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from unipython.errors import UserError

PT_LOAD = "PT_LOAD"
XEN_ELFNOTE_PHYS32_ENTRY = 18
# The PVH entry runs in 32-bit mode and QEMU places the image in guest RAM below 4 GiB.
PHYS_LIMIT = 4 << 30


def check_boot_headers(data: bytes) -> None:
    """UserError (one line) unless ``data``'s program headers are ones QEMU can load."""
    try:
        elf = ELFFile(io.BytesIO(data))
        segments = list(elf.iter_segments())
        entry = int(elf.header["e_entry"])
    except (ELFError, struct.error, ValueError) as exc:
        raise UserError(f"bad ELF headers: {exc}") from None
    loads = []
    for i, seg in enumerate(segments):
        off, filesz, memsz = seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
        if off + filesz > len(data):
            raise UserError(f"program header {i}: bytes {off}..{off + filesz} lie past the "
                            f"end of the file ({len(data)} bytes)")
        if seg["p_type"] != PT_LOAD:
            continue
        if filesz > memsz:
            raise UserError(f"program header {i}: p_filesz {filesz:#x} is larger than "
                            f"p_memsz {memsz:#x}")
        paddr, vaddr = seg["p_paddr"], seg["p_vaddr"]
        if paddr + memsz > PHYS_LIMIT:
            raise UserError(f"program header {i}: loads at physical {paddr:#x}..{paddr + memsz:#x}"
                            f", past 4 GiB where no PVH guest can be loaded")
        if vaddr + memsz > 1 << 64:
            raise UserError(f"program header {i}: p_vaddr {vaddr:#x} + p_memsz {memsz:#x} "
                            "wraps around the address space")
        loads.append(seg)
    if not loads:
        raise UserError("no PT_LOAD program header: nothing to load")
    if not any(s["p_vaddr"] <= entry < s["p_vaddr"] + s["p_memsz"] for s in loads):
        raise UserError(f"the entry point {entry:#x} lies in no PT_LOAD segment")
    pvh = pvh_entry(segments)
    if pvh is None:
        raise UserError("no PVH entry note (Xen, XEN_ELFNOTE_PHYS32_ENTRY): QEMU cannot "
                        "boot it (is it a unipython kernel?)")
    if not any(s["p_paddr"] <= pvh < s["p_paddr"] + s["p_filesz"] for s in loads):
        raise UserError(f"the PVH entry {pvh:#x} lies in no loaded PT_LOAD segment")


def pvh_entry(segments: Sequence[object]) -> int | None:
    """The physical entry address from the PVH note, if there is one."""
    for seg in segments:
        if getattr(seg, "header", {}).get("p_type") != "PT_NOTE":
            continue
        try:
            for note in seg.iter_notes():  # type: ignore[attr-defined]
                if note["n_name"] == "Xen" and note["n_type"] == XEN_ELFNOTE_PHYS32_ENTRY:
                    desc = note["n_desc"]
                    raw = desc if isinstance(desc, bytes) else desc.encode("latin-1")
                    if len(raw) >= 4:
                        return int(struct.unpack_from("<I", raw)[0])
        except (ELFError, struct.error, ValueError, UnicodeError):
            return None
    return None
