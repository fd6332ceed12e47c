"""The business calendar: official PRC days, admin overrides, estimated years
(tickets/calendar.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.calendar import (
    MAX_WALK_DAYS,
    OFFICIAL_YEARS,
    BusinessCalendar,
    CalendarDay,
    CalendarError,
    DaySource,
    WorkingDayResult,
)

CALENDAR = BusinessCalendar()
NATIONAL_DAY_2026 = [date(2026, 10, day) for day in range(1, 8)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- official 2026 -----------------------------------------------------------------------


def test_mid_autumn_2026_is_an_official_day_off() -> None:
    day = CALENDAR.day(date(2026, 9, 25))  # a Friday
    assert (day.workday, day.source) == (False, DaySource.OFFICIAL)
    assert day.name is not None and "Mid-autumn" in day.name


@pytest.mark.parametrize("day", NATIONAL_DAY_2026)
def test_national_day_week_2026_is_off(day: date) -> None:
    entry = CALENDAR.day(day)
    assert (entry.workday, entry.source, entry.name) == (False, DaySource.OFFICIAL, "National Day")
    assert not CALENDAR.is_workday(day)


@pytest.mark.parametrize("day", [date(2026, 9, 20), date(2026, 10, 10)])
def test_adjusted_weekend_days_2026_are_working_days(day: date) -> None:
    assert day.weekday() >= 5  # Sun 09-20 and Sat 10-10: 调休
    entry = CALENDAR.day(day)
    assert (entry.workday, entry.source) == (True, DaySource.OFFICIAL)
    assert CALENDAR.is_workday(day)


def test_ordinary_2026_weekdays_work_and_weekends_rest() -> None:
    monday, saturday, sunday = date(2026, 11, 23), date(2026, 11, 21), date(2026, 11, 22)
    assert CALENDAR.day(monday) == CalendarDay(monday, True, DaySource.OFFICIAL, None)
    assert not CALENDAR.is_workday(saturday)
    assert not CALENDAR.is_workday(sunday)
    assert CALENDAR.is_workday(date(2026, 10, 9))  # Fri after the golden week


def test_2026_is_official_and_2027_is_estimated() -> None:
    assert 2026 in OFFICIAL_YEARS and 2027 not in OFFICIAL_YEARS
    assert not CALENDAR.is_estimated_year(2026)
    assert CALENDAR.is_estimated_year(2027)
    assert CALENDAR.day(date(2027, 3, 1)).source is DaySource.ESTIMATE


def test_years_before_the_official_data_are_estimated_too() -> None:
    assert not CALENDAR.is_estimated_year(min(OFFICIAL_YEARS))
    assert CALENDAR.is_estimated_year(min(OFFICIAL_YEARS) - 1)


def test_a_confirmed_year_is_no_longer_estimated() -> None:
    calendar = BusinessCalendar(confirmed_years=[2027])
    assert not calendar.is_estimated_year(2027)
    assert calendar.is_estimated_year(2028)


def test_estimated_years_lists_the_unofficial_unconfirmed_ones_once_sorted() -> None:
    assert CALENDAR.estimated_years([2030, 2026, 2027, 2027]) == [2027, 2030]
    assert BusinessCalendar(confirmed_years={2027}).estimated_years([2026, 2027, 2030]) == [2030]
    assert CALENDAR.estimated_years([]) == []


# --- estimated 2027 ----------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2027, 2, 6), date(2027, 2, 8), date(2027, 2, 9)])
def test_estimated_2027_spring_festival_is_off(day: date) -> None:
    entry = CALENDAR.day(day)
    assert (entry.workday, entry.source) == (False, DaySource.ESTIMATE)
    assert entry.name is not None and "Spring Festival" in entry.name


@pytest.mark.parametrize(
    "day", [date(2027, 1, 1), date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15)]
)
def test_estimated_2027_public_holidays_are_off(day: date) -> None:
    assert day.weekday() < 5
    entry = CALENDAR.day(day)
    assert (entry.workday, entry.source) == (False, DaySource.ESTIMATE)
    assert entry.name


def test_estimated_2027_weekends_rest_and_plain_weekdays_work() -> None:
    assert not CALENDAR.is_workday(date(2027, 1, 9))  # Saturday
    assert not CALENDAR.is_workday(date(2027, 1, 10))  # Sunday
    monday = CALENDAR.day(date(2027, 1, 4))
    assert (monday.workday, monday.source, monday.name) == (True, DaySource.ESTIMATE, None)


def test_an_estimated_year_has_no_adjusted_working_days() -> None:
    for entry in CALENDAR.year(2027):
        assert entry.source is DaySource.ESTIMATE
        if entry.workday:
            assert entry.day.weekday() < 5, entry


# --- admin overrides ----------------------------------------------------------------------


def test_overrides_win_over_official_days() -> None:
    calendar = BusinessCalendar(
        overrides={date(2026, 10, 1): True, date(2026, 10, 10): False},
        override_notes={date(2026, 10, 1): "应急值班"},
    )
    national_day = calendar.day(date(2026, 10, 1))
    assert (national_day.workday, national_day.source, national_day.name) == (
        True,
        DaySource.OVERRIDE,
        "应急值班",
    )
    adjusted = calendar.day(date(2026, 10, 10))
    assert (adjusted.workday, adjusted.source, adjusted.name) == (False, DaySource.OVERRIDE, None)


def test_overrides_win_over_estimated_days() -> None:
    calendar = BusinessCalendar(
        overrides={date(2027, 2, 6): True, date(2027, 1, 4): False, date(2027, 1, 9): True},
        override_notes={date(2027, 1, 4): "国务院通知调整"},
    )
    assert calendar.is_workday(date(2027, 2, 6))  # Spring Festival, made a working day
    assert calendar.is_workday(date(2027, 1, 9))  # Saturday, made a working day
    monday = calendar.day(date(2027, 1, 4))
    assert (monday.workday, monday.source, monday.name) == (
        False,
        DaySource.OVERRIDE,
        "国务院通知调整",
    )


def test_overrides_do_not_leak_into_other_calendars() -> None:
    overrides = {date(2026, 10, 1): True}
    calendar = BusinessCalendar(overrides=overrides)
    overrides[date(2026, 10, 2)] = True  # the caller's dict changing later changes nothing
    assert calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 10, 2))
    assert not CALENDAR.is_workday(date(2026, 10, 1))


def test_an_override_moves_a_working_day_deadline() -> None:
    # Without it: 09-28, 09-29, 09-30, 10-08, 10-09. With 10-08 off, Sat 10-10 (调休) is 5th.
    calendar = BusinessCalendar(overrides={date(2026, 10, 8): False})
    assert calendar.working_days_after(date(2026, 9, 24), 5).day == date(2026, 10, 10)


# --- working_days_after -------------------------------------------------------------------


def test_the_design_example_skips_mid_autumn_and_national_day() -> None:
    result = CALENDAR.working_days_after(date(2026, 9, 24), 5)
    assert (result.day, result.estimated) == (date(2026, 10, 9), False)


def test_the_start_day_never_counts_even_when_it_is_a_working_day() -> None:
    assert CALENDAR.working_days_after(date(2026, 11, 23), 1).day == date(2026, 11, 24)


def test_counting_from_a_friday_lands_on_monday() -> None:
    assert CALENDAR.working_days_after(date(2026, 11, 20), 1).day == date(2026, 11, 23)


def test_counting_from_a_holiday_starts_with_the_next_working_day() -> None:
    assert CALENDAR.working_days_after(date(2026, 10, 3), 1).day == date(2026, 10, 8)
    assert CALENDAR.working_days_after(date(2026, 9, 19), 1).day == date(2026, 9, 20)


def test_a_walk_that_stays_in_2026_is_not_estimated() -> None:
    result = CALENDAR.working_days_after(date(2026, 12, 28), 3)
    assert (result.day, result.estimated) == (date(2026, 12, 31), False)


def test_a_walk_into_2027_is_flagged_estimated() -> None:
    result = CALENDAR.working_days_after(date(2026, 12, 28), 5)
    # 12-29, 12-30, 12-31, (01-01 New Year, weekend), 01-04, 01-05
    assert (result.day, result.estimated) == (date(2027, 1, 5), True)
    assert CALENDAR.working_days_after(date(2026, 12, 31), 1) == WorkingDayResult(
        date(2027, 1, 4), True
    )


def test_a_walk_into_a_confirmed_2027_is_not_estimated() -> None:
    calendar = BusinessCalendar(confirmed_years=[2027])
    assert calendar.working_days_after(date(2026, 12, 28), 5).estimated is False


def test_a_walk_within_2027_is_estimated() -> None:
    assert CALENDAR.working_days_after(date(2027, 3, 1), 1).estimated is True


@pytest.mark.parametrize("count", [0, -1])
def test_working_days_after_needs_a_positive_count(count: int) -> None:
    with pytest.raises(CalendarError):
        CALENDAR.working_days_after(date(2026, 11, 23), count)


def test_no_working_day_within_the_walk_limit_is_an_error() -> None:
    start = date(2027, 3, 1)
    all_off = {start + timedelta(days=n): False for n in range(1, MAX_WALK_DAYS + 1)}
    with pytest.raises(CalendarError, match="no 1 working days"):
        BusinessCalendar(overrides=all_off).working_days_after(start, 1)


def test_the_last_day_within_the_walk_limit_is_still_found() -> None:
    start = date(2027, 3, 1)
    last = start + timedelta(days=MAX_WALK_DAYS)
    overrides = {start + timedelta(days=n): False for n in range(1, MAX_WALK_DAYS)}
    overrides[last] = True
    assert BusinessCalendar(overrides=overrides).working_days_after(start, 1).day == last


def test_a_count_needing_more_than_the_walk_limit_is_an_error() -> None:
    with pytest.raises(CalendarError):
        CALENDAR.working_days_after(date(2026, 1, 1), MAX_WALK_DAYS)


# --- whole years ---------------------------------------------------------------------------


def test_a_year_lists_every_day_in_order() -> None:
    year_2026 = CALENDAR.year(2026)
    assert [entry.day for entry in year_2026] == _days(date(2026, 1, 1), date(2026, 12, 31))
    assert len(CALENDAR.year(2028)) == 366
    assert all(entry == CALENDAR.day(entry.day) for entry in year_2026)


def test_golden_week_2026_in_the_year_listing() -> None:
    listed = {entry.day: entry.workday for entry in CALENDAR.year(2026)}
    assert [listed[day] for day in _days(date(2026, 9, 19), date(2026, 10, 11))] == [
        False,  # Sat 09-19
        True,  # Sun 09-20 调休
        True,
        True,
        True,
        True,  # Thu 09-24
        False,  # Fri 09-25 Mid-Autumn
        False,
        False,  # weekend
        True,
        True,
        True,  # Mon–Wed 09-28..09-30
        *[False] * 7,  # 10-01..10-07
        True,
        True,  # Thu, Fri 10-08, 10-09
        True,  # Sat 10-10 调休
        False,  # Sun 10-11
    ]


# --- properties ------------------------------------------------------------------------------

starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=starts, count=st.integers(min_value=1, max_value=20))
def test_the_nth_working_day_after_is_exactly_n_working_days_on(start: date, count: int) -> None:
    result = CALENDAR.working_days_after(start, count)
    assert result.day > start
    assert CALENDAR.is_workday(result.day)
    walked = _days(start + timedelta(days=1), result.day)
    assert sum(CALENDAR.is_workday(day) for day in walked) == count
    assert result.estimated == any(CALENDAR.is_estimated_year(day.year) for day in walked)


@settings(max_examples=200, deadline=None)
@given(start=starts, count=st.integers(min_value=1, max_value=10))
def test_one_more_working_day_is_always_later(start: date, count: int) -> None:
    assert (
        CALENDAR.working_days_after(start, count + 1).day
        > CALENDAR.working_days_after(start, count).day
    )
