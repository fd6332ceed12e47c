"""Photos of the work through their use case, on SQLite and PostgreSQL: kept in the database
with the ticket and given back byte for byte, audited and announced after the commit; refused
by the access rules (not his order, not field work, named in it), by their bytes (not a photo
whatever it is called), their size and their number — and a refusal writes nothing."""

from __future__ import annotations

import pytest
from conftest import FakeClock, actor_named
from sqlmodel import col, func, select

from hotline.application import photos as photo_cases
from hotline.application import tickets as ticket_cases
from hotline.application.unit import CoreServices
from hotline.db.tables import AuditEntry, TicketPhoto
from hotline.services import photos as service
from hotline.services.errors import Conflict, Forbidden, Invalid, TooLarge
from hotline.services.tickets import ActionRequest, NewTicket
from tickets.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_TICKET
from tickets.types import TicketType
from tickets.workflow import Action

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x02" * 64
PAGE = b"<!doctype html><script>alert(1)</script>"


async def repair_of_tech(core: CoreServices) -> str:
    agent, dispatcher = await actor_named(core, "agent"), await actor_named(core, "disp")
    view = await ticket_cases.open_ticket(
        core,
        agent,
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            address="北区 光明路 20号",
            description="热水器不点火",
        ),
    )
    number = view.ticket.number
    await ticket_cases.act_on_ticket(
        core, dispatcher, number, Action.ASSIGN, ActionRequest(assignee="tech")
    )
    return number


async def stored(core: CoreServices) -> int:
    async with core.sessions() as session:
        return (await session.exec(select(func.count()).select_from(TicketPhoto))).one()


async def test_a_photo_is_kept_with_the_ticket_given_back_audited_and_announced(
    core: CoreServices, clock: FakeClock
) -> None:
    number = await repair_of_tech(core)
    technician = await actor_named(core, "tech")
    async with core.bus.subscribe("ticket") as feed:
        photos = [
            await photo_cases.attach_photo(core, technician, number, data)
            for data in (JPEG, PNG, WEBP)
        ]
        events = feed.drain()
    assert [p.media_type for p in photos] == ["image/jpeg", "image/png", "image/webp"]
    assert [event.data["action"] for event in events] == ["photo_added"] * 3
    supervisor = await actor_named(core, "sup")
    async with core.sessions() as session:
        listed = await service.photos_of(session, supervisor, number)
        assert [p.id for p in listed] == [p.id for p in photos]
        assert [p.byte_size for p in listed] == [len(JPEG), len(PNG), len(WEBP)]
        assert await service.photo_bytes(session, supervisor, number, photos[1].id) == (
            "image/png",
            PNG,
        )
        audit = (
            await session.exec(
                select(AuditEntry).where(
                    col(AuditEntry.entity_key) == number, col(AuditEntry.action) == "photo_added"
                )
            )
        ).all()
    assert [(row.actor, row.after) for row in audit] == [
        (
            "tech",
            {"photo": photo.id, "media_type": photo.media_type, "bytes": photo.byte_size},
        )
        for photo in photos
    ]
    assert photos[0].added_at == clock.now


async def test_who_may_not_attach_is_refused_and_nothing_is_kept(core: CoreServices) -> None:
    number = await repair_of_tech(core)
    for name in ("tech2", "agent", "qa"):
        with pytest.raises(Forbidden):
            await photo_cases.attach_photo(core, await actor_named(core, name), number, JPEG)
    complaint = await ticket_cases.open_ticket(
        core,
        await actor_named(core, "agent"),
        NewTicket(type=TicketType.COMPLAINT, description="维修员迟到", named_staff=("tech",)),
    )
    supervisor = await actor_named(core, "sup")
    with pytest.raises(Forbidden) as refused:
        await photo_cases.attach_photo(core, supervisor, complaint.ticket.number, JPEG)
    assert refused.value.message == "photos of the work go with repairs and outages"
    # Staff named in a complaint do not see what is attached to it either.
    async with core.sessions() as session:
        with pytest.raises(Forbidden):
            await service.photos_of(
                session, await actor_named(core, "tech"), complaint.ticket.number
            )
    assert await stored(core) == 0


async def test_a_photo_is_told_by_its_bytes_its_size_and_its_number(core: CoreServices) -> None:
    number = await repair_of_tech(core)
    technician = await actor_named(core, "tech")
    for data in (PAGE, b"", b"GIF89a" + b"\x00" * 32):
        with pytest.raises(Invalid) as refused:
            await photo_cases.attach_photo(core, technician, number, data)
        assert set(refused.value.fields) == {"photo"}
    with pytest.raises(TooLarge):
        await photo_cases.attach_photo(core, technician, number, JPEG + b"\x00" * MAX_PHOTO_BYTES)
    largest = JPEG + b"\x00" * (MAX_PHOTO_BYTES - len(JPEG))
    await photo_cases.attach_photo(core, technician, number, largest)
    for _ in range(MAX_PHOTOS_PER_TICKET - 1):
        await photo_cases.attach_photo(core, technician, number, PNG)
    with pytest.raises(Conflict) as full:
        await photo_cases.attach_photo(core, technician, number, PNG)
    assert full.value.fields == {"photo": "this work order has its 12 photos already"}
    assert await stored(core) == MAX_PHOTOS_PER_TICKET
