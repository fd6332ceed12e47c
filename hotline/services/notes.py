"""Internal notes on tickets: written by whoever works the ticket (a complaint's only by those
who may see the complainant), read on the ticket page; a note may add a repeat call to the
ticket, so the caller's second call does not become a duplicate ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Ticket, TicketNote
from hotline.db.writes import insert_returning_id
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.access import check_ticket_access
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.services.tickets import ticket_numbered
from tickets import access
from tickets.types import TicketType

NOTE_MAX = 2000


async def check_may_note(session: AsyncSession, ticket: Ticket, actor: Actor) -> None:
    """Whoever may read the ticket writes on it; on a complaint only those who may see the
    complainant (tickets/access.py: never the staff it names)."""
    deed = (
        access.Use.SEE_COMPLAINANT
        if ticket.type == TicketType.COMPLAINT.value
        else access.Use.SEE_DESCRIPTION
    )
    await check_ticket_access(session, actor, ticket, deed)


async def add_note(
    session: AsyncSession,
    actor: Actor,
    number: str,
    body: str,
    call_linkedid: str | None,
    now: datetime,
) -> TicketNote:
    ticket = await ticket_numbered(session, number)
    await check_may_note(session, ticket, actor)
    text = body.strip()
    if call_linkedid is None and not text:
        raise Invalid(N_("the note was not saved"), {"body": N_("write the note")})
    if len(text) > NOTE_MAX:
        raise Invalid(N_("the note was not saved"), {"body": N_("too long")})
    if call_linkedid is not None:
        logged = await session.exec(
            select(CallRow.id).where(col(CallRow.linkedid) == call_linkedid).limit(1)
        )
        if logged.first() is None:
            raise Invalid(N_("the call was not added"), {"call_linkedid": N_("no such call")})
    values: dict[str, Any] = {
        "ticket_id": ticket.id,
        "at": now,
        "author": actor.username,
        "body": text,
        "call_linkedid": call_linkedid,
    }
    note_id = await insert_returning_id(session, TicketNote, values)
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="ticket",
        key=number,
        action="call_added" if call_linkedid else "note",
        after={"call_linkedid": call_linkedid} if call_linkedid else None,
        note=text or None,
    )
    return TicketNote(id=note_id, **values)


async def notes_of(session: AsyncSession, ticket_id: int) -> list[TicketNote]:
    statement = (
        select(TicketNote)
        .where(col(TicketNote.ticket_id) == ticket_id)
        .order_by(col(TicketNote.at), col(TicketNote.id))
    )
    return list((await session.exec(statement)).all())


async def tickets_of_call(session: AsyncSession, linkedid: str) -> list[str]:
    """The tickets a call was added to (a repeat call), besides those taken on it."""
    statement = (
        select(Ticket.number)
        .join(TicketNote, col(TicketNote.ticket_id) == col(Ticket.id))
        .where(col(TicketNote.call_linkedid) == linkedid)
    )
    return list((await session.exec(statement)).all())
