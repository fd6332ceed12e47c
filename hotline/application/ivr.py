"""The voice menu's use cases: what it learns about a caller before the menu starts, a ticket
status a caller may hear, and each menu session written to its log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import Incident, IvrSession
from hotline.services import incidents, ivr_lookups
from hotline.services.gas_off import GasOff, OutageTicket
from hotline.services.recent import Recent
from ivr import menu
from tickets.incidents import PLANNED_OUTAGE, PUBLIC, Cause, Kind, expected_back
from tickets.incidents import Status as IncidentStatus
from tickets.workflow import Status

# The menu announces one outage: the latest in the caller's areas.
OUTAGES_ANNOUNCED = 1


async def caller(core: Core, number: str | None, gas_off: Recent[GasOff]) -> menu.Caller:
    """Who is calling (`number` normalised as the call log stores it) and what is going on
    where they live."""
    tz = core.settings.timezone
    now = core.clock()
    async with core.sessions() as session:
        found = await ivr_lookups.caller_on_file(session, number)
    outages: list[menu.Outage] = []
    if found is not None:
        off = await gas_off.get()
        outages = [
            _incident_outage(incident, tz)
            for incident in off.incidents_for(found.areas, found.account_number)[:OUTAGES_ANNOUNCED]
        ]
        if not outages:
            # Outage tickets entered without an incident are still announced.
            outages = [
                _ticket_outage(outage, tz)
                for outage in off.tickets_in(found.areas, OUTAGES_ANNOUNCED)
            ]
    return menu.Caller(
        # Only a full number can be called back; a withheld or short one cannot.
        number=number if number is not None and number.startswith("+") else None,
        customer_id=found.customer_id if found is not None else None,
        special_care=found is not None and found.special_care,
        outages=tuple(outages),
        now=now.astimezone(tz),
    )


def _ticket_outage(outage: OutageTicket, tz: ZoneInfo) -> menu.Outage:
    assert outage.ticket.id is not None
    return menu.Outage(
        outage.ticket.id,
        planned=outage.ticket.subtype == PLANNED_OUTAGE,
        restore_at=outage.restore_at.astimezone(tz) if outage.restore_at is not None else None,
    )


def _incident_outage(incident: Incident, tz: ZoneInfo) -> menu.Outage:
    assert incident.id is not None
    planned = incident.kind == Kind.PLANNED.value
    return menu.Outage(
        None,
        planned=planned,
        restore_at=expected_back(incidents.plan_of(incident)).astimezone(tz),
        incident_id=incident.id,
        cause=Cause(incident.cause),
        starts_at=incident.planned_start.astimezone(tz)
        if planned and incident.planned_start is not None
        else None,
    )


async def ticket_status(core: Core, keys: str, caller: menu.Caller) -> menu.TicketStatus | None:
    async with core.sessions() as session:
        found = await ivr_lookups.callers_ticket(session, keys, caller.number, caller.customer_id)
    if found is None:
        return None
    ticket, visit_at = found
    tz = core.settings.timezone
    return menu.TicketStatus(
        ticket.number, Status(ticket.status), visit_at.astimezone(tz) if visit_at else None
    )


async def call_started_at(core: Core, linkedid: str) -> datetime | None:
    """When the call began, as the call log has it."""
    async with core.sessions() as session:
        return await ivr_lookups.call_started_at(session, linkedid)


@dataclass(frozen=True)
class SessionRecord:
    script: str
    linkedid: str | None
    caller: menu.Caller
    started_at: datetime
    ended_at: datetime
    journal: menu.Journal
    # None when the caller hung up before the menu ended.
    ending: menu.Ending | None


def outcome_of(ending: menu.Ending | None) -> str:
    if ending is None:
        return "hung-up"
    if ending.route is not None:
        return "routed"
    return "finished" if ending.finished is not None else "back"


async def record_sessions(core: Core, records: list[SessionRecord]) -> None:
    """Menu sessions into the menu's log, in one transaction; a caller who said they called
    about an incident's outage joins it (and was let go without an agent: deflected)."""
    async with unit_of_work(core) as work:
        work.session.add_all(_row(record) for record in records)
        for record in records:
            incident_id = record.journal.announced_incident
            if incident_id is None or not record.journal.outage_call or not record.linkedid:
                continue
            incident = await incidents.get(work.session, incident_id)
            if IncidentStatus(incident.status) in PUBLIC and await incidents.link_call(
                work.session, incident, record.linkedid, "ivr", work.now
            ):
                work.announce(
                    "incident.linked",
                    {"id": incident_id, "call_linkedid": record.linkedid, "ticket": None},
                )


def _row(record: SessionRecord) -> IvrSession:
    ending, journal = record.ending, record.journal
    return IvrSession(
        linkedid=record.linkedid,
        script=record.script,
        caller=record.caller.number,
        customer_id=record.caller.customer_id,
        started_at=record.started_at,
        ended_at=record.ended_at,
        outcome=outcome_of(ending),
        service=ending.route.service.value if ending and ending.route else None,
        finished=ending.finished.value if ending and ending.finished else None,
        announced_outage_id=journal.announced_outage,
        announced_incident_id=journal.announced_incident,
        outage_call=journal.outage_call,
        status_lookups=journal.status_lookups,
        callback_place=journal.callback_place,
        keys=list(journal.keys),
    )
