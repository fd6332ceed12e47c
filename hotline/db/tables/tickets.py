"""Tickets, their SLA clocks, escalations and the daily number sequences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_status_received", "status", "received_at"),
        # Lists are newest first: walked backwards, this index gives a page without a sort.
        Index("ix_ticket_received_id", "received_at", "id"),
        Index("ix_ticket_department_status", "department_id", "status"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        # The screen pop's "outages in the caller's area".
        Index("ix_ticket_type_area_status", "type", "area", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=24, unique=True, index=True)
    type: str = Field(max_length=20, index=True)
    subtype: str | None = Field(default=None, max_length=40)
    special: bool = False
    # Why a consultation is special (SPECIAL_REASONS), chosen at intake or by a supervisor.
    special_reason: str | None = Field(default=None, max_length=40)
    status: str = Field(max_length=20)
    priority: str = Field(max_length=20)
    department_id: int = Field(foreign_key="department.id")
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    caller_phone: str | None = Field(default=None, max_length=20, index=True)
    caller_name: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    area: str | None = Field(default=None, max_length=64)
    description: str = Field(max_length=4000)
    call_linkedid: str | None = Field(default=None, max_length=64, index=True)
    named_staff: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    appointment_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    appointment_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The time of the latest fact on record (receipt, or an action at its own time): a fact
    # entered later with an earlier time would rewrite what was already judged.
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Reopened after it was resolved: it was not fixed (settled) the first time.
    reopened: int = 0
    # How it ended (settled, or a complaint not accepted) and, if not accepted, why.
    resolution: str | None = Field(default=None, max_length=20)
    resolution_reason: str | None = Field(default=None, max_length=500)
    # What the customer is to provide while the ticket waits for them.
    waiting_for: str | None = Field(default=None, max_length=500)
    received_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class SlaClockRow(SQLModel, table=True):
    __tablename__ = "sla_clock"
    __table_args__ = (
        UniqueConstraint("ticket_id", "name"),
        # The sweeper's one query: clocks whose next warning or breach has come.
        Index(
            "ix_sla_clock_next_check",
            "next_check_at",
            postgresql_where=text("next_check_at IS NOT NULL"),
            sqlite_where=text("next_check_at IS NOT NULL"),
        ),
        # The KPI report: clocks of one kind stopped in a month.
        Index(
            "ix_sla_clock_name_stopped",
            "name",
            "stopped_at",
            postgresql_where=text("stopped_at IS NOT NULL"),
            sqlite_where=text("stopped_at IS NOT NULL"),
        ),
        # "Due within 2 h" and "breached" lists: running clocks by due time.
        Index(
            "ix_sla_clock_running_due",
            "due_at",
            "ticket_id",
            postgresql_where=text("stopped_at IS NULL AND paused_at IS NULL"),
            sqlite_where=text("stopped_at IS NULL AND paused_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    name: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    basis: str = Field(max_length=20)
    started_at: datetime = Field(sa_type=UTCDateTime)
    target_due_at: datetime = Field(sa_type=UTCDateTime)
    original_due_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    pausable: bool
    estimated: bool = False
    paused_seconds: float = 0.0
    pause_limit_seconds: float = 0.0
    extensions: int = 0
    extension_agreed_via: str | None = Field(default=None, max_length=100)
    extension_agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    looser_than_rules: bool = False
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    breached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extension_reason: str | None = Field(default=None, max_length=500)
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Escalation(SQLModel, table=True):
    """A warning or breach, recorded exactly once per clock run (unique constraint)."""

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "clock_started_at", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    clock: str = Field(max_length=20)
    clock_started_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=20)
    happened_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Who must act: the assignee for a warning, the department lead and supervisors for a breach.
    notify: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Taken back: a fact entered later with its own earlier time showed the deadline was met.
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_note: str | None = Field(default=None, max_length=500)


class TicketSequence(SQLModel, table=True):
    __tablename__ = "ticket_sequence"

    key: str = Field(primary_key=True, max_length=16)
    last: int = 0
