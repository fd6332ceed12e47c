"""Whether a technician can take a visit window — inside their crew's shift, clear of their
other booked visits — and visits following their repair when it changes hands. Used by
booking (dispatch) and by the ticket's assign action, so a visit's technician is always the
repair's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Crew, CrewMember, Ticket, User, Visit
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Invalid
from tickets.visits import Shift, VisitStatus, Window, overlapping
from tickets.workflow import Role

OFF_SHIFT = N_("the window lies outside the crew's shift")
DOUBLE_BOOKED = N_("the technician has another visit booked in this window")


def shift_of(crew: Crew) -> Shift:
    return Shift.parse(crew.shift_start, crew.shift_end)


async def crew_of(session: AsyncSession, user: User) -> Crew | None:
    member = (
        await session.exec(select(CrewMember).where(col(CrewMember.user_id) == user.id))
    ).first()
    return await session.get(Crew, member.crew_id) if member is not None else None


async def check_window(
    session: AsyncSession,
    user: User,
    window: Window,
    tz: ZoneInfo,
    *,
    moving: int | None = None,
) -> Crew | None:
    """The technician's crew, when `window` fits them: within the crew's shift, and no other
    booked visit of theirs at the same time (`moving`: a visit that is being handed over and
    does not clash with itself). Invalid naming `start` otherwise."""
    crew = await crew_of(session, user)
    if crew is not None and not shift_of(crew).holds(window, tz):
        raise Invalid(OFF_SHIFT, {"start": OFF_SHIFT})
    booked = await session.exec(
        select(Visit).where(
            col(Visit.technician_id) == user.id,
            col(Visit.status) == VisitStatus.BOOKED.value,
            col(Visit.window_start) < window.end,
            col(Visit.window_end) > window.start,
            col(Visit.id) != (moving or 0),
        )
    )
    if overlapping(window, [Window(v.window_start, v.window_end) for v in booked.all()]):
        raise Invalid(DOUBLE_BOOKED, {"start": DOUBLE_BOOKED})
    return crew


async def follow_assignment(
    session: AsyncSession, ticket: Ticket, assignee: User, tz: ZoneInfo, now: datetime, by: str
) -> int:
    """A repair handed to another technician takes its booked visits along (the window the
    customer agreed stays), when they fit the new technician. Returns how many moved."""
    if assignee.role != Role.TECHNICIAN.value:
        return 0
    visits = (
        await session.exec(
            select(Visit).where(
                col(Visit.ticket_id) == ticket.id,
                col(Visit.status) == VisitStatus.BOOKED.value,
                col(Visit.technician_id) != assignee.id,
            )
        )
    ).all()
    for visit in visits:
        crew = await check_window(
            session, assignee, Window(visit.window_start, visit.window_end), tz, moving=visit.id
        )
        before = visit.technician_id
        visit.technician_id = assignee.id
        visit.crew_id = crew.id if crew is not None else None
        visit.updated_at = now
        session.add(visit)
        await audit.record(
            session,
            at=now,
            actor=by,
            entity="visit",
            key=str(visit.id),
            action="hand_over",
            before={"technician_id": before},
            after={"technician": assignee.username},
        )
    return len(visits)
