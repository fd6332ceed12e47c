"""Follow-up callbacks: the policy admins edit, one task per ticket event that needs a
callback (or per caller of an outage, ticket or not), and every attempt made on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class CallbackPolicyRow(SQLModel, table=True):
    """One row: the regulations' defaults until an admin changes them."""

    __tablename__ = "callback_policy"

    id: int = Field(default=1, primary_key=True)
    complaint_delay_minutes: int = 60
    repair_delay_minutes: int = 120
    visit_delay_minutes: int = 120
    consultation_delay_minutes: int = 60
    due_hours: int = 72
    quiet_start: str = Field(default="21:00", max_length=5)
    quiet_end: str = Field(default="08:00", max_length=5)
    max_attempts: int = 3
    # Per mille of consultations that get a callback.
    consultation_sample_permille: int = 100
    automated_calls: bool = False


class CallbackTask(SQLModel, table=True):
    __tablename__ = "callback_task"
    __table_args__ = (
        # One task per event: the same fix recorded twice never makes two callbacks.
        UniqueConstraint("ticket_id", "kind", "event_at"),
        # One follow-up per number after an outage, however often that number called.
        UniqueConstraint("incident_id", "phone", name="uq_callback_task_incident_id_phone"),
        # A task calls back a ticket's caller, or a number that joined an outage by its call.
        CheckConstraint("ticket_id IS NOT NULL OR phone IS NOT NULL", name="ck_callback_task_whom"),
        # The scheduler's query: pending tasks whose time has come and not yet put forward.
        Index("ix_callback_task_status_not_before", "status", "not_before"),
        # Settling survey calls every few seconds: only the few being dialled.
        Index(
            "ix_callback_task_dialling",
            "dialling_since",
            postgresql_where=text("dialling_since IS NOT NULL"),
            sqlite_where=text("dialling_since IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None for a caller who joined an outage only by their call: `phone` is whom to call.
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    # The outage the callback follows up (its linked callers are called once it is relit).
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    phone: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=20)
    status: str = Field(max_length=20)
    # The event the callback follows (resolved, fixed, visited).
    event_at: datetime = Field(sa_type=UTCDateTime)
    not_before: datetime = Field(sa_type=UTCDateTime)
    due_by: datetime = Field(sa_type=UTCDateTime, index=True)
    attempts: int = 0
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    # When the scheduler put the task on the quality staff's worklist for its current attempt.
    offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An automated survey call in flight: no second call to the same customer meanwhile.
    dialling_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The Originate's ActionID: its call in the call log tells how the dialling ended.
    dial_action_id: str | None = Field(default=None, max_length=64)
    survey: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Kept apart from the survey for the KPI queries, which sum and average it.
    survey_score: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallbackAttempt(SQLModel, table=True):
    __tablename__ = "callback_attempt"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(max_length=20)
    # A person's user name, or "ivr" for an automated call.
    by: str = Field(max_length=64)
    call_linkedid: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1000)
    # Why an attempt was made outside the task's window (the customer asked to be called now).
    reason: str | None = Field(default=None, max_length=500)
