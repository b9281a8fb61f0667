"""Data files the stdlib reads at run time: what each module opens, and why.

The import scan finds code, never the files a module opens: without these the guest
answers differently from the host (``ZoneInfo("America/New_York")`` not found, an SSL
context with no CA certificates, ``mimetypes`` without ``/etc/mime.types``, no
``C.UTF-8`` locale). Each entry below goes in only when one of its modules is in the
app's closure; ``--exclude-data NAME`` (or ``all``) leaves it out. Where the files are
is asked of the target interpreter (target_probe.py ``data``: its TZPATH, OpenSSL's
default verify paths, ``mimetypes.knownfiles``...); paths absent on the host are
skipped.

Looked at and left out, with the reason:
  gettext    reads ``<localedir>/<lang>/LC_MESSAGES/<domain>.mo``; the domains are the
             app's, the stdlib ships no catalogue (add the app's with --add)
  netrc      reads ``~/.netrc``, the user's file, not the host's
  pydoc_data a module (topics.py), found by the import scan
  socket     ``/etc/services``, ``/etc/protocols``, ``/etc/hosts``: see etc.py
  pwd, grp   ``/etc/passwd``, ``/etc/group``: generated, see etc.py
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from unipython.builder.plan import Plan
from unipython.builder.trees import add_tree
from unipython.errors import UserError


@dataclass(frozen=True)
class StdlibData:
    name: str  # the key in the probe's answer, and for --exclude-data
    modules: tuple[str, ...]  # any of them in the closure brings the data in
    why: str


DATA = (
    StdlibData("zoneinfo", ("zoneinfo",),
               "the IANA time zone database zoneinfo.ZoneInfo reads (its TZPATH)"),
    StdlibData("ssl", ("_ssl",),
               "the CA certificates ssl.create_default_context() loads "
               "(ssl.get_default_verify_paths())"),
    StdlibData("openssl", ("_ssl", "_hashlib"),
               "OpenSSL's configuration (security level, providers), read as it starts"),
    StdlibData("mimetypes", ("mimetypes",), "the types mimetypes reads (mimetypes.knownfiles)"),
    StdlibData("locale", ("locale",),
               "glibc's C.UTF-8 locale, for locale.setlocale() and LC_CTYPE coercion"),
    StdlibData("platform", ("platform",), "platform.freedesktop_os_release() reads it"),
    StdlibData("sysconfig", ("sysconfig",),
               "sysconfig.get_makefile_filename() and get_config_h_filename() name them"),
    StdlibData("lib2to3", ("lib2to3.pygram",), "the grammars lib2to3 parses with"),
    StdlibData("ensurepip", ("ensurepip",), "the wheels ensurepip installs (WHEEL_PKG_DIR)"),
    StdlibData("readline", ("readline",), "GNU readline's key bindings, read as it starts"),
    StdlibData("curses", ("_curses",), "the terminfo database curses.setupterm() reads"),
    StdlibData("mailcap", ("mailcap",), "the mailcap files mailcap.getcaps() reads"),
)
NAMES = tuple(d.name for d in DATA)


def check_exclude_data(names: Sequence[str]) -> frozenset[str]:
    """The --exclude-data names as a set, ``all`` expanded; UserError for unknown ones."""
    out: set[str] = set()
    for name in names:
        if name == "all":
            out.update(NAMES)
        elif name in NAMES:
            out.add(name)
        else:
            raise UserError(f"--exclude-data {name!r}: not one of {', '.join(NAMES)}, all")
    return frozenset(out)


def wanted_data(closure: Collection[str],
                exclude: Collection[str] = ()) -> list[tuple[StdlibData, str]]:
    """The entries of DATA that the closure (module names) needs, with the module
    that brings each in."""
    out = []
    for data in DATA:
        user = next((m for m in data.modules if m in closure), None)
        if user is not None and data.name not in exclude:
            out.append((data, user))
    return out


def add_stdlib_data(plan: Plan, closure: Collection[str], paths: Mapping[str, Sequence[str]],
                    exclude: Collection[str] = (), tree_exclude: Sequence[str] = ()) -> list[str]:
    """Add the data files that the modules in ``closure`` read; ``paths`` is the
    target's answer (name -> host paths). Returns the names of the entries added."""
    added = []
    for data, user in wanted_data(closure, exclude):
        reason = f"data of {user}: {data.why}"
        found = False
        for path in paths.get(data.name, ()):
            path = posixpath.normpath(path)
            host = plan.root / path.lstrip("/")
            if host.is_dir():
                add_tree(plan, path, reason, tree_exclude)
                found = True
            elif host.is_file():
                plan.add_host_file(path, reason)
                found = True
        if found:
            added.append(data.name)
    return added
