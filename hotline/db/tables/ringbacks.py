"""Ring-backs: callers to call back (virtual hold, missed calls), the policy admins edit, and
how far the missed-call scan has read the call log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from hotline.db.tables.calls import CallRow
from hotline.db.types import UTCDateTime

OPEN = "status IN ('waiting', 'dialling')"
# Queued calls nobody answered: abandoned, or let go at the queue's timeout and hung up after.
MISSED = "disposition IN ('abandoned', 'timed_out')"


class RingbackRow(SQLModel, table=True):
    __tablename__ = "ringback"
    __table_args__ = (
        # One open ring-back per number: asking twice keeps one, with the earlier place.
        Index(
            "ux_ringback_open_number",
            "number",
            unique=True,
            postgresql_where=text(OPEN),
            sqlite_where=text(OPEN),
        ),
        # Has this number had a ring-back since a call began (the missed-call scan).
        Index("ix_ringback_number_requested", "number", "requested_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # E.164, as customer_phone.number and the call log's caller.
    number: str = Field(max_length=32)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    reason: str = Field(max_length=20)
    # The caller's IVR choice (consultation, repair, gas-smell, …) and the queue they waited in.
    ticket_type: str | None = Field(default=None, max_length=32)
    queue: str | None = Field(default=None, max_length=64)
    # When the caller first joined the queue: their place among the ring-backs. On the PBX's
    # clock, as the call log it comes from and is compared with (telephony/pbx_clock.py).
    arrived_at: datetime = Field(sa_type=UTCDateTime)
    requested_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The inbound call the ring-back answers.
    call_linkedid: str | None = Field(default=None, max_length=64)
    # The attempt in flight: our Originate's ActionID and the agent's phone it rings first.
    dial_action_id: str | None = Field(default=None, max_length=64)
    dial_interface: str | None = Field(default=None, max_length=128)
    answered_call_linkedid: str | None = Field(default=None, max_length=64)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=1000)


class RingbackPolicyRow(SQLModel, table=True):
    """One row: the defaults until an admin changes them. The quiet hours are the callback
    policy's, one setting for every outbound call."""

    __tablename__ = "ringback_policy"

    id: int = Field(default=1, primary_key=True)
    missed_call_grace_minutes: int = 3
    retry_minutes: int = 10
    max_attempts: int = 3
    offer_wait_seconds: int = 90
    fresh_minutes: int = 60
    automatic_dialling: bool = True


class RingbackScan(SQLModel, table=True):
    """How far a scan of the call log has read (by the rows' write time, our clock)."""

    __tablename__ = "ringback_scan"

    name: str = Field(primary_key=True, max_length=32)
    scanned_until: datetime = Field(sa_type=UTCDateTime)


# The missed-call scan reads the missed calls written since it last looked. Only missed calls
# are in it, so the other writes of the call log do not touch it; `disposition` leads so that
# SQLite, without statistics, prefers it to the plain index on the disposition alone.
MISSED_CALLS_BY_WRITE = Index(
    "ix_call_log_missed_updated",
    CallRow.__table__.c.disposition,  # type: ignore[attr-defined]
    CallRow.__table__.c.updated_at,  # type: ignore[attr-defined]
    postgresql_where=text(MISSED),
    sqlite_where=text(MISSED),
)
