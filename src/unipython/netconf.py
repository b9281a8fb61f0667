"""The guest's network: which QEMU network backend a run gets, and the net= token
that tells the kernel its address, gateway and name server (kernel/net/netconf.h)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from unipython.errors import UserError

MODES = ("auto", "user", "restricted", "none")  # and "tap:NAME"
SYS_NET = Path("/sys/class/net")
# A function only the kernel with the network component has (kernel/net/).
NETWORK_SYMBOL = "ether_input"


@dataclass(frozen=True)
class Forward:
    """-p [HOSTIP:]HOSTPORT:GUESTPORT[/udp]: QEMU's hostfwd from the host into the guest."""

    host_ip: str
    host_port: int
    guest_port: int
    proto: str

    def qemu_hostfwd(self) -> str:
        return f"hostfwd={self.proto}:{self.host_ip}:{self.host_port}-:{self.guest_port}"


def _port(text: str, what: str, value: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise UserError(f"bad -p {value!r}: {what} {text!r} is not a port (1-65535)")
    return int(text)


def parse_publish(value: str) -> Forward:
    """Parses -p [HOSTIP:]HOSTPORT:GUESTPORT[/udp] (host loopback unless HOSTIP says)."""
    spec, _, proto = value.partition("/")
    proto = proto or "tcp"
    if proto not in ("udp", "tcp"):
        raise UserError(f"bad -p {value!r}: the protocol is tcp (the default) or udp")
    parts = spec.split(":")
    if len(parts) == 2:
        host_ip, (host, guest) = "127.0.0.1", parts
    elif len(parts) == 3:
        host_ip, host, guest = parts
        try:
            ipaddress.IPv4Address(host_ip)
        except ValueError:
            raise UserError(f"bad -p {value!r}: {host_ip!r} is not an IPv4 address") from None
    else:
        raise UserError(f"bad -p {value!r} (use [HOSTIP:]HOSTPORT:GUESTPORT[/udp])")
    return Forward(host_ip, _port(host, "host port", value), _port(guest, "guest port", value),
                   proto)


def check_free(fwd: Forward) -> None:
    """A clear error now for a host port that is taken (QEMU's would be obscure)."""
    kind = socket.SOCK_DGRAM if fwd.proto == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:
            # As QEMU's own listener: connections of an earlier run in
            # TIME_WAIT do not make the port taken.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((fwd.host_ip, fwd.host_port))
        except OSError as e:
            raise UserError(f"-p: cannot use host {fwd.proto.upper()} port "
                            f"{fwd.host_ip}:{fwd.host_port}: {e.strerror}") from None


@dataclass(frozen=True)
class Network:
    """QEMU's user networking (slirp) with its defaults: the guest is 10.0.2.15/24,
    the gateway (the host) 10.0.2.2, the DNS forwarder 10.0.2.3. Or a host tap
    device (``tap``: its name), with the address, gateway and DNS the user gives."""

    restricted: bool = False  # QEMU restrict=on: nothing leaves but forwarded ports
    address: str = "10.0.2.15"
    prefixlen: int = 24
    gateway: str | None = "10.0.2.2"
    dns: str | None = "10.0.2.3"
    forwards: tuple[Forward, ...] = ()
    tap: str | None = None

    def kernel_value(self) -> str:
        return (f"{self.address}/{self.prefixlen}"
                + (f",gw={self.gateway}" if self.gateway else "")
                + (f",dns={self.dns}" if self.dns else ""))

    def qemu_netdev(self) -> str:
        if self.tap:
            return f"tap,id=n0,ifname={self.tap},script=no,downscript=no"
        return (f"user,id=n0,net=10.0.2.0/24,host={self.gateway},dns={self.dns},"
                f"restrict={'on' if self.restricted else 'off'}"
                + "".join(f",{f.qemu_hostfwd()}" for f in self.forwards))

    def describe(self) -> str:
        if self.tap:
            how = f"host tap device {self.tap}"
        else:
            how = "QEMU user networking" + (", restricted" if self.restricted else "")
        return (f"eth0 {self.address}/{self.prefixlen}, gateway {self.gateway or 'none'}, "
                f"DNS {self.dns or 'none'} ({how})")


def _ipv4(value: str, what: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise UserError(f"bad {what} {value!r}: not an IPv4 address") from None


def tap_network(name: str, ip: str | None, gateway: str | None, dns: str | None) -> Network:
    """--net tap:NAME --ip ADDR/PREFIX [--gateway ADDR] [--dns ADDR]."""
    if not name or "/" in name or len(name) > 15:
        raise UserError(f"bad --net tap:{name!r}: not an interface name")
    if not (SYS_NET / name).exists():
        raise UserError(f"--net tap:{name}: there is no network device {name!r} on this "
                        f"host (create it: ip tuntap add dev {name} mode tap)")
    if ip is None:
        raise UserError(f"--net tap:{name} needs --ip ADDR/PREFIX for the guest")
    try:
        iface = ipaddress.IPv4Interface(ip)
    except ValueError:
        raise UserError(f"bad --ip {ip!r} (use e.g. 192.168.100.2/24)") from None
    if "/" not in ip:
        raise UserError(f"bad --ip {ip!r}: give the prefix too (e.g. {ip}/24)")
    gw = _ipv4(gateway, "--gateway") if gateway else None
    if gw and ipaddress.IPv4Address(gw) not in iface.network:
        raise UserError(f"--gateway {gw} is not in the guest's subnet {iface.network}")
    return Network(address=str(iface.ip), prefixlen=iface.network.prefixlen, gateway=gw,
                   dns=_ipv4(dns, "--dns") if dns else None, tap=name)


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


def choose(mode: str, has_networking: bool, ip: str | None = None,
           gateway: str | None = None, dns: str | None = None) -> Network | None:
    """The network a run gets for --net MODE, or None for loopback only."""
    if mode.startswith("tap:"):
        if not has_networking:
            raise UserError(f"--net {mode} needs networking, but this image's kernel has "
                            f"none (the app does not use sockets)")
        return tap_network(mode[4:], ip, gateway, dns)
    if mode not in MODES:
        raise UserError(f"bad --net {mode!r} (use {', '.join(MODES)}, or tap:NAME)")
    if ip or gateway or dns:
        raise UserError("--ip, --gateway and --dns go with --net tap:NAME (user networking "
                        "has QEMU's addresses)")
    if mode == "none" or (mode == "auto" and not has_networking):
        return None
    if not has_networking:
        raise UserError(f"--net {mode} needs networking, but this image's kernel has none "
                        f"(the app does not use sockets)")
    return Network(restricted=mode == "restricted")
