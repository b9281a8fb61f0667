"""Counts from regrtest's junit XML, as guest_main.py prints it between markers."""

from __future__ import annotations

import pytest

from unipython.compat.junit import (
    BEGIN,
    END,
    Counts,
    JunitError,
    counts_from_output,
    differences,
    extract_xml,
    failing_tests,
    parse_counts,
)

# Shaped like test.support.testresult.RegressionTestResult's output.
XML = """\
<testsuites tests="7" errors="2" failures="2"><testsuite start="2026-01-01 00:00:00" \
tests="7" errors="2" failures="2">\
<testcase name="test.test_x.A.test_ok" status="run" result="completed" time="0.1" />\
<testcase name="test.test_x.A.test_ok2" status="run" result="completed" time="0.1" />\
<testcase name="test.test_x.A.test_fail" status="run" result="completed" time="0.1">\
<failure type="AssertionError" message="boom">tb</failure></testcase>\
<testcase name="test.test_x.A.test_err" status="run" result="completed" time="0.1">\
<error type="OSError" message="[Errno 38]">tb</error></testcase>\
<testcase name="test.test_x.A.test_skip" status="run" result="completed" time="0.0">\
<skipped>needs fork</skipped></testcase>\
<testcase name="test.test_x.A.test_xfail" status="run" result="completed" time="0.0">\
<output type="AssertionError" message="expected">tb</output></testcase>\
<testcase />\
</testsuite></testsuites>"""


def test_counts_passed_failed_errored_and_skipped_tests() -> None:
    # The attribute-less testcase is a test whose subtest failed: one of regrtest's
    # 2 failures, neither passed nor skipped. An expected failure counts as passed.
    assert parse_counts(XML) == Counts(passed=3, failed=2, errors=2, skipped=1)


def test_errors_without_a_testcase_count_from_the_suite_totals() -> None:
    # setUpClass errors have no <testcase>: only the suite's errors attribute says so.
    xml = '<testsuites><testsuite tests="0" errors="1" failures="0" /></testsuites>'
    assert parse_counts(xml) == Counts(0, 0, 1, 0)


def test_counts_add_up_over_several_testsuites() -> None:
    one = '<testsuite tests="1" errors="0" failures="0"><testcase status="run" /></testsuite>'
    assert parse_counts(f"<testsuites>{one}{one}</testsuites>") == Counts(2, 0, 0, 0)


def test_an_unexpected_success_is_not_a_pass() -> None:
    xml = ('<testsuites><testsuite tests="1" errors="0" failures="0"><testcase status="run">'
           "<outcome>UNEXPECTED_SUCCESS</outcome></testcase></testsuite></testsuites>")
    assert parse_counts(xml) == Counts(0, 0, 0, 0)


def test_the_xml_is_taken_from_between_the_markers_in_console_output() -> None:
    output = f"0:00:00 [1/1] test_x\nTests result: FAILURE\n\n{BEGIN}\n{XML}\n{END}\n"
    assert extract_xml(output) == XML
    assert counts_from_output(output) == Counts(3, 2, 2, 1)


def test_the_last_begin_marker_wins() -> None:
    # A test may print the marker text itself; guest_main.py prints the real XML last.
    output = f"{BEGIN}\nnoise\n{END}\n{BEGIN}\n{XML}\n{END}\n"
    assert counts_from_output(output) == Counts(3, 2, 2, 1)


@pytest.mark.parametrize("output, message", [
    ("Tests result: FAILURE\n", "no junit XML"),
    (f"{BEGIN}\n<testsuites>", "cut short"),
    (f"{BEGIN}\n<testsuites>\n{END}\n", "bad junit XML"),
    (f"{BEGIN}\n<html/>\n{END}\n", "root element"),
])
def test_missing_cut_or_foreign_xml_is_an_error_that_says_which(
    output: str, message: str
) -> None:
    with pytest.raises(JunitError, match=message):
        counts_from_output(output)


def test_failing_tests_are_listed_by_id() -> None:
    assert failing_tests(XML) == ["test.test_x.A.test_fail", "test.test_x.A.test_err"]


def test_counts_print_as_pass_fail_err_skip() -> None:
    assert str(Counts(3, 2, 1, 0)) == "3/2/1/0"


def test_guest_main_uses_the_same_markers() -> None:
    from unipython.compat.image import GUEST_MAIN

    text = GUEST_MAIN.read_text()
    assert f'BEGIN = "{BEGIN}"' in text and f'END = "{END}"' in text


def test_differences_name_each_test_whose_outcome_is_not_the_hosts() -> None:
    host = XML.replace('<failure type="AssertionError" message="boom">tb</failure>', "")
    inside = XML.replace('<testcase name="test.test_x.A.test_ok2" status="run" '
                         'result="completed" time="0.1" />', "")
    wrap = lambda xml: f"noise\n{BEGIN}\n{xml}\n{END}\n"  # noqa: E731
    found = differences(wrap(inside), wrap(host))
    assert [(d.test, d.inside, d.host, d.message) for d in found] == [
        ("test.test_x.A.test_fail", "failure", "passed", "boom"),
        ("test.test_x.A.test_ok2", "not run", "passed", ""),
    ]
    assert differences(wrap(XML), wrap(XML)) == []
    assert differences("no xml here", wrap(XML)) == []
