"""Field work: crews of technicians with their areas and shifts, and door-to-door visits booked
with the customer (a window, their consent, every change and whether it was in time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class Crew(SQLModel, table=True):
    __tablename__ = "crew"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=100)
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Local times of the working day, e.g. 08:00-20:00; the emergency crew 00:00-24:00.
    shift_start: str = Field(default="08:00", max_length=5)
    shift_end: str = Field(default="20:00", max_length=5)
    active: bool = True


class CrewMember(SQLModel, table=True):
    __tablename__ = "crew_member"

    id: int | None = Field(default=None, primary_key=True)
    crew_id: int = Field(foreign_key="crew.id", index=True)
    # A technician works in one crew.
    user_id: int = Field(foreign_key="user_account.id", unique=True)


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_window_start", "window_start"),
        # Looking for missed visits every few seconds: only those still booked.
        Index(
            "ix_visit_booked_end",
            "window_end",
            postgresql_where=text("status = 'booked'"),
            sqlite_where=text("status = 'booked'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    crew_id: int | None = Field(default=None, foreign_key="crew.id", index=True)
    technician_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=20)
    customer_consent: bool
    # A change (reschedule, cancel): why, when the customer was told, and whether it counts
    # against the crew (told less than 2 h before the window, or not at all).
    change_reason: str | None = Field(default=None, max_length=500)
    customer_told_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    against_crew: bool = False
    replaced_by: int | None = Field(default=None, foreign_key="visit.id")
    arrived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
