"""The voice menu's use cases: what it learns about a caller before the menu starts, a ticket
status a caller may hear, and each menu session written to its log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import IvrSession
from hotline.services import ivr_lookups
from hotline.services.customers import lookup_for_screen_pop
from ivr import menu
from tickets.workflow import Status

# The menu announces one outage: the latest in the caller's areas.
OUTAGES_ANNOUNCED = 1


async def caller(core: Core, number: str | None) -> menu.Caller:
    """Who is calling (`number` normalised as the call log stores it) and what is going on
    where they live."""
    tz = core.settings.timezone
    now = core.clock()
    async with core.sessions() as session:
        found = await lookup_for_screen_pop(session, number)
        outages: list[menu.Outage] = []
        if found is not None:
            areas = [address.area for address in found.addresses if address.area]
            for ticket in await ivr_lookups.outages_in_areas(session, areas, OUTAGES_ANNOUNCED):
                assert ticket.id is not None
                restore = await ivr_lookups.expected_restoration(session, ticket)
                outages.append(
                    menu.Outage(
                        ticket.id,
                        planned=ticket.subtype == "planned",
                        restore_at=restore.astimezone(tz) if restore is not None else None,
                    )
                )
    return menu.Caller(
        # Only a full number can be called back; a withheld or short one cannot.
        number=number if number is not None and number.startswith("+") else None,
        customer_id=found.customer.id if found is not None else None,
        special_care=bool(found is not None and found.customer.special_care),
        outages=tuple(outages),
        now=now.astimezone(tz),
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
    """Menu sessions into the menu's log, in one transaction."""
    async with unit_of_work(core) as work:
        work.session.add_all(_row(record) for record in records)


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
        outage_call=journal.outage_call,
        status_lookups=journal.status_lookups,
        callback_place=journal.callback_place,
        keys=list(journal.keys),
    )
