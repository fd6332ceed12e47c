"""Photos of the work attached to a work order: one transaction each (the photo, its audit row),
announced after it commits like any change to the ticket."""

from __future__ import annotations

from hotline.application.unit import Core, unit_of_work
from hotline.services import photos as service
from hotline.services.actor import Actor
from hotline.services.photos import PhotoInfo


async def attach_photo(core: Core, actor: Actor, number: str, data: bytes) -> PhotoInfo:
    async with unit_of_work(core) as work:
        photo = await service.add_photo(work.session, actor, number, data, work.now)
        work.announce_about(
            photo.ticket_id,
            "ticket.updated",
            {
                "number": number,
                "action": "photo_added",
                "at": work.now.astimezone(work.tz).isoformat(),
            },
        )
    return photo
