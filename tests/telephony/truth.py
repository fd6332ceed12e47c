"""What Asterisk itself recorded for each AMI capture, and how call records are judged by it.

Judges records however they were produced (the tracker folding a capture, or the whole stack
fed by a fake Asterisk replaying it): only their attributes are read, and numbers are compared
in E.164 so a normalised caller matches the raw one.

Per call of `<name>.truth.csv` (one row per originated call), a record with the same Linkedid
must exist, once, and agree on:

* direction (`kind` inbound / callback), caller number, IVR choice (`ticket_type`), queue,
  agent (queue_log member name), and disposition: `answered…` -> answered, `abandoned`,
  `never queued (IVR)` -> ivr_only; callbacks by the Dial leg's CDR disposition.
* wait vs `hold_s` and talk vs `talk_s` for queued calls: queue_log writes whole seconds of
  `time()`, so each side is a difference of truncated clock readings, off by less than 1 s.
* callback talk vs `talk_s` = the Dial leg's CDR billsec, a truncated duration: ours (customer's
  answer to the call's last hang-up) is at least that and less than 1 s more.
* start, end and total duration against the main leg in `<name>.cdr.csv` (cdr_csv, no header).
  The main leg is the inbound leg (uniqueid = Linkedid: the `hotline-in` rows), and for a
  callback the `Dial` rows of the other half of the Linkedid's Local channel pair (the
  `callback-out` `;2` channel; cdr_csv has no Linkedid column). CDR times are whole seconds,
  truncated, so the call's start is in [start, start + 1) and its end in [end, end + 1); the
  `duration` column is the exact duration truncated, so ours is in [duration, duration + 1).
  Asterisk splits the inbound leg's CDR at each dial attempt: with `ringall` the answered row
  can begin at the second attempt (combined call 10 starts 10:59:14, its ANSWERED row 10:59:15,
  and truth.csv's `main_leg_duration_s` 4 is a second short of the call). So the reference is
  the span of all the main leg's rows, and the `duration` column only when one row spans it
  all; otherwise whole-second start and end give the duration to within 1 s either way.

The call's first and last events are its first channel's creation and its last channel's
hang-up, a few milliseconds around the main leg's own: `EVENT_SPREAD` allows for that.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hotline.telephony.numbers import normalise_caller
from hotline.telephony.simulator.capture import captures_dir

EVENT_SPREAD = 0.1

_CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip
_QUEUE_RESULTS = {"abandoned": "abandoned", "never queued (IVR)": "ivr_only"}
_CALLBACK_RESULTS = {
    "ANSWERED": "answered",
    "NO ANSWER": "no_answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "failed",
}


def capture_names() -> list[str]:
    return sorted(path.stem for path in captures_dir().glob("*.ami"))


@dataclass(frozen=True)
class CdrRow:
    channel: str
    dcontext: str
    lastapp: str
    start: datetime
    end: datetime
    duration: int
    billsec: int
    disposition: str
    uniqueid: str


@dataclass(frozen=True)
class MainLeg:
    """The span of a call's main leg: whole-second start and end, the exact duration
    (truncated) when one CDR row covers the whole span, and the answered row's disposition
    (else the last row's)."""

    start: datetime
    end: datetime
    duration: int | None
    disposition: str


@dataclass(frozen=True)
class TruthCall:
    call: str
    linkedid: str
    kind: str
    number: str
    ticket_type: str | None
    queue: str | None
    queue_result: str
    agent: str | None
    hold_s: int | None
    talk_s: int | None
    main_leg: MainLeg

    @property
    def direction(self) -> str:
        return "outbound" if self.kind == "callback" else "inbound"

    @property
    def disposition(self) -> str:
        if self.kind == "callback":
            return _CALLBACK_RESULTS[self.main_leg.disposition]
        if self.queue_result.startswith("answered"):
            return "answered"
        return _QUEUE_RESULTS[self.queue_result]


def load_cdr(name: str) -> list[CdrRow]:
    with (captures_dir() / f"{name}.cdr.csv").open(newline="") as file:
        rows = [dict(zip(_CDR_COLUMNS, values, strict=True)) for values in csv.reader(file)]
    return [
        CdrRow(
            channel=row["channel"],
            dcontext=row["dcontext"],
            lastapp=row["lastapp"],
            start=_cdr_time(row["start"]),
            end=_cdr_time(row["end"]),
            duration=int(row["duration"]),
            billsec=int(row["billsec"]),
            disposition=row["disposition"],
            uniqueid=row["uniqueid"],
        )
        for row in rows
    ]


def load_truth(name: str) -> list[TruthCall]:
    cdr = load_cdr(name)
    with (captures_dir() / f"{name}.truth.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        TruthCall(
            call=row["call"],
            linkedid=row["linkedid"],
            kind=row["kind"],
            number=row["number"],
            ticket_type=row["ticket_type"] or None,
            queue=row["queue"] or None,
            queue_result=row["queue_result"],
            agent=row["agent"] or None,
            hold_s=int(row["hold_s"]) if row["hold_s"] else None,
            talk_s=int(row["talk_s"]) if row["talk_s"] else None,
            main_leg=_main_leg(cdr, row["linkedid"], callback=row["kind"] == "callback"),
        )
        for row in rows
    ]


def compare_with_truth(records: Iterable[Any], capture_name: str) -> list[str]:
    """Every way `records` (objects with CallRecord's attributes) disagree with what Asterisk
    recorded for the capture; [] when they agree."""
    records = list(records)
    truth = {call.linkedid: call for call in load_truth(capture_name)}
    problems: list[str] = []
    seen = Counter(record.linkedid for record in records)
    problems += [f"{linkedid}: {count} records" for linkedid, count in seen.items() if count > 1]
    problems += [f"{linkedid}: not a call of {capture_name}" for linkedid in seen.keys() - truth]
    problems += [
        f"{linkedid}: call {truth[linkedid].call} missing"
        for linkedid in truth.keys() - seen.keys()
    ]
    for record in records:
        call = truth.get(record.linkedid)
        if call is not None:
            problems += [
                f"{record.linkedid} (call {call.call}): {problem}"
                for problem in _compare_call(record, call)
            ]
    return problems


def _compare_call(record: Any, call: TruthCall) -> list[str]:
    problems = []

    def differ(what: str, ours: object, theirs: object) -> None:
        if ours != theirs:
            problems.append(f"{what} {ours!r}, Asterisk {theirs!r}")

    differ("direction", _text(record.direction), call.direction)
    differ("caller", _number(record.caller), _number(call.number))
    differ("disposition", _text(record.disposition), call.disposition)
    differ("IVR choice", record.ivr_choice, call.ticket_type)
    differ("queue", record.queue, call.queue)
    differ("agent", record.agent_name, call.agent)
    if record.ended_at is None:
        return [*problems, "still in progress"]

    def within(what: str, ours: float | None, low: float, high: float) -> None:
        if ours is None or not low <= ours < high:
            problems.append(f"{what} {ours!r} not in [{low:g}, {high:g})")

    spread = EVENT_SPREAD
    leg = call.main_leg
    within("start - CDR start", _seconds(leg.start, record.started_at), -spread, 1 + spread)
    within("end - CDR end", _seconds(leg.end, record.ended_at), -spread, 1 + spread)
    total = _seconds(record.started_at, record.ended_at)
    if leg.duration is not None:
        within("duration - CDR duration", total - leg.duration, -spread, 1 + spread)
    else:
        span = _seconds(leg.start, leg.end)
        within("duration - CDR span", total - span, -1 - spread, 1 + spread)
    if call.kind == "callback":
        differ("wait", record.wait_seconds, None)
        if call.talk_s is not None:
            within(
                "talk - CDR billsec", _minus(record.talk_seconds, call.talk_s), -spread, 1 + spread
            )
        elif record.talk_seconds is not None:
            problems.append(f"talk {record.talk_seconds!r}, Asterisk none")
        return problems
    _queue_log_seconds(problems, "wait", record.wait_seconds, call.hold_s)
    _queue_log_seconds(problems, "talk", record.talk_seconds, call.talk_s)
    return problems


def _queue_log_seconds(
    problems: list[str], what: str, ours: float | None, theirs: int | None
) -> None:
    if theirs is None or ours is None:
        if (theirs is None) != (ours is None):
            problems.append(f"{what} {ours!r}, queue_log {theirs!r}")
        return
    # A difference of two truncated readings of the same clocks; our end is the call's last
    # hang-up, a few milliseconds after app_queue's.
    if not -1 < ours - theirs < 1 + EVENT_SPREAD:
        problems.append(f"{what} {ours!r}, queue_log {theirs} s")


def _main_leg(cdr: list[CdrRow], linkedid: str, *, callback: bool) -> MainLeg:
    rows = [row for row in cdr if row.uniqueid == linkedid]
    if callback:
        pair = {row.channel.rsplit(";", 1)[0] for row in rows}
        rows = [
            row
            for row in cdr
            if row.lastapp == "Dial"
            and row.channel.endswith(";2")
            and row.channel.rsplit(";", 1)[0] in pair
        ]
    if not rows:
        raise LookupError(f"no main leg CDR row for {linkedid}")
    start, end = min(row.start for row in rows), max(row.end for row in rows)
    spanning = [row for row in rows if row.start == start and row.end == end]
    answered = [row for row in rows if row.disposition == "ANSWERED"]
    deciding = answered[0] if answered else rows[-1]
    return MainLeg(
        start=start,
        end=end,
        duration=spanning[0].duration if spanning else None,
        disposition=deciding.disposition,
    )


def _cdr_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _minus(ours: float | None, theirs: int) -> float | None:
    return None if ours is None else ours - theirs


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(raw: str | None) -> str | None:
    # Mobile numbers throughout, so the local area code plays no part.
    return normalise_caller(raw, local_area_code="571")
