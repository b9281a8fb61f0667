"""The guest's network: which QEMU network backend a run gets, and the net= token
that tells the kernel its address, gateway and name server (kernel/net/netconf.h)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from unipython.errors import UserError

MODES = ("auto", "user", "restricted", "none")
# A function only the kernel with the network component has (kernel/net/).
NETWORK_SYMBOL = "ether_input"


@dataclass(frozen=True)
class Network:
    """QEMU's user networking (slirp) with its defaults: the guest is 10.0.2.15/24,
    the gateway (the host) 10.0.2.2, the DNS forwarder 10.0.2.3."""

    restricted: bool = False  # QEMU restrict=on: nothing leaves but forwarded ports
    address: str = "10.0.2.15"
    prefixlen: int = 24
    gateway: str = "10.0.2.2"
    dns: str = "10.0.2.3"

    def kernel_value(self) -> str:
        return f"{self.address}/{self.prefixlen},gw={self.gateway},dns={self.dns}"

    def qemu_netdev(self) -> str:
        return (f"user,id=n0,net=10.0.2.0/24,host={self.gateway},dns={self.dns},"
                f"restrict={'on' if self.restricted else 'off'}")

    def describe(self) -> str:
        how = "QEMU user networking" + (", restricted" if self.restricted else "")
        return (f"eth0 {self.address}/{self.prefixlen}, gateway {self.gateway}, "
                f"DNS {self.dns} ({how})")


def kernel_has_networking(image: Path) -> bool:
    """Whether the image's kernel is the one with the network component."""
    try:
        with image.open("rb") as f:
            for section in ELFFile(f).iter_sections():
                if isinstance(section, SymbolTableSection) and \
                        section.get_symbol_by_name(NETWORK_SYMBOL):
                    return True
    except (OSError, ELFError) as e:
        raise UserError(f"cannot read the image {image}: {e}") from e
    return False


def choose(mode: str, has_networking: bool) -> Network | None:
    """The network a run gets for --net MODE, or None for loopback only."""
    if mode not in MODES:
        raise UserError(f"bad --net {mode!r} (use {', '.join(MODES)})")
    if mode == "none" or (mode == "auto" and not has_networking):
        return None
    if not has_networking:
        raise UserError(f"--net {mode} needs networking, but this image's kernel has none "
                        f"(the app does not use sockets)")
    return Network(restricted=mode == "restricted")
