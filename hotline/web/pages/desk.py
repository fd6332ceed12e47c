"""The agent's desk (`/`), and the call log page (`/calls`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.db.tables import CallRow
from hotline.services import calls as call_service
from hotline.services.actor import Actor
from hotline.telephony.model import Disposition
from hotline.web.context import context_of
from hotline.web.pages.guard import page
from hotline.web.templating import activate, current_gettext, render
from tickets.sla import ClockName
from tickets.types import SUBTYPES, TicketType
from tickets.workflow import Role, Status

RECENT = 20
WALLBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
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
        "ringing_back": _("Ringing back %(number)s: your phone rings first, then the caller's.")
        % {"number": "{number}"},
    }


async def _my_calls(request: Request, actor: Actor) -> list[dict[str, Any]]:
    async with context_of(request).sessions() as session:
        page_of_calls = await call_service.list_calls(
            session, call_service.CallFilter(agent=actor.interface or "-", per_page=RECENT)
        )
    return call_rows(request, page_of_calls.items)


async def desk(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    offset = context.clock().astimezone(context.settings.timezone).strftime("%z")
    texts = {**desk_texts(request), "offset": f"{offset[:3]}:{offset[3:]}"}
    return render(
        request,
        "desk.html",
        {
            "calls": await _my_calls(request, actor),
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


async def home(request: Request, actor: Actor) -> Response:
    if actor.role is Role.AGENT:
        return await desk(request, actor)
    return RedirectResponse("/calls", status_code=303)


async def calls(request: Request, actor: Actor) -> Response:
    async with context_of(request).sessions() as session:
        page_of_calls = await call_service.list_calls(
            session, call_service.CallFilter(per_page=100)
        )
    return render(
        request, "calls.html", {"calls": call_rows(request, page_of_calls.items)}, actor=actor
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
    }
    return render(request, "wallboard.html", {"texts": texts}, actor=actor)


ROUTES = [
    Route("/", page(frozenset(Role), home), methods=["GET"]),
    Route("/desk/calls", page(frozenset({Role.AGENT}), desk_calls), methods=["GET"]),
    Route("/calls", page(frozenset(Role), calls), methods=["GET"]),
    Route("/wallboard", page(WALLBOARD_ROLES, wallboard), methods=["GET"]),
]
