"""Errors that are the user's to fix, and how they show file names."""

from __future__ import annotations

import os
from pathlib import PurePath


class UserError(Exception):
    """A mistake of the user (a missing file, a bad option, a broken image).

    The CLI shows it as one line, ``unipython: error: MESSAGE``, without a
    traceback. Anything else that escapes is a bug in unipython.
    """


def printable(name: str | PurePath) -> str:
    """A file name as a person can read it, also when it is not UTF-8: Python keeps
    such bytes as lone surrogates (b'\\xff' is '\\udcff'), which cannot be encoded
    for a terminal or JSON; they show as ``\\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def is_utf8(name: str | PurePath) -> bool:
    """Whether a name (as Python decodes file names) is valid UTF-8 on disk."""
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
