"""Outages as incidents over HTTP: announce, list, read (clocks, linked calls and tickets),
move a step, the customers affected (dispatchers only: personal data), calls and tickets
joined to one, suggestions from clusters of reports, and the notice lead-time KPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import incidents as cases
from hotline.application.incidents import INCIDENT_LINKERS, INCIDENT_MANAGERS, INCIDENT_READERS
from hotline.db.tables import Incident, IncidentLink
from hotline.services import incidents as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.web.api.registry import ApiRoute, parse_body, parse_query
from hotline.web.api.render import iso
from hotline.web.api.schemas import AwareDatetime, Strict
from hotline.web.context import context_of
from tickets import incidents as rules
from tickets.incidents import Cause, Kind, Move, Plan, Status

AREA_MAX = 64


class IncidentIn(Strict):
    kind: Kind
    cause: Cause
    title: str = Field(min_length=1, max_length=200)
    areas: list[str] = Field(default=[], max_length=200)
    accounts: list[str] = Field(default=[], max_length=5000)
    # When the outage was reported (unplanned); now when left out.
    reported_at: AwareDatetime | None = None
    planned_start: AwareDatetime | None = None
    planned_end: AwareDatetime | None = None
    expected_restoration: AwareDatetime | None = None
    short_notice_reason: str | None = Field(default=None, max_length=500)
    apology: str | None = Field(default=None, max_length=500)
    agent_script: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _lengths(self) -> IncidentIn:
        if any(len(area) > AREA_MAX for area in self.areas):
            raise ValueError(f"an area is at most {AREA_MAX} characters")
        if any(len(account) > 32 for account in self.accounts):
            raise ValueError("an account number is at most 32 characters")
        return self


class IncidentMoveIn(Strict):
    at: AwareDatetime | None = None
    expected_restoration: AwareDatetime | None = None


class IncidentLinkIn(Strict):
    call_linkedid: str | None = Field(default=None, min_length=1, max_length=64)
    ticket: str | None = Field(default=None, min_length=1, max_length=24)

    @model_validator(mode="after")
    def _one(self) -> IncidentLinkIn:
        if (self.call_linkedid is None) == (self.ticket is None):
            raise ValueError("give either call_linkedid or ticket")
        return self


class IncidentListQuery(Strict):
    status: list[Status] | Status | None = None


class DecisionIn(Strict):
    incident: int | None = Field(default=None, ge=1)


class NoticeLeadQuery(Strict):
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime


def incident_json(incident: Incident, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    plan = service.plan_of(incident)
    lead = (
        rules.notice_lead(incident.announced_at, incident.planned_start)
        if incident.kind == Kind.PLANNED.value and incident.planned_start is not None
        else None
    )
    return {
        "id": incident.id,
        "kind": incident.kind,
        "cause": incident.cause,
        "title": incident.title,
        "areas": list(incident.areas),
        "accounts": list(incident.accounts),
        "status": incident.status,
        "moves": [move.value for move in rules.moves_from(Status(incident.status))],
        "reported_at": iso(incident.reported_at, tz),
        "planned_start": iso(incident.planned_start, tz),
        "planned_end": iso(incident.planned_end, tz),
        "expected_restoration": iso(rules.expected_back(plan), tz),
        "announced_at": iso(incident.announced_at, tz),
        "notice_lead_hours": round(lead.total_seconds() / 3600, 2) if lead is not None else None,
        "short_notice": service.short_notice(incident),
        "short_notice_reason": incident.short_notice_reason,
        "started_at": iso(incident.started_at, tz),
        "restored_at": iso(incident.restored_at, tz),
        "relit_at": iso(incident.relit_at, tz),
        "closed_at": iso(incident.closed_at, tz),
        "apology": incident.apology,
        "agent_script": incident.agent_script,
        "created_by": incident.created_by,
        "clocks": [
            {
                "name": clock.name.value,
                "starts_at": iso(clock.starts_at, tz),
                "due_at": iso(clock.due_at, tz),
                "stopped_at": iso(clock.stopped_at, tz),
                "state": clock.state(now).value,
            }
            for clock in service.clocks_of(incident)
        ],
    }


def _id(request: Request, name: str = "incident_id") -> int:
    raw = request.path_params[name]
    if not raw.isdigit():
        raise Invalid("an id is a number", {name: "not a number"})
    return int(raw)


async def create(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, IncidentIn)
    plan = Plan(
        kind=body.kind,
        cause=body.cause,
        areas=tuple(body.areas),
        accounts=tuple(body.accounts),
        reported_at=body.reported_at or context.clock(),
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        expected_restoration=body.expected_restoration,
        short_notice_reason=body.short_notice_reason,
    )
    incident = await cases.announce(
        context,
        actor,
        plan,
        title=body.title,
        apology=body.apology,
        agent_script=body.agent_script,
    )
    tz = context.settings.timezone
    return JSONResponse(incident_json(incident, context.clock(), tz), status_code=201)


async def list_all(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, IncidentListQuery)
    statuses = [query.status] if isinstance(query.status, Status) else query.status
    async with context.sessions() as session:
        found = await service.list_incidents(session, statuses)
    now, tz = context.clock(), context.settings.timezone
    return JSONResponse({"items": [incident_json(i, now, tz) for i in found]})


def link_json(link: IncidentLink, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "linkedid": link.call_linkedid,
        "linked_by": link.linked_by,
        "linked_at": iso(link.linked_at, tz),
    }


async def detail(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    async with context.sessions() as session:
        incident = await service.get(session, _id(request))
        count = await service.affected_count(session, incident)
        linked = await service.links(session, _id(request))
        now, tz = context.clock(), context.settings.timezone
        in_area = await service.flagged_tickets(session, incident, now)
    return JSONResponse(
        {
            **incident_json(incident, now, tz),
            "affected_customers": count,
            "calls": [link_json(link, tz) for link in linked.calls],
            "tickets": [
                {"number": ticket.number, "type": ticket.type, "status": ticket.status}
                | link_json(link, tz)
                for link, ticket in linked.tickets
            ],
            "ivr": {"heard_notice": linked.heard_notice, "deflected": linked.deflected},
            "follow_ups": {"callbacks": linked.follow_ups, "reached": linked.follow_ups_reached},
            # Filed in its area but left to the dispatcher (a gas smell is never joined).
            "in_area_tickets": [
                {
                    "number": t.number,
                    "type": t.type,
                    "subtype": t.subtype,
                    "status": t.status,
                }
                for t in in_area
            ],
        }
    )


async def step(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    raw = request.path_params["move"]
    if raw not in Move.__members__.values():
        raise Invalid("unknown step", {"move": ", ".join(m.value for m in Move)})
    body = await parse_body(request, IncidentMoveIn)
    incident = await cases.move(
        context,
        actor,
        _id(request),
        Move(raw),
        at=body.at,
        expected_restoration=body.expected_restoration,
    )
    return JSONResponse(incident_json(incident, context.clock(), context.settings.timezone))


def affected_json(entry: service.AffectedCustomer) -> dict[str, Any]:
    return {
        "id": entry.customer.id,
        "account": entry.customer.account_number,
        "name": entry.customer.name,
        "special_care": entry.customer.special_care,
        "addresses": [{"address": a.address, "area": a.area} for a in entry.addresses],
        "phones": entry.phones,
    }


async def affected(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    async with context.sessions() as session:
        incident = await service.get(session, _id(request))
        found = await service.affected(session, incident)
    return JSONResponse(
        {
            "count": found.count,
            "special_care": [affected_json(entry) for entry in found.special_care],
            "others": [affected_json(entry) for entry in found.others],
        }
    )


async def link(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, IncidentLinkIn)
    if body.call_linkedid is not None:
        added = await cases.link_call(context, actor, _id(request), body.call_linkedid)
    else:
        assert body.ticket is not None
        added = await cases.link_ticket(context, actor, _id(request), body.ticket)
    return JSONResponse({"linked": True, "new": added}, status_code=201 if added else 200)


async def suggestions(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    async with context.sessions() as session:
        found = await service.pending_suggestions(session)
    tz = context.settings.timezone
    return JSONResponse({"items": [service.suggestion_json(s, tz) for s in found]})


async def decide(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    decision = request.path_params["decision"]
    body = await parse_body(request, DecisionIn)
    suggestion, incident = await cases.decide(
        context, actor, _id(request, "suggestion_id"), decision, body.incident
    )
    now, tz = context.clock(), context.settings.timezone
    return JSONResponse(
        {
            "suggestion": service.suggestion_json(suggestion, tz),
            "incident": incident_json(incident, now, tz) if incident is not None else None,
        }
    )


async def notice_lead(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, NoticeLeadQuery)
    async with context.sessions() as session:
        leads = await service.notice_leads(session, query.from_, query.to)
    share = rules.notice_share(leads)
    return JSONResponse(
        {
            "planned_outages": len(leads),
            "announced_48h_ahead": sum(1 for lead in leads if lead >= rules.NOTICE_AHEAD),
            "share": share,
            "shortest_lead_hours": (round(min(leads).total_seconds() / 3600, 2) if leads else None),
        }
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/incidents",
        list_all,
        "Outages, latest announced first (filter by `status`)",
        INCIDENT_READERS,
        query=IncidentListQuery,
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/incidents",
        create,
        "Announce an outage: planned ones at least 48 h before their start (or with an "
        "emergency repair's reason)",
        INCIDENT_MANAGERS,
        body=IncidentIn,
        responses={201: "the incident", 422: "refused: the fields say why"},
        tag="incidents",
    ),
    ApiRoute(
        "GET",
        "/api/incidents/{incident_id}",
        detail,
        "One outage: clocks, affected count, linked calls and tickets, callers the menu told",
        INCIDENT_READERS,
        responses={200: "the incident", 404: "no such outage"},
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/incidents/{incident_id}/actions/{move}",
        step,
        "Move an outage a step: start, restore, relight, close",
        INCIDENT_MANAGERS,
        body=IncidentMoveIn,
        responses={200: "the incident", 409: "not at that step", 422: "bad time"},
        tag="incidents",
    ),
    ApiRoute(
        "GET",
        "/api/incidents/{incident_id}/affected",
        affected,
        "Customers the outage affects, special-care ones apart",
        INCIDENT_MANAGERS,
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/incidents/{incident_id}/links",
        link,
        "Join a call (by its linkedid) or a ticket (by its number) to the outage",
        INCIDENT_LINKERS,
        body=IncidentLinkIn,
        responses={201: "joined", 200: "already joined", 409: "the outage is over"},
        tag="incidents",
    ),
    ApiRoute(
        "GET",
        "/api/incident-suggestions",
        suggestions,
        "Outages suggested by clusters of no-gas and repair reports, awaiting a dispatcher",
        INCIDENT_MANAGERS,
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/incident-suggestions/{suggestion_id}/{decision}",
        decide,
        "Confirm a suggestion (a new outage), merge it into one (`incident`), or dismiss it",
        INCIDENT_MANAGERS,
        body=DecisionIn,
        responses={
            200: "the suggestion and its incident",
            409: "already decided",
            422: "unknown decision",
        },
        tag="incidents",
    ),
    ApiRoute(
        "GET",
        "/api/reports/notice-lead",
        notice_lead,
        "KPI: planned outages starting in [from, to) and the share announced ≥ 48 h ahead",
        INCIDENT_READERS,
        query=NoticeLeadQuery,
        tag="incidents",
    ),
]
