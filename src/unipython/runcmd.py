"""`unipython run`: build (when given a .py) and boot an image, then report how it ended."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from unipython import abi, netconf, volumes
from unipython.builder.elf_check import check_boot_headers
from unipython.builder.image import Image
from unipython.cmdline import format_tokens
from unipython.disk import Disk, parse_disk
from unipython.errors import UserError, printable
from unipython.symbolize import Symbolizer
from unipython.vmm import qemu

SIGNAL_NAMES = {4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
                9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"}


@dataclass
class RunOptions:
    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    memory: str = "256M"
    accel: str = "auto"
    trace_syscalls: bool = False
    no_aslr: bool = False  # --no-aslr: the app's stack, mmap base, brk at fixed places
    timeout: float | None = None
    icount: bool = False
    stdin: int | None = None  # a file descriptor to send as the app's stdin
    # "auto": user networking for an image whose kernel has the network
    # component, none for one without; or "user", "restricted", "none".
    net: str = "auto"
    publish: Sequence[netconf.Forward] = ()  # -p: host ports forwarded into the guest
    net_dump: Path | None = None  # --net-dump: a pcap of the network device's frames
    ip: str | None = None  # --net tap:NAME: the guest's ADDR/PREFIX, gateway and DNS
    gateway: str | None = None
    dns: str | None = None
    disk: str | None = None  # --disk FILE[:GUESTDIR][:ro]
    volumes: Sequence[volumes.Volume] = ()  # -v: host directories mounted in the guest
    # --rootfs, for an image built --rootfs-outside: how it reaches the guest (VMConfig.rootfs)
    rootfs: str = "ram"


def parse_memory(text: str) -> int:
    """'256M', '1G' or a number of MiB -> MiB."""
    m = re.fullmatch(r"(\d+)([MmGg]?)", text.strip())
    if not m:
        raise UserError(f"bad memory size {text!r} (use e.g. 256M or 1G)")
    n = int(m.group(1))
    return n * 1024 if m.group(2).lower() == "g" else n


def kernel_cmdline(opts: RunOptions, network: netconf.Network | None = None,
                   disk: Disk | None = None,
                   vols: Sequence[volumes.Volume] = ()) -> str:
    tokens: list[tuple[str, str]] = [("arg", a) for a in opts.args]
    tokens += [("env", f"{k}={v}") for k, v in opts.env.items()]
    if opts.trace_syscalls:
        tokens.append(("trace", "1"))
    if opts.no_aslr:
        tokens.append(("norandmaps", "1"))
    if opts.stdin is not None:
        tokens.append(("stdin", "1"))
    if network is not None:
        tokens.append(("net", network.kernel_value()))
    if disk is not None:
        tokens.append(("disk", disk.kernel_value()))
    tokens += volumes.kernel_tokens(vols)
    # No seed for the guest's random numbers here: a command line is readable by
    # every local user (/proc/PID/cmdline). The VM gets a virtio-rng device.
    return format_tokens(tokens)


def network_defaults(img: Image, path: Path) -> netconf.NetworkDefaults:
    """The network options `build` stored in the image, if any."""
    try:
        data = img.rootfs.read(netconf.DEFAULTS_PATH)
    except FileNotFoundError:
        return netconf.NetworkDefaults()
    return netconf.NetworkDefaults.from_json(data, str(path))


def volume_defaults(img: Image, path: Path) -> list[volumes.Volume]:
    """The -v volumes `build` stored in the image, if any."""
    try:
        data = img.rootfs.read(volumes.DEFAULTS_PATH)
    except FileNotFoundError:
        return []
    return volumes.from_json(data, str(path))


def run_image(image: Path, opts: RunOptions, stdout: object = None,
              stderr: object = None) -> qemu.VMResult:
    """Boots an image; the app's stdout goes to stdout and its stderr to stderr
    (default: ours). When both are the same file (a terminal, ``2>&1``) the two
    streams share one console port and keep the order the app wrote them in."""
    img = Image.open(image)  # a clear error for a file that is not a good image
    try:
        check_boot_headers(img.data)  # QEMU's own errors about them are many lines
    except UserError as exc:
        raise UserError(f"{printable(image)}: {exc}") from None
    memory = parse_memory(opts.memory)
    # A rootfs that is a PT_LOAD comes with -kernel, where the kernel finds it.
    if img.rootfs_loaded and opts.rootfs == "blk":
        raise UserError(f"{printable(image)}: its root file system is loaded into RAM with "
                        "the kernel; for --rootfs=blk build it with --rootfs-outside")
    rootfs = "none" if img.rootfs_loaded else opts.rootfs
    floor = qemu.memory_floor_mib(image, "ram" if img.rootfs_loaded else rootfs)
    if memory < floor:
        raise UserError(f"-m {opts.memory} is too small for this image: it needs at least {floor}M")
    defaults = network_defaults(img, image)
    net, ip, gateway, dns, publish = defaults.under(opts.net, opts.ip, opts.gateway, opts.dns,
                                                   opts.publish)
    network = netconf.choose(net, netconf.kernel_has_networking(image), ip, gateway, dns)
    if publish and network is not None and (network.tap or network.link) and not opts.publish:
        publish = ()  # the image's -p defaults are for user networking, which this is not
    opts = dataclasses.replace(opts, publish=publish)
    if opts.publish:
        if network is None:
            raise UserError("-p needs a network: not with --net none or an app without sockets")
        if network.tap or network.link:
            raise UserError(f"-p is for user networking: with --net {net} the "
                            f"guest's {network.address} is reachable as it is")
        for fwd in opts.publish:
            netconf.check_free(fwd)
        network = dataclasses.replace(network, forwards=tuple(opts.publish))
    disk = parse_disk(opts.disk) if opts.disk else None
    vols = volumes.merge(volume_defaults(img, image), opts.volumes)
    volumes.check_hosts(vols)
    cfg = qemu.VMConfig(image=image, memory_mib=memory, accel=opts.accel,
                        cmdline=kernel_cmdline(opts, network, disk, vols), timeout=opts.timeout,
                        devices=[*(disk.qemu_args() if disk else ()), *volumes.qemu_args(vols)],
                        icount=opts.icount, stdin=opts.stdin,
                        netdev=network.qemu_netdev() if network else None,
                        net_mac=network.mac() if network else None,
                        net_dump=opts.net_dump if network else None, rootfs=rootfs)
    out_fd = qemu.fd_of(stdout, 1)  # type: ignore[arg-type]
    err_fd = qemu.fd_of(stderr, 2)  # type: ignore[arg-type]
    cfg.console_ports = 1 if _same_file(out_fd, err_fd) else 2
    return qemu.boot(cfg, stdout=stdout, stderr=stderr)  # type: ignore[arg-type]


def _same_file(a: int, b: int) -> bool:
    try:
        return os.path.samestat(os.fstat(a), os.fstat(b))
    except OSError:
        return a == b


def report(result: qemu.VMResult, image: Path) -> int:
    """Explains an abnormal end on stderr; returns the exit status for the command."""
    if result.bad_record is not None:
        print(f"unipython: error: the guest sent a malformed control record "
              f"({result.bad_record!r}); stopped trusting its report", file=sys.stderr)
        return abi.STATUS_VM_ERROR
    if result.timed_out:
        print("unipython: error: the VM did not finish before --timeout; stopped it",
              file=sys.stderr)
        return abi.STATUS_TIMEOUT
    if result.bad_image is not None:
        print(f"unipython: error: {printable(image)}: the kernel refused it as damaged: "
              f"{result.bad_image}", file=sys.stderr)
        return abi.STATUS_BAD_IMAGE
    if result.panic is not None:
        print(f"unipython: error: the guest kernel panicked: {result.panic}", file=sys.stderr)
        if result.frames:
            symbols = Symbolizer.from_elf(image)
            print("kernel backtrace:", file=sys.stderr)
            for i, addr in enumerate(result.frames):
                print(f"  #{i} {symbols.describe(addr)}", file=sys.stderr)
        return abi.STATUS_PANIC
    if result.deadlock:
        print("unipython: error: the app deadlocked: every thread waits for something "
              "that cannot happen (see the kernel's report above)", file=sys.stderr)
        return abi.STATUS_DEADLOCK
    if result.killed_by is not None:
        name = SIGNAL_NAMES.get(result.killed_by, f"signal {result.killed_by}")
        print(f"unipython: the app was killed by {name}", file=sys.stderr)
        return 128 + result.killed_by
    if result.exit_status is not None:
        return result.exit_status
    detail = result.qemu_stderr.strip()
    if detail:
        print(f"unipython: error: QEMU failed: {detail}", file=sys.stderr)
    else:
        print(f"unipython: error: the VM stopped without reporting an exit status "
              f"(QEMU status {result.qemu_status})", file=sys.stderr)
    return abi.STATUS_VM_ERROR


def demo_app() -> Path:
    return Path(str(resources.files("unipython.demo").joinpath("hello.py")))


def build_for_run(app: Path, workdir: Path, content: Mapping[str, Any],
                  rootfs_outside: bool = False) -> Path:
    from unipython.builder import build
    from unipython.builder.build import check_app_file
    from unipython.kernel import find_kernel

    check_app_file(app)
    # A name of our own: one made from the app's could be too long for the file
    # system once ".img" is added (ENAMETOOLONG), or not UTF-8.
    output = workdir / "app.img"
    result = build(app, output, find_kernel(), rootfs_outside=rootfs_outside, **content)
    for warning in result.warnings:
        print(f"unipython: warning: {warning}", file=sys.stderr)
    return output


def _stdin_fd() -> int | None:
    """Our stdin's file descriptor, which becomes the app's; None if there is none."""
    try:
        return sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # closed, or not a file (embedding)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    from unipython.buildopts import content_options, given
    from unipython.cli import parse_env

    opts = RunOptions(
        args=list(args.app_args),
        env=parse_env(args.env),
        memory=args.memory,
        accel=args.accel,
        trace_syscalls=args.trace_syscalls,
        no_aslr=args.no_aslr,
        timeout=args.timeout,
        stdin=_stdin_fd(),
        net=args.net,
        publish=[netconf.parse_publish(v) for v in args.publish],
        net_dump=Path(args.net_dump) if args.net_dump else None,
        ip=args.ip,
        gateway=args.gateway,
        dns=args.dns,
        disk=args.disk,
        volumes=[volumes.parse_volume(v) for v in args.volume],
        rootfs=args.rootfs,
    )
    target = Path(args.target) if args.target else demo_app()
    with tempfile.TemporaryDirectory(prefix="unipython-run-") as tmp:
        if target.is_dir():
            raise UserError(f"{printable(target)}: is a directory; give an app (APP.py) "
                            "or an image")
        if target.suffix == ".py":
            image = build_for_run(target, Path(tmp), content_options(args),
                                  rootfs_outside=args.rootfs == "blk")
        elif not target.exists():
            raise UserError(f"no such file: {printable(target)}")
        elif given(args):
            raise UserError(f"{', '.join(given(args))} only apply when building an app "
                            f"(a .py file), not to an image: {target}")
        else:
            image = target
        sys.stdout.flush()
        result = run_image(image, opts, stdout=None)
        return report(result, image)


def add_arguments(r: argparse.ArgumentParser) -> None:
    from unipython.buildopts import add_content_arguments

    r.add_argument("target", nargs="?", metavar="APP.py|IMAGE",
                   help="an app to build and boot, or an image (default: the built-in demo)")
    r.add_argument("-m", "--memory", default="256M", help="guest RAM (default: 256M)")
    r.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"],
                   help="auto: hardware KVM if usable, else TCG (default)")
    r.add_argument("-e", "--env", metavar="KEY=VALUE", action="append", default=[],
                   help="set an environment variable for the app (repeatable)")
    r.add_argument("--trace-syscalls", action="store_true",
                   help="print every system call, strace-style, on stderr")
    r.add_argument("--no-aslr", action="store_true",
                   help="no address space layout randomization: the app's stack, mmap base "
                        "(libraries), brk heap and PIE base land at the same addresses every "
                        "run, for reproducible debugging (Linux's norandmaps, setarch -R)")
    r.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop the VM after this long (exit status 124)")
    r.add_argument("--rootfs", default="ram", choices=["ram", "blk"],
                   help="how the guest reads the files of an image built --rootfs-outside "
                        "(run APP.py builds it so for blk): ram = QEMU copies the image into "
                        "guest RAM as an initrd (default); blk = a read-only virtio-blk "
                        "device of the image, whose pages the guest reads on demand into a "
                        "page cache it gives back under memory pressure")
    add_network_arguments(r)
    r.add_argument("--disk", metavar="FILE[:GUESTDIR][:ro]",
                   help="a persistent disk (made by `unipython disk create`) mounted at "
                        "GUESTDIR (default /data); fsync'ed data survives a crash")
    add_volume_arguments(r)
    r.add_argument("--net-dump", metavar="FILE",
                   help="write every frame of the guest's network device to FILE (pcap, "
                        "for tcpdump -r or wireshark)")
    add_content_arguments(r)
    r.add_argument("app_args", nargs="*", metavar="-- ARGS",
                   help="arguments for the app (after --)")
    r.set_defaults(func=cmd_run)



def add_volume_arguments(p: argparse.ArgumentParser, build: bool = False) -> None:
    """-v: run's, and build's image defaults for run (run's -v for the same GUESTDIR wins)."""
    first = "the image's default for run: " if build else ""
    p.add_argument("-v", "--volume", action="append", default=[],
                   metavar="HOSTDIR:GUESTDIR[:ro]",
                   help=first + "mount the host directory HOSTDIR at GUESTDIR in the guest, "
                        "read-write or read-only (:ro), as docker run -v; only the named "
                        "directories are reachable (repeatable)")


def add_network_arguments(p: argparse.ArgumentParser, build: bool = False) -> None:
    """--net, --ip, --gateway, --dns and -p: run's, and build's image defaults for run."""
    first = "the image's default for run (run's own options replace it): " if build else ""
    p.add_argument("--net", default="auto",
                   metavar="{auto,user,restricted,none,tap:NAME,udp:PORT:PORT}",
                   help=first + "the guest's network: user = QEMU's user networking (eth0 "
                        "10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3); restricted = the same, "
                        "isolated from the outside (QEMU restrict=on); tap:NAME = the host's "
                        "tap device NAME, with --ip (and --gateway, --dns); "
                        "udp:LOCALPORT:PEERPORT = a link to another VM whose frames travel "
                        "as UDP datagrams on the host's loopback, with --ip; none = loopback "
                        "only (default: user when the app uses sockets, else none)")
    p.add_argument("--ip", metavar="ADDR/PREFIX|dhcp",
                   help="with --net tap:NAME: eth0's address; dhcp: ask a DHCP server at boot "
                        "(with user networking too: QEMU's answers)")
    p.add_argument("--gateway", metavar="ADDR", help="with --net tap:NAME: the default route")
    p.add_argument("--dns", metavar="ADDR", help="with --net tap:NAME: the name server")
    p.add_argument("-p", "--publish", action="append", default=[],
                   metavar="[HOSTIP:]HOSTPORT:GUESTPORT[/udp]",
                   help="forward a host TCP (or /udp) port, on 127.0.0.1 unless HOSTIP says, "
                        "to the guest's port (repeatable), as docker run -p")
