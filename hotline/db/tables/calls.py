"""The call log: one row per call, keyed by the PBX it came through and its `Linkedid`.

Rows are upserted as the call progresses (a call in progress has no `ended_at`), so the log
is always as current as the last batch written by the telephony writer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime

IN_PROGRESS = "ended_at IS NULL"


class CallRow(SQLModel, table=True):
    __tablename__ = "call_log"
    __table_args__ = (
        UniqueConstraint("server", "linkedid"),
        Index("ix_call_log_started_at", "started_at"),
        Index("ix_call_log_caller_started", "caller", "started_at"),
        Index("ix_call_log_agent_started", "agent_name", "started_at"),
        # The call an agent is on, asked for whenever their live feed opens: only calls in
        # progress are in it.
        Index(
            "ix_call_log_agent_in_progress",
            "agent_user_id",
            postgresql_where=text(IN_PROGRESS),
            sqlite_where=text(IN_PROGRESS),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    server: str = Field(max_length=64)
    linkedid: str = Field(max_length=64, index=True)
    direction: str = Field(max_length=16)
    # The customer's number, normalised like customer_phone.number, whichever direction.
    caller: str | None = Field(default=None, max_length=32)
    dialled: str | None = Field(default=None, max_length=32)
    ivr_choice: str | None = Field(default=None, max_length=32)
    queue: str | None = Field(default=None, max_length=64)
    agent_name: str | None = Field(default=None, max_length=64)
    agent_interface: str | None = Field(default=None, max_length=128)
    agent_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    disposition: str | None = Field(default=None, max_length=16, index=True)
    originate_action_id: str | None = Field(default=None, max_length=64)
    # Who asked for an outbound call and for which ticket (click-to-call, callbacks).
    requested_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime)
