"""--observe: the app's run on the host, recorded and compared with the static closure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from unipython.builder import BuildResult
from unipython.builder.inspect import inspect_image
from unipython.builder.observe import observe_app, parse_record

AppMaker = Callable[..., Path]
Builder = Callable[..., BuildResult]
STDLIB = Path("/usr/lib/python3.11")


def test_a_run_records_the_modules_imported_and_the_files_opened(
    make_app: AppMaker, target_python: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data.txt"
    data.write_text("x")
    app = make_app({"app.py": f"""
        import sys
        if len(sys.argv) > 5:
            import json
        import colorsys
        open({str(data)!r}).read()
    """})
    seen = observe_app(target_python, app, app.parent,
                       [app.parent, STDLIB, STDLIB / "lib-dynload"], {"PATH": "/usr/bin"})
    assert seen.returncode == 0 and not seen.timed_out
    assert seen.modules["colorsys"] == str(STDLIB / "colorsys.py")
    assert "json" not in seen.modules  # never ran: the observation is of one run
    assert str(data) in seen.opened


def test_a_run_that_does_not_end_is_stopped_and_still_recorded(
    make_app: AppMaker, target_python: Path
) -> None:
    app = make_app({"app.py": "import colorsys, time\nwhile True: time.sleep(1)\n"})
    seen = observe_app(target_python, app, app.parent, [app.parent, STDLIB], {},
                       timeout=2)
    assert seen.timed_out
    assert "colorsys" in seen.modules


def test_a_cut_record_line_is_skipped() -> None:
    seen = parse_record("('import', 'a')\n('module', 'a', '/x/a.py')\n('open', '/et")
    assert seen.modules == {"a": "/x/a.py"} and seen.opened == []


def test_inspect_compares_the_static_closure_with_the_observed_run(
    make_app: AppMaker, build_app: Builder
) -> None:
    app = make_app({"app.py": """
        import sys
        if sys.argv[1:]:
            import email.message  # in the static closure, never imported by the run
        import importlib
        importlib.import_module("colorsys")  # by name: the scan cannot see it
    """})
    info = inspect_image(build_app(app, observe=True).output)
    report = info.observed
    assert report is not None and report.returncode == 0
    assert 0 < report.imported_count < report.static_count
    assert any(top == f"{STDLIB}/email" for top, _, _ in report.unused_by_top)
    assert "colorsys" in report.missing_modules
    assert inspect_image(build_app(app).output).observed is None
