"""Reading the call log: filtered pages, and one call with the tickets it produced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Customer, Ticket, User
from hotline.services.errors import NotFound


@dataclass(frozen=True)
class CallFilter:
    since: datetime | None = None
    until: datetime | None = None
    caller: str | None = None
    agent: str | None = None
    disposition: str | None = None
    queue: str | None = None
    direction: str | None = None
    customer_id: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class CallPage:
    items: list[CallRow]
    page: int
    per_page: int
    has_more: bool


async def list_calls(session: AsyncSession, query: CallFilter) -> CallPage:
    statement = select(CallRow)
    if query.since is not None:
        statement = statement.where(col(CallRow.started_at) >= query.since)
    if query.until is not None:
        statement = statement.where(col(CallRow.started_at) < query.until)
    if query.caller is not None:
        statement = statement.where(col(CallRow.caller) == query.caller)
    if query.agent is not None:
        # The member name Asterisk knows (Agent1) or the interface (PJSIP/8001).
        statement = statement.where(
            or_(col(CallRow.agent_name) == query.agent, col(CallRow.agent_interface) == query.agent)
        )
    if query.disposition is not None:
        statement = statement.where(col(CallRow.disposition) == query.disposition)
    if query.queue is not None:
        statement = statement.where(col(CallRow.queue) == query.queue)
    if query.direction is not None:
        statement = statement.where(col(CallRow.direction) == query.direction)
    if query.customer_id is not None:
        statement = statement.where(col(CallRow.customer_id) == query.customer_id)
    statement = (
        statement.order_by(col(CallRow.started_at).desc(), col(CallRow.id).desc())
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page + 1)
    )
    rows = list((await session.exec(statement)).all())
    return CallPage(rows[: query.per_page], query.page, query.per_page, len(rows) > query.per_page)


@dataclass(frozen=True)
class CallDetail:
    call: CallRow
    tickets: list[Ticket]


async def get_call(session: AsyncSession, linkedid: str, server: str | None = None) -> CallDetail:
    statement = select(CallRow).where(col(CallRow.linkedid) == linkedid)
    if server is not None:
        statement = statement.where(col(CallRow.server) == server)
    call = (await session.exec(statement.order_by(col(CallRow.id)))).first()
    if call is None:
        raise NotFound("no such call")
    # Tickets taken on this call, and the ticket an outbound call was placed for.
    conditions = [col(Ticket.call_linkedid) == linkedid]
    if call.ticket_id is not None:
        conditions.append(col(Ticket.id) == call.ticket_id)
    tickets = list(
        (await session.exec(select(Ticket).where(or_(*conditions)).order_by(col(Ticket.id)))).all()
    )
    return CallDetail(call, tickets)


async def tickets_of_calls(session: AsyncSession, calls: Sequence[CallRow]) -> list[Ticket]:
    """The tickets taken on these calls or placed them."""
    linkedids = {call.linkedid for call in calls}
    ids = {call.ticket_id for call in calls if call.ticket_id is not None}
    if not linkedids:
        return []
    found = await session.exec(
        select(Ticket).where(or_(col(Ticket.call_linkedid).in_(linkedids), col(Ticket.id).in_(ids)))
    )
    return list(found.all())


async def calls_of_ticket(
    session: AsyncSession, ticket_id: int | None, call_linkedid: str | None
) -> list[CallRow]:
    """The call a ticket was taken on, and the calls placed for it."""
    conditions = []
    if ticket_id is not None:
        conditions.append(col(CallRow.ticket_id) == ticket_id)
    if call_linkedid:
        conditions.append(col(CallRow.linkedid) == call_linkedid)
    if not conditions:
        return []
    statement = select(CallRow).where(or_(*conditions)).order_by(col(CallRow.started_at))
    return list((await session.exec(statement)).all())


@dataclass(frozen=True)
class CallNames:
    """What a page of the call log names its calls by: the customer's name, the agent's name
    (not the queue member's `Agent1`), the tickets taken on each call."""

    customers: dict[int, str]
    agents: dict[str, str]
    tickets: dict[str, list[str]]

    def agent(self, call: CallRow) -> str | None:
        if call.agent_interface and call.agent_interface in self.agents:
            return self.agents[call.agent_interface]
        return call.agent_name


async def names_of(session: AsyncSession, calls: list[CallRow]) -> CallNames:
    customer_ids = {call.customer_id for call in calls if call.customer_id is not None}
    interfaces = {call.agent_interface for call in calls if call.agent_interface}
    linkedids = {call.linkedid for call in calls}
    customers: dict[int, str] = {}
    if customer_ids:
        rows = await session.exec(
            select(Customer.id, Customer.name).where(col(Customer.id).in_(customer_ids))
        )
        customers = {customer_id: name for customer_id, name in rows.all() if customer_id}
    agents: dict[str, str] = {}
    if interfaces:
        users = await session.exec(
            select(User.interface, User.display_name).where(col(User.interface).in_(interfaces))
        )
        agents = {interface: name for interface, name in users.all() if interface}
    tickets: dict[str, list[str]] = {}
    if linkedids:
        taken = await session.exec(
            select(Ticket.call_linkedid, Ticket.number)
            .where(col(Ticket.call_linkedid).in_(linkedids))
            .order_by(col(Ticket.id))
        )
        for linkedid, number in taken.all():
            if linkedid:
                tickets.setdefault(linkedid, []).append(number)
    return CallNames(customers, agents, tickets)


async def agents_with_phones(session: AsyncSession) -> list[tuple[str, str]]:
    """Who answers calls (a user with a phone interface): the call log's agent filter."""
    rows = await session.exec(
        select(User.interface, User.display_name)
        .where(col(User.interface).is_not(None))
        .order_by(col(User.display_name))
    )
    return [(interface, name) for interface, name in rows.all() if interface]
