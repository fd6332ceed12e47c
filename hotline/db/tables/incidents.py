"""Gas outages as incidents: the incident itself (kind, cause, areas and accounts, planned
times, status and when each step was taken), the calls and tickets that joined it, and the
incidents suggested by clusters of no-gas reports for a dispatcher to confirm, merge or
dismiss."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (
        # The voice menu, the pop and the public page look for incidents not yet over.
        Index("ix_incident_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # planned | unplanned (tickets/incidents.py)
    kind: str = Field(max_length=20)
    cause: str = Field(max_length=40)
    title: str = Field(max_length=200)
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accounts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reported_at: datetime = Field(sa_type=UTCDateTime)
    planned_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    planned_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expected_restoration: datetime | None = Field(default=None, sa_type=UTCDateTime)
    short_notice_reason: str | None = Field(default=None, max_length=500)
    apology: str = Field(max_length=500)
    agent_script: str = Field(max_length=2000)
    status: str = Field(max_length=20)
    announced_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    restored_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    relit_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class IncidentLink(SQLModel, table=True):
    """A call or a ticket that joined an incident (by the voice menu or by an agent)."""

    __tablename__ = "incident_link"
    __table_args__ = (
        UniqueConstraint("incident_id", "call_linkedid"),
        UniqueConstraint("incident_id", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    call_linkedid: str | None = Field(default=None, max_length=64, index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    # ivr | agent
    linked_by: str = Field(max_length=64)
    linked_at: datetime = Field(sa_type=UTCDateTime)


class IncidentSuggestion(SQLModel, table=True):
    """A cluster of no-gas or repair reports from one area that looks like an outage."""

    __tablename__ = "incident_suggestion"

    id: int | None = Field(default=None, primary_key=True)
    area: str = Field(max_length=64, index=True)
    reports: int
    first_at: datetime = Field(sa_type=UTCDateTime)
    last_at: datetime = Field(sa_type=UTCDateTime)
    # pending | confirmed | merged | dismissed
    status: str = Field(default="pending", max_length=20, index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
