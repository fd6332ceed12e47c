"""The ticket routes."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import tickets as ticket_cases
from hotline.services import incidents as incident_service
from hotline.services import ivr_lookups
from hotline.services import tickets as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.web.api.registry import ApiRoute, parse_body, parse_query
from hotline.web.api.render import ticket_detail_json, ticket_json
from hotline.web.api.schemas import ActionIn, AppointmentIn, TicketIn, TicketQuery
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of
from tickets.phones import PhoneError, normalise_phone
from tickets.sla import end_of_local_day
from tickets.types import TicketType
from tickets.workflow import CREATE_ROLES, Action, Appointment


def _appointment(value: AppointmentIn | None, customer_agreed: bool) -> Appointment | None:
    if value is None:
        return None
    return Appointment(value.start, value.end, customer_agreed=customer_agreed)


def _actor(actor: Actor | None) -> Actor:
    assert actor is not None, "ticket routes are authenticated"
    return actor


async def create_ticket(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    body = await parse_body(request, TicketIn)
    phone = None
    if body.caller_phone:
        try:
            phone = normalise_phone(body.caller_phone, context.settings.local_area_code)
        except PhoneError as error:
            raise Invalid(str(error), {"caller_phone": str(error)}) from error
    data = service.NewTicket(
        type=body.type,
        description=body.description,
        subtype=body.subtype,
        special=body.special,
        special_reason=body.special_reason,
        priority=body.priority,
        department=body.department,
        assignee=body.assignee,
        customer_id=body.customer_id,
        caller_phone=phone,
        caller_name=body.caller_name,
        address=body.address,
        area=body.area,
        call_linkedid=body.call_linkedid,
        received_at=body.received_at,
        named_staff=tuple(body.named_staff),
        # A window given on the call is the one the caller agreed to.
        appointment=_appointment(body.appointment, customer_agreed=True),
    )
    view = await ticket_cases.open_ticket(context, _actor(actor), data)
    payload = ticket_json(view, _actor(actor), context.clock(), context.settings.timezone)
    return JSONResponse(
        payload, status_code=201, headers={"Location": f"/api/tickets/{view.ticket.number}"}
    )


async def list_tickets(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, TicketQuery)
    rulebook = await context.rulebooks.get()
    now = context.clock()
    async with context.sessions() as session:
        page = await service.list_tickets(
            session,
            rulebook,
            service.TicketFilter(
                type=query.type,
                status=query.status,
                department=query.department,
                assignee=query.assignee,
                area=query.area,
                overdue=query.overdue,
                text=query.text,
                page=query.page,
                per_page=query.per_page,
                searcher=_actor(actor),
            ),
            now,
        )
    tz = rulebook.timezone
    return JSONResponse(
        {
            "items": [ticket_json(view, _actor(actor), now, tz) for view in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "has_more": page.has_more,
        }
    )


async def get_ticket(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    rulebook = await context.rulebooks.get()
    now = context.clock()
    async with context.sessions() as session:
        view = await service.get_ticket(session, request.path_params["number"])
        callers = None
        if view.ticket.type == TicketType.OUTAGE and view.ticket.id is not None:
            callers = await ivr_lookups.outage_callers(session, view.ticket.id)
        outages = await incident_service.ticket_outages(session, view.ticket, now)
    detail = ticket_detail_json(view, _actor(actor), now, rulebook.timezone, callers)
    # The outages it joined, and those whose area it is in left to the dispatcher.
    detail["outages"] = [incident_service.ticket_outage_json(found) for found in outages]
    return JSONResponse(detail)


async def act_on_ticket(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    name = request.path_params["action"]
    try:
        action = Action(name)
    except ValueError as error:
        known = ", ".join(member.value for member in Action)
        raise Invalid(f"unknown action {name!r}; one of {known}", {"action": "unknown"}) from error
    body = await parse_body(request, ActionIn)
    rulebook = await context.rulebooks.get()
    due_at: datetime | None = body.due_at
    if body.due_date is not None:
        due_at = end_of_local_day(body.due_date, rulebook.timezone)
    result = await ticket_cases.act_on_ticket(
        context,
        _actor(actor),
        request.path_params["number"],
        action,
        service.ActionRequest(
            assignee=body.assignee,
            department=body.department,
            appointment=_appointment(body.appointment, body.customer_agreed),
            due_at=due_at,
            reason=body.reason,
            note=body.note,
            at=body.at,
            agreed_via=body.agreed_via,
            agreed_at=body.agreed_at,
            resolution=body.resolution,
            special_reason=body.special_reason,
        ),
    )
    return JSONResponse(
        ticket_detail_json(result.view, _actor(actor), context.clock(), rulebook.timezone)
    )


ROUTES = [
    ApiRoute(
        "POST",
        "/api/tickets",
        create_ticket,
        "Create a ticket; it is routed, numbered and its SLA clocks start",
        CREATE_ROLES,
        body=TicketIn,
        responses={201: "the ticket with its clocks", 422: "invalid fields", 400: "malformed JSON"},
    ),
    ApiRoute(
        "GET",
        "/api/tickets",
        list_tickets,
        "Find tickets (newest first), with filters and pages",
        ALL_ROLES,
        query=TicketQuery,
        responses={200: "a page of tickets"},
    ),
    ApiRoute(
        "GET",
        "/api/tickets/{number}",
        get_ticket,
        "One ticket with its clocks, history, escalations and the actions open to you",
        ALL_ROLES,
        responses={200: "the ticket", 404: "no such ticket"},
    ),
    ApiRoute(
        "POST",
        "/api/tickets/{number}/actions/{action}",
        act_on_ticket,
        "Take a workflow action: assign, start, pause, resume, reply, extend, arrive, fix, "
        "resolve, feedback, close, reopen",
        ALL_ROLES,
        body=ActionIn,
        responses={
            200: "the ticket after the action",
            403: "your role may not take this action",
            404: "no such ticket",
            409: "not possible in the ticket's state; `allowed` lists what is",
            422: "invalid input",
        },
    ),
]
