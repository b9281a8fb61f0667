"""The guest's network: which QEMU network backend a run gets, and the net= token
that tells the kernel its address, gateway and name server (kernel/net/netconf.h)."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from unipython.errors import UserError

MODES = ("auto", "user", "restricted", "none")  # and "tap:NAME", "udp:LOCALPORT:PEERPORT"
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
    # udp:LOCALPORT:PEERPORT: Ethernet frames as UDP datagrams on the host's loopback,
    # to and from another VM (QEMU's dgram netdev): (local port, peer port).
    link: tuple[int, int] | None = None
    dhcp: bool = False  # --ip dhcp: the guest asks a DHCP server (QEMU's, or the tap's LAN)

    def kernel_value(self) -> str:
        if self.dhcp:
            # A --dns of the user's own overrides the lease's (kernel/net/dhcp.c).
            return "dhcp" + (f",dns={self.dns}" if self.tap and self.dns else "")
        return (f"{self.address}/{self.prefixlen}"
                + (f",gw={self.gateway}" if self.gateway else "")
                + (f",dns={self.dns}" if self.dns else ""))

    def qemu_netdev(self) -> str:
        if self.link:
            return (f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,"
                    f"local.port={self.link[0]},remote.type=inet,remote.host=127.0.0.1,"
                    f"remote.port={self.link[1]}")
        if self.tap:
            return f"tap,id=n0,ifname={self.tap},script=no,downscript=no"
        return (f"user,id=n0,net=10.0.2.0/24,host={self.gateway},dns={self.dns},"
                f"restrict={'on' if self.restricted else 'off'}"
                + "".join(f",{f.qemu_hostfwd()}" for f in self.forwards))

    def mac(self) -> str | None:
        """A MAC of its own for a VM on a link (two VMs must not share QEMU's default);
        None for QEMU's."""
        if not self.link:
            return None
        port = self.link[0]
        return f"52:54:00:00:{port >> 8:02x}:{port & 0xff:02x}"

    def describe(self) -> str:
        if self.link:
            how = (f"UDP link from host 127.0.0.1:{self.link[0]} to a peer VM at "
                   f"127.0.0.1:{self.link[1]}")
        elif self.tap:
            how = f"host tap device {self.tap}"
        else:
            how = "QEMU user networking" + (", restricted" if self.restricted else "")
        if self.dhcp:
            dns = f", DNS {self.dns}" if self.tap and self.dns else ""
            return f"eth0 from a DHCP lease{dns} ({how})"
        return (f"eth0 {self.address}/{self.prefixlen}, gateway {self.gateway or 'none'}, "
                f"DNS {self.dns or 'none'} ({how})")


def _ipv4(value: str, what: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise UserError(f"bad {what} {value!r}: not an IPv4 address") from None


def tap_network(name: str, ip: str | None, gateway: str | None, dns: str | None,
                check_device: bool = True) -> Network:
    """--net tap:NAME --ip ADDR/PREFIX [--gateway ADDR] [--dns ADDR]."""
    if check_device and (not name or "/" in name or len(name) > 15):
        raise UserError(f"bad --net tap:{name!r}: not an interface name")
    if check_device and not (SYS_NET / name).exists():
        raise UserError(f"--net tap:{name}: there is no network device {name!r} on this "
                        f"host (create it: ip tuntap add dev {name} mode tap)")
    if ip is None:
        raise UserError(f"--net tap:{name} needs --ip ADDR/PREFIX (or --ip dhcp) for the guest")
    if ip == "dhcp":
        if gateway:
            raise UserError("--gateway goes with a static --ip: a DHCP lease names the gateway")
        return Network(address="", prefixlen=0, gateway=None,
                       dns=_ipv4(dns, "--dns") if dns else None, tap=name, dhcp=True)
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


def link_network(spec: str, ip: str | None, gateway: str | None, dns: str | None) -> Network:
    """--net udp:LOCALPORT:PEERPORT --ip ADDR/PREFIX [--gateway ADDR] [--dns ADDR]."""
    parts = spec.split(":")
    if len(parts) != 2 or not all(p.isdigit() and 1 <= int(p) <= 65535 for p in parts):
        raise UserError(f"bad --net udp:{spec} (use udp:LOCALPORT:PEERPORT, two UDP ports "
                        "on the host's loopback)")
    if ip is None or ip == "dhcp":
        raise UserError(f"--net udp:{spec} needs --ip ADDR/PREFIX for the guest")
    net = tap_network("", ip, gateway, dns, check_device=False)
    return dataclasses.replace(net, tap=None, link=(int(parts[0]), int(parts[1])))


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
    if mode.startswith("udp:"):
        if not has_networking:
            raise UserError(f"--net {mode} needs networking, but this image's kernel has "
                            f"none (the app does not use sockets)")
        return link_network(mode[4:], ip, gateway, dns)
    if mode not in MODES:
        raise UserError(f"bad --net {mode!r} (use {', '.join(MODES)}, or tap:NAME)")
    dhcp = ip == "dhcp" and not gateway and not dns  # QEMU's own DHCP server answers
    if (ip or gateway or dns) and not dhcp:
        raise UserError("--ip, --gateway and --dns go with --net tap:NAME (user networking "
                        "has QEMU's addresses; --ip dhcp asks its DHCP server for them)")
    if mode == "none" or (mode == "auto" and not has_networking):
        return None
    if not has_networking:
        raise UserError(f"--net {mode} needs networking, but this image's kernel has none "
                        f"(the app does not use sockets)")
    return Network(restricted=mode == "restricted", dhcp=dhcp)


DEFAULTS_PATH = "/.unipython/network.json"


@dataclass(frozen=True)
class NetworkDefaults:
    """The network options `unipython build` stores in an image (DEFAULTS_PATH) for
    `run` to use unless it is given them again, as the runner's own options spell them."""

    net: str = "auto"
    ip: str | None = None
    gateway: str | None = None
    dns: str | None = None
    publish: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == NetworkDefaults()

    def check(self) -> None:
        """A clear error now for a value `run` would refuse (a tap device is looked
        for only when the image boots: the build machine need not have it)."""
        if not self.net.startswith(("tap:", "udp:")) and self.net not in MODES:
            raise UserError(f"bad --net {self.net!r} (use {', '.join(MODES)}, or tap:NAME)")
        for value in self.publish:
            parse_publish(value)
        if self.net.startswith(("tap:", "udp:")):
            if self.ip is None:
                raise UserError(f"--net {self.net} needs --ip ADDR/PREFIX (or --ip dhcp)")
        elif (self.ip or self.gateway or self.dns) and not (
                self.ip == "dhcp" and not self.gateway and not self.dns):
            raise UserError("--ip, --gateway and --dns go with --net tap:NAME")

    def options(self) -> list[str]:
        """As `run` options, e.g. ['--net', 'tap:t0', '--ip', '192.168.1.2/24']."""
        out = [] if self.net == "auto" else ["--net", self.net]
        for flag, value in (("--ip", self.ip), ("--gateway", self.gateway), ("--dns", self.dns)):
            if value:
                out += [flag, value]
        for value in self.publish:
            out += ["-p", value]
        return out

    def to_json(self) -> bytes:
        doc = {"net": self.net, "ip": self.ip, "gateway": self.gateway, "dns": self.dns,
               "publish": list(self.publish)}
        return (json.dumps(doc, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> NetworkDefaults:
        try:
            doc = json.loads(data)
            d = cls(net=doc["net"], ip=doc["ip"], gateway=doc["gateway"], dns=doc["dns"],
                    publish=tuple(doc["publish"]))
            if not isinstance(d.net, str) or not all(
                    isinstance(v, (str, type(None))) for v in (d.ip, d.gateway, d.dns)) or \
                    not all(isinstance(p, str) for p in d.publish):
                raise TypeError("wrong types")
        except (ValueError, KeyError, TypeError) as e:
            raise UserError(f"{where}: unreadable network defaults {DEFAULTS_PATH}: {e}") from None
        d.check()
        return d

    def under(self, net: str, ip: str | None, gateway: str | None, dns: str | None,
              publish: Sequence[Forward]) -> tuple[str, str | None, str | None, str | None,
                                                   tuple[Forward, ...]]:
        """`run`'s own options over these: a --net given at run replaces the whole
        network; otherwise each of --ip, --gateway, --dns and -p given replaces its own."""
        forwards = tuple(publish) or tuple(parse_publish(p) for p in self.publish)
        if net != "auto":
            return net, ip, gateway, dns, tuple(publish)
        return self.net, ip or self.ip, gateway or self.gateway, dns or self.dns, forwards
