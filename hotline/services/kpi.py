"""The monthly KPI report of the service regulations, counted by the database: a handful of
grouped queries (per local month and department, calls per queue), whatever the number of
tickets. The formulas on the counts are pure (tickets/kpi.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallbackTask,
    CallRow,
    Department,
    KpiTargetRow,
    RingbackRow,
    SlaClockRow,
    Ticket,
)
from hotline.telephony.model import Direction, Disposition
from tickets.callbacks import REACHED
from tickets.kpi import REPEAT_WINDOW, SERVICE_LEVEL_SECONDS, DayFigures, daily, days_between, rate
from tickets.regulations import KPI_RULE_TARGETS, kpi_looser
from tickets.ringbacks import EMERGENCY_QUEUE, HOTLINE_QUEUE, RingbackReason, RingbackStatus
from tickets.sla import ClockName
from tickets.types import TicketType
from tickets.workflow import Resolution

SATISFIED_SCORE = 4
OWN_EQUIPMENT = "indoor_equipment"


@dataclass
class TicketFigures:
    """Counts for one local month and one department; the rates follow from them. Every ticket
    whose deadline fell in the month counts once it is decided (met, or breached — open or
    closed), not only the work done."""

    repairs_due: int = 0
    repairs_fixed: int = 0
    repairs_in_time: int = 0
    repairs_fixed_first_time: int = 0
    consultations_due: int = 0
    consultations_replied: int = 0
    consultations_in_time: int = 0
    # Special consultations (24 h: another department, research), apart from the others.
    special_consultations_due: int = 0
    special_consultations_replied: int = 0
    special_consultations_in_time: int = 0
    complaints_due: int = 0
    complaints_replied: int = 0
    complaints_extended: int = 0
    complaints_within_original: int = 0
    complaints_within_agreed: int = 0
    # Complaints not accepted (the complainant told why), apart from those replied to.
    complaints_not_accepted: int = 0
    callbacks_due: int = 0
    callbacks_reached: int = 0
    surveys: int = 0
    survey_score_total: int = 0
    surveys_satisfied: int = 0
    # The customer's own equipment: arrivals whose deadline fell in the period and is decided
    # (arrived, or breached), and those in time.
    own_equipment_arrivals: int = 0
    own_equipment_arrived_in_time: int = 0
    # Clocks stopped in the period that waited for the customer, and how long in all.
    clocks_paused: int = 0
    paused_seconds_total: float = 0.0
    # Clocks whose deadline fell in the period and is decided, judged against a target looser
    # than the rules (a second admin confirmed it): the rates above rest on it.
    clocks_looser_than_rules: int = 0

    def add(self, other: TicketFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def json(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in self.__dataclass_fields__},
            "repair_timeliness": rate(self.repairs_in_time, self.repairs_due),
            "first_time_fix_rate": rate(self.repairs_fixed_first_time, self.repairs_due),
            "consultation_reply_rate": rate(self.consultations_in_time, self.consultations_due),
            "special_consultation_reply_rate": rate(
                self.special_consultations_in_time, self.special_consultations_due
            ),
            "special_consultation_share": rate(
                self.special_consultations_due,
                self.special_consultations_due + self.consultations_due,
            ),
            "complaint_reply_rate_original": rate(
                self.complaints_within_original, self.complaints_due
            ),
            "complaint_reply_rate_agreed": rate(self.complaints_within_agreed, self.complaints_due),
            "complaint_extension_share": rate(self.complaints_extended, self.complaints_due),
            "callback_rate": rate(self.callbacks_reached, self.callbacks_due),
            "satisfaction_average": (
                round(self.survey_score_total / self.surveys, 2) if self.surveys else None
            ),
            "satisfied_rate": rate(self.surveys_satisfied, self.surveys),
            "own_equipment_arrival_rate": rate(
                self.own_equipment_arrived_in_time, self.own_equipment_arrivals
            ),
        }


@dataclass
class CallFigures:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within_20s: int = 0
    talk_seconds_total: float = 0.0
    # Callers to call back (virtual hold, missed calls), by the month they were asked for:
    # reached, not reached after every attempt, no longer needed (got through, withdrawn).
    ringbacks_requested: int = 0
    ringbacks_connected: int = 0
    ringbacks_failed: int = 0
    ringbacks_dropped: int = 0
    # From first joining the queue to the ring-back answered, summed over the connected ones.
    ring_back_seconds_total: float = 0.0

    def add(self, other: CallFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def json(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in self.__dataclass_fields__},
            "answer_rate": rate(self.answered, self.offered),
            "abandon_rate": rate(self.abandoned, self.offered),
            "service_level": rate(self.answered_within_20s, self.offered),
            "average_handle_seconds": (
                round(self.talk_seconds_total / self.answered, 1) if self.answered else None
            ),
            "ring_back_rate": rate(
                self.ringbacks_connected, self.ringbacks_connected + self.ringbacks_failed
            ),
            "average_ring_back_seconds": (
                round(self.ring_back_seconds_total / self.ringbacks_connected, 1)
                if self.ringbacks_connected
                else None
            ),
        }


@dataclass
class KpiReport:
    start: datetime
    end: datetime
    tickets: dict[tuple[str, str], TicketFigures] = field(default_factory=dict)
    calls: dict[tuple[str, str], CallFigures] = field(default_factory=dict)
    # Each KPI's target in force, by name (the rules' when no admin set one).
    targets: dict[str, float] = field(default_factory=dict)
    # Every local day of the period: calls, and deadlines met or breached.
    days: list[DayFigures] = field(default_factory=list)

    def ticket_row(self, month: str, department: str) -> TicketFigures:
        return self.tickets.setdefault((month, department), TicketFigures())

    def call_row(self, month: str, queue: str) -> CallFigures:
        return self.calls.setdefault((month, queue), CallFigures())

    def json(self, tz: ZoneInfo) -> dict[str, Any]:
        ticket_total, call_total = TicketFigures(), CallFigures()
        for figures in self.tickets.values():
            ticket_total.add(figures)
        for calls in self.calls.values():
            call_total.add(calls)
        return {
            "from": self.start.astimezone(tz).isoformat(),
            "to": self.end.astimezone(tz).isoformat(),
            "tickets": [
                {"month": month, "department": department, **figures.json()}
                for (month, department), figures in sorted(self.tickets.items())
            ],
            "calls": [
                {"month": month, "queue": queue, **calls.json()}
                for (month, queue), calls in sorted(self.calls.items())
            ],
            "totals": {"tickets": ticket_total.json(), "calls": call_total.json()},
            "daily": [
                {
                    "day": figures.day.isoformat(),
                    "offered": figures.offered,
                    "answered": figures.answered,
                    "abandoned": figures.abandoned,
                    "met": figures.met,
                    "breached": figures.breached,
                }
                for figures in self.days
            ],
            "targets": {
                name: {
                    "rule": rule,
                    "target": self.targets.get(name, rule),
                    "looser_than_rules": kpi_looser(name, self.targets.get(name, rule)),
                }
                for name, rule in KPI_RULE_TARGETS.items()
            },
        }


def _postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _plus(session: AsyncSession, moment: Any, delta: timedelta) -> ColumnElement[Any]:
    """A stored moment moved by `delta`, in the database."""
    if _postgres(session):
        return moment + literal(delta)  # type: ignore[no-any-return]
    # SQLite keeps naive UTC text; %f keeps the fraction so that text comparisons still hold.
    return func.strftime("%Y-%m-%d %H:%M:%f", moment, f"{int(delta.total_seconds()):+d} seconds")


def month_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """The local months the period touches: (the instant the month starts, or the period if
    later; its YYYY-MM)."""
    local = start.astimezone(tz)
    months = [(start, f"{local:%Y-%m}")]
    year, month = local.year, local.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        begins = datetime(year, month, 1, tzinfo=tz)
        if begins >= end:
            return months
        months.append((begins, f"{year:04d}-{month:02d}"))


def _day(moment: Any, start: datetime, end: datetime, tz: ZoneInfo) -> ColumnElement[str]:
    """The local day (YYYY-MM-DD) of a stored moment in the period, as `_month` does it."""
    first, last = _local_days(start, end, tz)
    days = [
        (datetime.combine(day, datetime.min.time(), tz), day.isoformat())
        for day in days_between(first, last)
    ]
    return case(
        *((moment >= begins, label) for begins, label in reversed(days)),
        else_=literal(days[0][1]),
    )


def _local_days(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last local day the period [start, end) touches."""
    return start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()


def _month(moment: Any, start: datetime, end: datetime, tz: ZoneInfo) -> ColumnElement[str]:
    """The local month (YYYY-MM) of a stored moment in the period: a comparison with each
    month's first instant, which any database does fast on a few hundred thousand rows."""
    months = month_starts(start, end, tz)
    return case(
        *((moment >= begins, label) for begins, label in reversed(months)),
        else_=literal(months[0][1]),
    )


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await (await session.connection()).execute(statement)).all())


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def kpi_report(
    sessions: async_sessionmaker[AsyncSession], start: datetime, end: datetime, tz: ZoneInfo
) -> KpiReport:
    """The counts run at once, each on its own connection: the report takes as long as
    the slowest of them."""

    async def run(part: Callable[..., Awaitable[Any]]) -> Any:
        async with sessions() as session:
            return await part(session, start, end, tz)

    async with sessions() as session:
        departments = dict(await _rows(session, select(col(Department.id), col(Department.code))))
        targets = dict(
            await _rows(session, select(col(KpiTargetRow.name), col(KpiTargetRow.target)))
        )
    (
        repairs,
        replies,
        callbacks,
        pauses,
        arrivals,
        looser,
        calls,
        ringbacks,
        calls_by_day,
        deadlines_by_day,
    ) = await asyncio.gather(
        run(_repairs),
        run(_replies),
        run(_callbacks),
        run(_pauses),
        run(_arrivals),
        run(_looser),
        run(_calls),
        run(_ringbacks),
        run(_calls_by_day),
        run(_deadlines_by_day),
    )
    first, last = _local_days(start, end, tz)
    report = KpiReport(
        start, end, targets=targets, days=daily(first, last, [*calls_by_day, *deadlines_by_day])
    )
    ticket_parts = [*repairs, *replies, *callbacks, *pauses, *arrivals, *looser]
    for month, department_id, figures in ticket_parts:
        report.ticket_row(month, departments.get(department_id, "?")).add(figures)
    for month, queue, call_figures in [*calls, *ringbacks]:
        report.call_row(month, queue).add(call_figures)
    return report


async def _repairs(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Repairs whose fix deadline fell in the period and is decided — fixed, or breached and
    perhaps still open: in time when fixed with neither the handle nor the fix clock breached;
    fixed the first time unless reopened or the same customer reported the same fault again
    within 30 days of the fix. A breached repair still open counts against both."""
    fix = aliased(SlaClockRow)
    handle = aliased(SlaClockRow)
    repeat = aliased(Ticket)
    month = _month(col(fix.due_at), start, end, tz)
    fixed = col(fix.stopped_at).is_not(None)
    repeated = exists().where(
        col(repeat.customer_id) == Ticket.customer_id,
        col(repeat.type) == Ticket.type,
        col(repeat.subtype) == Ticket.subtype,
        col(repeat.id) != Ticket.id,
        col(repeat.received_at) >= col(fix.stopped_at),
        col(repeat.received_at) <= _plus(session, col(fix.stopped_at), REPEAT_WINDOW),
    )
    statement = (
        select(
            month,
            col(Ticket.department_id),
            func.count(),
            _count(fixed),
            _count(and_(_in_time(fix), col(handle.breached_at).is_(None))),
            _count(
                and_(
                    fixed,
                    col(Ticket.reopened) == 0,
                    or_(col(Ticket.customer_id).is_(None), ~repeated),
                )
            ),
        )
        .select_from(Ticket)
        .join(fix, and_(col(fix.ticket_id) == Ticket.id, col(fix.name) == ClockName.FIX.value))
        .join(
            handle,
            and_(col(handle.ticket_id) == Ticket.id, col(handle.name) == ClockName.HANDLE.value),
            isouter=True,
        )
        .where(
            col(Ticket.type) == TicketType.REPAIR.value,
            _decided(fix),
            col(fix.due_at) >= start,
            col(fix.due_at) < end,
        )
        .group_by(month, col(Ticket.department_id))
    )
    rows = await _rows(session, statement)
    return [
        (
            m,
            d,
            TicketFigures(
                repairs_due=n,
                repairs_fixed=f,
                repairs_in_time=t,
                repairs_fixed_first_time=first,
            ),
        )
        for m, d, n, f, t, first in rows
    ]


async def _replies(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Consultations and complaints whose reply deadline fell in the period and is decided —
    replied, or breached and perhaps still open; a complaint against its original
    five-working-day deadline and against the one agreed with it, and whether it was
    extended. Special consultations are counted apart; complaints not accepted too, though
    their deadlines count in the complaint rates like any other."""
    reply = aliased(SlaClockRow)
    month = _month(col(reply.due_at), start, end, tz)
    replied = col(reply.stopped_at).is_not(None)
    statement = (
        select(
            month,
            col(Ticket.department_id),
            col(Ticket.type),
            col(Ticket.resolution),
            col(Ticket.special),
            func.count(),
            _count(replied),
            _count(_in_time(reply)),
            _count(and_(replied, col(reply.stopped_at) <= col(reply.original_due_at))),
            _count(col(reply.extensions) > 0),
        )
        .select_from(Ticket)
        .join(
            reply, and_(col(reply.ticket_id) == Ticket.id, col(reply.name) == ClockName.REPLY.value)
        )
        .where(
            col(Ticket.type).in_([TicketType.CONSULTATION.value, TicketType.COMPLAINT.value]),
            _decided(reply),
            col(reply.due_at) >= start,
            col(reply.due_at) < end,
        )
        .group_by(
            month,
            col(Ticket.department_id),
            col(Ticket.type),
            col(Ticket.resolution),
            col(Ticket.special),
        )
    )
    result = []
    for row in await _rows(session, statement):
        m, d, kind, resolution, special, n, done, in_time, original, extended = row
        if resolution == Resolution.NOT_ACCEPTED.value:
            # Counted apart, and still held to the reply deadline: the complainant is told in
            # time too, so a late complaint cannot leave the rates by being not accepted.
            figures = TicketFigures(
                complaints_not_accepted=n,
                complaints_due=n,
                complaints_within_original=original,
                complaints_within_agreed=in_time,
                complaints_extended=extended,
            )
        elif kind == TicketType.CONSULTATION.value and special:
            figures = TicketFigures(
                special_consultations_due=n,
                special_consultations_replied=done,
                special_consultations_in_time=in_time,
            )
        elif kind == TicketType.CONSULTATION.value:
            figures = TicketFigures(
                consultations_due=n, consultations_replied=done, consultations_in_time=in_time
            )
        else:
            figures = TicketFigures(
                complaints_due=n,
                complaints_replied=done,
                complaints_within_original=original,
                complaints_within_agreed=in_time,
                complaints_extended=extended,
            )
        result.append((m, d, figures))
    return result


async def _callbacks(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Callbacks due in the period: reached or not (an unreachable one counts as not);
    surveys taken and their scores. An outage caller's follow-up without a ticket belongs to
    no department: the outage report counts those (services/outage_report.py)."""
    month = _month(col(CallbackTask.due_by), start, end, tz)
    score = col(CallbackTask.survey_score)
    statement = (
        select(
            month,
            col(Ticket.department_id),
            func.count(),
            _count(col(CallbackTask.status).in_([status.value for status in REACHED])),
            func.count(score),
            func.coalesce(func.sum(score), 0),
            _count(score >= SATISFIED_SCORE),
        )
        .select_from(CallbackTask)
        .join(Ticket, col(Ticket.id) == col(CallbackTask.ticket_id))
        .where(col(CallbackTask.due_by) >= start, col(CallbackTask.due_by) < end)
        .group_by(month, col(Ticket.department_id))
    )
    return [
        (
            m,
            d,
            TicketFigures(
                callbacks_due=n,
                callbacks_reached=reached,
                surveys=surveys,
                survey_score_total=total,
                surveys_satisfied=satisfied,
            ),
        )
        for m, d, n, reached, surveys, total, satisfied in await _rows(session, statement)
    ]


async def _pauses(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Clocks stopped in the period after waiting for the customer: how many, how long."""
    clock = aliased(SlaClockRow)
    month = _month(col(clock.stopped_at), start, end, tz)
    statement = (
        select(month, col(Ticket.department_id), func.count(), func.sum(col(clock.paused_seconds)))
        .select_from(Ticket)
        .join(clock, col(clock.ticket_id) == Ticket.id)
        .where(
            col(clock.paused_seconds) > 0,
            col(clock.stopped_at) >= start,
            col(clock.stopped_at) < end,
        )
        .group_by(month, col(Ticket.department_id))
    )
    return [
        (m, d, TicketFigures(clocks_paused=n, paused_seconds_total=float(total)))
        for m, d, n, total in await _rows(session, statement)
    ]


async def _looser(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Decided clocks whose deadline fell in the period and whose target was looser than the
    rules: a report met against such a target says so."""
    clock = aliased(SlaClockRow)
    month = _month(col(clock.due_at), start, end, tz)
    statement = (
        select(month, col(Ticket.department_id), func.count())
        .select_from(Ticket)
        .join(clock, col(clock.ticket_id) == Ticket.id)
        .where(
            col(clock.looser_than_rules),
            _decided(clock),
            col(clock.due_at) >= start,
            col(clock.due_at) < end,
        )
        .group_by(month, col(Ticket.department_id))
    )
    return [
        (m, d, TicketFigures(clocks_looser_than_rules=n))
        for m, d, n in await _rows(session, statement)
    ]


def _decided(clock: Any) -> ColumnElement[bool]:
    """A clock whose outcome is known: stopped, or breached while still running."""
    return or_(col(clock.stopped_at).is_not(None), col(clock.breached_at).is_not(None))


def _in_time(clock: Any) -> ColumnElement[bool]:
    return and_(col(clock.stopped_at).is_not(None), col(clock.breached_at).is_(None))


async def _arrivals(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, int, TicketFigures]]:
    """Repairs of the customer's own equipment whose arrival deadline fell in the period,
    arrived or not yet: a technician goes at once."""
    handle = aliased(SlaClockRow)
    month = _month(col(handle.due_at), start, end, tz)
    statement = (
        select(month, col(Ticket.department_id), func.count(), _count(_in_time(handle)))
        .select_from(Ticket)
        .join(
            handle,
            and_(col(handle.ticket_id) == Ticket.id, col(handle.name) == ClockName.HANDLE.value),
        )
        .where(
            col(Ticket.type) == TicketType.REPAIR.value,
            col(Ticket.subtype) == OWN_EQUIPMENT,
            _decided(handle),
            col(handle.due_at) >= start,
            col(handle.due_at) < end,
        )
        .group_by(month, col(Ticket.department_id))
    )
    return [
        (m, d, TicketFigures(own_equipment_arrivals=n, own_equipment_arrived_in_time=t))
        for m, d, n, t in await _rows(session, statement)
    ]


async def _calls(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, str, CallFigures]]:
    """Inbound calls that reached a queue, per queue: answered, abandoned, answered within
    20 s of waiting, talk time."""
    month = _month(col(CallRow.started_at), start, end, tz)
    answered = col(CallRow.disposition) == Disposition.ANSWERED.value
    statement = (
        select(
            month,
            col(CallRow.queue),
            func.count(),
            _count(answered),
            _count(col(CallRow.disposition) == Disposition.ABANDONED.value),
            _count(and_(answered, col(CallRow.wait_seconds) <= SERVICE_LEVEL_SECONDS)),
            func.coalesce(func.sum(case((answered, col(CallRow.talk_seconds)), else_=0)), 0),
        )
        .where(
            col(CallRow.direction) == Direction.INBOUND.value,
            col(CallRow.queue).is_not(None),
            col(CallRow.started_at) >= start,
            col(CallRow.started_at) < end,
        )
        .group_by(month, col(CallRow.queue))
    )
    return [
        (
            m,
            q,
            CallFigures(
                offered=n,
                answered=a,
                abandoned=ab,
                answered_within_20s=fast,
                talk_seconds_total=float(talk),
            ),
        )
        for m, q, n, a, ab, fast, talk in await _rows(session, statement)
    ]


def _seconds(session: AsyncSession, start: Any, end: Any) -> ColumnElement[Any]:
    """The seconds from one stored moment to another, in the database."""
    if _postgres(session):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


async def _ringbacks(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterable[tuple[str, str, CallFigures]]:
    """Ring-backs asked for in the period, per the queue the caller waited in: connected,
    failed, dropped, and how long the connected ones waited from joining the queue."""
    month = _month(col(RingbackRow.requested_at), start, end, tz)
    status = col(RingbackRow.status)
    connected = status == RingbackStatus.CONNECTED.value
    queue = func.coalesce(
        col(RingbackRow.queue),
        case(
            (col(RingbackRow.reason) == RingbackReason.GAS_SMELL_MISSED.value, EMERGENCY_QUEUE),
            else_=HOTLINE_QUEUE,
        ),
    )
    waited = _seconds(session, col(RingbackRow.arrived_at), col(RingbackRow.finished_at))
    statement = (
        select(
            month,
            queue,
            func.count(),
            _count(connected),
            _count(status == RingbackStatus.FAILED.value),
            _count(status == RingbackStatus.DROPPED.value),
            func.coalesce(func.sum(case((connected, waited), else_=0)), 0),
        )
        .where(col(RingbackRow.requested_at) >= start, col(RingbackRow.requested_at) < end)
        .group_by(month, queue)
    )
    return [
        (
            m,
            q,
            CallFigures(
                ringbacks_requested=n,
                ringbacks_connected=c,
                ringbacks_failed=f,
                ringbacks_dropped=d,
                ring_back_seconds_total=float(w),
            ),
        )
        for m, q, n, c, f, d, w in await _rows(session, statement)
    ]


async def _calls_by_day(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> list[DayFigures]:
    """Inbound calls that reached a queue, per local day: offered, answered, abandoned."""
    day = _day(col(CallRow.started_at), start, end, tz)
    statement = (
        select(
            day,
            func.count(),
            _count(col(CallRow.disposition) == Disposition.ANSWERED.value),
            _count(col(CallRow.disposition) == Disposition.ABANDONED.value),
        )
        .where(
            col(CallRow.direction) == Direction.INBOUND.value,
            col(CallRow.queue).is_not(None),
            col(CallRow.started_at) >= start,
            col(CallRow.started_at) < end,
        )
        .group_by(day)
    )
    return [
        DayFigures(date.fromisoformat(d), offered=n, answered=a, abandoned=ab)
        for d, n, a, ab in await _rows(session, statement)
    ]


async def _deadlines_by_day(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> list[DayFigures]:
    """Deadlines (every clock) that fell due on each local day and are decided: met — stopped
    unbreached — or breached."""
    clock = aliased(SlaClockRow)
    day = _day(col(clock.due_at), start, end, tz)
    statement = (
        select(day, _count(_in_time(clock)), _count(col(clock.breached_at).is_not(None)))
        .select_from(clock)
        .where(_decided(clock), col(clock.due_at) >= start, col(clock.due_at) < end)
        .group_by(day)
    )
    return [
        DayFigures(date.fromisoformat(d), met=met, breached=breached)
        for d, met, breached in await _rows(session, statement)
    ]
