"""What the voice menu looks up about a caller: who they are and where they live, and one of
their own tickets by the digits they keyed. Indexed queries: the menu runs them while the caller
listens to the greeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallRow,
    Customer,
    CustomerAddress,
    IvrSession,
    Ticket,
    Visit,
)
from hotline.services.customers import most_recent_first, on_number
from tickets.numbering import numbers_from_keys
from tickets.visits import VisitStatus


@dataclass(frozen=True)
class CallerOnFile:
    customer_id: int
    special_care: bool
    account_number: str
    # The areas of their addresses.
    areas: frozenset[str]


async def caller_on_file(session: AsyncSession, number: str | None) -> CallerOnFile | None:
    """The customer on file with this number (normalised as the call log stores it) and the
    areas they live in, in one query. When several customers share the number the most
    recently updated or filed one is taken, as the screen pop does."""
    if not number:
        return None
    rows = (
        await session.exec(
            select(
                Customer.id, Customer.special_care, Customer.account_number, CustomerAddress.area
            )
            .outerjoin(CustomerAddress, col(CustomerAddress.customer_id) == col(Customer.id))
            .where(on_number(number))
            .order_by(*most_recent_first())
        )
    ).all()
    if not rows or rows[0][0] is None:
        return None
    customer_id, special_care, account_number, _ = rows[0]
    return CallerOnFile(
        customer_id,
        bool(special_care),
        account_number,
        frozenset(area for lead, _, _, area in rows if lead == customer_id and area),
    )


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
