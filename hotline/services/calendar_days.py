"""Admin corrections to the business calendar: override a day, remove an override, confirm a
year as entered in full from the official notice. Every change is audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CalendarOverride, ConfirmedCalendarYear
from hotline.services import audit
from hotline.services.errors import NotFound


async def override_day(
    session: AsyncSession, day: date, workday: bool, note: str | None, now: datetime, by: str
) -> None:
    row = await session.get(CalendarOverride, day)
    before = {"workday": row.workday, "note": row.note} if row else None
    row = row or CalendarOverride(day=day, workday=workday, updated_by=by, updated_at=now)
    row.workday, row.note = workday, note
    row.updated_by, row.updated_at = by, now
    session.add(row)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="calendar_day",
        key=day.isoformat(),
        action="override",
        before=before,
        after={"workday": workday, "note": note},
    )


async def remove_override(session: AsyncSession, day: date, now: datetime, by: str) -> None:
    row = await session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(f"no override on {day.isoformat()}")
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="calendar_day",
        key=day.isoformat(),
        action="remove_override",
        before={"workday": row.workday, "note": row.note},
    )
    await session.delete(row)


async def confirm_year(
    session: AsyncSession, year: int, note: str | None, now: datetime, by: str
) -> None:
    if await session.get(ConfirmedCalendarYear, year) is not None:
        return
    session.add(ConfirmedCalendarYear(year=year, confirmed_by=by, confirmed_at=now, note=note))
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="calendar_year",
        key=str(year),
        action="confirm",
        after={"note": note},
    )
