"""The `unipython` command: parses arguments and calls the library."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from unipython import __version__
from unipython.errors import UserError

if TYPE_CHECKING:
    from unipython.netconf import NetworkDefaults


def parse_env(items: Sequence[str]) -> dict[str, str]:
    env = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"-e expects KEY=VALUE, got {item!r}")
        env[key] = value
    return env


def cmd_build(args: argparse.Namespace) -> int:
    from unipython.builder import build
    from unipython.builder.build import check_app_file
    from unipython.builder.inspect import format_size
    from unipython.buildopts import content_options
    from unipython.kernel import find_kernel
    from unipython.netconf import NetworkDefaults
    from unipython.volumes import parse_volume

    app = Path(args.app)
    check_app_file(app)
    output = Path(args.output) if args.output else Path.cwd() / f"{app.stem}.img"
    env = parse_env(args.env)
    network = NetworkDefaults(net=args.net, ip=args.ip, gateway=args.gateway, dns=args.dns,
                              publish=tuple(args.publish))
    network.check()
    vols = [parse_volume(v) for v in args.volume]
    kernel = Path(args.kernel) if args.kernel else find_kernel()
    err = Console(stderr=True)
    with err.status("building") as status:
        result = build(
            app,
            output,
            kernel,
            python=Path(args.python),
            env=env,
            network=network,
            volumes=vols,
            rootfs_outside=args.rootfs_outside,
            **content_options(args),
            progress=lambda step: status.update(step),
        )
    for warning in result.warnings:
        print(f"unipython: warning: {warning}", file=sys.stderr)
    files = sum(1 for f in result.files if f.kind == "file")
    print(
        f"wrote {result.output}: {format_size(result.total_size)} "
        f"(kernel {format_size(result.kernel_size)}"
        f"{'' if result.networking else ' without networking: the app uses no sockets'}, "
        f"root fs {format_size(result.rootfs_size)}, {files} files)"
    )
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from unipython import netconf
    from unipython.builder import inspect_image, print_image_info
    from unipython.builder.image import Image
    from unipython.runcmd import network_defaults, volume_defaults

    image = Path(args.image)
    print_image_info(inspect_image(image))
    vols = volume_defaults(Image.open(image), image)
    if vols:
        print(f"volumes (build's defaults for run): {' '.join('-v ' + v.spec() for v in vols)}")
    if not netconf.kernel_has_networking(image):
        print("network: none (the kernel has no network component: loopback only)")
        return 0
    defaults = network_defaults(Image.open(image), image)
    if defaults.is_empty():
        print(f"network (run --net user, the default): {netconf.Network().describe()}")
    else:
        print(f"network (build's defaults for run: {' '.join(defaults.options())}): "
              f"{describe_defaults(defaults)}")
    return 0


def describe_defaults(d: NetworkDefaults) -> str:
    """What a run of an image with these defaults gets, as far as the host allows
    saying here (a tap device need not exist until the image boots)."""
    from unipython import netconf

    if d.net.startswith("tap:"):
        if d.ip == "dhcp":
            net = netconf.Network(address="", prefixlen=0, gateway=None, dns=d.dns,
                                  tap=d.net[4:], dhcp=True)
        else:
            iface = ipaddress.IPv4Interface(d.ip or "0.0.0.0/0")
            net = netconf.Network(address=str(iface.ip), prefixlen=iface.network.prefixlen,
                                  gateway=d.gateway, dns=d.dns, tap=d.net[4:])
        return net.describe()
    if d.net == "none":
        return "loopback only"
    net = netconf.Network(restricted=d.net == "restricted", dhcp=d.ip == "dhcp",
                          forwards=tuple(netconf.parse_publish(p) for p in d.publish))
    published = "".join(f"; host {f.host_ip}:{f.host_port}/{f.proto} -> guest port "
                        f"{f.guest_port}" for f in net.forwards)
    return net.describe() + published


def cmd_bench(args: argparse.Namespace) -> int:
    from unipython.bench.suite import BenchOptions, main_for_cli

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    return main_for_cli(BenchOptions(
        mode=mode, accel=args.accel,
        cache=Path(args.cache) if args.cache else None,
        json_path=Path(args.json) if args.json else None,
        chart_path=Path(args.chart) if args.chart else None,
        workdir=Path(args.workdir) if args.workdir else None,
        only=frozenset(s for s in (args.only or "").split(",") if s),
    ))


def cmd_compat(args: argparse.Namespace) -> int:
    from unipython.compat.compare import ModuleResult
    from unipython.compat.pkgs import expand_pkgs, is_pkgs_name, run_pkgs
    from unipython.compat.report import exit_status, print_report, write_json
    from unipython.compat.run import (
        CompatOptions,
        default_log_dir,
        resolved_ignore_file,
        run_compat,
        whole_suite,
        wholly_ignored,
    )
    from unipython.compat.runner import RunSettings
    from unipython.compat.tiers import ALL, expand
    from unipython.kernel import find_kernel
    from unipython.runcmd import parse_memory

    if args.jobs < 1:
        raise UserError("-j expects a number of at least 1")
    parse_memory(args.memory)  # a clear error before anything starts
    suite = whole_suite(Path(args.python)) if ALL in args.names else []
    packages = expand_pkgs([n for n in args.names if is_pkgs_name(n)])
    modules = expand([n for n in args.names if not is_pkgs_name(n)], suite)
    kernel = Path(args.kernel) if args.kernel else find_kernel()
    log_dir = Path(args.logs) if args.logs else default_log_dir()
    options = CompatOptions(
        settings=RunSettings(memory=args.memory, timeout=args.timeout, accel=args.accel),
        jobs=args.jobs,
        python=Path(args.python),
        log_dir=log_dir,
    )
    err = Console(stderr=True)

    def done(result: ModuleResult) -> None:
        verdict = "pass" if result.passed else f"FAIL ({result.reason})"
        err.print(f"{result.module}: inside {result.guest.counts or '-'} "
                  f"in {result.guest.seconds:.1f} s, host {result.host.counts or '-'} "
                  f"in {result.host.seconds:.1f} s: {verdict}", highlight=False)

    def say(text: str) -> None:
        err.print(text, highlight=False)

    left_out: list[str] = []
    if modules:
        listed = resolved_ignore_file(options.settings, options.python).ignore_file
        left_out = wholly_ignored(modules, listed) if isinstance(listed, Path) else []
        if left_out:
            say(f"left out whole, on both sides (they start a process outside any test): "
                f"{', '.join(left_out)}")
        modules = [m for m in modules if m not in left_out]
    results = run_compat(modules, kernel, options, progress=say, done=done) if modules else []
    if packages:
        results += run_pkgs(packages, kernel, options.python, options.settings, say, done,
                            log_dir)
    print_report(results, left_out=left_out)
    err.print(f"console logs: {log_dir}", highlight=False)
    if args.json:
        write_json(results, Path(args.json), left_out=left_out)
    return exit_status(results)


def make_parser() -> argparse.ArgumentParser:
    from unipython.builder import DEFAULT_PYTHON
    from unipython.buildopts import add_content_arguments
    from unipython.runcmd import add_network_arguments, add_volume_arguments

    parser = argparse.ArgumentParser(
        prog="unipython", description="Turn a Python app into a bootable unikernel image."
    )
    parser.add_argument("--version", action="version", version=f"unipython {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build an image from an app", description=(
        "Pack APP.py, the Python interpreter, the shared libraries and only the modules "
        "the app needs into one bootable image."))
    b.add_argument("app", metavar="APP.py", help="the app's main script")
    b.add_argument("-o", "--output", metavar="IMAGE", help="image to write (default: ./APP.img)")
    b.add_argument("-e", "--env", metavar="KEY=VALUE", action="append", default=[],
                   help="set an environment variable in the image (repeatable)")
    add_content_arguments(b)
    add_network_arguments(b, build=True)
    add_volume_arguments(b, build=True)
    b.add_argument("--rootfs-outside", action="store_true",
                   help="leave the root file system out of what -kernel loads: the VMM hands "
                        "the guest the image file instead (run --rootfs=blk, or --rootfs=ram "
                        "as an initrd)")
    b.add_argument("--python", metavar="PATH", default=str(DEFAULT_PYTHON),
                   help=f"the interpreter to put in the image (default: {DEFAULT_PYTHON})")
    b.add_argument("--kernel", metavar="PATH", help="kernel ELF (default: $UNIPYTHON_KERNEL, "
                   "else the repository's kernel/build/kernel.elf, built with make)")
    b.set_defaults(func=cmd_build)

    i = sub.add_parser("inspect", help="list what is inside an image and why")
    i.add_argument("image", metavar="IMAGE")
    i.set_defaults(func=cmd_inspect)

    from unipython.compat.tiers import TIERS

    c = sub.add_parser("compat", help="run CPython's regression tests inside and on the host",
                       description=(
        "Run CPython's own regression tests (python3.11 -m test, in-process) inside "
        "unipython, one VM boot per module, and the same way on the host; a module "
        "passes when its counts inside equal those on the host. Tiers: "
        + "; ".join(f"{t}: {len(m)} modules" for t, m in TIERS.items())
        + "; all: every module of the test suite. Tests that need fork/exec are left out "
        "on both sides (src/unipython/compat/forkexec_ignore/X.Y.Z.txt, per Python "
        "revision). pkgs: third-party packages' own pytest suites at pinned versions "
        "(fetched by pip into ~/.cache/unipython/compat/pkgs), one boot per suite; "
        "pkgs:NAME runs one."))
    c.add_argument("names", nargs="+", metavar="all|TIER|MODULE|pkgs[:NAME]",
                   help=f"all, a tier ({', '.join(TIERS)}), a test module "
                        "(test_bool or bool), pkgs or one package suite (pkgs:toolz)")
    c.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="runs side by side (default: 1)")
    c.add_argument("-m", "--memory", default="1G", help="guest RAM (default: 1G)")
    c.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS",
                   help="per module and side; an expired one fails the module (default: 1800)")
    c.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    c.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    c.add_argument("--logs", metavar="DIR", help="where to keep each run's console output "
                   "(default: ~/.cache/unipython/compat/logs)")
    c.add_argument("--python", metavar="PATH", default=str(DEFAULT_PYTHON),
                   help=f"the interpreter to test (default: {DEFAULT_PYTHON})")
    c.add_argument("--kernel", metavar="PATH", help="kernel ELF (as for build)")
    c.set_defaults(func=cmd_compat)

    from unipython.runcmd import add_arguments

    r = sub.add_parser("run", help="build and boot an app, or boot an image", description=(
        "Boot IMAGE, or build APP.py into an image first, under QEMU. The app's output "
        "appears here and its exit status becomes this command's."))
    add_arguments(r)

    from unipython.disk import add_parser as add_disk_parser

    add_disk_parser(sub)

    bn = sub.add_parser("bench", help="measure unipython against native, a Linux guest "
                        "and qemu-user", description=(
        "In one run, on this machine and QEMU: boot-to-exit, instruction counts, "
        "kernel share, image size, minimum RAM, syscall round trip and a pyperformance "
        "subset, for native python, a Linux guest, unipython and qemu-user. Prints a "
        "markdown table; see bench/README.md for the method."))
    bn.add_argument("--quick", action="store_true", help="few iterations")
    bn.add_argument("--smoke", action="store_true",
                    help="one iteration of everything (what CI runs: it times nothing)")
    bn.add_argument("--json", metavar="PATH", help="write all results as JSON")
    bn.add_argument("--chart", metavar="PATH", help="write a PNG chart of the ratios")
    bn.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    bn.add_argument("--cache", metavar="DIR",
                    help="where the Linux kernel is kept (default ~/.cache/unipython/bench)")
    bn.add_argument("--workdir", metavar="DIR", help="keep the staged apps and images here")
    bn.add_argument("--only", metavar="SECTION,...",
                    help="run only these sections: image, boot, instructions, syscall, "
                         "min_ram, pyperf, network (default: all)")
    bn.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"unipython: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("unipython: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
