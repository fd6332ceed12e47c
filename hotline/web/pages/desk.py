"""The agent's desk (`/`), and the call log page (`/calls`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.db.tables import CallRow
from hotline.services import calls as call_service
from hotline.services.actor import Actor
from hotline.services.errors import NotFound
from hotline.telephony.model import Disposition
from hotline.telephony.numbers import normalise_caller
from hotline.telephony.queues import member_states
from hotline.web.context import context_of
from hotline.web.pages.guard import page
from hotline.web.pages.wording import when
from hotline.web.templating import activate, current_gettext, render
from tickets.incidents import DEFAULT_APOLOGY, DEFAULT_SCRIPT, Cause
from tickets.incidents import Status as IncidentStatus
from tickets.sla import ClockName
from tickets.types import SUBTYPES, TicketType
from tickets.workflow import FLOOR_WATCHERS, QUEUE_AGENTS, Role, Status

RECENT = 20
WALLBOARD_ROLES = FLOOR_WATCHERS
CARE = {"elderly": "elderly", "disabled": "disabled", "living_alone": "living alone"}
CHOICES = ["consultation", "repair", "complaint", "gas-smell", "no-gas", "gas-outage"]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{round(value)} s"


def call_rows(request: Request, rows: list[CallRow]) -> list[dict[str, Any]]:
    tz = context_of(request).settings.timezone
    return [
        {
            "started": row.started_at.astimezone(tz).strftime("%m-%d %H:%M:%S"),
            "direction": row.direction,
            "caller": row.caller,
            "ivr_choice": row.ivr_choice,
            "agent_name": row.agent_name,
            "wait": _seconds(row.wait_seconds),
            "talk": _seconds(row.talk_seconds),
            "disposition": row.disposition,
        }
        for row in rows
    ]


def desk_texts(request: Request) -> dict[str, Any]:
    """What desk.js shows, translated for this request."""
    activate(request)
    _ = current_gettext()
    return {
        "none": _("none"),
        "withheld": _("number withheld"),
        "created": _("Ticket created:"),
        "expired": _("Your session has ended: sign in again. Your draft is kept."),
        "offline": _("No connection to the server; your draft is kept."),
        "failed": _("The ticket was not saved."),
        "file_created": _("Customer file created:"),
        "care": {key: _(label) for key, label in CARE.items()},
        "choices": {key: _(key) for key in CHOICES},
        "types": {kind.value: _(kind.value) for kind in TicketType},
        "statuses": {status.value: _(status.value) for status in Status},
        "dispositions": {end.value: _(end.value) for end in Disposition},
        "states": {"ready": _("ready"), "away": _("away")},
        # Incidents in the pop: causes, and the default apology and scripts in the reader's
        # language (what a dispatcher typed instead is shown as typed).
        "causes": {cause.value: _(cause.value) for cause in Cause},
        "incident_words": {word: _(word) for word in (DEFAULT_APOLOGY, *DEFAULT_SCRIPT.values())},
        "join_outage": _("Join this call to the outage"),
        "joined_outage": _("The call joined the outage."),
        "expected_back": _("Expected restoration"),
        "timezone": context_of(request).settings.timezone.key,
        "today": _("today"),
        "yesterday": _("yesterday"),
        "no_call": _("No call"),
        "no_call_form": _("Not on a call: a request received another way."),
        "for_call": _("For the call from %(caller)s") % {"caller": "{caller}"},
        "close_form": _("Close the form of %(caller)s") % {"caller": "{caller}"},
        "repeat": _(
            "Repeat caller: %(count)s open tickets. Add this call to one of them rather than "
            "opening a duplicate."
        )
        % {"count": "{count}"},
        "note_placeholder": _("Note (optional)"),
        "fix_fields": _("not saved: correct the fields marked"),
        "add_call": _("Add this call to %(number)s") % {"number": "{number}"},
        "call_added": _("This call is now on %(number)s.") % {"number": "{number}"},
        "ringing_back": _("Ringing back %(number)s: your phone rings first, then the caller's.")
        % {"number": "{number}"},
    }


async def _my_calls(request: Request, actor: Actor) -> list[dict[str, Any]]:
    async with context_of(request).sessions() as session:
        page_of_calls = await call_service.list_calls(
            session, call_service.CallFilter(agent=actor.interface or "-", per_page=RECENT)
        )
    return call_rows(request, page_of_calls.items)


# The desk waits this long for Asterisk before showing the state as unknown.
STATE_TIMEOUT = 1.0


async def _my_state(request: Request, actor: Actor) -> str | None:
    """The agent's state as the queues have it now: ready, busy or away; `logged_out` when
    their phone is in no queue; None when it cannot be known (no phone system, no answer)."""
    telephony = context_of(request).telephony
    if telephony is None or not actor.interface:
        return None
    queues = await telephony.queues_now(STATE_TIMEOUT)
    if queues is None:
        return None
    return member_states(queues).get(actor.interface, "logged_out")


async def desk(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    offset = context.clock().astimezone(context.settings.timezone).strftime("%z")
    texts = {**desk_texts(request), "offset": f"{offset[:3]}:{offset[3:]}"}
    return render(
        request,
        "desk.html",
        {
            "calls": await _my_calls(request, actor),
            "state": await _my_state(request, actor),
            "texts": texts,
            "subtypes": {t.value: sorted(SUBTYPES[t]) for t in TicketType},
        },
        actor=actor,
    )


async def desk_calls(request: Request, actor: Actor) -> Response:
    """The desk's call history alone, for HTMX to swap in."""
    return render(
        request, "_desk_calls.html", {"calls": await _my_calls(request, actor)}, actor=actor
    )


# Where each role's work is: signing in lands there.
LANDING = {
    Role.DISPATCHER: "/dispatch",
    Role.TECHNICIAN: "/my-work",
    Role.QUALITY: "/callbacks",
    Role.SUPERVISOR: "/wallboard",
    Role.ADMIN: "/admin",
}


async def home(request: Request, actor: Actor) -> Response:
    if actor.role is Role.AGENT:
        return await desk(request, actor)
    return RedirectResponse(LANDING.get(actor.role, "/calls"), status_code=303)


PER_PAGE = 50
DIRECTIONS = ("inbound", "outbound")


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


Filtered = tuple[call_service.CallFilter, dict[str, str], dict[str, str]]


def _call_filter(request: Request) -> Filtered:
    """The call log's filters as the API has them, from the page's query; what was typed, and
    the reason next to each filter that could not be read (all of them at once)."""
    context = context_of(request)
    tz = context.settings.timezone
    query = request.query_params
    typed = {name: query.get(name, "").strip()[:64] for name in FILTERS}
    errors: dict[str, str] = {}
    _ = current_gettext()
    since, until = _day(typed["from"]), _day(typed["to"])
    for name, day in (("from", since), ("to", until)):
        if typed[name] and day is None:
            errors[name] = _("a date")
    if since and until and until < since:
        errors["to"] = _("before the first day")
    if typed["disposition"] and typed["disposition"] not in {end.value for end in Disposition}:
        errors["disposition"] = _("unknown outcome")
    if typed["direction"] and typed["direction"] not in DIRECTIONS:
        errors["direction"] = _("unknown direction")
    raw_page = query.get("page", "1")
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), tz)

    caller = normalise_caller(typed["caller"], context.settings.local_area_code)
    found = call_service.CallFilter(
        since=start_of(since) if since and not errors else None,
        until=start_of(until + timedelta(days=1)) if until and not errors else None,
        caller=caller or None,
        agent=typed["agent"] or None,
        disposition=typed["disposition"] or None if "disposition" not in errors else None,
        direction=typed["direction"] or None if "direction" not in errors else None,
        queue=typed["queue"] or None,
        page=number,
        per_page=PER_PAGE,
    )
    return found, typed, errors


FILTERS = ("from", "to", "caller", "agent", "disposition", "direction", "queue")


def named_call_rows(
    request: Request, rows: list[CallRow], names: call_service.CallNames
) -> list[dict[str, Any]]:
    context = context_of(request)
    now, tz = context.clock(), context.settings.timezone
    return [
        {
            **line,
            "started_words": when(row.started_at, now, tz),
            "linkedid": row.linkedid,
            "customer_id": row.customer_id,
            "customer": names.customers.get(row.customer_id) if row.customer_id else None,
            "agent": names.agent(row),
            "tickets": names.tickets.get(row.linkedid, []),
        }
        for row, line in zip(rows, call_rows(request, rows), strict=True)
    ]


async def calls(request: Request, actor: Actor) -> Response:
    query, typed, errors = _call_filter(request)
    async with context_of(request).sessions() as session:
        page_of_calls = await call_service.list_calls(session, query)
        names = await call_service.names_of(session, page_of_calls.items)
        agents = await call_service.agents_with_phones(session)
    kept = {name: value for name, value in typed.items() if value}
    return render(
        request,
        "calls.html",
        {
            "calls": named_call_rows(request, page_of_calls.items, names),
            "typed": typed,
            "errors": errors,
            "agents": agents,
            "dispositions": [end.value for end in Disposition],
            "directions": DIRECTIONS,
            "page": page_of_calls.page,
            "previous": urlencode({**kept, "page": page_of_calls.page - 1}),
            "next": urlencode({**kept, "page": page_of_calls.page + 1})
            if page_of_calls.has_more
            else None,
        },
        actor=actor,
        status=422 if errors else 200,
    )


async def call_page(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    try:
        async with context.sessions() as session:
            detail = await call_service.get_call(session, request.path_params["linkedid"])
            names = await call_service.names_of(session, [detail.call])
    except NotFound:
        _ = current_gettext()
        reason = _("There is no such call.")
        return render(request, "not_found.html", {"reason": reason}, actor=actor, status=404)
    [line] = named_call_rows(request, [detail.call], names)
    return render(
        request,
        "call.html",
        {"call": line, "tickets": [ticket.number for ticket in detail.tickets]},
        actor=actor,
    )


async def wallboard(request: Request, actor: Actor) -> Response:
    activate(request)
    _ = current_gettext()
    texts = {
        "warning": _("SLA warning"),
        "breach": _("SLA breach"),
        "unhappy": _("Unhappy callback survey: ticket reopened"),
        "created": _("New ticket"),
        "gas_smell_missed": _("Gas smell call given up: call back now"),
        "ringback_failed": _("Ring-back not answered after every attempt"),
        "clocks": {name.value: _(name.value) for name in ClockName},
        "statuses": {status.value: _(status.value) for status in IncidentStatus},
        "suggested": _("Suggested outage:"),
        # The feed's words for a new ticket: its subtype and type.
        "labels": {
            key: _(key) for key in (*TicketType, *(s for t in SUBTYPES.values() for s in t))
        },
        "states": {
            "ready": _("ready"),
            "busy": _("busy"),
            "away": _("away"),
            "logged_out": _("not logged in"),
        },
    }
    return render(request, "wallboard.html", {"texts": texts}, actor=actor)


ROUTES = [
    Route("/", page(frozenset(Role), home), methods=["GET"]),
    Route("/desk/calls", page(QUEUE_AGENTS, desk_calls), methods=["GET"]),
    Route("/calls", page(frozenset(Role), calls), methods=["GET"]),
    Route("/calls/{linkedid}", page(frozenset(Role), call_page), methods=["GET"]),
    Route("/wallboard", page(WALLBOARD_ROLES, wallboard), methods=["GET"]),
]
