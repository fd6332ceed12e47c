"""The editable rule tables: departments, routing rules, SLA policies."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime
from tickets.sla import StartEvent


class Department(SQLModel, table=True):
    __tablename__ = "department"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=100)
    # Tickets no routing rule matches go to the default department.
    is_default: bool = False
    lead_username: str | None = Field(default=None, max_length=64)


class RoutingRuleRow(SQLModel, table=True):
    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(index=True)
    ticket_type: str | None = Field(default=None, max_length=20)
    subtype: str | None = Field(default=None, max_length=40)
    area: str | None = Field(default=None, max_length=64)
    department_id: int = Field(foreign_key="department.id")


class SlaPolicyRow(SQLModel, table=True):
    __tablename__ = "sla_policy"

    id: int | None = Field(default=None, primary_key=True)
    clock: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    amount: int
    ticket_type: str | None = Field(default=None, max_length=20)
    subtype: str | None = Field(default=None, max_length=40)
    special: bool | None = None
    starts_on: str = Field(default=StartEvent.RECEIVED.value, max_length=20)
    pause_limit: int = 0
    extension_limit: int = 0
    extension_days: int = 0
    # A target looser than the rules, asked for by one admin, waiting for another's confirmation;
    # and who confirmed the one in force when it is looser.
    pending_amount: int | None = None
    pending_by: str | None = Field(default=None, max_length=64)
    confirmed_by: str | None = Field(default=None, max_length=64)


class KpiTargetRow(SQLModel, table=True):
    """A KPI's target, a share from 0 to 1, next to the rules' (tickets/regulations.py). A
    value looser than the rules waits as `pending_target` until a second admin confirms it."""

    __tablename__ = "kpi_target"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)
    target: float
    pending_target: float | None = None
    pending_by: str | None = Field(default=None, max_length=64)
    confirmed_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
