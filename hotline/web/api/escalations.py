"""GET /api/escalations: SLA warnings and breaches as the sweeper recorded them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services import escalations
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute, parse_query
from hotline.web.api.schemas import EscalationQuery
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of


async def list_escalations(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, EscalationQuery)
    async with context.sessions() as session:
        rows = await escalations.listing(
            session, limit=query.limit, since=query.since, ticket=query.ticket
        )
    tz = context.settings.timezone
    return JSONResponse({"items": [escalations.as_json(row, tz) for row in rows]})


ROUTES = [
    ApiRoute(
        "GET",
        "/api/escalations",
        list_escalations,
        "SLA warnings and breaches, newest first",
        ALL_ROLES,
        query=EscalationQuery,
        responses={200: "escalations"},
    ),
]
