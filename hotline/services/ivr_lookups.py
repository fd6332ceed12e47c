"""What the voice menu and the screen pop look up about a caller: outages not yet over in their
areas (with the expected restoration), and one of their own tickets by the digits they keyed.
A handful of indexed queries: the menu runs them while the caller listens to the greeting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, IvrSession, SlaClockRow, Ticket, Visit
from tickets.numbering import numbers_from_keys
from tickets.sla import ClockName
from tickets.types import TicketType
from tickets.visits import VisitStatus
from tickets.workflow import Status

OVER = (Status.RESOLVED.value, Status.CLOSED.value)


async def outages_in_areas(session: AsyncSession, areas: Iterable[str], limit: int) -> list[Ticket]:
    """Outages not yet over in these areas, the latest reported first."""
    wanted = sorted(set(areas))
    if not wanted:
        return []
    statement = (
        select(Ticket)
        .where(
            col(Ticket.type) == TicketType.OUTAGE.value,
            col(Ticket.area).in_(wanted),
            col(Ticket.status).not_in(OVER),
        )
        .order_by(col(Ticket.received_at).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def expected_restoration(session: AsyncSession, outage: Ticket) -> datetime | None:
    """When gas should be back: the running restore clock's deadline, else the planned end."""
    assert outage.id is not None
    statement = select(SlaClockRow.due_at).where(
        col(SlaClockRow.ticket_id) == outage.id,
        col(SlaClockRow.name) == ClockName.RESTORE.value,
        col(SlaClockRow.stopped_at).is_(None),
    )
    due = (await session.exec(statement)).first()
    return due if due is not None else outage.appointment_end


async def call_started_at(session: AsyncSession, linkedid: str) -> datetime | None:
    statement = select(CallRow.started_at).where(col(CallRow.linkedid) == linkedid)
    return (await session.exec(statement)).first()


async def callers_ticket(
    session: AsyncSession, keys: str, number: str | None, customer_id: int | None
) -> tuple[Ticket, datetime | None] | None:
    """The ticket the caller keyed, if it is theirs (filed from their number or on their
    customer file), with its next booked visit. Anyone else's ticket is not found: the menu
    cannot be used to learn about other people's tickets."""
    candidates = numbers_from_keys(keys)
    owners = []
    if number:
        owners.append(col(Ticket.caller_phone) == number)
    if customer_id is not None:
        owners.append(col(Ticket.customer_id) == customer_id)
    if not candidates or not owners:
        return None
    statement = (
        select(Ticket)
        .where(col(Ticket.number).in_(candidates), or_(*owners))
        .order_by(col(Ticket.received_at).desc())
    )
    ticket = (await session.exec(statement)).first()
    if ticket is None:
        return None
    visit = select(Visit.window_start).where(
        col(Visit.ticket_id) == ticket.id, col(Visit.status) == VisitStatus.BOOKED.value
    )
    return ticket, (await session.exec(visit.order_by(col(Visit.window_start)))).first()


@dataclass(frozen=True)
class OutageCallers:
    """What the menu did for an outage: callers who heard its notice, and those of them who
    said they called about it (and were let go without waiting for an agent)."""

    heard_notice: int
    called_about_it: int


async def outage_callers(session: AsyncSession, outage_id: int) -> OutageCallers:
    statement = select(
        func.count(), func.coalesce(func.sum(case((col(IvrSession.outage_call), 1), else_=0)), 0)
    ).where(col(IvrSession.announced_outage_id) == outage_id)
    heard, called = (await session.exec(statement)).one()
    return OutageCallers(int(heard), int(called))
