"""KPI formulas of the service regulations, over facts the database has counted: rates that
are None when there is nothing to measure (not 0 %, not 100 %), and the first-time-fix rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
