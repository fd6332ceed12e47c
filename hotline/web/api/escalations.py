"""GET /api/escalations: SLA warnings and breaches as the sweeper recorded them."""

from __future__ import annotations

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.db.tables import Escalation, Ticket
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute, parse_query
from hotline.web.api.render import escalation_json
from hotline.web.api.schemas import EscalationQuery
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of


async def list_escalations(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, EscalationQuery)
    statement = select(Escalation).order_by(col(Escalation.id).desc()).limit(query.limit)
    if query.since is not None:
        statement = statement.where(col(Escalation.recorded_at) >= query.since)
    if query.ticket is not None:
        statement = statement.join(Ticket, col(Ticket.id) == Escalation.ticket_id).where(
            Ticket.number == query.ticket
        )
    async with context.sessions() as session:
        rows = (await session.exec(statement)).all()
    tz = context.settings.timezone
    return JSONResponse({"items": [escalation_json(row, tz) for row in rows]})


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
