"""Door-to-door visits by appointment (上门服务): a window agreed with the customer, and the rule
that a crew who cannot keep it tells the customer at least two hours before it starts — or the
miss is recorded against the crew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.wording import N_

NOTICE = timedelta(hours=2)
LONGEST_WINDOW = timedelta(hours=12)


class VisitError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class VisitStatus(StrEnum):
    BOOKED = "booked"
    DONE = "done"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    MISSED = "missed"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def check(self, now: datetime) -> None:
        """A window the customer can be held to: it ends after it starts, has not begun yet,
        and is not longer than a working day."""
        if self.end <= self.start:
            raise VisitError("end", N_("the window must end after it starts"))
        if self.start < now:
            raise VisitError("start", N_("the window has already begun"))
        if self.end - self.start > LONGEST_WINDOW:
            raise VisitError("end", N_("a window is 12 hours at most"))


DAY = timedelta(days=1)


def _since_midnight(text: str) -> timedelta:
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


@dataclass(frozen=True)
class Shift:
    """A crew's working hours in local time, every day: "08:00"-"20:00", or a night shift past
    midnight like "20:00"-"08:00"; an end of "24:00" (or equal to the start) is round the clock."""

    start: timedelta
    length: timedelta

    @classmethod
    def parse(cls, start: str, end: str) -> Shift:
        begins, ends = _since_midnight(start), _since_midnight(end)
        if not (timedelta(0) <= begins < DAY and timedelta(0) <= ends <= DAY):
            raise ValueError(f"not a shift: {start}-{end}")
        return cls(begins, (ends - begins) % DAY or DAY)

    def stretch_at(self, moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The stretch of work (begin, end) that `moment` falls in, or None when off shift."""
        local = moment.astimezone(tz)
        for days_back in (0, 1):
            day = local.date() - timedelta(days=days_back)
            begins = datetime.combine(day, time(), tz) + self.start
            if begins <= local < begins + self.length:
                return begins, begins + self.length
        return None

    def on_shift(self, moment: datetime, tz: ZoneInfo) -> bool:
        return self.stretch_at(moment, tz) is not None

    def holds(self, window: Window, tz: ZoneInfo) -> bool:
        """The whole window lies within one stretch of work."""
        if self.length == DAY:
            return True
        stretch = self.stretch_at(window.start, tz)
        return stretch is not None and window.end <= stretch[1]


def overlapping(window: Window, booked: list[Window]) -> Window | None:
    """The first booked window this one would clash with: one technician, one door at a time.
    Windows that only touch (one ends as the other starts) do not clash."""
    return next(
        (other for other in booked if window.start < other.end and other.start < window.end), None
    )


def change_against_crew(window: Window, customer_told_at: datetime | None) -> bool:
    """A visit moved or cancelled counts against the crew unless the customer was told at
    least two hours before the window started."""
    return customer_told_at is None or window.start - customer_told_at < NOTICE


def missed(window: Window, arrived_at: datetime | None, now: datetime) -> bool:
    """The crew neither arrived within the window nor moved it: a missed appointment."""
    if arrived_at is not None:
        return arrived_at > window.end
    return now > window.end
