"""Our call log judged against what the real Asterisk recorded of the same call.

Asterisk's own records are the truth: cdr_csv's rows of the call's main leg (the inbound trunk
channel, whose Uniqueid is the call's Linkedid and queue_log's callid; for click-to-call the
agent's channel that dialled the customer, tied to our Originate by the CDR userfield
`callback:<ActionID>` the dialplan writes), and app_queue's queue_log lines.

Tolerances, and only where the records' resolution requires them:
* CDR times are whole seconds, truncated: the call starts in [start, start + 1) and ends in
  [end, end + 1) of its main leg's rows; billsec is a truncated duration, so talk lies in
  [billsec, billsec + 1).
* queue_log times are whole seconds of time(): its hold, talk and abandon-wait figures are
  differences of two truncated readings, each off from the exact span by less than 1 s.
* Our times are AMI event times (Timestamp headers); the first and last events of a call lie a
  few milliseconds around its main leg's own creation and hang-up: SPREAD allows for that.

Every comparison is kept (what Asterisk says, what we say, whether they agree), so a failing
test lists all disagreements at once and the live run ends with a table of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.telephony.numbers import normalise_caller

from .asterisk import CdrRow, QueueLogLine
from .server import Call

SPREAD = 0.1
LOCAL_AREA_CODE = "571"


@dataclass(frozen=True)
class Check:
    what: str
    asterisk: str
    ours: str
    ok: bool


@dataclass
class Verdict:
    """The checks of one scenario and the one-line summaries shown in the final table."""

    scenario: str
    checks: list[Check] = field(default_factory=list)
    asterisk_summary: str = ""
    ours_summary: str = ""

    def same(self, what: str, asterisk: object, ours: object) -> None:
        self.checks.append(Check(what, str(asterisk), str(ours), asterisk == ours))

    def holds(self, what: str, asterisk: str, ours: str, ok: bool) -> None:
        self.checks.append(Check(what, asterisk, ours, ok))

    def near(self, what: str, asterisk: float, ours: float | None, tolerance: float) -> None:
        """|ours - asterisk| < tolerance (+ SPREAD)."""
        ok = ours is not None and abs(ours - asterisk) < tolerance + SPREAD
        self.holds(what, f"{asterisk:g} (±{tolerance:g})", _seconds(ours), ok)

    def in_second(self, what: str, truncated: datetime, ours: datetime | None) -> None:
        """`ours` lies in [truncated, truncated + 1 s), give or take SPREAD."""
        offset = (ours - truncated).total_seconds() if ours is not None else None
        ok = offset is not None and -SPREAD <= offset < 1 + SPREAD
        shown = ours.isoformat(timespec="milliseconds") if ours is not None else "None"
        self.holds(what, f"{truncated.isoformat()} (+1 s)", shown, ok)

    def in_span(
        self, what: str, first: datetime, truncated_last: datetime, ours: datetime | None
    ) -> None:
        """`ours` lies in [first, truncated_last + 1 s), give or take SPREAD."""
        ok = ours is not None and (
            (ours - first).total_seconds() >= -SPREAD
            and (ours - truncated_last).total_seconds() < 1 + SPREAD
        )
        shown = ours.isoformat(timespec="milliseconds") if ours is not None else "None"
        self.holds(what, f"{first.isoformat()} .. {truncated_last.isoformat()} (+1 s)", shown, ok)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    @property
    def match(self) -> str:
        if not self.checks:
            return "no verdict"
        failed = self.failures
        return "yes" if not failed else "NO: " + ", ".join(check.what for check in failed)

    def explain(self) -> str:
        lines = [f"{self.scenario}: our call log disagrees with Asterisk's records"]
        for check in self.failures:
            lines.append(f"  {check.what}: Asterisk {check.asterisk!r}, ours {check.ours!r}")
        return "\n".join(lines)

    def assert_all(self) -> None:
        assert self.checks, f"{self.scenario}: nothing was compared"
        assert not self.failures, self.explain()


def _seconds(value: float | None) -> str:
    return "None" if value is None else f"{value:.3f}"


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def main_leg(rows: list[CdrRow], uniqueid: str) -> list[CdrRow]:
    """The main leg's rows: Asterisk splits a leg's CDR at each dial attempt."""
    return [row for row in rows if row.uniqueid == uniqueid]


def events(lines: list[QueueLogLine], callid: str) -> list[QueueLogLine]:
    return [line for line in lines if line.callid == callid]


def judge_span(verdict: Verdict, legs: list[CdrRow], call: Call) -> None:
    """Start and end of the call against the span of its main leg's rows."""
    start = min(row.start for row in legs)
    end = max(row.end for row in legs)
    verdict.in_second("start", start, when(call["started_at"]))
    verdict.in_second("end", end, when(call["ended_at"]))


def judge_caller(verdict: Verdict, cdr_src: str, call: Call) -> None:
    verdict.same("caller", normalise_caller(cdr_src, LOCAL_AREA_CODE), call["caller"])


def summary_of_call(call: Call) -> str:
    agent = call.get("agent") or {}
    parts = [
        str(call["direction"]),
        str(call["disposition"]),
        f"queue {call['queue']}" if call["queue"] else "no queue",
        f"agent {agent.get('interface')}" if agent else "no agent",
        f"IVR {call['ivr_choice']}" if call["ivr_choice"] else "no IVR choice",
    ]
    for name in ("wait_seconds", "talk_seconds"):
        value = call[name]
        if isinstance(value, int | float):
            parts.append(f"{name.split('_')[0]} {value:.1f}s")
    return ", ".join(parts)


def summary_of_records(legs: list[CdrRow], queue: list[QueueLogLine]) -> str:
    cdr = "; ".join(
        f"{row.disposition} {row.lastapp}"
        + (f"→{row.dstchannel.split('-')[0]}" if row.dstchannel else "")
        + f" billsec {row.billsec}"
        for row in legs
    )
    log = " ".join(
        line.event + (f"({'|'.join(line.data)})" if any(line.data) else "") for line in queue
    )
    return f"CDR {cdr or 'none'} / queue_log {log or 'none'}"
