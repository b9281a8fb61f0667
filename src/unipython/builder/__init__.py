"""The image builder: a library; the CLI only parses arguments and calls it."""

from unipython.builder.build import DEFAULT_PYTHON, BuildResult, build
from unipython.builder.inspect import ImageInfo, inspect_image, print_image_info
from unipython.builder.manifest import FileEntry

__all__ = [
    "DEFAULT_PYTHON",
    "BuildResult",
    "FileEntry",
    "ImageInfo",
    "build",
    "inspect_image",
    "print_image_info",
]
