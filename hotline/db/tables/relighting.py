"""Relighting visits after an outage: one per affected customer whose gas staff turn on
again, with its appointment window, the reminder sent the day before, and how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class RelightVisit(SQLModel, table=True):
    __tablename__ = "relight_visit"
    __table_args__ = (
        # One visit per customer and outage, however often restoration is recorded.
        UniqueConstraint("incident_id", "customer_id"),
        # The scheduler looks for booked visits to remind.
        Index("ix_relight_visit_status_window", "status", "window_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    # to_book | booked | done | not_needed (tickets/relighting.py)
    status: str = Field(max_length=20)
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    booked_by: str | None = Field(default=None, max_length=64)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why no visit was needed, or who did it.
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
