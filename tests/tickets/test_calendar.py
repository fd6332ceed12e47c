from __future__ import annotations

from datetime import date

import pytest

from tickets.calendar import BusinessCalendar, CalendarError, DaySource


def test_national_day_2026_is_off_and_the_adjusted_saturday_is_on() -> None:
    calendar = BusinessCalendar()
    assert not calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 9, 25))  # Mid-Autumn
    assert calendar.is_workday(date(2026, 9, 20))  # Sunday, adjusted working day
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, adjusted working day
    assert calendar.day(date(2026, 10, 1)).source is DaySource.OFFICIAL


def test_complaint_example_of_the_design_skips_mid_autumn_and_national_day() -> None:
    result = BusinessCalendar().working_days_after(date(2026, 9, 24), 5)
    assert result.day == date(2026, 10, 9)
    assert result.estimated is False


def test_the_start_day_never_counts() -> None:
    # Mon 2026-11-23 + 1 working day is Tue, even though Monday is itself a working day.
    assert BusinessCalendar().working_days_after(date(2026, 11, 23), 1).day == date(2026, 11, 24)


def test_2027_is_estimated_from_weekends_and_public_holidays() -> None:
    calendar = BusinessCalendar()
    assert calendar.is_estimated_year(2027)
    assert not calendar.is_estimated_year(2026)
    assert calendar.day(date(2027, 2, 6)).source is DaySource.ESTIMATE
    assert not calendar.is_workday(date(2027, 2, 6))  # Spring Festival
    assert not calendar.is_workday(date(2027, 1, 2))  # Saturday
    assert calendar.is_workday(date(2027, 1, 4))


def test_a_december_walk_into_2027_is_flagged_estimated() -> None:
    result = BusinessCalendar().working_days_after(date(2026, 12, 28), 5)
    assert result.day == date(2027, 1, 5)
    assert result.estimated is True


def test_a_confirmed_year_is_no_longer_estimated() -> None:
    calendar = BusinessCalendar(confirmed_years=[2027])
    assert not calendar.is_estimated_year(2027)
    assert calendar.working_days_after(date(2026, 12, 28), 5).estimated is False


def test_admin_overrides_win_over_official_and_estimated_days() -> None:
    calendar = BusinessCalendar(
        overrides={date(2026, 10, 1): True, date(2027, 1, 4): False},
        override_notes={date(2027, 1, 4): "国务院通知调整"},
    )
    assert calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2027, 1, 4))
    assert calendar.day(date(2027, 1, 4)).source is DaySource.OVERRIDE
    assert calendar.day(date(2027, 1, 4)).name == "国务院通知调整"


def test_no_working_day_within_reach_is_an_error() -> None:
    start = date(2027, 3, 1)
    all_off = {date.fromordinal(start.toordinal() + offset): False for offset in range(1, 500)}
    with pytest.raises(CalendarError):
        BusinessCalendar(overrides=all_off).working_days_after(start, 1)
    with pytest.raises(CalendarError):
        BusinessCalendar().working_days_after(start, 0)


def test_a_year_lists_every_day() -> None:
    assert len(BusinessCalendar().year(2026)) == 365
    assert len(BusinessCalendar().year(2028)) == 366
