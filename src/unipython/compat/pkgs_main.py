"""Runs a package's pytest suite in-process and prints its junit XML between markers.

Runs under the target interpreter, inside a unipython image (as the app) and on the
host alike, never imported by unipython: ``python3.11 pkgs_main.py PYTEST-ARGS...`` is
``pytest -p no:cacheprovider --junitxml FILE PYTEST-ARGS...`` followed by FILE printed
to stdout between the BEGIN and END lines of junit.py. The exit status is pytest's.
Leading ``--leave-out=PKG/PATH.py[::NAME]`` arguments deselect those tests wherever the
package is installed (pytest's own --deselect wants ids relative to its rootdir).
"""

import os
import sys
import tempfile
from typing import Any

BEGIN = "=====BEGIN UNIPYTHON COMPAT JUNIT XML====="
END = "=====END UNIPYTHON COMPAT JUNIT XML====="


class LeaveOut:
    """A pytest plugin that deselects the tests given as package-relative ids."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    def matches(self, item: Any) -> bool:
        # The test file's absolute path and the test's name in it: pytest's own ids
        # are relative to a rootdir that depends on the arguments.
        name = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else ""
        path = str(item.path) + ("::" + name if name else "")
        return any(path.endswith("/" + i) or ("/" + i + "::") in path or
                   ("/" + i + "[") in path for i in self.ids)

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        out = [item for item in items if self.matches(item)]
        if out:
            config.hook.pytest_deselected(items=out)
            items[:] = [item for item in items if not self.matches(item)]


def main() -> int:
    import pytest

    args = sys.argv[1:]
    ids = [a.split("=", 1)[1] for a in args if a.startswith("--leave-out=")]
    args = [a for a in args if not a.startswith("--leave-out=")]
    xml_path = os.path.join(tempfile.gettempdir(), f"unipython-pkgs-{os.getpid()}.xml")
    status = int(pytest.main(["-p", "no:cacheprovider", "--junitxml", xml_path, *args],
                             plugins=[LeaveOut(ids)]))
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with open(xml_path, encoding="utf-8") as f:
            xml = f.read()
        os.unlink(xml_path)
    except OSError as exc:
        print(f"unipython compat: no junit XML: {exc}", file=sys.stderr)
        return status or 1
    out = sys.__stdout__ or sys.stdout
    out.write(f"\n{BEGIN}\n{xml}\n{END}\n")
    out.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
