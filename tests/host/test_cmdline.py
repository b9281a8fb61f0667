"""The key=value token syntax of the kernel command line and /.unipython/config."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unipython.cmdline import (
    BootConfig,
    decode_value,
    encode_value,
    format_tokens,
    parse_tokens,
)


def test_percent_space_and_non_ascii_bytes_are_encoded() -> None:
    assert encode_value("a b") == "a%20b"
    assert encode_value("100%") == "100%25"
    assert encode_value("é") == "%C3%A9"
    assert encode_value("tab\tnl\n") == "tab%09nl%0A"


def test_equals_sign_and_printable_ascii_stay_as_they_are() -> None:
    assert encode_value("PATH=/usr/bin:/bin") == "PATH=/usr/bin:/bin"
    assert encode_value("~!@#$^&*()[]{}<>?'\"") == "~!@#$^&*()[]{}<>?'\""


@given(st.text())
def test_encoding_round_trips(value: str) -> None:
    encoded = encode_value(value)
    assert " " not in encoded and all(0x21 <= ord(c) < 0x7F for c in encoded)
    assert decode_value(encoded) == value


@given(st.lists(st.tuples(st.sampled_from(["arg", "env", "exec"]), st.text())))
def test_tokens_round_trip(tokens: list[tuple[str, str]]) -> None:
    assert parse_tokens(format_tokens(tokens)) == tokens


def test_boot_config_has_the_documented_shape() -> None:
    config = BootConfig(
        "/usr/bin/python3.11", ["/usr/bin/python3.11", "/app/hello.py"],
        {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "GREETING": "hi there"},
        "/app", ["/app", "/root"],
    )
    assert config.render() == (
        "exec=/usr/bin/python3.11 arg=/usr/bin/python3.11 arg=/app/hello.py "
        "env=PATH=/usr/local/bin:/usr/bin:/bin env=HOME=/root env=GREETING=hi%20there cwd=/app "
        "writable=/app writable=/root"
    )
    assert BootConfig.parse(config.render()) == config
