"""Events on their way between workers (hotline/relay.py): kept a few minutes, so a worker that
lost its PostgreSQL connection catches up on its way back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class RelayedEvent(SQLModel, table=True):
    __tablename__ = "event_relay"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    # The worker that published it (its relay's id): it does not read its own events back.
    origin: str = Field(max_length=32)
    topic: str = Field(max_length=100)
    at: datetime = Field(sa_type=UTCDateTime)
    # The event's data as JSON text; only ids go through NOTIFY.
    data: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        sa_type=UTCDateTime,
        sa_column_kwargs={"server_default": text("CURRENT_TIMESTAMP")},
        index=True,
    )
