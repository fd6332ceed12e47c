"""Relighting visits' rules without I/O: what each deed leads to, the appointment window, the
reminder the day before, and when relighting is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tickets.relighting import (
    RelightDeed,
    RelightStatus,
    after,
    all_settled,
    reminder_due,
    reminder_from,
    window_problems,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


def test_a_visit_is_booked_then_done_and_a_settled_one_stays_settled() -> None:
    assert after(RelightStatus.TO_BOOK, RelightDeed.BOOK) is RelightStatus.BOOKED
    assert after(RelightStatus.BOOKED, RelightDeed.BOOK) is RelightStatus.BOOKED
    assert after(RelightStatus.TO_BOOK, RelightDeed.DONE) is None
    assert after(RelightStatus.BOOKED, RelightDeed.DONE) is RelightStatus.DONE
    assert after(RelightStatus.TO_BOOK, RelightDeed.NOT_NEEDED) is RelightStatus.NOT_NEEDED
    for settled in (RelightStatus.DONE, RelightStatus.NOT_NEEDED):
        assert all(after(settled, deed) is None for deed in RelightDeed)


def test_a_window_is_ahead_and_at_most_four_hours() -> None:
    start = NOW + timedelta(hours=18)
    assert window_problems(start, start + timedelta(hours=2), NOW) == {}
    assert set(window_problems(NOW - timedelta(hours=1), NOW, NOW)) == {"start"}
    assert set(window_problems(start, start, NOW)) == {"end"}
    assert set(window_problems(start, start + timedelta(hours=5), NOW)) == {"end"}


def test_the_reminder_goes_from_ten_the_day_before_and_only_once() -> None:
    start = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 27 Nov 14:00 in Shanghai
    assert reminder_from(start, SHANGHAI) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert not reminder_due(start, None, datetime(2026, 11, 26, 1, 59, tzinfo=UTC), SHANGHAI)
    assert reminder_due(start, None, datetime(2026, 11, 26, 2, 0, tzinfo=UTC), SHANGHAI)
    assert not reminder_due(start, NOW, datetime(2026, 11, 26, 3, 0, tzinfo=UTC), SHANGHAI)
    assert not reminder_due(start, None, start, SHANGHAI)


@given(st.lists(st.sampled_from(RelightStatus), max_size=8))
def test_relighting_is_done_when_nothing_is_left_to_book_or_make(
    statuses: list[RelightStatus],
) -> None:
    left = {RelightStatus.TO_BOOK, RelightStatus.BOOKED}
    assert all_settled(statuses) is not any(status in left for status in statuses)
