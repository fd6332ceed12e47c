"""The daily trend of calls and deadlines (tickets/kpi.py): every day of the period once, in
order; days with nothing are zero; the days add up to the period's totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.kpi import DayFigures, daily

FIRST = date(2026, 11, 1)
counts = st.integers(min_value=0, max_value=500)


@st.composite
def periods_with_counts(draw: st.DrawFn) -> tuple[date, list[DayFigures]]:
    length = draw(st.integers(min_value=1, max_value=40))
    last = FIRST + timedelta(days=length - 1)
    offsets = st.integers(min_value=0, max_value=length - 1)
    figures = draw(
        st.lists(
            st.builds(
                DayFigures,
                offsets.map(lambda n: FIRST + timedelta(days=n)),
                counts,
                counts,
                counts,
                counts,
                counts,
            ),
            max_size=60,
        )
    )
    return last, figures


@given(periods_with_counts())
def test_every_day_once_empty_days_zero_and_the_days_add_up(
    case: tuple[date, list[DayFigures]],
) -> None:
    last, counted = case
    days = daily(FIRST, last, counted)
    assert [d.day for d in days] == [
        FIRST + timedelta(days=n) for n in range((last - FIRST).days + 1)
    ]
    counted_days = {figures.day for figures in counted}
    for figures in days:
        if figures.day not in counted_days:
            assert figures == DayFigures(figures.day)
    for name in ("offered", "answered", "abandoned", "met", "breached"):
        assert sum(getattr(d, name) for d in days) == sum(getattr(c, name) for c in counted)


def test_two_counts_for_one_day_add_up() -> None:
    day = date(2026, 11, 2)
    days = daily(FIRST, day, [DayFigures(day, 3, 2, 1), DayFigures(day, met=4, breached=1)])
    assert days == [DayFigures(FIRST), DayFigures(day, 3, 2, 1, 4, 1)]


def test_a_count_outside_the_period_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        daily(FIRST, FIRST, [DayFigures(FIRST + timedelta(days=1), offered=1)])
