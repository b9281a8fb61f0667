"""inspect: what is inside an image, and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from unipython.builder.image import Image
from unipython.builder.manifest import MANIFEST_PATH, FileEntry, load_manifest
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
    return ImageInfo(path, image.kernel_size, fs.size, image.total_size, files, config)


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
    console.print(f"rootfs: {format_size(info.rootfs_size)} ({info.rootfs_size} bytes)")
    console.print(f"kernel: {format_size(info.kernel_size)} ({info.kernel_size} bytes)")
    console.print(f"total:  {format_size(info.total_size)} ({info.total_size} bytes)")
    if info.config is not None:
        console.print(f"runs:   {' '.join(info.config.argv)}  (cwd {info.config.cwd})",
                      highlight=False)
