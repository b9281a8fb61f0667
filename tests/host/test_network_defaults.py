"""`unipython build`'s network options: stored in the image, run's defaults, replaced by
run's own, shown by inspect, and refused early when run would refuse them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from unipython.builder.build import BuildResult
from unipython.builder.image import Image
from unipython.errors import UserError
from unipython.netconf import DEFAULTS_PATH, NetworkDefaults, parse_publish
from unipython.runcmd import network_defaults

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]
SOCKET_APP = {"srv.py": "import socket\nprint(socket.gethostname())\n"}


def test_defaults_are_stored_and_read_back(make_app: AppMaker, build_app: Builder) -> None:
    d = NetworkDefaults(net="tap:t0", ip="192.168.9.2/24", gateway="192.168.9.1",
                        dns="192.168.9.53", publish=("8080:8000",))
    result = build_app(make_app(SOCKET_APP), network=d)
    img = Image.open(result.output)
    assert network_defaults(img, result.output) == d
    assert {f.path: f.reason for f in result.files}[DEFAULTS_PATH].startswith("generated")


def test_no_options_store_nothing(make_app: AppMaker, build_app: Builder) -> None:
    result = build_app(make_app(SOCKET_APP), network=NetworkDefaults())
    with pytest.raises(FileNotFoundError):
        Image.open(result.output).rootfs.read(DEFAULTS_PATH)
    assert network_defaults(Image.open(result.output), result.output).is_empty()


def test_an_app_without_sockets_cannot_have_them(make_app: AppMaker,
                                                 build_app: Builder) -> None:
    with pytest.raises(UserError, match="uses no sockets"):
        build_app(make_app({"a.py": "print(1)\n"}), network=NetworkDefaults(publish=("1:2",)))


@pytest.mark.parametrize("d, message", [
    (NetworkDefaults(net="wifi"), "bad --net"),
    (NetworkDefaults(net="tap:t0"), "needs --ip"),
    (NetworkDefaults(ip="10.0.0.2/24"), "go with --net tap"),
    (NetworkDefaults(net="user", ip="dhcp", dns="1.1.1.1"), "go with --net tap"),
    (NetworkDefaults(publish=("80",)), "bad -p"),
])
def test_what_run_would_refuse_is_refused_at_build(d: NetworkDefaults, message: str) -> None:
    with pytest.raises(UserError, match=message):
        d.check()


def test_runs_options_replace_the_images() -> None:
    d = NetworkDefaults(net="tap:t0", ip="192.168.9.2/24", gateway="192.168.9.1",
                        publish=("8080:8000",))
    # Nothing given at run: the image's.
    assert d.under("auto", None, None, None, ()) == (
        "tap:t0", "192.168.9.2/24", "192.168.9.1", None, (parse_publish("8080:8000"),))
    # One option given: it replaces its own only.
    assert d.under("auto", "192.168.9.7/24", None, None, ())[1:3] == (
        "192.168.9.7/24", "192.168.9.1")
    # --net given: the whole network is run's.
    assert d.under("user", None, None, None, ()) == ("user", None, None, None, ())
    fwd = parse_publish("9000:9000/udp")
    assert d.under("auto", None, None, None, [fwd])[4] == (fwd,)


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"net": 1, "ip": null, "gateway": null, '
                                 b'"dns": null, "publish": []}', b'{"net": "auto"}'])
def test_a_damaged_defaults_file_is_a_clear_error(raw: bytes) -> None:
    with pytest.raises(UserError, match="unreadable network defaults"):
        NetworkDefaults.from_json(raw, "x.img")


def test_options_spell_what_run_takes() -> None:
    d = NetworkDefaults(net="tap:t0", ip="dhcp", dns="10.0.0.53", publish=("1:2", "3:4/udp"))
    assert d.options() == ["--net", "tap:t0", "--ip", "dhcp", "--dns", "10.0.0.53", "-p", "1:2",
                           "-p", "3:4/udp"]
    assert NetworkDefaults.from_json(d.to_json(), "x") == d
