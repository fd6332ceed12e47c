"""The call log over HTTP, and click-to-call."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services import audit
from hotline.services import calls as service
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.telephony.ami import ActionFailed, AmiError
from hotline.telephony.model import Direction, Disposition, call_json
from hotline.telephony.numbers import normalise_caller
from hotline.web.api.registry import ApiRoute, parse_body, parse_query
from hotline.web.api.render import iso
from hotline.web.api.schemas import AwareDatetime, Strict
from hotline.web.context import context_of
from hotline.web.errors import ApiError
from tickets.phones import PhoneError, mask_phone, normalise_phone
from tickets.workflow import Role

STAFF = frozenset(Role)
CALLERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.QUALITY, Role.DISPATCHER, Role.ADMIN})


class CallQuery(Strict):
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    caller: str | None = Field(default=None, max_length=32)
    agent: str | None = Field(default=None, max_length=128)
    disposition: Disposition | None = None
    queue: str | None = Field(default=None, max_length=64)
    direction: Direction | None = None
    customer: int | None = None
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)


class OriginateIn(Strict):
    number: str = Field(min_length=3, max_length=32)
    ticket: str | None = Field(default=None, max_length=24)
    server: str | None = Field(default=None, max_length=64)


async def list_calls(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, CallQuery)
    if query.from_ is not None and query.to is not None and query.to <= query.from_:
        raise Invalid("`to` must come after `from`", {"to": "before or at `from`"})
    caller = normalise_caller(query.caller, context.settings.local_area_code)
    async with context.sessions() as session:
        page = await service.list_calls(
            session,
            service.CallFilter(
                since=query.from_,
                until=query.to,
                caller=caller,
                agent=query.agent,
                disposition=query.disposition,
                queue=query.queue,
                direction=query.direction,
                customer_id=query.customer,
                page=query.page,
                per_page=query.per_page,
            ),
        )
    tz = context.settings.timezone
    return JSONResponse(
        {
            "items": [call_json(call, tz) for call in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "has_more": page.has_more,
        }
    )


async def get_call(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    server = request.query_params.get("server")
    async with context.sessions() as session:
        detail = await service.get_call(session, request.path_params["linkedid"], server)
    tz = context.settings.timezone
    return JSONResponse(
        {
            **call_json(detail.call, tz),
            "tickets": [
                {
                    "number": ticket.number,
                    "type": ticket.type,
                    "status": ticket.status,
                    "received_at": iso(ticket.received_at, tz),
                }
                for ticket in detail.tickets
            ],
        }
    )


async def originate(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, OriginateIn)
    telephony = context.telephony
    if telephony is None or not telephony.lines:
        raise ApiError(503, "telephony_off", "telephony is not running on this server")
    if not actor.interface:
        raise Invalid(
            "your user has no phone (queue-member interface) to ring first",
            {"interface": "not set for your user"},
        )
    try:
        number = normalise_phone(body.number, context.settings.local_area_code)
    except PhoneError as error:
        raise Invalid(str(error), {"number": str(error)}) from error
    now = context.clock()
    ticket_id = None
    if body.ticket is not None:
        async with context.sessions() as session:
            ticket_id = (await ticket_service.get_ticket(session, body.ticket)).ticket.id
    try:
        line = telephony.line(body.server)
    except KeyError as error:
        raise Invalid("no such Asterisk server", {"server": "unknown"}) from error
    if not line.client.connected:
        raise ApiError(503, "telephony_down", "the phone system is not connected; try again")
    try:
        action_id = await telephony.originate(
            interface=actor.interface,
            number=number,
            context=context.settings.outbound_context,
            caller_id=context.settings.outbound_caller_id,
            ticket_id=ticket_id,
            requested_by_user_id=actor.user_id,
            server=body.server,
        )
    except ActionFailed as error:
        raise ApiError(502, "originate_refused", f"Asterisk refused the call: {error}") from error
    except (AmiError, TimeoutError) as error:
        raise ApiError(
            503, "telephony_down", "the phone system did not answer; try again"
        ) from error
    if body.ticket is not None:
        async with context.sessions() as session, session.begin():
            await audit.record(
                session,
                at=now,
                actor=actor.username,
                entity="ticket",
                key=body.ticket,
                action="call",
                after={"number": mask_phone(number), "originate": action_id},
            )
    context.bus.publish(
        "call.originated", now, {"originate_action_id": action_id, "user": actor.username}
    )
    return JSONResponse(
        {"originate_action_id": action_id, "state": "queued", "number": number}, status_code=202
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/calls",
        list_calls,
        "The call log, newest first: filter by time (`from`, `to`), caller, agent, "
        "disposition, queue, direction, customer",
        STAFF,
        query=CallQuery,
        responses={200: "a page of calls", 422: "invalid filter"},
        tag="calls",
    ),
    ApiRoute(
        "POST",
        "/api/calls/originate",
        originate,
        "Click-to-call: ring your phone, then the customer (optionally for a ticket); the "
        "outcome shows on the call log under `originate_action_id`",
        CALLERS,
        body=OriginateIn,
        responses={
            202: "the call is being placed",
            422: "bad number, or your user has no phone",
            404: "no such ticket",
            503: "telephony not running or not connected",
        },
        tag="calls",
    ),
    ApiRoute(
        "GET",
        "/api/calls/{linkedid}",
        get_call,
        "One call (by Asterisk's Linkedid) with the tickets taken on it",
        STAFF,
        responses={200: "the call", 404: "no such call"},
        tag="calls",
    ),
]
