"""Notes on tickets: an internal note, or a repeat call added to an open ticket with one — in
one transaction, announced after it commits like any change to the ticket."""

from __future__ import annotations

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import TicketNote
from hotline.services import notes as service
from hotline.services.actor import Actor


async def add_note(
    core: Core, actor: Actor, number: str, body: str, call_linkedid: str | None = None
) -> TicketNote:
    async with unit_of_work(core) as work:
        note = await service.add_note(work.session, actor, number, body, call_linkedid, work.now)
        work.announce_about(
            note.ticket_id,
            "ticket.updated",
            {
                "number": number,
                "action": "call_added" if call_linkedid else "note",
                "at": work.now.astimezone(work.tz).isoformat(),
            },
        )
    return note
