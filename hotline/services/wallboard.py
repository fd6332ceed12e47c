"""The supervisor's wallboard figures from the database: today's calls (from the call log),
today's SLA escalations and ring-backs. The queues now come from Asterisk through
`Telephony.queues_now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Escalation, RingbackRow, User
from hotline.telephony.model import Direction, Disposition
from tickets.kpi import SERVICE_LEVEL_SECONDS, rate
from tickets.ringbacks import OPEN, RingbackStatus
from tickets.sla import DueEvent

# The calls the service level counts: those that waited in a queue for an agent.
REACHED_A_QUEUE = [Disposition.ANSWERED.value, Disposition.ABANDONED.value]


@dataclass(frozen=True)
class Today:
    answered: int
    abandoned: int
    answered_within_target: int
    warnings: int
    breaches: int

    @property
    def service_level(self) -> float | None:
        """Answered within 20 s over all that reached a queue (answered or abandoned)."""
        return rate(self.answered_within_target, self.answered + self.abandoned)


def start_of_local_day(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz)


async def today(session: AsyncSession, now: datetime, tz: ZoneInfo) -> Today:
    since = start_of_local_day(now, tz)
    until = since + timedelta(days=1)
    inbound = (
        col(CallRow.direction) == Direction.INBOUND.value,
        col(CallRow.started_at) >= since,
        col(CallRow.started_at) < until,
    )
    answered = col(CallRow.disposition) == Disposition.ANSWERED.value
    # One statement, so the three counts are of one snapshot: counted apart, a call answered
    # between two of them made "answered within target" more than all that reached a queue.
    answered_count, abandoned_count, quick = (
        await session.exec(
            select(
                func.count().filter(answered),
                func.count().filter(col(CallRow.disposition) == Disposition.ABANDONED.value),
                func.count().filter(answered, col(CallRow.wait_seconds) <= SERVICE_LEVEL_SECONDS),
            ).where(*inbound, col(CallRow.disposition).in_(REACHED_A_QUEUE))
        )
    ).one()
    escalations = dict(
        (
            await session.exec(
                select(Escalation.kind, func.count())
                .where(col(Escalation.happened_at) >= since, col(Escalation.happened_at) < until)
                .group_by(col(Escalation.kind))
            )
        ).all()
    )
    return Today(
        answered=int(answered_count),
        abandoned=int(abandoned_count),
        answered_within_target=int(quick),
        warnings=int(escalations.get(DueEvent.WARNING.value, 0)),
        breaches=int(escalations.get(DueEvent.BREACH.value, 0)),
    )


@dataclass(frozen=True)
class RingbacksToday:
    waiting: int  # open now, whenever asked for
    requested: int
    connected: int
    failed: int


async def ringbacks_today(session: AsyncSession, now: datetime, tz: ZoneInfo) -> RingbacksToday:
    """Callers waiting to be called back now, and today's ring-backs by outcome."""
    since = start_of_local_day(now, tz)
    status = col(RingbackRow.status)
    waiting = (
        await session.exec(select(func.count()).where(status.in_([state.value for state in OPEN])))
    ).one()
    counts = dict(
        (
            await session.exec(
                select(RingbackRow.status, func.count())
                .where(col(RingbackRow.requested_at) >= since)
                .group_by(status)
            )
        ).all()
    )
    return RingbacksToday(
        waiting=int(waiting),
        requested=sum(int(count) for count in counts.values()),
        connected=int(counts.get(RingbackStatus.CONNECTED.value, 0)),
        failed=int(counts.get(RingbackStatus.FAILED.value, 0)),
    )


@dataclass(frozen=True)
class AgentToday:
    """A person with a phone on the floor, and the calls they answered today."""

    name: str
    interface: str
    calls: int
    talk_seconds: int


async def agents_today(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[AgentToday]:
    """Everyone active with a phone interface, by name, with today's answered calls and their
    talk time (those who took none are listed too: the board shows who is idle)."""
    since = start_of_local_day(now, tz)
    until = since + timedelta(days=1)
    people = (
        await session.exec(
            select(User.display_name, User.interface)
            .where(col(User.active), col(User.interface).is_not(None))
            .order_by(col(User.display_name))
        )
    ).all()
    totals = {
        interface: (int(calls), int(talk or 0))
        for interface, calls, talk in (
            await session.exec(
                select(CallRow.agent_interface, func.count(), func.sum(CallRow.talk_seconds))
                .where(
                    col(CallRow.started_at) >= since,
                    col(CallRow.started_at) < until,
                    col(CallRow.answered_at).is_not(None),
                    col(CallRow.agent_interface).is_not(None),
                )
                .group_by(col(CallRow.agent_interface))
            )
        ).all()
    }
    return [
        AgentToday(name, interface, *totals.get(interface, (0, 0)))
        for name, interface in people
        if interface is not None
    ]
