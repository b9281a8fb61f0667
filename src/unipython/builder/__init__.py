"""The image builder: a library; the CLI only parses arguments and calls it."""

from unipython.builder.build import DEFAULT_PYTHON, AppPlan, BuildResult, build, plan_app
from unipython.builder.inspect import ImageInfo, inspect_image, print_image_info
from unipython.builder.manifest import FileEntry

__all__ = [
    "DEFAULT_PYTHON",
    "AppPlan",
    "BuildResult",
    "FileEntry",
    "ImageInfo",
    "build",
    "inspect_image",
    "plan_app",
    "print_image_info",
]
