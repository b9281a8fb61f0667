"""The options that say what goes into an image, shared by `build` and `run APP.py`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from unipython.builder.added import parse_add


def add_content_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--add", metavar="HOST[:GUEST]", action="append", default=[],
                   help="put a data file or directory into the image (read-only), at GUEST: "
                   "absolute or relative to the app's directory, which is the app's "
                   "working directory (default: its name there) (repeatable)")
    p.add_argument("--include-module", metavar="NAME", action="append", default=[],
                   help="also include module NAME and what it imports (for dynamic imports)")
    p.add_argument("--path", metavar="DIR", action="append", default=[],
                   help="a directory of third-party packages (e.g. a venv's site-packages): "
                   "searched for imports after the app's directory, and put on the "
                   "image's PYTHONPATH; each package used goes in whole (repeatable)")
    p.add_argument("--exclude-data", metavar="NAME", action="append", default=[],
                   help="leave out the data files that stdlib module NAME reads (zoneinfo, "
                   "ssl, openssl, mimetypes, locale, ...; 'all' for every one), which go in "
                   "when the module is in the app's closure (repeatable)")
    p.add_argument("--keep-tests", action="store_true",
                   help="keep the tests directories of the --path packages (left out by "
                   "default), and follow their imports of test tools, so that a "
                   "package's own test suite can run inside (e.g. pytest --pyargs PKG)")
    p.add_argument("--observe", action="store_true",
                   help="run the app once on the host (with no arguments, for at most 60 s) "
                   "and record what it imports and opens; inspect compares that with the "
                   "image")


def content_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of builder.build for the options above."""
    return {
        "include_modules": args.include_module,
        "extra_paths": [Path(p) for p in args.path],
        "add": [parse_add(spec) for spec in args.add],
        "exclude_data": args.exclude_data,
        "observe": args.observe,
        "keep_tests": args.keep_tests,
    }


def given(args: argparse.Namespace) -> list[str]:
    """The content options given on the command line, as the user wrote them."""
    return [name for name, value in (("--add", args.add), ("--include-module",
            args.include_module), ("--path", args.path),
            ("--exclude-data", args.exclude_data), ("--observe", args.observe),
            ("--keep-tests", args.keep_tests)) if value]
