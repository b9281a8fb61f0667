"""The tiers of CPython regression tests that measure unipython's compatibility.

A tier is a list of names; ``name`` stands for the module ``test.test_<name>``.
"""

from __future__ import annotations

from collections.abc import Iterable

TIERS: dict[str, tuple[str, ...]] = {
    "core": (
        "builtin", "dict", "list", "unicode", "json", "re", "math", "struct", "random",
        "pickle", "decimal", "csv", "email", "zlib", "hashlib", "sys", "int", "float",
        "long", "set", "tuple", "bytes", "string", "fstring", "exceptions", "collections",
        "itertools", "functools", "enum", "dataclasses", "typing", "contextlib",
        "generators", "coroutines", "statistics", "base64", "binascii", "codecs",
        "operator", "bisect", "heapq", "class", "scope", "grammar", "syntax", "format",
        "bool", "sort", "textwrap", "difflib", "inspect", "traceback", "weakref", "gc",
        "importlib", "import", "zipimport",
    ),
    "files": (
        "fileio", "os", "posix", "tempfile", "shutil", "pathlib", "glob", "stat", "file",
        "fcntl", "time", "datetime", "zoneinfo", "calendar", "io",
    ),
    "threads": ("thread", "threading", "queue", "signal"),
    # Sockets over loopback, event loops, and the stdlib's clients and servers.
    "net": (
        "select", "selectors", "poll", "epoll", "asyncio", "ssl", "httplib",
        "httpservers", "urllib2", "urllib2_localnet", "xmlrpc", "docxmlrpc", "wsgiref",
        "smtplib", "poplib", "imaplib", "ftplib", "telnetlib", "logging",
    ),
}


def module_name(name: str) -> str:
    """``"bool"`` or ``"test_bool"`` -> ``"test_bool"``."""
    return name if name.startswith("test_") else f"test_{name}"


def tier_modules(tier: str) -> list[str]:
    return [module_name(n) for n in TIERS[tier]]


# The name that stands for every module of the test suite (its list comes from the
# tested Python's regrtest: run.whole_suite).
ALL = "all"


def expand(names: Iterable[str], whole_suite: Iterable[str] = ()) -> list[str]:
    """Tier names and module names -> test module names, in order, without repeats.

    ``all`` stands for ``whole_suite``. Any name that is not a tier is taken as a module
    (``test_`` is added if missing); whether it exists is for regrtest to say.
    """
    out: list[str] = []
    for name in names:
        if name == ALL:
            modules = list(whole_suite)
        elif name in TIERS:
            modules = tier_modules(name)
        else:
            modules = [module_name(name)]
        for module in modules:
            if module not in out:
                out.append(module)
    return out
