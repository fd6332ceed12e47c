"""Escalations, in one place: who is told (targets), building one for a clock's warning or
breach or for an unhappy survey, inserting each exactly once, listing them, and the one JSON
shape the API and the live feed both send (times in local time with their offset)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import upsert_insert
from hotline.db.tables import Escalation, Ticket
from tickets import sla
from tickets.callbacks import Survey
from tickets.sla import Clock
from tickets.workflow import Role

if TYPE_CHECKING:
    from hotline.services.tickets import TicketView

SUPERVISORS = [f"role:{Role.SUPERVISOR.value}"]
# An unhappy follow-up survey is not a clock; it escalates under this name.
SURVEY_CLOCK = "survey"
UNHAPPY = "unhappy"


def targets(view: TicketView, event: sla.DueEvent) -> list[str]:
    """A warning goes to the assignee (or the department if none); a breach to the department
    lead and the supervisors."""
    if event is sla.DueEvent.WARNING:
        if view.assignee is not None:
            return [f"user:{view.assignee.username}"]
        return [f"department:{view.department.code}"]
    notify = list(SUPERVISORS)
    if view.department.lead_username:
        notify.insert(0, f"user:{view.department.lead_username}")
    return notify


def build(view: TicketView, clock: Clock, event: sla.DueEvent, now: datetime) -> Escalation:
    """A clock's warning (at 80 %) or breach."""
    assert view.ticket.id is not None
    return Escalation(
        ticket_id=view.ticket.id,
        clock=clock.name.value,
        clock_started_at=clock.started_at,
        kind=event.value,
        happened_at=clock.warn_at if event is sla.DueEvent.WARNING else clock.due_at,
        recorded_at=now,
        notify=targets(view, event),
        details={
            "number": view.ticket.number,
            "type": view.ticket.type,
            "priority": view.ticket.priority,
            "department": view.department.code,
            "assignee": view.assignee.username if view.assignee else None,
            "due_at": clock.due_at.isoformat(),
        },
    )


def unhappy_survey(
    *,
    ticket_id: int,
    number: str,
    callback_id: int,
    event_at: datetime,
    survey: Survey,
    now: datetime,
) -> Escalation:
    """An unhappy follow-up survey: the supervisors are told, once per callback."""
    return Escalation(
        ticket_id=ticket_id,
        clock=SURVEY_CLOCK,
        clock_started_at=event_at,
        kind=UNHAPPY,
        happened_at=now,
        recorded_at=now,
        notify=list(SUPERVISORS),
        details={
            "number": number,
            "callback": callback_id,
            "score": survey.score,
            "resolved": survey.resolved,
        },
    )


async def insert(session: AsyncSession, escalations: Sequence[Escalation]) -> list[Escalation]:
    """Insert in one statement those a clock run does not have yet (the unique constraint
    decides, so two processes can never record one twice); returns the ones inserted. One
    withdrawn earlier (a back-dated pause showed it had not happened) that comes due for real
    later is recorded again: the withdrawn row takes the new times."""
    if not escalations:
        return []
    table = Escalation.__table__  # type: ignore[attr-defined]
    insert = upsert_insert(session)(table).values(
        [escalation.model_dump(exclude={"id"}) for escalation in escalations]
    )
    statement = insert.on_conflict_do_update(
        index_elements=["ticket_id", "clock", "clock_started_at", "kind"],
        set_={
            "happened_at": insert.excluded.happened_at,
            "recorded_at": insert.excluded.recorded_at,
            "notify": insert.excluded.notify,
            "details": insert.excluded.details,
            "withdrawn_at": None,
            "withdrawn_note": None,
        },
        where=table.c.withdrawn_at.is_not(None),
    ).returning(
        table.c.id, table.c.ticket_id, table.c.clock, table.c.clock_started_at, table.c.kind
    )
    rows = (await (await session.connection()).execute(statement)).all()
    inserted = {(row.ticket_id, row.clock, row.clock_started_at, row.kind): row.id for row in rows}
    recorded = []
    for escalation in escalations:
        key = (escalation.ticket_id, escalation.clock, escalation.clock_started_at, escalation.kind)
        if key in inserted:
            escalation.id = inserted[key]
            recorded.append(escalation)
    return recorded


WITHDRAWN = "withdrawn"


async def withdraw(
    session: AsyncSession,
    ticket_id: int,
    clock: Clock,
    events: Sequence[sla.DueEvent],
    met_at: datetime | None,
    now: datetime,
    paused_at: datetime | None = None,
) -> list[Escalation]:
    """Take back the warnings or breaches of one clock run that the facts, entered later at
    their own times, show never happened; each says why: met, or waiting for the customer."""
    found = (
        await session.exec(
            select(Escalation).where(
                col(Escalation.ticket_id) == ticket_id,
                col(Escalation.clock) == clock.name.value,
                col(Escalation.clock_started_at) == clock.started_at,
                col(Escalation.kind).in_([event.value for event in events]),
                col(Escalation.withdrawn_at).is_(None),
            )
        )
    ).all()
    for escalation in found:
        escalation.withdrawn_at = now
        if met_at is not None:
            note = f"met at {met_at.isoformat()}, before the {escalation.kind} was due"
        elif paused_at is not None:
            note = f"waiting for the customer from {paused_at.isoformat()}, before it was due"
        else:
            note = "the deadline was met"
        escalation.withdrawn_note = note
        session.add(escalation)
    return list(found)


async def listing(
    session: AsyncSession, *, limit: int, since: datetime | None = None, ticket: str | None = None
) -> Sequence[Escalation]:
    """Newest first; from a time on, or for one ticket."""
    statement = select(Escalation).order_by(col(Escalation.id).desc()).limit(limit)
    if since is not None:
        statement = statement.where(col(Escalation.recorded_at) >= since)
    if ticket is not None:
        statement = statement.join(Ticket, col(Ticket.id) == Escalation.ticket_id).where(
            Ticket.number == ticket
        )
    return (await session.exec(statement)).all()


def topic(escalation: Escalation) -> str:
    """The live feed's event name: sla.warning, sla.breach, sla.unhappy."""
    return f"sla.{escalation.kind}"


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat()


def as_json(escalation: Escalation, tz: ZoneInfo) -> dict[str, Any]:
    """The one shape, for the API and the live feed alike: what happened, to which ticket's
    clock, who is told, and the details recorded with it (the due time in local time too)."""
    details = {key: value for key, value in escalation.details.items() if key != "number"}
    if isinstance(details.get("due_at"), str):
        details["due_at"] = _local(datetime.fromisoformat(details["due_at"]), tz)
    return {
        "id": escalation.id,
        "ticket": escalation.details.get("number"),
        "clock": escalation.clock,
        "kind": escalation.kind,
        "happened_at": _local(escalation.happened_at, tz),
        "recorded_at": _local(escalation.recorded_at, tz),
        "notify": escalation.notify,
        "withdrawn_at": _local(escalation.withdrawn_at, tz) if escalation.withdrawn_at else None,
        "withdrawn_note": escalation.withdrawn_note,
        **details,
    }
