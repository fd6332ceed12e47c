"""The business calendar: read a year, override a day, confirm a year as official."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import calendar as calendar_cases
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.services.rulebook import load_calendar
from hotline.web.api.registry import ApiRoute, parse_body
from hotline.web.api.schemas import CalendarDayIn, CalendarYearIn
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of
from tickets.calendar import YEARS
from tickets.workflow import CALENDAR_EDITORS


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
    assert actor is not None
    day = _day(request)
    body = await parse_body(request, CalendarDayIn)
    await calendar_cases.override_day(context_of(request), actor, day, body.workday, body.note)
    return JSONResponse({"day": day.isoformat(), "workday": body.workday, "note": body.note})


async def remove_override(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    await calendar_cases.remove_override(context_of(request), actor, _day(request))
    return Response(status_code=204)


async def confirm_year(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    year = _year(request)
    body = await parse_body(request, CalendarYearIn)
    await calendar_cases.confirm_year(context_of(request), actor, year, body.note)
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
