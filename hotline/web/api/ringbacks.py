"""Ring-backs over HTTP: the callers waiting to be called back, in the order they will be
dialled, the ones finished lately, and withdrawing one (the caller came in person, say)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import ringbacks as cases
from hotline.services import ringbacks as service
from hotline.services.actor import Actor
from hotline.services.wallboard import start_of_local_day
from hotline.web.api.registry import ApiRoute, parse_body, parse_query, path_id
from hotline.web.api.schemas import AwareDatetime, Strict
from hotline.web.context import context_of
from tickets.workflow import RINGBACK_STAFF

# Who calls callers back, and the dispatchers, who answer for a gas smell given up.


class RingbackQuery(Strict):
    finished_since: AwareDatetime | None = None


class WithdrawIn(Strict):
    note: str | None = Field(default=None, max_length=1000)


def _ringback_id(request: Request) -> int:
    return path_id(request, "ringback_id", "a ring-back id is a number")


async def list_ringbacks(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, RingbackQuery)
    tz = context.settings.timezone
    since: datetime = query.finished_since or start_of_local_day(context.clock(), tz)
    async with context.sessions() as session:
        waiting = await service.list_open(session)
        finished = await service.list_finished(session, since)
    return JSONResponse(
        {
            "open": [
                cases.ringback_json(view.row, tz, place=view.place, customer=view.customer_name)
                for view in waiting
            ],
            "finished": [
                cases.ringback_json(view.row, tz, customer=view.customer_name) for view in finished
            ],
        }
    )


async def withdraw(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, WithdrawIn)
    row = await cases.withdraw(context, actor, _ringback_id(request), body.note)
    return JSONResponse(cases.ringback_json(row, context.settings.timezone))


ROUTES = [
    ApiRoute(
        "GET",
        "/api/ringbacks",
        list_ringbacks,
        "Callers to call back (asked instead of waiting, or gave up waiting): `open` in the "
        "order they will be dialled (gas smell first, then by arrival), `finished` since "
        "`finished_since` (default: the start of today)",
        RINGBACK_STAFF,
        query=RingbackQuery,
        responses={200: "open and finished ring-backs"},
        tag="calls",
    ),
    ApiRoute(
        "POST",
        "/api/ringbacks/{ringback_id}/withdraw",
        withdraw,
        "Withdraw an open ring-back (it is dropped, with the note)",
        RINGBACK_STAFF,
        body=WithdrawIn,
        responses={200: "the ring-back, dropped", 404: "no such ring-back", 409: "finished"},
        tag="calls",
    ),
]
