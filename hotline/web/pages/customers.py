"""Customers on the console: the search (`/customers`: a name, a phone written any way, an
account number, an address) and the customer file (`/customers/{id}`: phones, addresses,
meters, tickets, calls, visits)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.services import customers as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.web.context import context_of
from hotline.web.pages.guard import page
from hotline.web.pages.wording import when
from hotline.web.templating import current_gettext, render
from tickets.phones import PhoneError, normalise_phone
from tickets.workflow import Role

PER_PAGE = 25
MIN_TEXT = 2


def _as_phone(text: str, local_area_code: str) -> str | None:
    """The stored form of `text` when it is a phone number (spaces, dashes, +86 allowed)."""
    if sum(character.isdigit() for character in text) < 5:
        return None
    try:
        return normalise_phone(text, local_area_code)
    except PhoneError:
        return None


async def search(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    text = request.query_params.get("q", "").strip()[:100]
    raw_page = request.query_params.get("page", "1")
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    found: list[service.CustomerFile] = []
    has_more = False
    if len(text) >= MIN_TEXT:
        async with context.sessions() as session:
            phone = _as_phone(text, context.settings.local_area_code)
            if phone is not None:
                try:
                    found = await service.find_by_phone(
                        session, phone, context.settings.local_area_code
                    )
                except Invalid:
                    found = []
            if not found:
                result = await service.search_customers(session, text, number, PER_PAGE)
                found, has_more = result.items, result.has_more
    return render(
        request,
        "customers.html",
        {
            "q": text,
            "too_short": 0 < len(text) < MIN_TEXT,
            "customers": found,
            "page": number,
            "has_more": has_more,
        },
        actor=actor,
    )


async def customer_page(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    raw = request.path_params["customer_id"]
    now, tz = context.clock(), context.settings.timezone
    file = None
    if raw.isdigit():
        async with context.sessions() as session:
            file = await service.customer_file(session, int(raw), now)
    if file is None:
        _ = current_gettext()
        reason = _("There is no such customer.")
        return render(request, "not_found.html", {"reason": reason}, actor=actor, status=404)
    return render(
        request,
        "customer.html",
        {
            "file": file,
            "customer": file.customer,
            "when": lambda moment: when(moment, now, tz),
        },
        actor=actor,
    )


ROUTES = [
    Route("/customers", page(frozenset(Role), search), methods=["GET"]),
    Route("/customers/{customer_id}", page(frozenset(Role), customer_page), methods=["GET"]),
]
