"""`/tickets`: ticket lists with the saved views people work from (mine, my department, due
soon, breached), every row with its SLA clocks counting down live."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.application import photos as photo_cases
from hotline.db.tables import Department, User
from hotline.services import calls as call_service
from hotline.services import incidents as incident_service
from hotline.services import photos as photo_service
from hotline.services import tickets as service
from hotline.services.actor import Actor
from hotline.services.errors import NotFound, ServiceError
from hotline.services.tickets import TicketView
from hotline.web.api.render import HIDDEN, iso, ticket_detail_json
from hotline.web.context import context_of
from hotline.web.errors import status_of
from hotline.web.pages.form_pages import problem_of, stale_form
from hotline.web.pages.forms import checked_form, done, take_notice
from hotline.web.pages.guard import page
from hotline.web.pages.history import describe_change
from hotline.web.pages.photos import photo_limits, photo_view, uploaded
from hotline.web.templating import current_gettext, render
from tickets import field_work
from tickets.access import Use
from tickets.sla import Clock, ClockState
from tickets.types import TicketType
from tickets.workflow import FIELD_STAFF, Action, Role, Status

DUE_SOON = timedelta(hours=2)
# What a 1080p screen shows without scrolling; the API pages by 50.
ROWS_PER_PAGE = 30
VIEWS = {
    "all": "All open",
    "mine": "Mine",
    "department": "My department",
    "due_soon": "Due within 2 h",
    "breached": "Breached",
}
OPEN = [status for status in Status if status is not Status.CLOSED]


def clock_cells(clocks: list[Clock], now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """What the countdown script needs: the due and warning moments and the state now."""
    cells = []
    for clock in clocks:
        state = clock.state(now)
        cells.append(
            {
                "name": clock.name.value,
                "state": state.value,
                "due": clock.due_at_as_of(now).astimezone(tz).isoformat(),
                "warn": clock.warn_at.astimezone(tz).isoformat(),
                "running": state is ClockState.RUNNING,
                # Not started yet: the countdown says when it starts, not how much is left.
                "starts": clock.started_at.astimezone(tz).isoformat()
                if state is ClockState.SCHEDULED
                else None,
                "late": state is ClockState.BREACHED,
                # Its target gives more time than the rules (a second admin confirmed it).
                "looser": clock.looser_than_rules,
            }
        )
    return cells


def rows(
    views: list[TicketView], actor: Actor, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    return [
        {
            "number": view.ticket.number,
            "type": view.ticket.type,
            "subtype": view.ticket.subtype,
            "status": view.ticket.status,
            "department": view.department.name,
            "assignee": view.assignee.display_name if view.assignee else None,
            "received": view.ticket.received_at.astimezone(tz).strftime("%m-%d %H:%M"),
            "description": view.ticket.description[:80]
            if view.allows(actor, Use.SEE_DESCRIPTION)
            else HIDDEN,
            "clocks": clock_cells(view.clocks, now, tz),
        }
        for view in views
    ]


async def _department_of(request: Request, actor: Actor) -> str | None:
    async with context_of(request).sessions() as session:
        statement = (
            select(Department.code)
            .join(User, col(User.department_id) == col(Department.id))
            .where(col(User.id) == actor.user_id)
        )
        return (await session.exec(statement)).first()


async def ticket_list(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    view_name = request.query_params.get("view", "all")
    if view_name not in VIEWS:
        view_name = "all"
    text = (request.query_params.get("text") or "").strip()[:100] or None
    # Exact, as the dispatch board's link to an area's waiting repairs gives it.
    area = (request.query_params.get("area") or "").strip()[:64] or None
    type_name = request.query_params.get("type")
    ticket_type = TicketType(type_name) if type_name in set(TicketType) else None
    try:
        page_number = max(1, min(10_000, int(request.query_params.get("page", "1"))))
    except ValueError:
        page_number = 1
    department = await _department_of(request, actor) if view_name == "department" else None
    query = service.TicketFilter(
        type=ticket_type,
        status=OPEN,
        assignee=actor.username if view_name == "mine" else None,
        department=department,
        area=area,
        overdue=True if view_name == "breached" else None,
        due_within=DUE_SOON if view_name == "due_soon" else None,
        text=text,
        page=page_number,
        per_page=ROWS_PER_PAGE,
        searcher=actor,
    )
    rulebook = await context.rulebooks.get()
    now = context.clock()
    problem = None
    found: list[TicketView] = []
    has_more = False
    if view_name == "department" and department is None:
        problem = "You belong to no department."
    else:
        try:
            async with context.sessions() as session:
                result = await service.list_tickets(session, rulebook, query, now)
            found, has_more = result.items, result.has_more
        except ServiceError as error:
            problem = error.message
    # HTMX asks for the list alone when a view, filter or page is chosen, or to refresh it.
    partial = request.headers.get("hx-request") == "true"
    return render(
        request,
        "_ticket_list.html" if partial else "tickets.html",
        {
            "query": request.url.query,
            "views": VIEWS,
            "view": view_name,
            "text": text or "",
            "area": area or "",
            "type": ticket_type.value if ticket_type else "",
            "types": [t.value for t in TicketType],
            "rows": rows(found, actor, now, rulebook.timezone),
            "page": page_number,
            "has_more": has_more,
            "problem": problem,
            "server_now": now.isoformat(),
        },
        actor=actor,
    )


ROUTES = [Route("/tickets", page(frozenset(Role), ticket_list), methods=["GET"])]


# The fields each action's form asks for (the API validates them).
ACTION_FIELDS: dict[Action, list[str]] = {
    Action.ASSIGN: ["assignee", "department", "note"],
    Action.EXTEND: ["due_date", "agreed_via", "reason"],
    Action.PAUSE: ["reason", "note"],
    Action.REOPEN: ["reason", "note"],
    Action.MARK_SPECIAL: ["special_reason", "note"],
}


async def ticket_page(request: Request, actor: Actor) -> Response:
    return await show_ticket(request, actor)


async def show_ticket(
    request: Request, actor: Actor, refusal: tuple[int, dict[str, str]] | None = None
) -> Response:
    """The ticket; again after a refused photo (`refusal`: the status and the reasons)."""
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now = context.clock()
    tz = rulebook.timezone
    number = request.path_params["number"]
    try:
        async with context.sessions() as session:
            view = await service.get_ticket(session, number)
            calls = await call_service.calls_of_ticket(
                session, view.ticket.id, view.ticket.call_linkedid
            )
            photos = (
                await photo_service.photos_of(session, actor, number)
                if view.allows(actor, Use.SEE_PHOTOS)
                else []
            )
            outages = await incident_service.ticket_outages(session, view.ticket, now)
    except NotFound as error:
        return render(request, "not_found.html", actor=actor, status=status_of(error))
    ticket = ticket_detail_json(view, actor, now, tz)
    _ = current_gettext()
    departments = {code: department.name for code, department in rulebook.departments.items()}
    timeline = (
        [
            {
                "at": entry["at"],
                "kind": "audit",
                "what": entry["action"],
                "who": entry["actor"],
                "detail": " · ".join(
                    [
                        *([entry["note"]] if entry["note"] else []),
                        *describe_change(entry["before"], entry["after"], tz, _, departments),
                    ]
                ),
            }
            for entry in ticket["history"]
        ]
        + [
            {
                "at": e["happened_at"],
                "kind": "escalation",
                "what": e["kind"],
                "who": "",
                "detail": e["clock"],
                # One the facts showed never happened stays on record, marked withdrawn.
                "withdrawn": e["withdrawn_note"] if e["withdrawn_at"] else None,
            }
            for e in ticket["escalations"]
        ]
        + [
            {
                "at": iso(call.started_at, tz),
                "kind": "call",
                "what": call.direction,
                "who": call.agent_name or "",
                "detail": call.disposition or "",
            }
            for call in calls
        ]
    )
    timeline.sort(key=lambda item: item["at"] or "")
    return render(
        request,
        "ticket.html",
        {
            "ticket": ticket,
            "clocks": clock_cells(view.clocks, now, tz),
            "timeline": timeline,
            "outages": [incident_service.ticket_outage_json(found) for found in outages],
            "actions": [
                (name, ACTION_FIELDS.get(name, ["note"])) for name in ticket["allowed_actions"]
            ],
            # The browser asks before the server refuses (tickets/field_work.py's one rule).
            "needs_report": [action.value for action in field_work.NEEDS_REPORT],
            # Fixed and not yet resolved: what comes next, as the technician's card says it.
            "after_fix": field_work.AFTER_FIX
            if view.ticket.status not in (Status.RESOLVED, Status.CLOSED)
            and field_work.fixed_at(
                TicketType(view.ticket.type), {clock.name: clock for clock in view.clocks}
            )
            else None,
            "can_call": bool(
                actor.interface and ticket["caller_phone"] and view.allows(actor, Use.CALL)
            ),
            "photos": [photo_view(photo, tz) for photo in photos],
            "may_attach": view.allows(actor, Use.ATTACH_PHOTO),
            "photo_limits": photo_limits(),
            "notice": take_notice(request) if refusal is None else None,
            "errors": refusal[1] if refusal else {},
            "server_now": now.isoformat(),
        },
        actor=actor,
        status=refusal[0] if refusal else 200,
    )


async def attach_photo(request: Request, actor: Actor) -> Response:
    """A photo of the work from the ticket page's form (CSRF like every console form)."""
    form = await checked_form(request)
    if form is None:
        return stale_form(request, actor)
    number = request.path_params["number"]
    try:
        await photo_cases.attach_photo(context_of(request), actor, number, await uploaded(form))
    except ServiceError as error:
        return await show_ticket(request, actor, problem_of(error))
    finally:
        await form.close()
    return done(request, f"/tickets/{number}", current_gettext()("Photo attached."))


ROUTES += [
    Route("/tickets/{number}", page(frozenset(Role), ticket_page), methods=["GET"]),
    Route("/tickets/{number}/photos", page(FIELD_STAFF, attach_photo), methods=["POST"]),
]
