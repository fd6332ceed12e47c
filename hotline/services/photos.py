"""Photos of the work on a ticket: attached by those the access rules let (tickets/access.py),
checked by their bytes (tickets/photos.py), kept in the database with the ticket, audited; read
back by whoever may see the ticket's photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import TicketPhoto
from hotline.db.writes import insert_returning_id
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.access import check_ticket_access
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Invalid, NotFound, TooLarge
from hotline.services.tickets import lock_ticket, ticket_numbered
from tickets import access, photos

NOT_ATTACHED = N_("the photo was not attached")


@dataclass(frozen=True)
class PhotoInfo:
    """A photo as lists show it, without its bytes."""

    id: int
    ticket_id: int
    ticket_number: str
    added_at: datetime
    added_by: str
    media_type: str
    byte_size: int


async def add_photo(
    session: AsyncSession, actor: Actor, number: str, data: bytes, now: datetime
) -> PhotoInfo:
    # Under the ticket's lock: two photos sent at once cannot both be the twelfth.
    ticket = await lock_ticket(session, number)
    assert ticket.id is not None
    await check_ticket_access(session, actor, ticket, access.Use.ATTACH_PHOTO)
    attached = (
        await session.exec(
            select(func.count()).select_from(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
        )
    ).one()
    try:
        kind = photos.check_photo(data, attached)
    except photos.PhotoRefused as refused:
        fields = {refused.field: refused.message}
        if refused.too_large:
            raise TooLarge(NOT_ATTACHED, fields) from refused
        if refused.too_many:
            raise Conflict(NOT_ATTACHED, fields=fields) from refused
        raise Invalid(NOT_ATTACHED, fields) from refused
    values = {
        "ticket_id": ticket.id,
        "added_at": now,
        "added_by": actor.username,
        "media_type": kind.value,
        "byte_size": len(data),
        "data": data,
    }
    photo_id = await insert_returning_id(session, TicketPhoto, values)
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="ticket",
        key=number,
        action="photo_added",
        after={"photo": photo_id, "media_type": kind.value, "bytes": len(data)},
    )
    return PhotoInfo(photo_id, ticket.id, number, now, actor.username, kind.value, len(data))


async def photos_of(session: AsyncSession, actor: Actor, number: str) -> list[PhotoInfo]:
    """The ticket's photos, oldest first, without their bytes."""
    ticket = await ticket_numbered(session, number)
    await check_ticket_access(session, actor, ticket, access.Use.SEE_PHOTOS)
    rows = await session.exec(
        select(TicketPhoto)
        # The bytes stay in the database until a photo is asked for. (SQLModel types the
        # column as its value, bytes, where SQLAlchemy wants the attribute.)
        .options(defer(TicketPhoto.data))  # type: ignore[arg-type]
        .where(col(TicketPhoto.ticket_id) == ticket.id)
        .order_by(col(TicketPhoto.added_at), col(TicketPhoto.id))
    )
    assert ticket.id is not None
    return [
        PhotoInfo(
            row.id, ticket.id, number, row.added_at, row.added_by, row.media_type, row.byte_size
        )
        for row in rows.all()
        if row.id is not None
    ]


async def photo_bytes(
    session: AsyncSession, actor: Actor, number: str, photo_id: int
) -> tuple[str, bytes]:
    """One photo of the ticket: its media type and its bytes."""
    ticket = await ticket_numbered(session, number)
    await check_ticket_access(session, actor, ticket, access.Use.SEE_PHOTOS)
    row = (
        await session.exec(
            select(TicketPhoto.media_type, TicketPhoto.data).where(
                col(TicketPhoto.id) == photo_id, col(TicketPhoto.ticket_id) == ticket.id
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"no photo {photo_id} on {number}")
    return row[0], row[1]
