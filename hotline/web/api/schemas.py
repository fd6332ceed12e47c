"""Request shapes and their documented limits; anything else in a body is refused by name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from tickets.callbacks import Outcome, TaskStatus
from tickets.types import Priority, TicketType
from tickets.workflow import Resolution, Status

DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
REASON_MAX = 500
ADDRESS_MAX = 200
NAME_MAX = 100


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError("give the time with its offset, e.g. 2026-11-22T09:30:00+08:00")
    return moment


def _written_out(moment: object) -> object:
    """A time is written out (ISO 8601); pydantic would read a bare number as seconds since
    1970, which no client means."""
    if isinstance(moment, int | float) or (
        isinstance(moment, str) and moment.strip().lstrip("-").replace(".", "", 1).isdigit()
    ):
        raise ValueError(
            "give the time as ISO 8601 with its offset, e.g. 2026-11-22T09:30:00+08:00"
        )
    return moment


AwareDatetime = Annotated[datetime, BeforeValidator(_written_out), AfterValidator(_aware)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AppointmentIn(Strict):
    start: AwareDatetime
    end: AwareDatetime


class TicketIn(Strict):
    type: TicketType
    subtype: str | None = Field(default=None, max_length=40)
    special: bool = False
    # Why it is special: other_department or research (needed when special).
    special_reason: str | None = Field(default=None, max_length=40)
    priority: Priority | None = None
    # Required, but checked with the intake rules: a blank one is named with every other fault.
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    department: str | None = Field(default=None, max_length=40)
    assignee: str | None = Field(default=None, max_length=64)
    customer_id: int | None = Field(default=None, ge=1)
    caller_phone: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=NAME_MAX)
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    area: str | None = Field(default=None, max_length=64)
    call_linkedid: str | None = Field(default=None, max_length=64)
    received_at: AwareDatetime | None = None
    named_staff: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=10)
    appointment: AppointmentIn | None = None


class ActionIn(Strict):
    assignee: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=40)
    appointment: AppointmentIn | None = None
    # The customer agreed to the appointment's window (it moves the handle clock).
    customer_agreed: bool = False
    # An extension: how (phone, in person, …) and when the complainant agreed to it.
    agreed_via: str | None = Field(default=None, max_length=100)
    agreed_at: AwareDatetime | None = None
    # A resolve: how it ended (a complaint may be not accepted, with the reason).
    resolution: Resolution | None = None
    # mark_special: why the consultation needs 24 h (other_department or research).
    special_reason: str | None = Field(default=None, max_length=40)
    due_at: AwareDatetime | None = None
    due_date: date | None = None
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_deadline(self) -> ActionIn:
        if self.due_at is not None and self.due_date is not None:
            raise ValueError("give due_at or due_date, not both")
        return self


class TicketQuery(Strict):
    type: TicketType | None = None
    status: list[Status] = []
    department: str | None = Field(default=None, max_length=40)
    assignee: str | None = Field(default=None, max_length=64)
    area: str | None = Field(default=None, max_length=64)
    overdue: bool | None = None
    text: str | None = Field(default=None, max_length=100)
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)

    @model_validator(mode="before")
    @classmethod
    def _split_status(cls, values: dict[str, object]) -> dict[str, object]:
        status = values.get("status")
        if isinstance(status, str):
            status = [status]
        if isinstance(status, list):
            # Several at once: repeated (`?status=a&status=b`) or comma-separated.
            values["status"] = [part for item in status for part in str(item).split(",") if part]
        return values


class EscalationQuery(Strict):
    since: AwareDatetime | None = None
    ticket: str | None = Field(default=None, max_length=24)
    limit: int = Field(default=100, ge=1, le=1000)


class CalendarDayIn(Strict):
    workday: bool
    note: str | None = Field(default=None, max_length=200)


class CalendarYearIn(Strict):
    note: str | None = Field(default=None, max_length=200)


class CustomerIn(Strict):
    """A customer file opened at the desk for a caller not on file yet."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    phone: str = Field(min_length=1, max_length=32)
    account_number: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    area: str | None = Field(default=None, max_length=64)
    special_care: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=500)


class CallbackQuery(Strict):
    status: list[TaskStatus] = []
    due: bool | None = None
    ticket: str | None = Field(default=None, max_length=24)
    # An outage's follow-ups: its callers', ticket or not.
    incident: int | None = Field(default=None, ge=1)
    assignee: str | None = Field(default=None, max_length=64)
    unassigned: bool = False
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)


class AssignIn(Strict):
    # null hands the task back to the pool
    assignee: str | None = Field(max_length=64)


class AttemptIn(Strict):
    outcome: Outcome
    at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=1000)
    call_linkedid: str | None = Field(default=None, max_length=64)
    # Needed for an attempt outside the callback's window (before its time, or quiet hours).
    reason: str | None = Field(default=None, max_length=500)


class SurveyIn(Strict):
    score: int = Field(ge=1, le=5)
    resolved: bool
    on_time: bool
    courtesy: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class PeriodQuery(BaseModel):
    """Local days `from` to `to`, both included, a year at most."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> PeriodQuery:
        if self.end < self.start:
            raise ValueError("`to` comes before `from`")
        if (self.end - self.start).days > 366:
            raise ValueError("a report covers a year at most")
        return self


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    format: Literal["json", "csv", "xlsx"] = "json"

    @model_validator(mode="after")
    def _ordered(self) -> KpiQuery:
        if self.end < self.start:
            raise ValueError("`to` comes before `from`")
        if (self.end - self.start).days > 366:
            raise ValueError("a report covers a year at most")
        return self


class CrewIn(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    name: str = Field(min_length=1, max_length=100)
    areas: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=50
    )
    members: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=50)
    shift_start: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    shift_end: str = Field(default="20:00", pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class VisitIn(Strict):
    ticket: str = Field(max_length=24)
    technician: str = Field(max_length=64)
    start: AwareDatetime
    end: AwareDatetime
    consent: bool


class VisitChangeIn(Strict):
    reason: str = Field(min_length=1, max_length=REASON_MAX)
    customer_told_at: AwareDatetime | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    # Rescheduling only: another technician takes the new window (and the repair with it).
    technician: str | None = Field(default=None, max_length=64)


class VisitDoneIn(Strict):
    at: AwareDatetime | None = None
