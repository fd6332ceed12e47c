"""Outages on the console: `/incidents` lists them (and the suggestions from clusters of
reports, for dispatchers to confirm, merge or dismiss) with the form to announce one;
`/incidents/{id}` shows one — its clocks, the customers affected (special-care ones apart, for
a personal call), the calls and tickets joined to it, and once gas is back the relighting
worklist (book a window, done, not needed) — and moves it a step."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.application import incidents as cases
from hotline.application import relighting as relighting_cases
from hotline.application.incidents import INCIDENT_LINKERS, INCIDENT_MANAGERS, INCIDENT_READERS
from hotline.i18n import N_
from hotline.services import incidents as service
from hotline.services import relighting
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.web.api.incidents import affected_json, incident_json
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, changes, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.pages.guard import page
from hotline.web.templating import current_gettext
from tickets.incidents import Cause, Kind, Move, Plan
from tickets.relighting import RelightDeed


def _local(form: FormData, name: str, tz: ZoneInfo) -> datetime | None:
    raw = text(form, name, 16)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=tz)
    except ValueError as error:
        raise Invalid(
            N_("the outage cannot be announced like this"), {name: N_("a date and time")}
        ) from error


def _lines(form: FormData, name: str) -> tuple[str, ...]:
    raw = text(form, name, 20000).replace("，", ",").replace("、", ",")
    return tuple(
        part.strip() for chunk in raw.splitlines() for part in chunk.split(",") if part.strip()
    )


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    """Times as a person reads them on the console (local, to the minute)."""

    def short(value: str | None) -> str:
        return value[:16].replace("T", " ") if value else "—"

    keys = ("planned_start", "planned_end", "expected_restoration", "reported_at", "announced_at")
    return {**item, **{f"{key}_local": short(item.get(key)) for key in keys}}


async def show_list(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    now, tz = context.clock(), context.settings.timezone
    async with context.sessions() as session:
        found = await service.list_incidents(session)
        suggestions = await service.pending_suggestions(session)
    return show_form_page(
        request,
        actor,
        "incidents.html",
        {
            "incidents": [_shown(incident_json(i, now, tz)) for i in found],
            "suggestions": [service.suggestion_json(s, tz) for s in suggestions],
            "may_manage": actor.role in INCIDENT_MANAGERS,
            "kinds": [kind.value for kind in Kind],
            "causes": [cause.value for cause in Cause],
        },
        outcome,
    )


async def announce(request: Request, actor: Actor, form: FormData, _row: int | None) -> str:
    context = context_of(request)
    tz = context.settings.timezone
    try:
        kind, cause = Kind(text(form, "kind", 20)), Cause(text(form, "cause", 40))
    except ValueError as error:
        raise Invalid(
            N_("the outage cannot be announced like this"), {"cause": N_("choose one")}
        ) from error
    plan = Plan(
        kind=kind,
        cause=cause,
        areas=_lines(form, "areas"),
        accounts=_lines(form, "accounts"),
        reported_at=_local(form, "reported_at", tz) or context.clock(),
        planned_start=_local(form, "planned_start", tz),
        planned_end=_local(form, "planned_end", tz),
        expected_restoration=_local(form, "expected_restoration", tz),
        short_notice_reason=optional(form, "short_notice_reason", 500),
    )
    await cases.announce(
        context,
        actor,
        plan,
        title=text(form, "title", 200),
        apology=optional(form, "apology", 500),
        agent_script=optional(form, "agent_script", 2000),
    )
    return current_gettext()("The outage was announced.")


async def decide(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    if row is None:
        raise NotFound(N_("no such suggestion"))
    into = text(form, "incident", 12)
    await cases.decide(
        context_of(request),
        actor,
        row,
        request.path_params["operation"],
        int(into) if into.isdigit() else None,
    )
    return current_gettext()("The suggestion was decided.")


async def show_detail(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    raw = request.path_params["row"]
    if not raw.isdigit():
        raise NotFound(N_("no such outage"))
    now, tz = context.clock(), context.settings.timezone
    async with context.sessions() as session:
        incident = await service.get(session, int(raw))
        linked = await service.links(session, int(raw))
        in_area = await service.flagged_tickets(session, incident, now)
        affected = (
            await service.affected(session, incident) if actor.role in INCIDENT_MANAGERS else None
        )
        worklist = (
            await relighting.worklist(session, int(raw), None)
            if actor.role in INCIDENT_MANAGERS
            else ({}, [])
        )
        count = (
            affected.count
            if affected is not None
            else await service.affected_count(session, incident)
        )
    return show_form_page(
        request,
        actor,
        "incident.html",
        {
            "incident": _shown(incident_json(incident, now, tz)),
            "affected_count": count,
            "special_care": [affected_json(a) for a in affected.special_care] if affected else [],
            "others": [affected_json(a) for a in affected.others] if affected else [],
            "calls": [(link.call_linkedid, link.linked_by) for link in linked.calls],
            "tickets": [(ticket.number, ticket.status) for _link, ticket in linked.tickets],
            "heard_notice": linked.heard_notice,
            "deflected": linked.deflected,
            "follow_ups": (linked.follow_ups, linked.follow_ups_reached),
            "in_area": [(t.number, t.type, t.subtype, t.status) for t in in_area],
            "relight_counts": worklist[0],
            "relight_visits": [relighting.visit_json(row, tz) for row in worklist[1]],
            "may_manage": actor.role in INCIDENT_MANAGERS,
            "may_link": actor.role in INCIDENT_LINKERS,
        },
        outcome,
    )


async def change(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    if row is None:
        raise NotFound(N_("no such outage"))
    context = context_of(request)
    _ = current_gettext()
    operation = request.path_params["operation"]
    if operation in RELIGHT_OPERATIONS:
        return await _relight(request, actor, form, operation)
    if operation == "link":
        await cases.link_ticket(context, actor, row, text(form, "ticket", 24))
        return _("The ticket joined the outage.")
    if operation not in Move.__members__.values():
        raise NotFound(N_("no such outage"))
    tz = context.settings.timezone
    await cases.move(
        context,
        actor,
        row,
        Move(operation),
        at=None,
        expected_restoration=_local(form, "expected_restoration", tz),
    )
    return _("The outage moved on.")


RELIGHT_OPERATIONS = ("relight-book", "relight-done", "relight-not-needed")


async def _relight(request: Request, actor: Actor, form: FormData, operation: str) -> str:
    """A relighting visit on the worklist: booked in a window, done, or not needed."""
    context = context_of(request)
    _ = current_gettext()
    raw = text(form, "visit", 12)
    if not raw.isdigit():
        raise NotFound(N_("no such relighting visit"))
    visit = int(raw)
    if operation == "relight-book":
        tz = context.settings.timezone
        start, end = _local(form, "start", tz), _local(form, "end", tz)
        if start is None or end is None:
            raise Invalid(
                N_("the appointment window cannot be booked like this"),
                {"start" if start is None else "end": N_("required")},
            )
        await relighting_cases.book(context, actor, visit, start=start, end=end)
        return _("The relighting visit is booked.")
    deed = RelightDeed.DONE if operation == "relight-done" else RelightDeed.NOT_NEEDED
    await relighting_cases.settle(context, actor, visit, deed, note=optional(form, "note", 500))
    return _("The relighting visit is recorded.")


def _back_to_incident(form: FormData) -> str:
    raw = text(form, "incident", 12)
    return f"/incidents/{raw}" if raw.isdigit() else "/incidents"


async def list_page(request: Request, actor: Actor) -> Response:
    return await show_list(request, actor, None)


async def detail_page(request: Request, actor: Actor) -> Response:
    return await show_detail(request, actor, None)


ROUTES = [
    Route("/incidents", page(INCIDENT_READERS, list_page)),
    Route(
        "/incidents",
        page(INCIDENT_MANAGERS, changes(show_list, announce, "/incidents")),
        methods=["POST"],
    ),
    Route(
        "/incident-suggestions/{row}/{operation}",
        page(INCIDENT_MANAGERS, changes(show_list, decide, "/incidents")),
        methods=["POST"],
    ),
    Route("/incidents/{row}", page(INCIDENT_READERS, detail_page)),
    Route(
        "/incidents/{row}/{operation}",
        page(INCIDENT_LINKERS, changes(show_detail, change, _back_to_incident)),
        methods=["POST"],
    ),
]
