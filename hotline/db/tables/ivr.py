"""The voice menu's own log: one row per menu session, what the caller did and how it ended.
The call log says what happened on the phone system; this says what the menu did — outages
announced and calls noted on them, status read-outs, callbacks booked, where callers gave up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class IvrSession(SQLModel, table=True):
    __tablename__ = "ivr_session"
    __table_args__ = (
        Index("ix_ivr_session_started_at", "started_at"),
        # "How many callers heard this outage's notice, how many called about it".
        Index("ix_ivr_session_outage", "announced_outage_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The inbound call it belongs to (call_log.linkedid).
    linkedid: str | None = Field(default=None, max_length=64, index=True)
    # menu | callback-offer
    script: str = Field(max_length=20)
    caller: str | None = Field(default=None, max_length=32)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime = Field(sa_type=UTCDateTime)
    # routed | finished | back | hung-up
    outcome: str = Field(max_length=20)
    # The service chosen (routed), or the self-service finished (finished).
    service: str | None = Field(default=None, max_length=20)
    finished: str | None = Field(default=None, max_length=20)
    announced_outage_id: int | None = Field(default=None, foreign_key="ticket.id")
    outage_call: bool = False
    # The incident whose notice the caller heard (tickets/incidents.py), when it came from one.
    announced_incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    status_lookups: int = 0
    callback_place: int | None = None
    # The keys pressed at each question, "" for none: where callers struggle with the menu.
    keys: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
