"""The business calendar: which days are working days for deadlines counted in working days.

Official PRC days (holidays and adjusted working days, 调休) come from `chinesecalendar`, which
only knows the years the State Council has published. Admin overrides win over everything. A year
with neither official data nor an admin's confirmation is estimated from weekends plus the public
holidays `holidays` computes for China (no adjusted working days), and flagged as estimated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import chinese_calendar.constants as official_data
import holidays as holiday_estimates

MAX_WALK_DAYS = 400
# The years the calendar is kept and corrected for: from the first official schedule on.
YEARS = range(2004, 2101)


class DaySource(StrEnum):
    OFFICIAL = "official"
    OVERRIDE = "override"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class CalendarDay:
    day: date
    workday: bool
    source: DaySource
    name: str | None = None


class CalendarError(ValueError):
    pass


OFFICIAL_YEARS: frozenset[int] = frozenset(
    range(min(official_data.holidays).year, max(official_data.holidays).year + 1)
)


@cache
def _estimated_days_off(year: int) -> Mapping[date, str]:
    return dict(holiday_estimates.country_holidays("CN", years=year, language="en_US").items())


def _official_day(day: date) -> CalendarDay:
    if day in official_data.workdays:
        return CalendarDay(day, True, DaySource.OFFICIAL, str(official_data.workdays[day]))
    if day in official_data.holidays:
        return CalendarDay(day, False, DaySource.OFFICIAL, str(official_data.holidays[day]))
    return CalendarDay(day, day.weekday() < 5, DaySource.OFFICIAL)


def _estimated_day(day: date) -> CalendarDay:
    name = _estimated_days_off(day.year).get(day)
    if name is not None:
        return CalendarDay(day, False, DaySource.ESTIMATE, name)
    return CalendarDay(day, day.weekday() < 5, DaySource.ESTIMATE)


@dataclass(frozen=True)
class WorkingDayResult:
    day: date
    estimated: bool


class BusinessCalendar:
    """Working days by the official calendar, admin overrides and, past the official data,
    an estimate. `confirmed_years` are years an admin has entered in full from the official
    notice: their days are no longer flagged as estimated."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
        override_notes: Mapping[date, str] | None = None,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._notes = dict(override_notes or {})
        self._confirmed = frozenset(confirmed_years)

    def is_estimated_year(self, year: int) -> bool:
        return year not in OFFICIAL_YEARS and year not in self._confirmed

    def day(self, day: date) -> CalendarDay:
        if day in self._overrides:
            return CalendarDay(day, self._overrides[day], DaySource.OVERRIDE, self._notes.get(day))
        if day.year in OFFICIAL_YEARS:
            return _official_day(day)
        return _estimated_day(day)

    def is_workday(self, day: date) -> bool:
        return self.day(day).workday

    def working_days_after(self, start: date, count: int) -> WorkingDayResult:
        """The `count`-th working day after `start`; `start` itself never counts."""
        if count < 1:
            raise CalendarError("count must be at least 1")
        estimated = False
        day = start
        found = 0
        for _ in range(MAX_WALK_DAYS):
            day += timedelta(days=1)
            estimated = estimated or self.is_estimated_year(day.year)
            if self.is_workday(day):
                found += 1
                if found == count:
                    return WorkingDayResult(day, estimated)
        raise CalendarError(f"no {count} working days within {MAX_WALK_DAYS} days of {start}")

    def year(self, year: int) -> list[CalendarDay]:
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days
        return [self.day(first + timedelta(days=offset)) for offset in range(days)]

    def estimated_years(self, years: Iterable[int]) -> list[int]:
        return sorted(year for year in set(years) if self.is_estimated_year(year))
