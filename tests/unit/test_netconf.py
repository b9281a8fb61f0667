"""The net= token of the kernel command line (net/netconf.c): what the runner writes
(src/unipython/netconf.py) parses back, and malformed values are refused."""

from __future__ import annotations

import ctypes
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unipython.netconf import Network


class NetConfig(ctypes.Structure):
    _fields_ = [("present", ctypes.c_bool), ("dhcp", ctypes.c_bool),
                ("addr", ctypes.c_uint8 * 4),
                ("prefixlen", ctypes.c_uint8), ("has_gateway", ctypes.c_bool),
                ("gateway", ctypes.c_uint8 * 4), ("n_dns", ctypes.c_int),
                ("dns", (ctypes.c_uint8 * 4) * 3)]


def parse(klib: ctypes.CDLL, cmdline: str) -> NetConfig | str:
    c = NetConfig()
    why = ctypes.c_char_p()
    raw = cmdline.encode()
    fn = klib.net_config_parse
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p)]
    if fn(raw, len(raw), ctypes.byref(c), ctypes.byref(why)) < 0:
        return (why.value or b"").decode()
    return c


def ip(b: ctypes.Array) -> str:  # type: ignore[type-arg]
    return str(ipaddress.IPv4Address(bytes(b)))


def test_the_runners_token_for_user_networking_parses_back(klib: ctypes.CDLL) -> None:
    net = Network()
    c = parse(klib, f"arg=a net={net.kernel_value()} virtio_mmio.device=512@0xfeb00000:12")
    assert isinstance(c, NetConfig) and c.present
    assert (ip(c.addr), c.prefixlen, c.has_gateway, ip(c.gateway)) == \
        ("10.0.2.15", 24, True, "10.0.2.2")
    assert c.n_dns == 1 and ip(c.dns[0]) == "10.0.2.3"


def test_dhcp_with_and_without_a_name_server_of_the_users(klib: ctypes.CDLL) -> None:
    c = parse(klib, f"net={Network(dhcp=True).kernel_value()}")
    assert isinstance(c, NetConfig) and c.present and c.dhcp and c.n_dns == 0
    assert bytes(c.addr) == bytes(4)
    c = parse(klib, f"net={Network(dhcp=True, tap='t0', dns='192.0.2.53').kernel_value()}")
    assert isinstance(c, NetConfig) and c.dhcp and c.n_dns == 1 and ip(c.dns[0]) == "192.0.2.53"
    assert "gw=" in str(parse(klib, "net=dhcp,gw=10.0.0.1"))


def test_no_net_token_means_no_configuration(klib: ctypes.CDLL) -> None:
    c = parse(klib, "arg=net=1.2.3.4/8 env=net=x")
    assert isinstance(c, NetConfig) and not c.present


def test_address_only_and_several_name_servers(klib: ctypes.CDLL) -> None:
    c = parse(klib, "net=192.168.1.7/16,dns=1.1.1.1,dns=9.9.9.9")
    assert isinstance(c, NetConfig)
    assert (ip(c.addr), c.prefixlen, c.has_gateway, c.n_dns) == ("192.168.1.7", 16, False, 2)
    assert ip(c.dns[1]) == "9.9.9.9"


@pytest.mark.parametrize("value", [
    "", "10.0.2.15", "10.0.2.15/", "10.0.2.15/33", "10.0.2.15/2a", "10.0.2/24",
    "10.0.2.256/24", "10.0.02.15/24", "10.0.2.15.1/24", "10.0.2.15/24,", "10.0.2.15/24,gw=",
    "10.0.2.15/24,gw=1.2.3.4,gw=1.2.3.4", "10.0.2.15/24,mtu=9000",
    "10.0.2.15/24,dns=1.1.1.1,dns=1.1.1.2,dns=1.1.1.3,dns=1.1.1.4", "gw=10.0.2.2",
])
def test_malformed_values_are_refused(klib: ctypes.CDLL, value: str) -> None:
    assert isinstance(parse(klib, f"net={value}"), str)


def test_net_given_twice_is_refused(klib: ctypes.CDLL) -> None:
    assert parse(klib, "net=10.0.2.15/24 net=10.0.2.16/24") == "net= given twice"


@given(st.ip_addresses(v=4), st.integers(0, 32), st.ip_addresses(v=4))
def test_any_address_prefix_and_gateway_round_trip(klib: ctypes.CDLL, a: ipaddress.IPv4Address,
                                                   prefix: int, gw: ipaddress.IPv4Address) -> None:
    c = parse(klib, f"net={a}/{prefix},gw={gw}")
    assert isinstance(c, NetConfig)
    assert (ip(c.addr), c.prefixlen, ip(c.gateway)) == (str(a), prefix, str(gw))


@given(st.text(alphabet="0123456789./,=gwdns", max_size=40))
def test_the_dotted_quad_parser_agrees_with_python_on_strict_forms(klib: ctypes.CDLL,
                                                                    text: str) -> None:
    out = (ctypes.c_uint8 * 4)()
    fn = klib.net_parse_ipv4
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p]
    rc = fn(text.encode(), len(text), out)
    try:
        expect = str(ipaddress.IPv4Address(text))  # strict: no leading zeros
    except ValueError:
        expect = None
    assert (ip(out) if rc == 0 else None) == expect
