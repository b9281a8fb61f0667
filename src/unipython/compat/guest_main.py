"""Runs CPython's regression tests in-process and prints their junit XML between markers.

Runs under the target interpreter, inside a unipython image (as the app) and on the
host alike, never imported by unipython: ``python3.11 guest_main.py REGRTEST-ARGS...``
is ``python3.11 -m test --junit-xml FILE REGRTEST-ARGS...`` (no -j: regrtest runs the
tests in this process and never forks) followed by FILE printed to stdout between the
BEGIN and END lines below. The exit status is regrtest's.
"""

import os
import runpy
import sys
import tempfile

BEGIN = "=====BEGIN UNIPYTHON COMPAT JUNIT XML====="
END = "=====END UNIPYTHON COMPAT JUNIT XML====="


def main() -> int:
    xml_path = os.path.join(tempfile.gettempdir(), f"unipython-compat-{os.getpid()}.xml")
    sys.argv[1:] = ["--junit-xml", xml_path, *sys.argv[1:]]
    status: object = 0
    try:
        runpy.run_module("test", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        status = exc.code
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with open(xml_path, encoding="utf-8") as f:
            xml = f.read()
        os.unlink(xml_path)
    except OSError as exc:
        print(f"unipython compat: no junit XML: {exc}", file=sys.stderr)
        xml = None
    if xml is not None:
        out = sys.__stdout__ or sys.stdout
        out.write(f"\n{BEGIN}\n{xml}\n{END}\n")
        out.flush()
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
