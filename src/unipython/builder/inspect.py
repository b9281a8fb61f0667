"""inspect: what is inside an image, and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from unipython.builder.image import Image
from unipython.builder.manifest import MANIFEST_PATH, FileEntry, load_manifest
from unipython.builder.observe import OBSERVED_PATH
from unipython.builder.observed_report import ClosureReport, compare, load_observed
from unipython.cmdline import CONFIG_PATH, BootConfig
from unipython.errors import UserError


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    kernel_size: int  # bytes before the rootfs region (kernel ELF + padding)
    rootfs_size: int
    total_size: int
    files: list[FileEntry]  # files and symlinks, and the directories the manifest names
    config: BootConfig | None
    observed: ClosureReport | None = None  # built with --observe
    checksum: str = ""  # SHA-256 of the image but its footer (hex), checked on reading
    rootfs_loaded: bool = True  # a PT_LOAD that -kernel copies into RAM; else --rootfs-outside


def inspect_image(path: Path) -> ImageInfo:
    """Read and validate the image at ``path``. Raises UserError if it is not one."""
    image = Image.open(path)
    fs = image.rootfs
    reasons: dict[str, str] = {}
    try:
        reasons = {e.path: e.reason for e in load_manifest(fs.read(MANIFEST_PATH))}
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise UserError(f"{path}: unreadable manifest: {exc}") from None
    reasons.setdefault(MANIFEST_PATH, "this manifest")

    files = []
    for guest, node in fs.walk():
        if node.is_dir and guest not in reasons:
            continue
        reason = reasons.get(guest, "(not in the manifest)")
        if node.is_symlink:
            target = fs.data(node).decode("utf-8", "surrogateescape")
            files.append(FileEntry(guest, "symlink", node.size, reason, target))
        else:
            files.append(FileEntry(guest, "dir" if node.is_dir else "file", node.size, reason))
    files.sort(key=lambda e: e.path)

    config = None
    try:
        config = BootConfig.parse(fs.read(CONFIG_PATH).decode("ascii"))
    except (FileNotFoundError, ValueError):
        pass
    observed = None
    try:
        observed = compare(files, load_observed(fs.read(OBSERVED_PATH)))
    except (FileNotFoundError, ValueError):
        pass
    return ImageInfo(path, image.kernel_size, fs.size, image.total_size, files, config,
                     observed, image.checksum, image.rootfs_loaded)


def format_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def print_image_info(info: ImageInfo, console: Console | None = None) -> None:
    """A table of every entry with its size and reason, then the totals."""
    if console is None:
        console = Console()
        if not console.is_terminal:
            console.width = max(console.width, 160)  # piped: do not fold paths
    table = Table(title=str(info.path), title_justify="left")
    table.add_column("path", overflow="fold")
    table.add_column("size", justify="right")
    table.add_column("why")
    for entry in info.files:
        name = entry.path
        if entry.kind == "symlink":
            name = f"{entry.path} -> {entry.target}"
        elif entry.kind == "dir":
            name = entry.path + "/"
        size = format_size(entry.size) if entry.kind == "file" else ""
        table.add_row(name, size, entry.reason)
    console.print(table)
    count = sum(1 for e in info.files if e.kind == "file")
    file_bytes = sum(e.size for e in info.files if e.kind == "file")
    console.print(f"files:  {count}, {format_size(file_bytes)} ({file_bytes} bytes)")
    where = ("loaded into RAM with the kernel" if info.rootfs_loaded else
             "outside the loaded segments: run --rootfs=blk|ram (built --rootfs-outside)")
    console.print(f"rootfs: {format_size(info.rootfs_size)} ({info.rootfs_size} bytes), "
                  f"{where}")
    console.print(f"kernel: {format_size(info.kernel_size)} ({info.kernel_size} bytes)")
    console.print(f"total:  {format_size(info.total_size)} ({info.total_size} bytes)")
    console.print(f"sha256: {info.checksum} (all but the last 64 bytes: verified)",
                  highlight=False)
    if info.config is not None:
        console.print(f"runs:   {' '.join(info.config.argv)}  (cwd {info.config.cwd})",
                      highlight=False)
    if info.observed is not None:
        print_closure_report(info.observed, console)


def print_closure_report(report: ClosureReport, console: Console) -> None:
    """The static closure against the --observe run on the host."""
    how = ("stopped after its time" if report.timed_out
           else f"exit status {report.returncode}")
    console.print(f"static closure: {report.static_count} module files, "
                  f"{format_size(report.static_bytes)}", highlight=False)
    console.print(f"observed:       {report.imported_count} of them imported by the run on "
                  f"the host ({how}), {format_size(report.imported_bytes)}", highlight=False)
    if report.unused_by_top:
        table = Table(title="in the image, never imported by that run (largest first)",
                      title_justify="left")
        table.add_column("package", overflow="fold")
        table.add_column("files", justify="right")
        table.add_column("size", justify="right")
        for top, count, size in report.unused_by_top[:15]:
            table.add_row(top, str(count), format_size(size))
        console.print(table)
    if report.missing_modules:
        console.print("imported on the host, not in the image (--include-module them): "
                      + ", ".join(report.missing_modules), highlight=False)
    if report.missing_files:
        console.print("opened on the host, not in the image (data to --add, or files the "
                      "app made): " + ", ".join(report.missing_files[:20]), highlight=False)
