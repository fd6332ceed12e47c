"""Photos of the work attached to a ticket, kept in the database with it: every worker serves
them and every backup holds them, with nothing on a local disk to lose or to copy apart."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class TicketPhoto(SQLModel, table=True):
    __tablename__ = "ticket_photo"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by: str = Field(max_length=64)
    # The type its bytes showed (tickets/photos.py), served as such.
    media_type: str = Field(max_length=20)
    byte_size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
