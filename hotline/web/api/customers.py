"""The customer file over HTTP: find by phone or text, read one file whole."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import customers as customer_cases
from hotline.db.tables import Ticket
from hotline.services import customers as service
from hotline.services.access import complainants_hidden
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.telephony.model import call_json, iso_in
from hotline.web.api.registry import ApiRoute, parse_body, parse_query, path_id
from hotline.web.api.render import visit_json
from hotline.web.api.schemas import CustomerIn, Strict
from hotline.web.context import context_of
from tickets.workflow import EVERYONE, FILE_OPENERS


class CustomerQuery(Strict):
    phone: str | None = Field(default=None, max_length=32)
    q: str | None = Field(default=None, min_length=2, max_length=100)
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)


async def find_customers(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, CustomerQuery)
    if (query.phone is None) == (query.q is None):
        raise Invalid("give either `phone` or `q`", {"phone": "or q", "q": "or phone"})
    async with context.sessions() as session:
        if query.phone is not None:
            files = await service.find_by_phone(
                session, query.phone, context.settings.local_area_code
            )
            has_more = False
        else:
            assert query.q is not None
            found = await service.search_customers(session, query.q, query.page, query.per_page)
            files, has_more = found.items, found.has_more
    return JSONResponse(
        {
            "items": [service.customer_summary_json(file) for file in files],
            "page": query.page,
            "per_page": query.per_page,
            "has_more": has_more,
        }
    )


def _ticket_brief(ticket: Ticket, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "type": ticket.type,
        "subtype": ticket.subtype,
        "status": ticket.status,
        "received_at": iso_in(ticket.received_at, tz),
    }


async def get_customer(request: Request, actor: Actor | None) -> Response:
    """The customer's file; a complaint whose complainant the reader may not see is left out
    of it (tickets/access.py): the file must not name the complainant."""
    assert actor is not None
    context = context_of(request)
    customer_id = path_id(request, "customer_id", "a customer id is a number")
    tz = context.settings.timezone
    async with context.sessions() as session:
        file = await service.customer_file(session, customer_id, context.clock())
        if file is None:
            raise NotFound(f"no customer {customer_id}")
        hidden = await complainants_hidden(
            session, actor, [*file.open_tickets, *file.recent_tickets]
        )
    body: dict[str, Any] = {
        **service.customer_summary_json(file),
        "note": file.customer.note,
        "meters": [
            {"meter_number": meter.meter_number, "kind": meter.kind} for meter in file.meters
        ],
        "open_tickets": [
            _ticket_brief(ticket, tz) for ticket in file.open_tickets if ticket.id not in hidden
        ],
        "recent_tickets": [
            _ticket_brief(ticket, tz) for ticket in file.recent_tickets if ticket.id not in hidden
        ],
        "recent_calls": [call_json(call, tz) for call in file.recent_calls],
        "visits": [visit_json(visit, tz, ticket) for visit, ticket in file.visits],
    }
    return JSONResponse(body)


async def open_customer_file(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    body = await parse_body(request, CustomerIn)
    new = service.NewCustomer(**body.model_dump())
    file = await customer_cases.open_file(context_of(request), actor, new)
    return JSONResponse(service.customer_summary_json(file), status_code=201)


ROUTES = [
    ApiRoute(
        "POST",
        "/api/customers",
        open_customer_file,
        "Open a customer file for a caller not on file (without an account number, a "
        "provisional HL- one is given)",
        FILE_OPENERS,
        body=CustomerIn,
        responses={201: "the new file", 409: "the account number is on file", 422: "bad fields"},
        tag="customers",
    ),
    ApiRoute(
        "GET",
        "/api/customers",
        find_customers,
        "Find customers by `phone` (any form: +86, 0086, leading 0, spaces) or by `q` "
        "(name, account number, address)",
        EVERYONE,
        query=CustomerQuery,
        responses={200: "matching customers", 422: "no or bad phone"},
        tag="customers",
    ),
    ApiRoute(
        "GET",
        "/api/customers/{customer_id}",
        get_customer,
        "One customer's whole file: phones, addresses, meters, open tickets, recent calls",
        EVERYONE,
        responses={200: "the file", 404: "no such customer"},
        tag="customers",
    ),
]
