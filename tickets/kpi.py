"""KPI formulas of the service regulations, over facts the database has counted: rates that
are None when there is nothing to measure (not 0 %, not 100 %), and the first-time-fix rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

REPEAT_WINDOW = timedelta(days=30)
SERVICE_LEVEL_SECONDS = 20


def rate(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    if not 0 <= part <= whole:
        raise ValueError(f"{part} of {whole} is not a share")
    return part / whole


@dataclass(frozen=True)
class Repair:
    ticket: str
    customer: int | None
    subtype: str | None
    received_at: datetime
    fixed_at: datetime | None
    # Reopened after it was resolved: not fixed the first time, whatever came after.
    reopened: bool = False


def repeat_repairs(repairs: Iterable[Repair]) -> set[str]:
    """The fixed repairs that were not fixed the first time: reopened, or the same customer
    called again about the same fault (subtype) within 30 days of the fix. Repairs with no
    customer on file cannot be matched and count as fixed first time unless reopened."""
    by_fault: dict[tuple[int, str | None], list[Repair]] = {}
    misses: set[str] = set()
    for repair in repairs:
        if repair.reopened:
            misses.add(repair.ticket)
        if repair.customer is not None:
            by_fault.setdefault((repair.customer, repair.subtype), []).append(repair)
    for same in by_fault.values():
        for repair in same:
            fixed_at = repair.fixed_at
            if fixed_at is not None and any(
                other is not repair and fixed_at <= other.received_at <= fixed_at + REPEAT_WINDOW
                for other in same
            ):
                misses.add(repair.ticket)
    return misses


def first_time_fix_rate(repairs: Iterable[Repair]) -> float | None:
    listed = list(repairs)
    fixed = [repair for repair in listed if repair.fixed_at is not None]
    return rate(len(fixed) - len(repeat_repairs(listed) & {r.ticket for r in fixed}), len(fixed))


@dataclass(frozen=True)
class DayFigures:
    """One local day of the trend: inbound calls that reached a queue, and deadlines that fell
    due that day and are decided — met, or breached."""

    day: date
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    met: int = 0
    breached: int = 0

    def plus(self, other: DayFigures) -> DayFigures:
        return DayFigures(
            self.day,
            self.offered + other.offered,
            self.answered + other.answered,
            self.abandoned + other.abandoned,
            self.met + other.met,
            self.breached + other.breached,
        )


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def daily(first: date, last: date, counted: Iterable[DayFigures]) -> list[DayFigures]:
    """Every day from `first` to `last`, in order: days with nothing counted are zero, and
    several counts for one day add up. A count outside the period is a mistake of the caller."""
    days = {day: DayFigures(day) for day in days_between(first, last)}
    for figures in counted:
        if figures.day not in days:
            raise ValueError(f"{figures.day} is outside {first} to {last}")
        days[figures.day] = days[figures.day].plus(figures)
    return list(days.values())
