"""`/my-work`: a technician's open work orders with their countdowns and booked visits, and
the steps taken at the door — set out, arrived, fixed, visit done — a tap each, recorded now;
photos of the work taken with the phone's camera and attached to the order.
Anything else (an earlier time, a reply, a move) is on the ticket's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import dispatch as dispatch_cases
from hotline.application import photos as photo_cases
from hotline.application import tickets as ticket_cases
from hotline.db.tables import Ticket, Visit
from hotline.i18n import N_
from hotline.services import dispatch as service
from hotline.services import photos as photo_service
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, NotFound
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional
from hotline.web.pages.photos import photo_limits, photo_view, uploaded
from hotline.web.pages.tickets import clock_cells
from hotline.web.templating import current_gettext
from tickets import field_work
from tickets.access import Use
from tickets.types import TicketType
from tickets.workflow import TECHNICIANS, Action

MOVED_ON = N_("That step cannot be taken now: the work order has moved on (see its page).")
# The order a technician takes them in.
FIELD_STEPS = (Action.START, Action.ARRIVE, Action.FIX)
UNDO_FIX = "undo-fix"
PHOTO = "photo"


def _visit(visit: Visit, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": visit.id,
        "window": f"{visit.window_start.astimezone(tz):%m-%d %H:%M}–"
        f"{visit.window_end.astimezone(tz):%H:%M}",
        # Done can be said once the window has begun: not before the visit could happen.
        "can_finish": visit.window_start <= now,
    }


def _order(
    view: ticket_service.TicketView,
    visits: list[Visit],
    photos: list[photo_service.PhotoInfo],
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    ticket = view.ticket
    allowed = set(view.allowed_actions(actor))
    clocks = {clock.name: clock for clock in view.clocks}
    return {
        "id": ticket.id,
        "number": ticket.number,
        "subtype": ticket.subtype,
        "status": ticket.status,
        "address": ticket.address or "—",
        "phone": ticket.caller_phone or "—",
        "description": ticket.description,
        "clocks": clock_cells(view.clocks, now, tz),
        "steps": [step.value for step in FIELD_STEPS if step in allowed],
        "fixed": field_work.fixed_at(TicketType(ticket.type), clocks) is not None,
        "undoable": field_work.fix_undoable(TicketType(ticket.type), clocks, now),
        "visits": [_visit(visit, now, tz) for visit in visits],
        "photos": [photo_view(photo, tz) for photo in photos],
        "may_attach": view.allows(actor, Use.ATTACH_PHOTO),
    }


async def show(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now, tz = context.clock(), context.settings.timezone
    async with context.sessions() as session:
        orders = await service.work_orders(session, rulebook, actor.user_id)
        photos = {
            view.ticket.number: await photo_service.photos_of(session, actor, view.ticket.number)
            for view, _visits in orders
        }
    return show_form_page(
        request,
        actor,
        "my_work.html",
        {
            "orders": [
                _order(view, visits, photos[view.ticket.number], actor, now, tz)
                for view, visits in orders
            ],
            "after_fix": field_work.AFTER_FIX,
            "photo_limits": photo_limits(),
            "server_now": now.isoformat(),
        },
        outcome,
    )


async def _step(request: Request, actor: Actor, form: FormData, ticket_id: int) -> str:
    step = Action(request.path_params["operation"])
    try:
        result = await ticket_cases.step_on_own_order(
            context_of(request), actor, ticket_id, step, optional(form, "note", 2000)
        )
    except Conflict as error:
        # Likely a second tap, or someone moved the order on: say so in the user's words.
        raise Conflict(MOVED_ON, error.allowed) from error
    _ = current_gettext()
    return _("%(number)s: %(step)s recorded.") % {
        "number": result.view.ticket.number,
        "step": _(step.value),
    }


async def _undo_fix(request: Request, actor: Actor, _form: FormData, ticket_id: int) -> str:
    view = await ticket_cases.undo_own_fix(context_of(request), actor, ticket_id)
    _ = current_gettext()
    return _("%(number)s: the fix is undone; the order is open again.") % {
        "number": view.ticket.number
    }


async def _photo(request: Request, actor: Actor, form: FormData, ticket_id: int) -> str:
    """A photo of the work from the phone's camera, attached to the order."""
    context = context_of(request)
    async with context.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("no such work order")
    photo = await photo_cases.attach_photo(context, actor, ticket.number, await uploaded(form))
    return current_gettext()("%(number)s: photo attached.") % {"number": photo.ticket_number}


async def _visit_done(request: Request, actor: Actor, _form: FormData, visit_id: int) -> str:
    await dispatch_cases.complete_visit(context_of(request), actor, visit_id)
    return current_gettext()("Visit done; the customer will be called back about it.")


async def change(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    operation = request.path_params["operation"]
    if row is None:
        raise NotFound("no such work order")
    if request.url.path.startswith("/my-work/visits/") and operation == "done":
        return await _visit_done(request, actor, form, row)
    if operation == UNDO_FIX:
        return await _undo_fix(request, actor, form, row)
    if operation == PHOTO:
        return await _photo(request, actor, form, row)
    if operation in {step.value for step in FIELD_STEPS}:
        return await _step(request, actor, form, row)
    raise NotFound("no such step")


ROUTES = form_page(
    "/my-work",
    TECHNICIANS,
    show,
    change,
    "/my-work",
    ["/my-work/orders/{row}/{operation}", "/my-work/visits/{row}/{operation}"],
)
