"""The call log over HTTP, and click-to-call."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import calls as call_cases
from hotline.services import calls as service
from hotline.services.access import REFUSALS, complainants_hidden
from hotline.services.actor import Actor
from hotline.services.errors import Forbidden, Invalid
from hotline.telephony.model import Direction, Disposition, call_json
from hotline.telephony.numbers import normalise_caller
from hotline.web.api.registry import MAX_ID, ApiRoute, parse_body, parse_query
from hotline.web.api.render import iso
from hotline.web.api.schemas import AwareDatetime, Strict
from hotline.web.context import context_of
from tickets.access import Refusal
from tickets.phones import mask_phone
from tickets.workflow import CALLERS, EVERYONE


class CallQuery(Strict):
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    caller: str | None = Field(default=None, max_length=32)
    agent: str | None = Field(default=None, max_length=128)
    disposition: Disposition | None = None
    queue: str | None = Field(default=None, max_length=64)
    direction: Direction | None = None
    customer: int | None = Field(default=None, ge=1, le=MAX_ID)
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)


class OriginateIn(Strict):
    number: str = Field(min_length=3, max_length=32)
    ticket: str | None = Field(default=None, max_length=24)
    server: str | None = Field(default=None, max_length=64)


async def list_calls(request: Request, actor: Actor | None) -> Response:
    """The call log; a call that leads to a complaint whose complainant the reader may not see
    shows no caller (tickets/access.py)."""
    assert actor is not None
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
        tickets = await service.tickets_of_calls(session, page.items)
        hidden = await complainants_hidden(session, actor, tickets)
    masked = {t.call_linkedid for t in tickets if t.id in hidden} | {
        call.linkedid for call in page.items if call.ticket_id in hidden
    }
    tz = context.settings.timezone
    return JSONResponse(
        {
            "items": [
                _masked(call_json(call, tz)) if call.linkedid in masked else call_json(call, tz)
                for call in page.items
            ],
            "page": page.page,
            "per_page": page.per_page,
            "has_more": page.has_more,
        }
    )


def _masked(call: dict[str, Any]) -> dict[str, Any]:
    return {**call, "caller": mask_phone(call["caller"]), "customer_id": None}


async def get_call(request: Request, actor: Actor | None) -> Response:
    """A call taken for a complaint whose complainant the reader may not see is refused: the
    call is the complainant."""
    assert actor is not None
    context = context_of(request)
    server = request.query_params.get("server")
    async with context.sessions() as session:
        detail = await service.get_call(session, request.path_params["linkedid"], server)
        if await complainants_hidden(session, actor, detail.tickets):
            raise Forbidden(REFUSALS[Refusal.CONFIDENTIAL])
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
    placed = await call_cases.click_to_call(
        context,
        context.telephony,
        actor,
        call_cases.CallRequest(body.number, body.ticket, body.server),
    )
    return JSONResponse(
        {
            "originate_action_id": placed.originate_action_id,
            "state": "queued",
            "number": placed.number,
        },
        status_code=202,
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/calls",
        list_calls,
        "The call log, newest first: filter by time (`from`, `to`), caller, agent, "
        "disposition, queue, direction, customer",
        EVERYONE,
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
            403: "your role may not use this, or the complainant is not for you to see",
            404: "no such ticket",
            502: "Asterisk refused the call",
            503: "telephony not running or not connected",
        },
        tag="calls",
    ),
    ApiRoute(
        "GET",
        "/api/calls/{linkedid}",
        get_call,
        "One call (by Asterisk's Linkedid) with the tickets taken on it",
        EVERYONE,
        responses={200: "the call", 404: "no such call"},
        tag="calls",
    ),
]
