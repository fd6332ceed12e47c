"""The SLA sweep: one indexed query finds the clocks whose warning or breach has come, records
each exactly once as an escalation, and hands them back for publishing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import dialect_name
from hotline.db.tables import Department, Escalation, SlaClockRow, Ticket, User
from hotline.services.clock_rows import clock_from_row, write_clock
from hotline.services.tickets import TicketView, record_escalation
from tickets import sla

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    examined: int
    escalations: list[Escalation]
    more: bool


async def sweep(session: AsyncSession, now: datetime, batch: int = SWEEP_BATCH) -> SweepResult:
    statement = (
        select(SlaClockRow, Ticket, Department, User)
        .join(Ticket, col(Ticket.id) == SlaClockRow.ticket_id)
        .join(Department, col(Department.id) == Ticket.department_id)
        .outerjoin(User, col(User.id) == Ticket.assignee_id)
        .where(col(SlaClockRow.next_check_at) <= now)
        .order_by(col(SlaClockRow.next_check_at))
        .limit(batch)
    )
    if dialect_name(session) == "postgresql":
        # A clock an action is changing right now is skipped and seen by the next sweep.
        statement = statement.with_for_update(of=SlaClockRow, skip_locked=True)
    rows = (await session.exec(statement)).all()
    escalations: list[Escalation] = []
    for row, ticket, department, assignee in rows:
        clock = clock_from_row(row)
        events = sla.due_events(clock, now)
        view = TicketView(ticket, [row], department, assignee, None)
        for event in events:
            escalation = await record_escalation(session, view, clock, event, now)
            if escalation is not None:
                escalations.append(escalation)
        write_clock(row, sla.record_due_events(clock, events))
        session.add(row)
    await session.flush()
    return SweepResult(examined=len(rows), escalations=escalations, more=len(rows) == batch)
