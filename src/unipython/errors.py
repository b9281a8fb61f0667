"""Errors that are the user's to fix."""


class UserError(Exception):
    """A mistake of the user (a missing file, a bad option, a broken image).

    The CLI shows it as one line, ``unipython: error: MESSAGE``, without a
    traceback. Anything else that escapes is a bug in unipython.
    """
