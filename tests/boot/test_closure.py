"""What the import scan cannot see but the app needs: directory mtimes, entry points,
the imports of packages that go in whole."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.boot.conftest import Boot

STAT_DIRS = """
import json, os, sys, zipfile
directories = [os.path.dirname(json.__file__), os.path.dirname(os.__file__)] + sys.argv[1:]
print([int(os.stat(d).st_mtime) for d in directories])
print([zipfile.ZipInfo.from_file(d).date_time for d in directories])
"""


def test_directories_have_their_host_mtimes_and_zip_takes_them(boot: Boot, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    os.utime(site / "pkg", (1_500_000_000, 1_500_000_000))
    host = subprocess.run(["/usr/bin/python3.11", "-c", STAT_DIRS, str(site / "pkg")],
                          capture_output=True, text=True, check=True, timeout=60,
                          env={**os.environ, "TZ": "UTC"})
    r = boot("import pkg\n" + STAT_DIRS, args=["/.unipython/path/0/pkg"],
             options=["--path", str(site)], env={"TZ": "UTC"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == host.stdout
    assert json.loads(r.stdout.splitlines()[0])[-1] == 1_500_000_000
