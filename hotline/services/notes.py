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
from hotline.services.actor import Actor
from hotline.services.errors import Forbidden, Invalid, NotFound
from tickets.workflow import may_see_complainant

NOTE_MAX = 2000


def may_note(ticket: Ticket, actor: Actor) -> bool:
    involved = ticket.created_by == actor.username or ticket.assignee_id == actor.user_id
    return may_see_complainant(ticket.type, actor.role, involved)


async def add_note(
    session: AsyncSession,
    actor: Actor,
    number: str,
    body: str,
    call_linkedid: str | None,
    now: datetime,
) -> TicketNote:
    ticket = (await session.exec(select(Ticket).where(col(Ticket.number) == number))).first()
    if ticket is None or ticket.id is None:
        raise NotFound(f"no ticket {number}")
    if not may_note(ticket, actor):
        raise Forbidden("complaints are confidential: you may not write on this one")
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
