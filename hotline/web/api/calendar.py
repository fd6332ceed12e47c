"""The business calendar: read a year, override a day, confirm a year as official."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services import calendar_days
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.services.rulebook import load_calendar
from hotline.web.api.registry import ApiRoute, parse_body
from hotline.web.api.schemas import CalendarDayIn, CalendarYearIn
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of
from tickets.workflow import Role

CALENDAR_EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
YEARS = range(2004, 2101)


def _year(request: Request) -> int:
    raw = request.path_params["year"]
    if not raw.isdigit() or int(raw) not in YEARS:
        raise Invalid(f"the year must lie between {YEARS[0]} and {YEARS[-1]}", {"year": "invalid"})
    return int(raw)


def _day(request: Request) -> date:
    try:
        return date.fromisoformat(request.path_params["day"])
    except ValueError as error:
        raise Invalid("the day is written YYYY-MM-DD", {"day": "invalid"}) from error


def _actor(actor: Actor | None) -> Actor:
    assert actor is not None
    return actor


async def read_year(request: Request, _actor_: Actor | None) -> Response:
    year = _year(request)
    async with context_of(request).sessions() as session:
        calendar = await load_calendar(session)
    days = calendar.year(year)
    return JSONResponse(
        {
            "year": year,
            "estimated": calendar.is_estimated_year(year),
            "days": [
                {
                    "day": day.day.isoformat(),
                    "workday": day.workday,
                    "source": day.source.value,
                    "name": day.name,
                }
                for day in days
            ],
        }
    )


async def override_day(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    day = _day(request)
    body = await parse_body(request, CalendarDayIn)
    async with context.sessions() as session, session.begin():
        await calendar_days.override_day(
            session, day, body.workday, body.note, context.clock(), _actor(actor).username
        )
    context.rulebooks.invalidate()
    return JSONResponse({"day": day.isoformat(), "workday": body.workday, "note": body.note})


async def remove_override(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    day = _day(request)
    async with context.sessions() as session, session.begin():
        await calendar_days.remove_override(session, day, context.clock(), _actor(actor).username)
    context.rulebooks.invalidate()
    return Response(status_code=204)


async def confirm_year(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    year = _year(request)
    body = await parse_body(request, CalendarYearIn)
    async with context.sessions() as session, session.begin():
        await calendar_days.confirm_year(
            session, year, body.note, context.clock(), _actor(actor).username
        )
    context.rulebooks.invalidate()
    return JSONResponse({"year": year, "estimated": False})


ROUTES = [
    ApiRoute(
        "GET",
        "/api/calendar/{year}",
        read_year,
        "Every day of a year: working or not, and whether official, overridden or estimated",
        ALL_ROLES,
        tag="calendar",
    ),
    ApiRoute(
        "PUT",
        "/api/calendar/days/{day}",
        override_day,
        "Override one day (working day or day off)",
        CALENDAR_EDITORS,
        body=CalendarDayIn,
        tag="calendar",
    ),
    ApiRoute(
        "DELETE",
        "/api/calendar/days/{day}",
        remove_override,
        "Remove a day's override",
        CALENDAR_EDITORS,
        tag="calendar",
    ),
    ApiRoute(
        "PUT",
        "/api/calendar/years/{year}/confirmed",
        confirm_year,
        "Mark a year as entered in full from the official notice: no longer estimated",
        CALENDAR_EDITORS,
        body=CalendarYearIn,
        tag="calendar",
    ),
]
