"""The SLA sweep: one indexed query finds the clocks whose warning or breach has come, records
each exactly once as an escalation, and hands them back for publishing. Writes are batched:
one INSERT for the escalations and one executemany UPDATE for the clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import dialect_name
from hotline.db.tables import Department, Escalation, SlaClockRow, Ticket, User
from hotline.services import escalations
from hotline.services.clock_rows import clock_from_row
from hotline.services.tickets import TicketView
from tickets import sla

SWEEP_BATCH = 500

_CLOCK_UPDATE = (
    update(SlaClockRow)
    .where(col(SlaClockRow.id) == bindparam("clock_id"))
    .values(
        warned_at=bindparam("new_warned_at"),
        breached_at=bindparam("new_breached_at"),
        next_check_at=bindparam("new_next_check_at"),
    )
)


@dataclass(frozen=True)
class SweepResult:
    examined: int
    escalations: list[Escalation]
    more: bool


async def sweep(session: AsyncSession, now: datetime, batch: int = SWEEP_BATCH) -> SweepResult:
    statement = (
        select(SlaClockRow)
        .where(col(SlaClockRow.next_check_at) <= now)
        .order_by(col(SlaClockRow.next_check_at))
        .limit(batch)
    )
    if dialect_name(session) == "postgresql":
        # A clock an action is changing right now is skipped and seen by the next sweep.
        statement = statement.with_for_update(skip_locked=True)
    clocks = (await session.exec(statement)).all()
    if not clocks:
        return SweepResult(examined=0, escalations=[], more=False)
    ticket_ids = {row.ticket_id for row in clocks}
    owners = (
        await session.exec(
            select(Ticket, Department, User)
            .join(Department, col(Department.id) == Ticket.department_id)
            .outerjoin(User, col(User.id) == Ticket.assignee_id)
            .where(col(Ticket.id).in_(ticket_ids))
        )
    ).all()
    by_ticket = {ticket.id: (ticket, department, user) for ticket, department, user in owners}
    rows = [(row, *by_ticket[row.ticket_id]) for row in clocks]
    due: list[Escalation] = []
    updates: list[dict[str, Any]] = []
    for row, ticket, department, assignee in rows:
        clock = clock_from_row(row)
        events = sla.due_events(clock, now)
        view = TicketView(ticket, [clock], department, assignee, None)
        due += [escalations.build(view, clock, event, now) for event in events]
        recorded = sla.record_due_events(clock, events)
        updates.append(
            {
                "clock_id": row.id,
                "new_warned_at": recorded.warned_at,
                "new_breached_at": recorded.breached_at,
                "new_next_check_at": recorded.next_check_at(),
            }
        )
    inserted = await escalations.insert(session, due)
    if updates:
        connection = await session.connection()
        await connection.execute(_CLOCK_UPDATE, updates)
    return SweepResult(examined=len(rows), escalations=inserted, more=len(rows) == batch)
