"""Corrections to the business calendar: a day overridden (working or not), an override taken
back, a year confirmed as entered in full from the official notice. Complaint deadlines count
these days: once a change commits, clocks started from then on count the new calendar."""

from __future__ import annotations

from datetime import date

from hotline.application.unit import Core, unit_of_work
from hotline.i18n import N_
from hotline.services import calendar_days
from hotline.services.actor import Actor, require
from hotline.services.errors import Invalid
from tickets.calendar import YEARS
from tickets.workflow import CALENDAR_EDITORS

NOT_CHANGED = N_("the calendar was not changed")


def _within(year: int, field: str) -> None:
    if year not in YEARS:
        raise Invalid(NOT_CHANGED, {field: N_("outside the calendar")})


async def override_day(
    core: Core, actor: Actor, day: date, workday: bool, note: str | None = None
) -> None:
    require(actor, CALENDAR_EDITORS)
    _within(day.year, "day")
    async with unit_of_work(core) as work:
        await calendar_days.override_day(work.session, day, workday, note, work.now, actor.username)
        work.changed_rules()


async def remove_override(core: Core, actor: Actor, day: date) -> None:
    require(actor, CALENDAR_EDITORS)
    async with unit_of_work(core) as work:
        await calendar_days.remove_override(work.session, day, work.now, actor.username)
        work.changed_rules()


async def confirm_year(core: Core, actor: Actor, year: int, note: str | None = None) -> None:
    """The year's days are official from now on, no longer estimated."""
    require(actor, CALENDAR_EDITORS)
    _within(year, "year")
    async with unit_of_work(core) as work:
        await calendar_days.confirm_year(work.session, year, note, work.now, actor.username)
        work.changed_rules()
