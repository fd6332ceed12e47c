"""The outage report's facts read from the database: the outages clocked in a period (planned
start, or report), and per outage the calls and tickets joined, the callers the voice menu let
go, the customers texted and reached, the relighting visits and the callers' follow-up
callbacks (tickets/outage_report.py sums them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallbackTask,
    Incident,
    IncidentLink,
    IvrSession,
    RelightVisit,
    SmsMessage,
)
from hotline.services.incidents import plan_of
from tickets.callbacks import REACHED
from tickets.incidents import Kind, clock_start
from tickets.outage_report import OutageFacts, summarise
from tickets.relighting import RelightStatus
from tickets.sms_sending import SmsStatus


async def _incidents(session: AsyncSession, since: datetime, until: datetime) -> list[Incident]:
    found = await session.exec(
        select(Incident).where(
            or_(
                (col(Incident.planned_start) >= since) & (col(Incident.planned_start) < until),
                (col(Incident.reported_at) >= since) & (col(Incident.reported_at) < until),
            )
        )
    )
    return [i for i in found.all() if since <= clock_start(plan_of(i)) < until]


async def outage_report(
    session: AsyncSession, since: datetime, until: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    incidents = await _incidents(session, since, until)
    ids = [i.id for i in incidents if i.id is not None]
    links: dict[int, tuple[int, int]] = {}
    deflected: dict[int, int] = {}
    relight: dict[int, dict[str, int]] = {}
    notified: dict[int, set[int]] = {}
    delivered: dict[int, set[int]] = {}
    follow_ups: dict[int, tuple[int, int]] = {}
    if ids:
        for incident_id, calls, tickets in await session.exec(
            select(
                IncidentLink.incident_id,
                func.count(col(IncidentLink.call_linkedid)),
                func.count(col(IncidentLink.ticket_id)),
            )
            .where(col(IncidentLink.incident_id).in_(ids))
            .group_by(col(IncidentLink.incident_id))
        ):
            links[incident_id] = (int(calls), int(tickets))
        for ivr_incident, let_go in await session.exec(
            select(
                IvrSession.announced_incident_id,
                func.sum(case((col(IvrSession.outage_call), 1), else_=0)),
            )
            .where(col(IvrSession.announced_incident_id).in_(ids))
            .group_by(col(IvrSession.announced_incident_id))
        ):
            if ivr_incident is not None:
                deflected[ivr_incident] = int(let_go or 0)
        for incident_id, status, count in await session.exec(
            select(RelightVisit.incident_id, RelightVisit.status, func.count())
            .where(col(RelightVisit.incident_id).in_(ids))
            .group_by(col(RelightVisit.incident_id), col(RelightVisit.status))
        ):
            relight.setdefault(incident_id, {})[status] = int(count)
        reached = case(
            (col(CallbackTask.status).in_([status.value for status in REACHED]), 1), else_=0
        )
        for followed, count, got_through in await session.exec(
            select(CallbackTask.incident_id, func.count(), func.coalesce(func.sum(reached), 0))
            .where(col(CallbackTask.incident_id).in_(ids))
            .group_by(col(CallbackTask.incident_id))
        ):
            if followed is not None:
                follow_ups[followed] = (int(count), int(got_through))
        # The notices' events are incident:<id>:<step>; a customer counts once per outage.
        wanted = set(ids)
        for event, customer_id, status in await session.exec(
            select(SmsMessage.event, SmsMessage.customer_id, SmsMessage.status)
            .where(col(SmsMessage.event).startswith("incident:"))
            .where(col(SmsMessage.customer_id).is_not(None))
            .distinct()
        ):
            texted = int(event.split(":")[1])
            if texted not in wanted or customer_id is None:
                continue
            notified.setdefault(texted, set()).add(customer_id)
            if status == SmsStatus.DELIVERED.value:
                delivered.setdefault(texted, set()).add(customer_id)
    facts = []
    for incident in incidents:
        key = incident.id or 0
        calls, tickets = links.get(key, (0, 0))
        visits = relight.get(key, {})
        facts.append(
            OutageFacts(
                kind=Kind(incident.kind),
                announced_at=incident.announced_at,
                clock_start=clock_start(plan_of(incident)),
                restored_at=incident.restored_at,
                calls_linked=calls,
                tickets_linked=tickets,
                deflected=deflected.get(key, 0),
                customers_notified=len(notified.get(key, set())),
                customers_delivered=len(delivered.get(key, set())),
                relight_visits=sum(visits.values()),
                relight_done=visits.get(RelightStatus.DONE.value, 0),
                relight_not_needed=visits.get(RelightStatus.NOT_NEEDED.value, 0),
                follow_ups=follow_ups.get(key, (0, 0))[0],
                follow_ups_reached=follow_ups.get(key, (0, 0))[1],
            )
        )
    return summarise(facts, tz)
