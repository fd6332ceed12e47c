"""`/admin/calendar`: the business calendar a year at a time — official days, admins'
overrides, and years with no official schedule yet, whose days are estimated and flagged.
Complaint deadlines count these days, so supervisors may correct them too."""

from __future__ import annotations

import calendar as month_layout
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import calendar as calendar_cases
from hotline.application.calendar import NOT_CHANGED
from hotline.i18n import N_
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.services.rulebook import load_calendar
from hotline.web.context import context_of
from hotline.web.pages.admin import SECTIONS
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.templating import current_gettext
from tickets.calendar import YEARS, CalendarDay, DaySource
from tickets.workflow import CALENDAR_EDITORS, Role


def _year(request: Request, fallback: int) -> int:
    raw = request.query_params.get("year", "")
    return int(raw) if raw.isdigit() and int(raw) in YEARS else fallback


def months(days: list[CalendarDay]) -> list[dict[str, Any]]:
    """Each month as weeks of seven cells (Monday first), None outside the month."""
    by_day = {day.day: day for day in days}
    year = days[0].day.year
    layout = month_layout.Calendar(firstweekday=0)
    return [
        {
            "month": month,
            "weeks": [
                [by_day.get(cell) if cell.month == month else None for cell in week]
                for week in layout.monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]


async def show_calendar(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    today = context.clock().astimezone(context.settings.timezone).date()
    typed = outcome[2] if outcome else {}
    year = _year(request, int(str(typed.get("year") or today.year)))
    async with context.sessions() as session:
        business = await load_calendar(session)
    days = business.year(year)
    return show_form_page(
        request,
        actor,
        "admin_calendar.html",
        {
            "sections": SECTIONS if actor.role is Role.ADMIN else [],
            "year": year,
            "estimated": business.is_estimated_year(year),
            "months": months(days),
            "overrides": [day for day in days if day.source is DaySource.OVERRIDE],
            "today": today,
        },
        outcome,
    )


def _day(form: FormData) -> date:
    try:
        return date.fromisoformat(text(form, "day", 10))
    except ValueError as error:
        raise Invalid(NOT_CHANGED, {"day": N_("a date, YYYY-MM-DD")}) from error


async def change_calendar(request: Request, actor: Actor, form: FormData, _row: int | None) -> str:
    context = context_of(request)
    operation = request.path_params["operation"]
    if operation == "override":
        workday = text(form, "workday", 5)
        if workday not in ("yes", "no"):
            raise Invalid(NOT_CHANGED, {"workday": N_("choose one")})
        await calendar_cases.override_day(
            context, actor, _day(form), workday == "yes", optional(form, "note", 200)
        )
    elif operation == "remove":
        await calendar_cases.remove_override(context, actor, _day(form))
    elif operation == "confirm":
        raw = text(form, "year", 4)
        if not raw.isdigit():
            raise Invalid(NOT_CHANGED, {"year": N_("outside the calendar")})
        await calendar_cases.confirm_year(context, actor, int(raw), optional(form, "note", 200))
    else:
        raise NotFound("no such change")
    return current_gettext()("Saved. SLA clocks started from now on count the new calendar.")


def _back_to_year(form: FormData) -> str:
    year = text(form, "year", 4) or text(form, "day", 10)[:4]
    return f"/admin/calendar?year={year}" if year.isdigit() else "/admin/calendar"


ROUTES = form_page(
    "/admin/calendar",
    CALENDAR_EDITORS,
    show_calendar,
    change_calendar,
    _back_to_year,
    ["/admin/calendar/{operation}"],
)
