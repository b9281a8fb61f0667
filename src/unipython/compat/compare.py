"""The verdict on one module: it passes when its counts inside equal those on the host."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from unipython.compat.junit import Difference, differences
from unipython.compat.runner import Run


@dataclass
class ModuleResult:
    module: str
    guest: Run
    host: Run

    @property
    def passed(self) -> bool:
        """Both runs ended normally (no crash, timeout or missing XML) with equal counts."""
        ok = self.guest.problem is None and self.host.problem is None
        return ok and self.guest.counts is not None and self.guest.counts == self.host.counts

    @property
    def reason(self) -> str:
        """Why the module failed ("" when it passed)."""
        if self.passed:
            return ""
        if self.host.problem is not None or self.host.counts is None:
            return f"host: {self.host.problem}"
        if self.guest.problem is not None:
            return f"inside: {self.guest.problem}"
        if self.guest.counts is None:
            return "inside: no counts"
        return "counts differ"

    @cached_property
    def differing_tests(self) -> list[Difference]:
        """The tests whose outcome inside is not the host's (what "counts differ" means)."""
        return differences(self.guest.output, self.host.output)


def summary(results: list[ModuleResult]) -> tuple[int, int]:
    """(modules passed, modules failed)."""
    passed = sum(1 for r in results if r.passed)
    return passed, len(results) - passed
