"""The dispatcher's board (`/dispatch`): repairs waiting for a crew, crews with their orders
and bookings; assign, book, hand over, move or cancel a visit. A technician's own page is
my_work.py; the KPI report is reports.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import dispatch as dispatch_cases
from hotline.application import tickets as ticket_cases
from hotline.db.tables import Ticket, User, Visit
from hotline.i18n import N_
from hotline.services import dispatch as service
from hotline.services import incidents as incident_service
from hotline.services import ringbacks as ringback_service
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.pages.tickets import clock_cells
from hotline.web.templating import current_gettext
from tickets.ringbacks import RingbackReason
from tickets.types import TicketType
from tickets.visits import NOTICE
from tickets.workflow import DISPATCHERS, Action


def _order(view: ticket_service.TicketView, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    ticket = view.ticket
    return {
        "number": ticket.number,
        "subtype": ticket.subtype,
        "area": ticket.area or "—",
        "address": ticket.address or "—",
        "description": ticket.description[:80],
        "received": ticket.received_at.astimezone(tz).strftime("%m-%d %H:%M"),
        "clocks": clock_cells(view.clocks, now, tz),
    }


def _held(order: Ticket, members: list[User]) -> dict[str, Any]:
    """A crew's open work order, with who holds it."""
    holder = next((member for member in members if member.id == order.assignee_id), None)
    return {
        "number": order.number,
        "subtype": order.subtype,
        "status": order.status,
        "holder": holder.display_name if holder else "—",
        "holder_username": holder.username if holder else "",
    }


def _booking(visit: Visit, ticket: Ticket, today: date, tz: ZoneInfo) -> dict[str, Any]:
    """A crew's booking as the board lists it: today's by time, later ones with their date."""
    start, end = visit.window_start.astimezone(tz), visit.window_end.astimezone(tz)
    day = "" if start.date() == today else f"{start:%m-%d} "
    return {
        "id": visit.id,
        "label": f"{day}{start:%H:%M}–{end:%H:%M} {ticket.number}",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{end:%Y-%m-%dT%H:%M}",
        # The 2 h notice rule, said before the move is saved.
        "notice_by": f"{start - NOTICE:%Y-%m-%dT%H:%M}",
        "notice_by_text": f"{start - NOTICE:%m-%d %H:%M}",
    }


def _area_list(area: str) -> str | None:
    """The ticket list of the area's open repairs: where the rest of its waiting ones are."""
    if area == service.NO_AREA:
        return None
    return "/tickets?" + urlencode({"type": TicketType.REPAIR.value, "area": area})


async def show_board(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now, tz = context.clock(), context.settings.timezone
    today = now.astimezone(tz).date()
    async with context.sessions() as session:
        board = await service.board(session, rulebook, now, tz)
        # Gas-smell calls given up: the caller must be called back before anything else.
        gas_ringbacks = [
            view
            for view in await ringback_service.list_open(session)
            if view.row.reason == RingbackReason.GAS_SMELL_MISSED.value
        ]
        outages = await incident_service.outages_now(session)
        technicians = await service.technicians_on_duty(session, now, tz)
    _ = current_gettext()
    return show_form_page(
        request,
        actor,
        "dispatch.html",
        {
            "emergencies": [_order(v, now, tz) for v in board.emergencies],
            "gas_ringbacks": [
                {
                    "number": view.row.number,
                    "customer": view.customer_name,
                    "arrived": f"{view.row.arrived_at.astimezone(tz):%H:%M}",
                    "status": view.row.status,
                }
                for view in gas_ringbacks
            ],
            "outages": [incident_service.outage_json(i, tz) for i in outages.active],
            "suggested_outages": [
                incident_service.suggestion_json(s, tz) for s in outages.suggested
            ],
            "can_call": bool(actor.interface),
            "areas": {a: [_order(v, now, tz) for v in vs] for a, vs in board.by_area.items()},
            "more": {
                area: {"count": count, "list": _area_list(area)}
                for area, count in board.more_by_area.items()
                if count
            },
            "crews": [
                {
                    "name": day.crew.name,
                    "areas": "、".join(day.crew.areas),
                    "shift": f"{day.crew.shift_start}–{day.crew.shift_end}",
                    "on_shift": day.on_shift,
                    "members": [m.display_name for m in day.members],
                    "orders": [_held(order, day.members) for order in day.orders],
                    "visits": [_booking(v, t, today, tz) for v, t in day.visits],
                }
                for day in board.crews
            ],
            "technicians": [_technician_choice(technician) for technician in technicians],
            # On-shift crews are offered first: a gas smell goes to who is at work now.
            "first_on_shift": next((t.username for t in technicians if t.on_shift), ""),
            "server_now": now.isoformat(),
            "sections": [],
        },
        outcome,
    )


def _technician_choice(technician: service.Technician) -> dict[str, Any]:
    _ = current_gettext()
    label = technician.name
    if technician.crew is not None:
        shift = "" if technician.on_shift else f", {_('off shift')}"
        label = f"{technician.name} ({technician.crew}{shift})"
    return {"username": technician.username, "label": label, "on_shift": technician.on_shift}


async def _confirm_off_shift(request: Request, technician: str, form: FormData) -> str:
    """The name of who gets the order; an off-shift technician only when the dispatcher
    confirmed it (a gas smell must not sit with someone asleep while the night crew is free)."""
    context = context_of(request)
    async with context.sessions() as session:
        on_duty = await service.technicians_on_duty(
            session, context.clock(), context.settings.timezone
        )
    chosen = next((t for t in on_duty if t.username == technician), None)
    if chosen is None:
        return technician
    if not chosen.on_shift and form.get("off_shift_confirmed") != "yes":
        _ = current_gettext()
        raise Invalid(
            N_("not assigned: the technician is off shift"),
            {
                "technician": _(
                    "%(name)s is off shift: tick the box to confirm, or pick someone on shift"
                )
                % {"name": chosen.name},
                "off_shift_confirmed": N_("confirm the off-shift technician"),
            },
        )
    return str(_technician_choice(chosen)["label"])


def _local(form: FormData, name: str, tz: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(text(form, name, 16)).replace(tzinfo=tz)
    except ValueError as error:
        raise Invalid(N_("the visit was not changed"), {name: N_("a date and time")}) from error


def _told(form: FormData, tz: ZoneInfo) -> datetime | None:
    """When the customer was told of the change; blank: not told."""
    return _local(form, "customer_told_at", tz) if form.get("customer_told_at") else None


def _told_when_moved(form: FormData, tz: ZoneInfo) -> datetime:
    """A visit moved needs the time the customer was told: the 2 h rule is judged on it, and
    a blank left by oversight must not count against the crew unnoticed."""
    if not form.get("customer_told_at"):
        missing = {"customer_told_at": N_("needed: when the customer was told of the move")}
        if not text(form, "reason", 500):
            # Every blank of the form at once, not one per try.
            missing["reason"] = N_("say why the visit changes")
        raise Invalid(N_("the visit was not moved"), missing)
    return _local(form, "customer_told_at", tz)


async def visit_change(request: Request, actor: Actor, form: FormData, visit_id: int | None) -> str:
    """A booked visit moved (to a new window, maybe another technician) or cancelled, with the
    reason and when the customer was told; the notice says when it counts against the crew."""
    operation = request.path_params["operation"]
    if visit_id is None or operation not in {"reschedule", "cancel"}:
        raise NotFound("no such change to a visit")
    context = context_of(request)
    tz = context.settings.timezone
    reason = text(form, "reason", 500)
    if operation == "cancel":
        old = await dispatch_cases.cancel_visit(
            context, actor, visit_id, reason=reason, customer_told_at=_told(form, tz)
        )
    else:
        old, _new = await dispatch_cases.reschedule_visit(
            context,
            actor,
            visit_id,
            start=_local(form, "start", tz),
            end=_local(form, "end", tz),
            reason=reason,
            customer_told_at=_told_when_moved(form, tz),
            technician=optional(form, "technician", 64),
        )
    _ = current_gettext()
    done = _("Visit cancelled.") if operation == "cancel" else _("Visit moved.")
    if old.against_crew:
        return done + " " + _("The customer was not told 2 h ahead: it counts against the crew.")
    return done


async def dispatch_change(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    if request.url.path.startswith("/dispatch/visits/"):
        return await visit_change(request, actor, form, row)
    context = context_of(request)
    tz = context.settings.timezone
    number = request.path_params["row"]
    technician = text(form, "technician", 64)
    _ = current_gettext()
    operation = request.path_params["operation"]
    if operation not in {"assign", "book"}:
        raise NotFound("no such change on the board")
    if operation == "assign":
        who = await _confirm_off_shift(request, technician, form)
        await ticket_cases.act_on_ticket(
            context,
            actor,
            number,
            Action.ASSIGN,
            ticket_service.ActionRequest(assignee=technician or None),
        )
        return _("%(number)s assigned to %(who)s.") % {"number": number, "who": who}
    _visit, fix_due = await dispatch_cases.book_visit(
        context,
        actor,
        number,
        technician=technician,
        start=_local(form, "start", tz),
        end=_local(form, "end", tz),
        consent=form.get("consent") == "yes",
    )
    if fix_due is not None:
        return _(
            "Visit booked. It ends after the fix deadline (%(due)s): the fix will be late."
        ) % {"due": f"{fix_due.astimezone(tz):%m-%d %H:%M}"}
    return _("Visit booked.")


ROUTES = [
    *form_page(
        "/dispatch",
        DISPATCHERS,
        show_board,
        dispatch_change,
        "/dispatch",
        ["/dispatch/{row}/{operation}", "/dispatch/visits/{row}/{operation}"],
    ),
]
