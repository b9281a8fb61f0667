"""The memory budget of issue 11: `import pandas, numpy` (an image of about 136 MiB) runs
in -m 96M when the guest reads its root file system from the image as a block device
(--rootfs=blk). Minutes long: a venv with pandas from the local package index, a build
and a TCG boot."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.boot.conftest import BOOT_TIMEOUT, unipython

INDEX = Path("/opt/pypi/simple")
APP = """
import numpy, pandas
frame = pandas.DataFrame({"x": numpy.arange(1000)})
print("sum", int(frame["x"].sum()))
"""


@pytest.mark.long
@pytest.mark.skipif(not (INDEX / "pandas").is_dir(), reason="no local index with pandas")
def test_import_pandas_runs_in_96_mib_from_the_block_device(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3.11", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", "--index-url",
                    INDEX.as_uri(), "pandas"], check=True)
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(APP))
    image = tmp_path / "app.img"
    site = venv / "lib/python3.11/site-packages"
    r = unipython("build", "--rootfs-outside", "--path", str(site), str(app), "-o", str(image))
    assert r.returncode == 0, r.stderr
    assert image.stat().st_size > 96 << 20  # larger than the guest's RAM
    r = unipython("run", "--rootfs=blk", "-m", "96M", "--timeout", str(BOOT_TIMEOUT),
                  str(image))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "sum 499500\n"
