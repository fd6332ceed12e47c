"""Internal notes on a ticket, written by whoever works it; a note may bring a call onto the
ticket (a repeat call about it, added instead of a duplicate ticket)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class TicketNote(SQLModel, table=True):
    __tablename__ = "ticket_note"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    author: str = Field(max_length=64)
    body: str = Field(max_length=2000)
    # The call this note added to the ticket, when it did.
    call_linkedid: str | None = Field(default=None, max_length=64, index=True)
