"""Turning kernel addresses into function names, from the image's symbol table."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection


@dataclass(frozen=True)
class Symbol:
    address: int
    size: int
    name: str


class Symbolizer:
    def __init__(self, symbols: list[Symbol]) -> None:
        self._symbols = sorted(symbols, key=lambda s: s.address)
        self._starts = [s.address for s in self._symbols]

    @classmethod
    def from_elf(cls, path: Path) -> Symbolizer:
        symbols = []
        with path.open("rb") as f:
            elf = ELFFile(f)
            for section in elf.iter_sections():
                if not isinstance(section, SymbolTableSection):
                    continue
                for sym in section.iter_symbols():
                    kind = sym["st_info"]["type"]
                    if kind in ("STT_FUNC", "STT_NOTYPE") and sym.name and sym["st_value"]:
                        symbols.append(Symbol(sym["st_value"], sym["st_size"], sym.name))
        return cls(symbols)

    def describe(self, address: int) -> str:
        i = bisect.bisect_right(self._starts, address) - 1
        if i < 0:
            return f"{address:#x}"
        sym = self._symbols[i]
        offset = address - sym.address
        if sym.size and offset >= sym.size and not sym.name.startswith("vector_"):
            return f"{address:#x}"
        return f"{address:#x} {sym.name}+{offset:#x}"
