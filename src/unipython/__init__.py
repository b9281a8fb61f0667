"""unipython: turn a Python application into a bootable unikernel image."""

__version__ = "0.1.0"
