"""The live run's closing report: what Asterisk said as it loaded our configuration, and the
table scenario | CDR / queue_log | our call log | match.

The tests run in pytest-xdist workers, each with its own Asterisk and hotline, while the
report is printed by the process that started them: so what a test found travels in its
report's `user_properties` (which xdist carries back) and is gathered here, from the hooks that
tests/conftest.py forwards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import pytest

# A scenario's row of the table: (scenario, CDR / queue_log, our call log, match).
SCENARIO = "live scenario"
# What Asterisk logged (WARNING, ERROR) at its first start: (about our files, other count).
LOAD = "asterisk load complaints"


@dataclass
class LiveReport:
    rows: list[tuple[str, ...]] = field(default_factory=list)
    about_ours: list[str] | None = None
    others: int = 0

    def gather(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == SCENARIO:
                self.rows.append(tuple(cast(Sequence[str], value)))
            elif name == LOAD and self.about_ours is None:
                # Every worker's Asterisk loads the same files: the first word is the word.
                about_ours, others = cast(tuple[list[str], int], value)
                self.about_ours, self.others = list(about_ours), others

    def write(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.about_ours is not None:
            terminalreporter.section("what Asterisk said at load about our configuration")
            for complaint in self.about_ours:
                terminalreporter.write_line(complaint, yellow=True)
            terminalreporter.write_line(
                f"and {self.others} WARNING/ERROR lines of modules loaded by autoload=yes with "
                "no configuration file of ours (see the PBX's messages.log)"
            )
        if not self.rows:
            return
        terminalreporter.section("live calls on a real Asterisk: our call log vs its CDR")
        for row in [("scenario", "CDR / queue_log", "our call log", "match"), *self.rows]:
            terminalreporter.write_line(" | ".join(row))


LIVE_REPORT = LiveReport()
