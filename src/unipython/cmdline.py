"""The key=value token syntax shared by the kernel command line and /.unipython/config.

Tokens are separated by single spaces. A token is ``key=value``; the kernel splits at
the first ``=``, so ``=`` inside a value needs no escaping. Values are UTF-8 encoded,
then every byte that is ``%``, a space or outside printable ASCII becomes ``%XX``.
See kernel/abi/host.h.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONFIG_PATH = "/.unipython/config"  # UPY_CONFIG_PATH in kernel/abi/host.h

_PLAIN = frozenset(range(0x21, 0x7F)) - {ord("%")}


def encode_value(value: str) -> str:
    """Percent-encode ``value`` for use in a token."""
    return "".join(chr(b) if b in _PLAIN else f"%{b:02X}" for b in value.encode("utf-8"))


def decode_value(text: str) -> str:
    """Undo :func:`encode_value`. Raises ValueError on a malformed escape."""
    out = bytearray()
    raw = text.encode("ascii")
    i = 0
    while i < len(raw):
        if raw[i] == ord("%"):
            digits = raw[i + 1 : i + 3]
            if len(digits) != 2 or not all(chr(d) in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(f"bad percent escape in {text!r}")
            out.append(int(digits, 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8")


def check_key(key: str) -> None:
    """Keys are plain identifiers: no ``=``, no space, printable ASCII only."""
    if not key or "=" in key or any(ord(c) not in _PLAIN for c in key):
        raise ValueError(f"bad token key {key!r}")


def format_tokens(tokens: Iterable[tuple[str, str]]) -> str:
    """Join ``(key, value)`` pairs into one line (no trailing newline)."""
    parts = []
    for key, value in tokens:
        check_key(key)
        parts.append(f"{key}={encode_value(value)}")
    return " ".join(parts)


def parse_tokens(text: str) -> list[tuple[str, str]]:
    """Split a line of tokens into decoded ``(key, value)`` pairs."""
    pairs = []
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep:
            raise ValueError(f"token without '=': {token!r}")
        pairs.append((key, decode_value(value)))
    return pairs


DEFAULT_ENV: Mapping[str, str] = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"}


@dataclass
class BootConfig:
    """What the kernel runs: ``exec`` with ``argv``, in ``cwd``, with ``env``; and
    the image's directories it makes ``writable`` (in RAM, seeded with their contents)."""

    exec: str
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ENV))
    cwd: str = "/"
    writable: list[str] = field(default_factory=list)

    def tokens(self) -> list[tuple[str, str]]:
        tokens = [("exec", self.exec)]
        tokens += [("arg", a) for a in self.argv]
        tokens += [("env", f"{k}={v}") for k, v in self.env.items()]
        tokens.append(("cwd", self.cwd))
        tokens += [("writable", w) for w in self.writable]
        return tokens

    def render(self) -> str:
        """The text of /.unipython/config."""
        return format_tokens(self.tokens())

    @classmethod
    def parse(cls, text: str) -> BootConfig:
        """Read back a config written by :meth:`render`."""
        config = cls(exec="", argv=[], env={})
        argv: list[str] = []
        writable: list[str] = []
        for key, value in parse_tokens(text):
            if key == "exec":
                config.exec = value
            elif key == "arg":
                argv.append(value)
            elif key == "env":
                name, _, val = value.partition("=")
                config.env[name] = val
            elif key == "cwd":
                config.cwd = value
            elif key == "writable":
                writable.append(value)
        config.argv = argv
        config.writable = writable
        return config
