"""Inside the guest, stdlib modules that read data files give the host's answers."""

from __future__ import annotations

import mimetypes
import subprocess
from pathlib import Path

import pytest

from tests.boot.conftest import Boot, SameAsHost


def host_python(source: str) -> str:
    return subprocess.run(["/usr/bin/python3.11", "-c", source], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def test_zoneinfo_knows_the_hosts_time_zones(same_as_host: SameAsHost) -> None:
    if not Path("/usr/share/zoneinfo/America/New_York").is_file():
        pytest.skip("no tzdata on the host")
    same_as_host("""
        import datetime, zoneinfo
        for name in ("America/New_York", "Europe/Paris", "Australia/Lord_Howe"):
            zone = zoneinfo.ZoneInfo(name)
            for month in (1, 7):
                when = datetime.datetime(2024, month, 1, 12, tzinfo=zone)
                print(name, when.utcoffset(), when.tzname(), when.dst())
        print(len(zoneinfo.available_timezones()) > 300)
    """)


def test_the_default_ssl_context_has_the_hosts_ca_certificates(same_as_host: SameAsHost) -> None:
    r = same_as_host("""
        import ssl
        print(ssl.create_default_context().cert_store_stats())
    """)
    assert "'x509_ca': 0" not in r.stdout


def test_mimetypes_knows_what_only_etc_mime_types_says(boot: Boot) -> None:
    if not Path("/etc/mime.types").is_file():
        pytest.skip("no /etc/mime.types on the host")
    builtin = mimetypes.MimeTypes()  # the module's own table, no files read
    only_in_file = sorted(ext for ext in mimetypes.MimeTypes(["/etc/mime.types"]).types_map[1]
                          if builtin.guess_type("x" + ext)[0] is None)
    assert only_in_file, "/etc/mime.types adds nothing to the built-in table"
    probe = (f"import mimetypes\nfor ext in {only_in_file[:20]!r}:\n"
             "    print(mimetypes.guess_type('x' + ext))\n")
    r = boot(probe)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == host_python(probe)
    assert not r.stdout.startswith("(None,")


def test_the_c_utf8_locale_can_be_set(same_as_host: SameAsHost) -> None:
    same_as_host("""
        import locale
        print(locale.setlocale(locale.LC_ALL, "C.UTF-8"))
        print(locale.nl_langinfo(locale.CODESET), locale.localeconv()["decimal_point"])
        print(locale.strxfrm("abc") == "abc", "\\u00e9".upper())
    """)


def test_exclude_data_leaves_zoneinfo_out(boot: Boot) -> None:
    r = boot("""
        import zoneinfo
        try:
            zoneinfo.ZoneInfo("America/New_York")
        except zoneinfo.ZoneInfoNotFoundError:
            print("not found")
    """, options=["--exclude-data", "zoneinfo"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "not found\n"
