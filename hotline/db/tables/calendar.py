"""Admin corrections to the business calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class CalendarOverride(SQLModel, table=True):
    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    workday: bool
    note: str | None = Field(default=None, max_length=200)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ConfirmedCalendarYear(SQLModel, table=True):
    """A year whose official schedule an admin has entered in full: no longer an estimate."""

    __tablename__ = "confirmed_calendar_year"

    year: int = Field(primary_key=True)
    confirmed_by: str = Field(max_length=64)
    confirmed_at: datetime = Field(sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=200)
