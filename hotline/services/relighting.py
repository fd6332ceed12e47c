"""Relighting visits in the database (inside a transaction given): opened for every affected
customer when gas is back, booked, done or found not needed (audited), the dispatchers'
worklist, the visits whose reminder is due, and — once the outage is relit — the follow-up
callbacks of the callers who joined it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallRow,
    Customer,
    CustomerAddress,
    CustomerPhone,
    Incident,
    IncidentLink,
    IvrSession,
    RelightVisit,
    Ticket,
)
from hotline.i18n import N_
from hotline.services import audit, callbacks
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Invalid, NotFound
from hotline.services.incidents import affected_clause
from hotline.services.sms_outbox import Recipient
from tickets import relighting as rules
from tickets.incident_followups import LinkedTicket, follow_ups
from tickets.relighting import RelightDeed, RelightStatus
from tickets.sms_sending import receives_sms

ENTITY = "relight_visit"


async def open_for(session: AsyncSession, incident: Incident, now: datetime) -> int:
    """A visit to book for every affected customer not yet given one; how many were opened."""
    assert incident.id is not None
    have = select(RelightVisit.customer_id).where(col(RelightVisit.incident_id) == incident.id)
    customer_ids = (
        await session.exec(
            select(Customer.id)
            .where(affected_clause(incident))
            .where(col(Customer.id).not_in(have))
            .order_by(col(Customer.id))
        )
    ).all()
    session.add_all(
        RelightVisit(
            incident_id=incident.id,
            customer_id=customer_id,
            status=RelightStatus.TO_BOOK.value,
            created_at=now,
            updated_at=now,
        )
        for customer_id in customer_ids
        if customer_id is not None
    )
    await session.flush()
    return len(customer_ids)


async def outstanding(session: AsyncSession, incident_id: int) -> int:
    """Visits still to book or to make."""
    statement = select(func.count()).where(
        col(RelightVisit.incident_id) == incident_id,
        col(RelightVisit.status).not_in([s.value for s in rules.SETTLED]),
    )
    return int((await session.exec(statement)).one())


async def _get(session: AsyncSession, visit_id: int) -> RelightVisit:
    visit = await session.get(RelightVisit, visit_id)
    if visit is None:
        raise NotFound(N_("no such relighting visit"))
    return visit


def _step(visit: RelightVisit, deed: RelightDeed) -> RelightStatus:
    found = rules.after(RelightStatus(visit.status), deed)
    if found is None:
        raise Conflict(N_("the relighting visit is not at a step where this can be done"))
    return found


async def _record(
    session: AsyncSession,
    actor: Actor,
    visit: RelightVisit,
    deed: RelightDeed,
    before: str,
    now: datetime,
) -> None:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity=ENTITY,
        key=str(visit.id),
        action=deed.value,
        before={"status": before},
        after={
            "status": visit.status,
            "window_start": iso(visit.window_start),
            "window_end": iso(visit.window_end),
            "done_at": iso(visit.done_at),
        },
        note=visit.note,
    )


async def book(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> RelightVisit:
    """An appointment window; booking again moves it (and the reminder is sent afresh)."""
    visit = await _get(session, visit_id)
    status = _step(visit, RelightDeed.BOOK)
    problems = rules.window_problems(start, end, now)
    if problems:
        raise Invalid(N_("the appointment window cannot be booked like this"), problems)
    before = visit.status
    visit.status = status.value
    visit.window_start, visit.window_end = start, end
    visit.booked_by = actor.username
    visit.reminded_at = None
    visit.updated_at = now
    session.add(visit)
    await _record(session, actor, visit, RelightDeed.BOOK, before, now)
    return visit


async def settle(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    deed: RelightDeed,
    *,
    at: datetime,
    note: str | None,
    now: datetime,
) -> RelightVisit:
    """Done (gas turned on at `at`) or not needed (with the reason why)."""
    visit = await _get(session, visit_id)
    status = _step(visit, deed)
    note = (note or "").strip() or None
    if deed is RelightDeed.NOT_NEEDED and note is None:
        raise Invalid(N_("say why no relighting visit is needed"), {"note": N_("required")})
    if at > now:
        raise Invalid(N_("the step cannot be dated in the future"), {"at": N_("in the future")})
    before = visit.status
    visit.status = status.value
    visit.done_at = at
    visit.note = note
    visit.updated_at = now
    session.add(visit)
    await _record(session, actor, visit, deed, before, now)
    return visit


@dataclass
class WorklistRow:
    visit: RelightVisit
    customer: Customer
    address: str | None
    phones: list[str]


async def worklist(
    session: AsyncSession, incident_id: int, status: RelightStatus | None, limit: int = 500
) -> tuple[dict[str, int], list[WorklistRow]]:
    """Counts by status and the visits for the dispatcher: to book first, then by window."""
    counted = await session.exec(
        select(RelightVisit.status, func.count())
        .where(col(RelightVisit.incident_id) == incident_id)
        .group_by(col(RelightVisit.status))
    )
    counts = {s.value: 0 for s in RelightStatus} | {name: int(n) for name, n in counted}
    statement = (
        select(RelightVisit, Customer)
        .join(Customer, col(Customer.id) == col(RelightVisit.customer_id))
        .where(col(RelightVisit.incident_id) == incident_id)
    )
    if status is not None:
        statement = statement.where(col(RelightVisit.status) == status.value)
    statement = statement.order_by(
        col(RelightVisit.window_start).is_not(None),
        col(RelightVisit.window_start),
        col(Customer.account_number),
    ).limit(limit)
    rows = list((await session.exec(statement)).all())
    ids = [customer.id for _visit, customer in rows]
    addresses: dict[int, str] = {}
    phones: dict[int, list[str]] = {}
    if ids:
        for address in (
            await session.exec(
                select(CustomerAddress)
                .where(col(CustomerAddress.customer_id).in_(ids))
                .order_by(col(CustomerAddress.is_primary).desc())
            )
        ).all():
            addresses.setdefault(address.customer_id, address.address)
        for phone in (
            await session.exec(select(CustomerPhone).where(col(CustomerPhone.customer_id).in_(ids)))
        ).all():
            phones.setdefault(phone.customer_id, []).append(phone.number)
    return counts, [
        WorklistRow(
            visit, customer, addresses.get(customer.id or 0), phones.get(customer.id or 0, [])
        )
        for visit, customer in rows
    ]


@dataclass(frozen=True)
class Reminder:
    visit: RelightVisit
    recipients: list[Recipient]


async def reminders_due(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[Reminder]:
    """Booked visits whose reminder is due (the day before), marked as reminded."""
    booked = (
        await session.exec(
            select(RelightVisit).where(
                col(RelightVisit.status) == RelightStatus.BOOKED.value,
                col(RelightVisit.reminded_at).is_(None),
                col(RelightVisit.window_start) > now,
            )
        )
    ).all()
    due = [
        visit
        for visit in booked
        if visit.window_start is not None and rules.reminder_due(visit.window_start, None, now, tz)
    ]
    if not due:
        return []
    phones: dict[int, list[Recipient]] = {}
    for phone in (
        await session.exec(
            select(CustomerPhone)
            .where(col(CustomerPhone.customer_id).in_([v.customer_id for v in due]))
            .order_by(col(CustomerPhone.id))
        )
    ).all():
        if receives_sms(phone.number):
            phones.setdefault(phone.customer_id, []).append(
                Recipient(phone.number, phone.customer_id)
            )
    for visit in due:
        visit.reminded_at = now
        session.add(visit)
    return [Reminder(visit, phones.get(visit.customer_id, [])) for visit in due]


async def call_back_linked_callers(
    session: AsyncSession, incident: Incident, local_area_code: str, now: datetime, tz: ZoneInfo
) -> int:
    """Once the outage is relit, a follow-up callback for every caller who joined it
    (tickets/incident_followups.py): about their ticket when one joined (or was filed on a
    call that joined), else at the number they called from — one per number, anonymous
    callers left out. How many were made; made again it adds none."""
    assert incident.id is not None and incident.relit_at is not None
    links = (
        await session.exec(
            select(IncidentLink)
            .where(col(IncidentLink.incident_id) == incident.id)
            .order_by(col(IncidentLink.linked_at), col(IncidentLink.id))
        )
    ).all()
    ticket_ids = {link.ticket_id for link in links if link.ticket_id is not None}
    calls = [link.call_linkedid for link in links if link.call_linkedid is not None]
    clauses: list[Any] = []
    if ticket_ids:
        clauses.append(col(Ticket.id).in_(ticket_ids))
    if calls:
        clauses.append(col(Ticket.call_linkedid).in_(calls))
    tickets: list[Ticket] = []
    if clauses:
        tickets = list(
            (
                await session.exec(
                    select(Ticket).where(or_(*clauses)).order_by(col(Ticket.received_at))
                )
            ).all()
        )
    numbers = await _call_numbers(session, calls)
    chosen = follow_ups(
        [LinkedTicket(t.id, t.caller_phone) for t in tickets if t.id is not None],
        [numbers.get(linkedid) for linkedid in calls],
        local_area_code,
    )
    made = 0
    for ticket in tickets:
        if ticket.id in chosen.tickets:
            task = await callbacks.create_after_outage(
                session, ticket, incident.id, incident.relit_at, now, tz
            )
            made += task is not None
    for number in chosen.numbers:
        task = await callbacks.create_for_outage_caller(
            session, incident.id, number, incident.relit_at, now, tz
        )
        made += task is not None
    return made


async def _call_numbers(session: AsyncSession, linkedids: list[str]) -> dict[str, str | None]:
    """Each call's caller number: the call log's, else the voice menu's (a call the menu
    joined before the call log heard of it)."""
    if not linkedids:
        return {}
    numbers: dict[str, str | None] = {}
    for linkedid, caller in (
        await session.exec(
            select(IvrSession.linkedid, IvrSession.caller).where(
                col(IvrSession.linkedid).in_(linkedids)
            )
        )
    ).all():
        if linkedid is not None and caller:
            numbers[linkedid] = caller
    for linkedid, caller in (
        await session.exec(
            select(CallRow.linkedid, CallRow.caller).where(col(CallRow.linkedid).in_(linkedids))
        )
    ).all():
        if caller:
            numbers[linkedid] = caller
    return numbers


def visit_json(row: WorklistRow, tz: ZoneInfo) -> dict[str, Any]:
    visit = row.visit

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    return {
        "id": visit.id,
        "incident": visit.incident_id,
        "status": visit.status,
        "account": row.customer.account_number,
        "name": row.customer.name,
        "special_care": row.customer.special_care,
        "address": row.address,
        "phones": row.phones,
        "window_start": local(visit.window_start),
        "window_end": local(visit.window_end),
        "reminded_at": local(visit.reminded_at),
        "done_at": local(visit.done_at),
        "note": visit.note,
    }
