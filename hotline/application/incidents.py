"""Incident use cases: announce an outage, move it a step, join a call or a ticket to it, scan
for clusters of reports and decide what a suggestion becomes. Each runs in one transaction and
announces after the commit (`incident.announced`, `incident.started`, `incident.restored`,
`incident.relit`, `incident.closed`, `incident.linked`, `incident.suggested`). The SMS notices
to the affected customers (announced, started, restored) are queued here, from this one place,
in the same transaction as the step they tell of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.application import sms as sms_cases
from hotline.application.unit import Core, Work, unit_of_work
from hotline.db.tables import Incident, IncidentSuggestion
from hotline.i18n import N_
from hotline.services import incidents as service
from hotline.services import relighting
from hotline.services.actor import Actor, require
from hotline.services.errors import Conflict
from tickets import incidents as rules
from tickets.incident_followups import FOLLOW_UP_AT
from tickets.incident_notices import NoticeStep, notice_for
from tickets.incidents import Move, Plan
from tickets.workflow import Role

# Dispatchers and supervisors announce outages and move them on; everyone on staff reads them.
INCIDENT_MANAGERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
INCIDENT_READERS = frozenset(Role)
# Agents join the call they are on to an outage from the screen pop.
INCIDENT_LINKERS = INCIDENT_MANAGERS | {Role.AGENT}

STEP_TOPIC = {
    Move.START: "incident.started",
    Move.RESTORE: "incident.restored",
    Move.RELIGHT: "incident.relit",
    Move.CLOSE: "incident.closed",
}


def event_of(incident: Incident, affected: int | None = None) -> dict[str, Any]:
    """What an incident's events carry: no personal data, the account list only by count."""
    body: dict[str, Any] = {
        "id": incident.id,
        "kind": incident.kind,
        "cause": incident.cause,
        "title": incident.title,
        "areas": list(incident.areas),
        "accounts": len(incident.accounts),
        "status": incident.status,
        "planned_start": _iso(incident.planned_start),
        "planned_end": _iso(incident.planned_end),
        "expected_restoration": _iso(rules.expected_back(service.plan_of(incident))),
        "short_notice": service.short_notice(incident),
    }
    if affected is not None:
        body["affected"] = affected
    return body


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


NOTICE_STEPS = {Move.START: NoticeStep.STARTED, Move.RESTORE: NoticeStep.RESTORED}
# The last notice an outage's customers had, by where it stands.
STATUS_NOTICE = {
    rules.Status.ANNOUNCED: NoticeStep.ANNOUNCED,
    rules.Status.UNDER_WAY: NoticeStep.STARTED,
}


async def _notify(work: Work, core: Core, incident: Incident, step: NoticeStep) -> int:
    """The step's SMS to every affected mobile, queued with the step (both commit or
    neither); queued again it adds nobody. Returns how many were queued."""
    assert incident.id is not None
    notice = notice_for(
        incident.id,
        service.plan_of(incident),
        step,
        started_at=incident.started_at,
        restored_at=incident.restored_at,
        tz=work.tz,
    )
    recipients = await service.sms_recipients(work.session, incident)
    if not recipients:
        return 0
    return await sms_cases.queue_in(
        work,
        core.settings,
        event=notice.event,
        template=notice.template,
        parameters=notice.parameters,
        recipients=recipients,
        emergency=notice.emergency,
    )


async def announce(
    core: Core,
    actor: Actor,
    plan: Plan,
    *,
    title: str,
    apology: str | None = None,
    agent_script: str | None = None,
) -> Incident:
    require(actor, INCIDENT_MANAGERS)
    async with unit_of_work(core) as work:
        incident = await service.announce(
            work.session,
            actor,
            plan,
            title=title,
            apology=apology,
            agent_script=agent_script,
            now=work.now,
        )
        count = await service.affected_count(work.session, incident)
        await _notify(work, core, incident, NoticeStep.ANNOUNCED)
        work.announce("incident.announced", event_of(incident, count))
        if service.short_notice(incident):
            # Reported: a planned outage announced under 48 h ahead.
            work.announce("incident.short_notice", event_of(incident, count))
    return incident


async def move(
    core: Core,
    actor: Actor,
    incident_id: int,
    step: Move,
    *,
    at: datetime | None = None,
    expected_restoration: datetime | None = None,
) -> Incident:
    require(actor, INCIDENT_MANAGERS)
    async with unit_of_work(core) as work:
        if step is Move.RELIGHT and await relighting.outstanding(work.session, incident_id):
            raise Conflict(N_("relighting visits are still to book or to make"))
        incident = await service.move(
            work.session,
            actor,
            incident_id,
            step,
            at=at,
            expected_restoration=expected_restoration,
            now=work.now,
        )
        notice = NOTICE_STEPS.get(step)
        if notice is not None:
            await _notify(work, core, incident, notice)
        if step is Move.RESTORE:
            # Gas is back in the mains: each customer's relighting visit to book.
            await relighting.open_for(work.session, incident, work.now)
        if rules.Status(incident.status) is FOLLOW_UP_AT:
            # Gas is on again for everyone: each caller's follow-up callback (not at the
            # restoration: tickets/incident_followups.py says why).
            await relighting.call_back_linked_callers(
                work.session, incident, core.settings.local_area_code, work.now, work.tz
            )
        work.announce(STEP_TOPIC[step], event_of(incident))
    return incident


def _linked(work: Work, incident: Incident, call: str | None, ticket: str | None) -> None:
    work.announce("incident.linked", {"id": incident.id, "call_linkedid": call, "ticket": ticket})


async def link_call(core: Core, actor: Actor, incident_id: int, linkedid: str) -> bool:
    """The agent joins the call to the outage (one click from the pop)."""
    require(actor, INCIDENT_LINKERS)
    async with unit_of_work(core) as work:
        incident = await service.get(work.session, incident_id)
        added = await service.link_call(work.session, incident, linkedid, actor.username, work.now)
        if added:
            _linked(work, incident, linkedid, None)
    return added


async def link_ticket(core: Core, actor: Actor, incident_id: int, number: str) -> bool:
    require(actor, INCIDENT_LINKERS)
    async with unit_of_work(core) as work:
        incident = await service.get(work.session, incident_id)
        added = await service.link_ticket(work.session, incident, number, actor.username, work.now)
        if added:
            _linked(work, incident, None, number)
    return added


async def link_menu_call(core: Core, incident_id: int, linkedid: str) -> None:
    """The voice menu joins a caller who said they called about the outage."""
    async with unit_of_work(core) as work:
        incident = await service.get(work.session, incident_id)
        if rules.Status(incident.status) in rules.PUBLIC and await service.link_call(
            work.session, incident, linkedid, "ivr", work.now
        ):
            _linked(work, incident, linkedid, None)


CLUSTER_POLICY = rules.ClusterPolicy()


async def scan_clusters(
    core: Core, policy: rules.ClusterPolicy = CLUSTER_POLICY
) -> list[IncidentSuggestion]:
    """Scheduler job: suggestions for areas where no-gas and repair reports pile up."""
    async with unit_of_work(core) as work:
        made = await service.scan_clusters(work.session, policy, work.now)
        for suggestion in made:
            work.announce("incident.suggested", service.suggestion_json(suggestion, work.tz))
    return made


async def decide(
    core: Core, actor: Actor, suggestion_id: int, decision: str, into: int | None = None
) -> tuple[IncidentSuggestion, Incident | None]:
    require(actor, INCIDENT_MANAGERS)
    async with unit_of_work(core) as work:
        suggestion, incident = await service.decide(
            work.session, actor, suggestion_id, decision, into, work.now
        )
        work.announce("incident.suggestion_decided", service.suggestion_json(suggestion, work.tz))
        if decision == "confirm" and incident is not None:
            count = await service.affected_count(work.session, incident)
            await _notify(work, core, incident, NoticeStep.ANNOUNCED)
            work.announce("incident.announced", event_of(incident, count))
        elif decision == "merge" and incident is not None:
            # The area's customers join the outage: they get the notice the others had.
            current = STATUS_NOTICE.get(rules.Status(incident.status))
            if current is not None:
                await _notify(work, core, incident, current)
    return suggestion, incident
