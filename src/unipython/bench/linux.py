"""The Linux guest: Debian's cloud kernel, fetched with apt-get download and cached,
its vmlinux ELF decompressed out of the vmlinuz, booted by the same QEMU microvm
machine as unipython (PVH entry through -kernel) with an initramfs that holds the
same files as the unipython image of the same app.

The guest's init is python itself: ``rdinit=/usr/bin/python3.11 -- /app/APP.py``.
When the app ends, init exits and Linux panics ("Attempted to kill init!
exitcode=0x..."); ``panic=-1 reboot=t`` then resets the machine at once by a triple
fault, and QEMU's -no-reboot turns the reset into QEMU's exit. The exit status is
read from the panic line. (The cloud kernel has no /dev/port, so python cannot reach
the isa-debug-exit port without ctypes.)
"""

from __future__ import annotations

import bz2
import lzma
import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from unipython.errors import UserError

META_PACKAGE = "linux-image-cloud-amd64"
# Debian's cloud kernel has no 9P (``# CONFIG_NET_9P is not set``), so the storage
# rows' Linux guest is Debian's generic kernel of the same release, which has 9P,
# virtio-blk and ext4 as modules.
STORAGE_META_PACKAGE = "linux-image-amd64"
ELF_MAGIC = b"\x7fELF"
LZ4_LEGACY_MAGIC = b"\x02\x21\x4c\x18"
LZ4_LEGACY_BLOCK = 8 << 20


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unipython" / "bench"


@dataclass(frozen=True)
class LinuxKernel:
    package: str  # e.g. linux-image-6.1.0-56-cloud-amd64
    version: str  # the package version
    vmlinuz: Path  # as Debian ships it (a bzImage)
    vmlinux: Path  # the ELF decompressed out of it, booted through its PVH note
    config: Path
    # The modules a virtio-net device over virtio-mmio needs, in load order (those
    # the config has as =m; built-in ones need none); None: a cache from before
    # the bench kept them.
    net_modules: tuple[Path, ...] | None = None
    # Same for the storage rows (MODULE_GROUPS["storage"]); None: not kept (the
    # kernel lacks one of them, or a cache from before the bench kept them).
    storage_modules: tuple[Path, ...] | None = None


# ------------------------------------------------------------------ decompression


def _lz4_legacy(data: bytes) -> bytes:
    """The LZ4 "legacy" frame the kernel's build uses (lz4 -l): the magic, then
    blocks of (u32 compressed size, data), each at most 8 MiB uncompressed."""
    try:
        import lz4.block  # type: ignore[import-untyped]
    except ImportError:
        raise UserError("the kernel is LZ4-compressed: install the bench extras "
                        "(pip install 'unipython[bench]') for the lz4 module") from None
    out = bytearray()
    pos = len(LZ4_LEGACY_MAGIC)
    while pos + 4 <= len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        if size == struct.unpack("<I", LZ4_LEGACY_MAGIC)[0]:
            pos += 4
            continue
        if size == 0 or pos + 4 + size > len(data):
            break  # the size the kernel appends after the stream, or the end
        out += lz4.block.decompress(data[pos + 4 : pos + 4 + size],
                                    uncompressed_size=LZ4_LEGACY_BLOCK)
        pos += 4 + size
    return bytes(out)


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def _gzip(data: bytes) -> bytes:
    return zlib.decompressobj(wbits=31).decompress(data)


def _xz(data: bytes) -> bytes:
    return lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(data)


def _lzma(data: bytes) -> bytes:
    return lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(data)


def _bzip2(data: bytes) -> bytes:
    return bz2.BZ2Decompressor().decompress(data)


DECOMPRESSORS = (  # (name, magic, function); the kernel's compressors
    ("gzip", b"\x1f\x8b\x08", _gzip),
    ("xz", b"\xfd7zXZ\x00", _xz),
    ("zstd", b"\x28\xb5\x2f\xfd", _zstd),
    ("lz4", LZ4_LEGACY_MAGIC, _lz4_legacy),
    ("bzip2", b"BZh", _bzip2),
    ("lzma", b"\x5d\x00\x00", _lzma),
)


def payload(bzimage: bytes) -> bytes:
    """The compressed kernel inside a bzImage: the setup header's payload_offset and
    payload_length (boot protocol 2.08+) locate it; else the whole file is searched."""
    if len(bzimage) > 0x250 and bzimage[0x202:0x206] == b"HdrS":
        setup_sects = bzimage[0x1F1] or 4
        offset, length = struct.unpack_from("<II", bzimage, 0x248)
        start = (setup_sects + 1) * 512 + offset
        if length and start + length <= len(bzimage):
            return bzimage[start : start + length]
    return bzimage


def extract_vmlinux(vmlinuz: bytes) -> bytes:
    """Find the compressed payload's magic, decompress it, and return the ELF."""
    data = payload(vmlinuz)
    found = sorted((data.find(magic), name, fn) for name, magic, fn in DECOMPRESSORS
                   if data.find(magic) >= 0)
    tried = []
    for pos, name, fn in found:
        try:
            out = fn(data[pos:])
        except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
            tried.append(f"{name} at {pos}: {exc}")
            continue
        except Exception as exc:  # zstandard and lz4 raise their own errors
            tried.append(f"{name} at {pos}: {exc}")
            continue
        if out.startswith(ELF_MAGIC):
            return out
        tried.append(f"{name} at {pos}: not an ELF file")
    raise UserError("could not decompress a vmlinux ELF out of the kernel image"
                    + (f" ({'; '.join(tried)})" if tried else ": no known compression magic"))


def has_pvh_note(elf: bytes) -> bool:
    """XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen") among the ELF's notes."""
    from io import BytesIO

    from elftools.elf.elffile import ELFFile

    for segment in ELFFile(BytesIO(elf)).iter_segments():
        if segment["p_type"] == "PT_NOTE":
            for note in segment.iter_notes():  # type: ignore[attr-defined]
                if note["n_name"] == "Xen" and note["n_type"] in (18, "XEN_ELFNOTE_PHYS32_ENTRY"):
                    return True
    return False


# ------------------------------------------------------------------ fetching


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def _apt_get_update() -> None:
    if os.geteuid() == 0:
        _run(["apt-get", "update", "-q"])


def _resolve_package(meta: str = META_PACKAGE) -> tuple[str, str] | None:
    """(package, version) of the kernel that the meta package depends on."""
    for attempt in range(2):
        proc = _run(["apt-cache", "depends", meta])
        m = re.search(r"Depends:\s*(linux-image-\S+)", proc.stdout)
        if m:
            package = m.group(1)
            show = _run(["apt-cache", "show", "--no-all-versions", package])
            v = re.search(r"^Version:\s*(\S+)", show.stdout, re.M)
            if v:
                return package, v.group(1)
        if attempt == 0:
            _apt_get_update()
    return None


def _kept_modules(root: Path, group: str = "net") -> tuple[Path, ...] | None:
    order = root / "modules" / ORDER_FILES[group]
    if not order.is_file():
        return None
    return tuple(root / "modules" / f"{name}.ko" for name in order.read_text().split())


def flavour(meta: str) -> str:
    """``cloud-amd64`` of linux-image-cloud-amd64: what the kernel packages of that
    meta package end with (linux-image-6.1.0-57-cloud-amd64)."""
    return meta.removeprefix("linux-image-")


def is_flavour(package: str, meta: str) -> bool:
    pattern = rf"linux-image-\d[\w.+~]*-\d+-{re.escape(flavour(meta))}"
    return re.fullmatch(pattern, package) is not None


def _cached(cache: Path, meta: str = META_PACKAGE) -> list[LinuxKernel]:
    found = []
    for marker in sorted(cache.glob("linux-image-*/kernel.txt")):
        package, version = marker.read_text().split()
        if not is_flavour(package, meta):
            continue
        root = marker.parent
        vmlinuz = next(iter(sorted((root / "x" / "boot").glob("vmlinuz-*"))), None)
        config = next(iter(sorted((root / "x" / "boot").glob("config-*"))), None)
        if vmlinuz and config and (root / "vmlinux").is_file():
            found.append(LinuxKernel(package, version, vmlinuz, root / "vmlinux", config,
                                     _kept_modules(root), _kept_modules(root, "storage")))
    return found


def _has_group(kernel: LinuxKernel, group: str) -> bool:
    return (kernel.net_modules if group == "net" else kernel.storage_modules) is not None


def fetch_kernel(cache: Path | None = None, log: object = None, meta: str = META_PACKAGE,
                 group: str = "net") -> LinuxKernel:
    """Debian's kernel of the meta package (the cloud kernel by default), downloaded
    (apt-get download, not installed) and unpacked (dpkg-deb -x) into ``cache``
    once, with the modules of ``group`` kept; later calls reuse it. Offline, the
    newest cached kernel of that flavour is used."""
    cache = cache or default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    resolved = _resolve_package(meta) if shutil.which("apt-cache") else None
    cached = _cached(cache, meta)
    if resolved is None:
        if cached:
            return cached[-1]
        raise UserError(f"cannot find {meta} with apt-cache (run apt-get update) "
                        f"and no kernel is cached in {cache}")
    package, version = resolved
    for kernel in cached:
        if (kernel.package, kernel.version) == (package, version) and _has_group(kernel, group):
            return kernel
    root = cache / f"{package}_{version.replace(':', '%3a')}"
    download = root / "deb"
    shutil.rmtree(root, ignore_errors=True)
    download.mkdir(parents=True)
    os.chmod(download, 0o777)  # apt's sandbox user writes here when we are root
    proc = _run(["apt-get", "download", f"{package}={version}"], cwd=download)
    debs = list(download.glob("*.deb"))
    if proc.returncode != 0 or not debs:
        raise UserError(f"apt-get download {package} failed:\n{proc.stderr.strip()}")
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root / "x")], check=True)
    debs[0].unlink()
    vmlinuz = next(iter(sorted((root / "x" / "boot").glob("vmlinuz-*"))), None)
    config = next(iter(sorted((root / "x" / "boot").glob("config-*"))), None)
    if vmlinuz is None or config is None:
        raise UserError(f"{package} holds no /boot/vmlinuz-* and config")
    for name in MODULE_GROUPS:
        if group_problem(config.read_text(), name) is None:
            keep_modules(config, root / "x" / "lib" / "modules", root / "modules", name)
    shutil.rmtree(root / "x" / "lib", ignore_errors=True)  # the other modules: not used
    vmlinux = extract_vmlinux(vmlinuz.read_bytes())
    if not has_pvh_note(vmlinux):
        raise UserError(f"{package}'s vmlinux has no PVH entry note (CONFIG_PVH)")
    (root / "vmlinux").write_bytes(vmlinux)
    (root / "kernel.txt").write_text(f"{package} {version}\n")
    return LinuxKernel(package, version, vmlinuz, root / "vmlinux", config, _kept_modules(root),
                       _kept_modules(root, "storage"))


# ------------------------------------------------------------------ modules

# What a virtio-net device on microvm's virtio-mmio transport needs of the kernel.
NET_MODULES = (("virtio_mmio", "CONFIG_VIRTIO_MMIO"), ("virtio_net", "CONFIG_VIRTIO_NET"))
# What the storage rows need: a 9P volume over virtio-9p and an ext4 disk on
# virtio-blk. ext4 asks the crypto API for "crc32c" at mount (its modinfo has it
# as a softdep only, which nothing resolves without modprobe), so crc32c_generic
# is loaded before it.
STORAGE_MODULES = (("virtio_mmio", "CONFIG_VIRTIO_MMIO"), ("virtio_blk", "CONFIG_VIRTIO_BLK"),
                   ("9pnet_virtio", "CONFIG_NET_9P_VIRTIO"), ("9p", "CONFIG_9P_FS"),
                   ("crc32c_generic", "CONFIG_CRYPTO_CRC32C"), ("ext4", "CONFIG_EXT4_FS"))
MODULE_GROUPS = {"net": NET_MODULES, "storage": STORAGE_MODULES}
ORDER_FILES = {"net": "order.txt", "storage": "order-storage.txt"}
CMDLINE_DEVICES = "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES"


def config_value(text: str, symbol: str) -> str | None:
    """``y``, ``m`` (or another value) of a kernel config symbol; None if not set."""
    m = re.search(rf"^{re.escape(symbol)}=(\S+)$", text, re.M)
    return m.group(1).strip('"') if m else None


def group_problem(config_text: str, group: str) -> str | None:
    """The first module of MODULE_GROUPS[group] the kernel config lacks, or None."""
    for name, symbol in MODULE_GROUPS[group]:
        if config_value(config_text, symbol) not in ("y", "m"):
            return f"no {name} ({symbol} is not set)"
    return None


def net_problem(kernel: LinuxKernel) -> str | None:
    """Why this kernel cannot drive a virtio-net device over virtio-mmio, or None."""
    problem = group_problem(kernel.config.read_text(), "net")
    if problem:
        return f"{kernel.package} has {problem}"
    if kernel.net_modules is None:
        return f"the cached {kernel.package} was unpacked without its modules (run online once)"
    return None


def storage_problem(kernel: LinuxKernel) -> str | None:
    """Why this kernel cannot mount a 9P volume and an ext4 disk, or None."""
    problem = group_problem(kernel.config.read_text(), "storage")
    if problem:
        return f"{kernel.package} has {problem}"
    if kernel.storage_modules is None:
        return f"the cached {kernel.package} was unpacked without its storage modules"
    return None


def needs_acpi(kernel: LinuxKernel) -> bool:
    """Without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES the kernel ignores QEMU's
    virtio_mmio.device= entries and finds the devices in the ACPI tables only."""
    return config_value(kernel.config.read_text(), CMDLINE_DEVICES) != "y"


def modinfo(ko: bytes) -> dict[str, str]:
    """The key=value strings of a module's .modinfo section."""
    from io import BytesIO

    from elftools.elf.elffile import ELFFile

    section = ELFFile(BytesIO(ko)).get_section_by_name(".modinfo")
    if section is None:
        return {}
    out: dict[str, str] = {}
    for item in section.data().split(b"\0"):
        key, sep, value = item.decode("utf-8", "replace").partition("=")
        if sep:
            out.setdefault(key, value)
    return out


def load_order(wanted: list[str], depends: dict[str, list[str]]) -> list[str]:
    """``wanted`` with everything they depend on, each after its dependencies."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise UserError(f"the kernel modules depend on each other in a cycle at {name}")
        visiting.add(name)
        for dep in depends.get(name, []):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in wanted:
        visit(name)
    return order


def _read_ko(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".xz":
        return _xz(data)
    if path.suffix == ".zst":
        return _zstd(data)
    if path.suffix == ".gz":
        return _gzip(data)
    return data


def _module_name(path: Path) -> str:
    return path.name.split(".ko")[0].replace("-", "_")


def keep_net_modules(config: Path, modules: Path, out: Path) -> list[str]:
    return keep_modules(config, modules, out, "net")


def keep_modules(config: Path, modules: Path, out: Path, group: str) -> list[str]:
    """Copies the modules MODULE_GROUPS[group] needs (those the config has as =m,
    with what they depend on, decompressed) to ``out`` as NAME.ko, with their load
    order in ORDER_FILES[group]. The package has no modules.dep (depmod writes it at
    install); each module's own .modinfo names its dependencies."""
    text = config.read_text()
    wanted = [name for name, symbol in MODULE_GROUPS[group] if config_value(text, symbol) == "m"]
    files = {_module_name(p): p for p in modules.glob("*/kernel/**/*.ko*")}
    depends: dict[str, list[str]] = {}
    data: dict[str, bytes] = {}
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name in data:
            continue
        if name not in files:
            raise UserError(f"the kernel package has no module {name}")
        data[name] = _read_ko(files[name])
        depends[name] = [d for d in modinfo(data[name]).get("depends", "").split(",") if d]
        todo += depends[name]
    order = load_order(wanted, depends)
    out.mkdir(parents=True, exist_ok=True)
    for name in order:
        (out / f"{name}.ko").write_bytes(data[name])
    (out / ORDER_FILES[group]).write_text("".join(f"{name}\n" for name in order))
    return order


# ------------------------------------------------------------------ booting

# Firecracker's default guest options (no PCI, no modules, no i8042 probing) and
# quiet: the Linux guest boots as a tuned microVM would, not a strawman.
TUNING = ("quiet", "pci=off", "nomodules", "i8042.noaux", "i8042.nomux", "i8042.nopnp",
          "i8042.dumbkbd")
PANIC_EXIT = re.compile(r"Attempted to kill init! exitcode=0x([0-9a-fA-F]+)")


def kernel_cmdline(argv_after_init: list[str], env: dict[str, str],
                   python: str = "/usr/bin/python3.11", extra: tuple[str, ...] = ()) -> str:
    """Console on ttyS0, quiet, python as init; ``key=value`` words without a dot
    become init's environment; the words after ``--`` its arguments; ``extra``:
    more kernel options."""
    for word in [*argv_after_init, *(f"{k}={v}" for k, v in env.items())]:
        if any(c.isspace() for c in word) or '"' in word:
            raise ValueError(f"cannot pass {word!r} on the kernel command line")
    words = ["console=ttyS0", *TUNING, *extra, "panic=-1", "reboot=t", f"rdinit={python}"]
    words += [f"{k}={v}" for k, v in env.items()]
    return " ".join([*words, "--", *argv_after_init])


def exit_status(console: str) -> int | None:
    """The app's exit status, from the panic that init's exit causes."""
    m = PANIC_EXIT.search(console)
    if m is None:
        return None
    code = int(m.group(1), 16)
    if code & 0x7F:
        return 128 + (code & 0x7F)  # killed by a signal
    return (code >> 8) & 0xFF
