"""Per-module test counts from regrtest's junit XML, as guest_main.py prints it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

BEGIN = "=====BEGIN UNIPYTHON COMPAT JUNIT XML====="  # as in guest_main.py
END = "=====END UNIPYTHON COMPAT JUNIT XML====="


@dataclass(frozen=True)
class Counts:
    """Outcomes of one run of a test module.

    ``failed`` and ``errors`` are regrtest's own totals, so they include failing
    subtests and errors in setUpClass/setUpModule, which have no <testcase> element.
    A test whose only outcome was a failing subtest is neither passed nor skipped.
    """

    passed: int
    failed: int
    errors: int
    skipped: int

    def __str__(self) -> str:
        return f"{self.passed}/{self.failed}/{self.errors}/{self.skipped}"


class JunitError(ValueError):
    """The text holds no junit XML, or XML that is not regrtest's."""


def extract_xml(output: str) -> str:
    """The XML between the last BEGIN marker and the END after it."""
    start = output.rfind(BEGIN)
    if start < 0:
        raise JunitError("no junit XML in the output")
    end = output.find(END, start)
    if end < 0:
        raise JunitError("the junit XML is cut short (no END marker)")
    return output[start + len(BEGIN) : end].strip()


def _is_passed(case: ET.Element) -> bool:
    if case.get("status") != "run":  # no outcome recorded: a failing subtest
        return False
    if case.find("error") is not None or case.find("failure") is not None:
        return False
    if case.find("skipped") is not None:
        return False
    return case.find("outcome") is None  # UNEXPECTED_SUCCESS


def parse_counts(xml: str) -> Counts:
    """Sum the counts over every <testsuite> of one regrtest run."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise JunitError(f"bad junit XML: {exc}") from None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites"):
        raise JunitError(f"bad junit XML: root element <{root.tag}>")
    passed = failed = errors = skipped = 0
    for suite in suites:
        try:
            failed += int(suite.get("failures", "0"))
            errors += int(suite.get("errors", "0"))
        except ValueError:
            raise JunitError("bad junit XML: a count is not a number") from None
        for case in suite.iter("testcase"):
            if case.find("skipped") is not None:
                skipped += 1
            elif _is_passed(case):
                passed += 1
    return Counts(passed, failed, errors, skipped)


def counts_from_output(output: str) -> Counts:
    return parse_counts(extract_xml(output))


def parse_pytest_counts(xml: str) -> Counts:
    """Counts of one pytest run's junit XML: each <testcase> is passed, failed (a
    <failure>), an error (an <error>: of a test or of its fixture's setup or teardown) or
    skipped (a <skipped>, xfail included, as pytest writes it)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise JunitError(f"bad junit XML: {exc}") from None
    if root.tag not in ("testsuite", "testsuites"):
        raise JunitError(f"bad junit XML: root element <{root.tag}>")
    passed = failed = errors = skipped = 0
    for case in root.iter("testcase"):
        if case.find("error") is not None:
            errors += 1
        elif case.find("failure") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return Counts(passed, failed, errors, skipped)


def pytest_counts_from_output(output: str) -> Counts:
    return parse_pytest_counts(extract_xml(output))


def failing_tests(xml: str) -> list[str]:
    """Ids of the test cases that failed or erred, for reports."""
    out = []
    for case in ET.fromstring(xml).iter("testcase"):
        if case.find("error") is not None or case.find("failure") is not None:
            out.append(case.get("name", "?"))
    return out


def _outcome(case: ET.Element) -> tuple[str, str]:
    """(outcome, the first line of its message) of one <testcase>."""
    for tag in ("error", "failure", "skipped"):
        found = case.find(tag)
        if found is not None:
            text = found.get("message") or (found.text or "").strip()
            return tag, (text.strip().splitlines() or [""])[0][:200]
    if case.get("status") != "run":
        return "subtest failed", ""
    return ("passed", "") if case.find("outcome") is None else ("unexpected success", "")


def outcomes(xml: str) -> dict[str, tuple[str, str]]:
    """Test id -> (outcome, message) over every <testcase> of one regrtest run."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise JunitError(f"bad junit XML: {exc}") from None
    return {case.get("name", "?"): _outcome(case) for case in root.iter("testcase")}


@dataclass(frozen=True)
class Difference:
    """A test whose outcome inside is not the host's."""

    test: str
    inside: str  # outcome, or "not run"
    host: str
    message: str  # the first line of the inside (or else the host) message


def differences(inside_output: str, host_output: str) -> list[Difference]:
    """The tests whose outcomes differ between two runs of one module, by test id
    (empty when either run has no junit XML)."""
    try:
        inside, host = outcomes(extract_xml(inside_output)), outcomes(extract_xml(host_output))
    except JunitError:
        return []
    found = []
    for test in sorted(inside.keys() | host.keys()):
        got, want = inside.get(test, ("not run", "")), host.get(test, ("not run", ""))
        if got[0] != want[0]:
            found.append(Difference(test, got[0], want[0], got[1] or want[1]))
    return found
