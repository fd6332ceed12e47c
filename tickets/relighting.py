"""Relighting after an outage: once gas is back, every affected customer whose gas has to be
turned on again by staff gets a relighting visit — to book (an appointment window), booked,
done, or not needed (turned on otherwise, nobody's gas to relight). The customer is texted the
day before the visit; the outage is relit, and may close, only when every visit is settled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.wording import N_

# An appointment window is a few hours of one day.
LONGEST_WINDOW = timedelta(hours=4)
# The reminder goes from this local time on the day before the visit (a visit booked later
# than that is reminded at once).
REMINDER_FROM = time(10, 0)


class RelightStatus(StrEnum):
    TO_BOOK = "to_book"
    BOOKED = "booked"
    DONE = "done"
    NOT_NEEDED = "not_needed"


class RelightDeed(StrEnum):
    BOOK = "book"
    DONE = "done"
    NOT_NEEDED = "not_needed"


SETTLED = frozenset({RelightStatus.DONE, RelightStatus.NOT_NEEDED})

_FROM: dict[RelightDeed, frozenset[RelightStatus]] = {
    # Booking a booked visit moves its window.
    RelightDeed.BOOK: frozenset({RelightStatus.TO_BOOK, RelightStatus.BOOKED}),
    RelightDeed.DONE: frozenset({RelightStatus.BOOKED}),
    RelightDeed.NOT_NEEDED: frozenset({RelightStatus.TO_BOOK, RelightStatus.BOOKED}),
}
_TO = {
    RelightDeed.BOOK: RelightStatus.BOOKED,
    RelightDeed.DONE: RelightStatus.DONE,
    RelightDeed.NOT_NEEDED: RelightStatus.NOT_NEEDED,
}


def after(status: RelightStatus, deed: RelightDeed) -> RelightStatus | None:
    """The status a deed leads to, or None when it cannot be done from `status`."""
    return _TO[deed] if status in _FROM[deed] else None


def window_problems(start: datetime, end: datetime, now: datetime) -> dict[str, str]:
    problems: dict[str, str] = {}
    if start < now:
        problems["start"] = N_("cannot be in the past")
    if end <= start:
        problems["end"] = N_("must be after the start")
    elif end - start > LONGEST_WINDOW:
        problems["end"] = N_("an appointment window is at most 4 hours")
    return problems


def reminder_from(window_start: datetime, tz: ZoneInfo) -> datetime:
    """When the reminder may go: the day before the visit, from REMINDER_FROM local time."""
    day_before = window_start.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_FROM, tzinfo=tz)


def reminder_due(
    window_start: datetime, reminded_at: datetime | None, now: datetime, tz: ZoneInfo
) -> bool:
    """Remind once, on the day before, and never after the visit has begun."""
    return reminded_at is None and reminder_from(window_start, tz) <= now < window_start


def all_settled(statuses: Iterable[RelightStatus]) -> bool:
    """Relighting is done when no visit is left to book or to make."""
    return all(status in SETTLED for status in statuses)
