"""Relighting after an outage over HTTP: the dispatchers' worklist of an incident's visits
(personal data: dispatchers and supervisors only), a visit booked in a window, and a visit
done or not needed."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import relighting as cases
from hotline.application.incidents import INCIDENT_MANAGERS
from hotline.services import incidents as incident_service
from hotline.services import relighting as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.web.api.registry import ApiRoute, parse_body, parse_query
from hotline.web.api.schemas import AwareDatetime, Strict
from hotline.web.context import context_of
from tickets.relighting import RelightDeed, RelightStatus


class WorklistQuery(Strict):
    status: RelightStatus | None = None


class BookIn(Strict):
    start: AwareDatetime
    end: AwareDatetime


class SettleIn(Strict):
    at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=500)


def _id(request: Request, name: str) -> int:
    raw = request.path_params[name]
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise Invalid("an id is a number", {name: "not a number"})
    return int(raw)


async def worklist(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, WorklistQuery)
    incident_id = _id(request, "incident_id")
    async with context.sessions() as session:
        await incident_service.get(session, incident_id)
        counts, rows = await service.worklist(session, incident_id, query.status)
    tz = context.settings.timezone
    return JSONResponse({"counts": counts, "items": [service.visit_json(r, tz) for r in rows]})


async def book(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, BookIn)
    visit = await cases.book(
        context, actor, _id(request, "visit_id"), start=body.start, end=body.end
    )
    return JSONResponse({"id": visit.id, "status": visit.status})


async def settle(request: Request, actor: Actor | None, deed: RelightDeed) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, SettleIn)
    visit = await cases.settle(
        context, actor, _id(request, "visit_id"), deed, at=body.at, note=body.note
    )
    return JSONResponse({"id": visit.id, "status": visit.status})


async def done(request: Request, actor: Actor | None) -> Response:
    return await settle(request, actor, RelightDeed.DONE)


async def not_needed(request: Request, actor: Actor | None) -> Response:
    return await settle(request, actor, RelightDeed.NOT_NEEDED)


ROUTES = [
    ApiRoute(
        "GET",
        "/api/incidents/{incident_id}/relighting",
        worklist,
        "The relighting worklist of a restored outage: counts by status and the visits, "
        "those to book first",
        INCIDENT_MANAGERS,
        query=WorklistQuery,
        responses={200: "the worklist", 404: "no such outage"},
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/relighting/{visit_id}/book",
        book,
        "Book (or move) a relighting visit's appointment window; the customer is texted the "
        "day before",
        INCIDENT_MANAGERS,
        body=BookIn,
        responses={
            200: "the visit",
            404: "no such visit",
            409: "already settled",
            422: "bad window",
        },
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/relighting/{visit_id}/done",
        done,
        "A booked relighting visit done: gas turned on",
        INCIDENT_MANAGERS,
        body=SettleIn,
        responses={200: "the visit", 404: "no such visit", 409: "not booked", 422: "bad time"},
        tag="incidents",
    ),
    ApiRoute(
        "POST",
        "/api/relighting/{visit_id}/not-needed",
        not_needed,
        "No relighting visit needed for this customer (the note says why)",
        INCIDENT_MANAGERS,
        body=SettleIn,
        responses={
            200: "the visit",
            404: "no such visit",
            409: "already settled",
            422: "no reason",
        },
        tag="incidents",
    ),
]
