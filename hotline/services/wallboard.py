"""The supervisor's wallboard figures: the queues now (from Asterisk), today's calls (from the
call log) and today's SLA escalations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Escalation
from hotline.telephony.frames import AmiMessage
from hotline.telephony.model import Direction, Disposition
from tickets.kpi import SERVICE_LEVEL_SECONDS, rate
from tickets.sla import DueEvent

# The calls the service level counts: those that waited in a queue for an agent.
REACHED_A_QUEUE = [Disposition.ANSWERED.value, Disposition.ABANDONED.value]


@dataclass
class QueueNow:
    waiting: int = 0
    longest_wait_seconds: int = 0
    ready: int = 0
    busy: int = 0
    away: int = 0
    # One row per member and queue; an agent in two queues counts once.
    seen_members: set[str] = field(default_factory=set)


def queue_now(events: list[AmiMessage]) -> QueueNow:
    """Fold a QueueStatus answer: callers waiting, the longest wait, members by state."""
    now = QueueNow()
    for event in events:
        if event.event == "QueueEntry":
            now.waiting += 1
            wait = event.get("Wait") or "0"
            now.longest_wait_seconds = max(
                now.longest_wait_seconds, int(wait) if wait.isdigit() else 0
            )
        elif event.event == "QueueMember":
            member = event.get("StateInterface") or event.get("Location") or ""
            if member in now.seen_members:
                continue
            now.seen_members.add(member)
            if event.get("Paused") == "1":
                now.away += 1
            elif event.get("InCall") == "1" or event.get("Status") in ("2", "3", "6"):
                now.busy += 1
            else:
                now.ready += 1
    return now


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
    counts = dict(
        (
            await session.exec(
                select(CallRow.disposition, func.count())
                .where(*inbound, col(CallRow.disposition).in_(REACHED_A_QUEUE))
                .group_by(col(CallRow.disposition))
            )
        ).all()
    )
    quick = (
        await session.exec(
            select(func.count()).where(
                *inbound,
                col(CallRow.disposition) == Disposition.ANSWERED.value,
                col(CallRow.wait_seconds) <= SERVICE_LEVEL_SECONDS,
            )
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
        answered=int(counts.get(Disposition.ANSWERED.value, 0)),
        abandoned=int(counts.get(Disposition.ABANDONED.value, 0)),
        answered_within_target=int(quick),
        warnings=int(escalations.get(DueEvent.WARNING.value, 0)),
        breaches=int(escalations.get(DueEvent.BREACH.value, 0)),
    )
