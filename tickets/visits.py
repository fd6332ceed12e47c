"""Door-to-door visits by appointment (上门服务): a window agreed with the customer, and the rule
that a crew who cannot keep it tells the customer at least two hours before it starts — or the
miss is recorded against the crew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

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


def change_against_crew(window: Window, customer_told_at: datetime | None) -> bool:
    """A visit moved or cancelled counts against the crew unless the customer was told at
    least two hours before the window started."""
    return customer_told_at is None or window.start - customer_told_at < NOTICE


def missed(window: Window, arrived_at: datetime | None, now: datetime) -> bool:
    """The crew neither arrived within the window nor moved it: a missed appointment."""
    if arrived_at is not None:
        return arrived_at > window.end
    return now > window.end
