"""Dispatch over HTTP: the board, crews, visits booked, moved, cancelled and done, and a
technician's own work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import dispatch as dispatch_cases
from hotline.db.tables import Crew
from hotline.services import dispatch as service
from hotline.services import incidents
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.services.tickets import TicketView
from hotline.web.api.registry import ApiRoute, parse_body, path_id
from hotline.web.api.render import clock_json, iso, visit_json
from hotline.web.api.schemas import CrewIn, VisitChangeIn, VisitDoneIn, VisitIn
from hotline.web.context import context_of
from tickets.workflow import CREW_ADMINS, DISPATCHERS, FIELD_STAFF, TECHNICIANS


def _order(view: TicketView, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    ticket = view.ticket
    return {
        "number": ticket.number,
        "subtype": ticket.subtype,
        "status": ticket.status,
        "area": ticket.area,
        "address": ticket.address,
        "description": ticket.description,
        "received_at": iso(ticket.received_at, tz),
        "clocks": [clock_json(clock, now, tz) for clock in view.clocks],
    }


def crew_json(crew: Crew) -> dict[str, Any]:
    return {
        "code": crew.code,
        "name": crew.name,
        "areas": crew.areas,
        "shift": [crew.shift_start, crew.shift_end],
    }


async def board(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now, tz = context.clock(), context.settings.timezone
    async with context.sessions() as session:
        found = await service.board(session, rulebook, now, tz)
        outages = await incidents.outages_now(session)
    return JSONResponse(
        {
            # Outages going on, and clusters of reports that may be one, to confirm or dismiss.
            "outages": [incidents.outage_json(i, tz) for i in outages.active],
            "suggested_outages": [incidents.suggestion_json(s, tz) for s in outages.suggested],
            "emergencies": [_order(view, now, tz) for view in found.emergencies],
            "areas": {
                area: [_order(view, now, tz) for view in views]
                for area, views in found.by_area.items()
            },
            # Per area, the repairs waiting beyond those listed (`GET /api/tickets?area=`).
            "more": found.more_by_area,
            "crews": [
                {
                    **crew_json(day.crew),
                    "members": [member.username for member in day.members],
                    "open_orders": day.open_orders,
                    "on_shift": day.on_shift,
                    "visits": [visit_json(v, tz, t) for v, t in day.visits],
                }
                for day in found.crews
            ],
        }
    )


async def create_crew(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, CrewIn)
    crew = await dispatch_cases.create_crew(
        context,
        actor,
        code=body.code,
        name=body.name,
        areas=body.areas,
        members=body.members,
        shift=(body.shift_start, body.shift_end),
    )
    return JSONResponse(crew_json(crew), status_code=201)


async def book(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, VisitIn)
    visit, fix_due = await dispatch_cases.book_visit(
        context,
        actor,
        body.ticket,
        technician=body.technician,
        start=body.start,
        end=body.end,
        consent=body.consent,
    )
    tz = context.settings.timezone
    return JSONResponse(
        # Booking moves only the handle clock: a window ending later than the fix is due is
        # allowed (the customer chose it) but said.
        {**visit_json(visit, tz), "fix_due_before_visit_ends": iso(fix_due, tz)},
        status_code=201,
    )


def _visit_id(request: Request) -> int:
    return path_id(request, "visit_id", "a visit id is a number")


async def change(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, VisitChangeIn)
    tz = context.settings.timezone
    operation = request.url.path.rsplit("/", 1)[-1]
    if operation == "reschedule":
        if body.start is None or body.end is None:
            raise Invalid("a new window is needed", {"start": "required", "end": "required"})
        old, visit = await dispatch_cases.reschedule_visit(
            context,
            actor,
            _visit_id(request),
            start=body.start,
            end=body.end,
            reason=body.reason,
            customer_told_at=body.customer_told_at,
            technician=body.technician,
        )
        return JSONResponse({**visit_json(visit, tz), "replaces": visit_json(old, tz)})
    extra = {"start": body.start, "end": body.end, "technician": body.technician}
    if given := [name for name, value in extra.items() if value is not None]:
        raise Invalid(
            "a cancellation takes no new window or technician",
            {name: "not for a cancellation" for name in given},
        )
    visit = await dispatch_cases.cancel_visit(
        context,
        actor,
        _visit_id(request),
        reason=body.reason,
        customer_told_at=body.customer_told_at,
    )
    return JSONResponse(visit_json(visit, tz))


async def done(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, VisitDoneIn)
    visit = await dispatch_cases.complete_visit(context, actor, _visit_id(request), body.at)
    return JSONResponse(visit_json(visit, context.settings.timezone))


async def my_work(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now, tz = context.clock(), context.settings.timezone
    async with context.sessions() as session:
        orders = await service.work_orders(session, rulebook, actor.user_id)
    return JSONResponse(
        {
            "items": [
                {
                    "number": view.ticket.number,
                    "subtype": view.ticket.subtype,
                    "status": view.ticket.status,
                    "address": view.ticket.address,
                    "caller_phone": view.ticket.caller_phone,
                    "description": view.ticket.description,
                    "clocks": [clock_json(clock, now, tz) for clock in view.clocks],
                    "visits": [visit_json(visit, tz) for visit in visits],
                }
                for view, visits in orders
            ]
        }
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/dispatch/board",
        board,
        "Repairs waiting for a crew (every gas smell first, then by area the "
        f"{service.BOARD_ROWS_PER_AREA} due soonest and how many `more`) and the crews' bookings",
        DISPATCHERS,
        tag="dispatch",
    ),
    ApiRoute(
        "POST",
        "/api/crews",
        create_crew,
        "Add a crew: areas, shift, technicians",
        CREW_ADMINS,
        body=CrewIn,
        responses={201: "the crew", 409: "code or member taken", 422: "bad fields"},
        tag="dispatch",
    ),
    ApiRoute(
        "POST",
        "/api/visits",
        book,
        "Book a visit in a window the customer agreed to; assigns the technician",
        DISPATCHERS,
        body=VisitIn,
        responses={201: "the visit", 422: "bad window or no consent"},
        tag="dispatch",
    ),
    ApiRoute(
        "POST",
        "/api/visits/{visit_id}/reschedule",
        change,
        "Move a booked visit (reason, when the customer was told)",
        DISPATCHERS,
        body=VisitChangeIn,
        responses={200: "the new visit", 409: "not booked"},
        tag="dispatch",
    ),
    ApiRoute(
        "POST",
        "/api/visits/{visit_id}/cancel",
        change,
        "Cancel a booked visit (reason, when the customer was told)",
        DISPATCHERS,
        body=VisitChangeIn,
        responses={200: "the visit", 409: "not booked"},
        tag="dispatch",
    ),
    ApiRoute(
        "POST",
        "/api/visits/{visit_id}/done",
        done,
        "The visit is done (optional `at`, never in the future); a technician only their own",
        FIELD_STAFF,
        body=VisitDoneIn,
        responses={200: "the visit", 403: "another technician's visit", 409: "not booked"},
        tag="dispatch",
    ),
    ApiRoute(
        "GET",
        "/api/my-work",
        my_work,
        "The technician's open work orders with their booked visits",
        TECHNICIANS,
        tag="dispatch",
    ),
]
