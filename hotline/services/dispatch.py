"""Dispatch (派工): the repairs waiting for a crew, the crews and their day, and door-to-door
visits booked with the customer — booked, moved, cancelled, done. Booking assigns the
technician and replaces the repair's handle clock by the window, as DESIGN.md says; a change
made less than 2 h before the window without the customer told counts against the crew."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Crew, CrewMember, SlaClockRow, Ticket, User, Visit
from hotline.i18n import N_
from hotline.services import audit, callbacks, technician_time
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor
from hotline.services.clock_rows import clock_from_row
from hotline.services.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.services.rulebook import Rulebook
from hotline.services.tickets import TicketView
from tickets.access import Use
from tickets.sla import ClockName
from tickets.types import GAS_SMELL, TicketType
from tickets.visits import (
    VisitError,
    VisitStatus,
    Window,
    change_against_crew,
    missed,
)
from tickets.workflow import OPEN_STATUSES, Action, Appointment, Role, Status

NOT_A_TECHNICIAN = N_("not a technician")
# How far ahead the board shows crews' bookings: what a dispatcher books into.
BOARD_DAYS = timedelta(days=3)
WAITING = [Status.NEW.value, Status.ASSIGNED.value]
# What a dispatcher picks the next job from: more rows would only slow the board down on a
# storm evening (the rest of an area is a link to the ticket list away).
BOARD_ROWS_PER_AREA = 30
# Where a repair with no area is listed.
NO_AREA = "—"
OPEN = [status.value for status in Status if status in OPEN_STATUSES]


@dataclass
class CrewDay:
    crew: Crew
    members: list[User] = field(default_factory=list)
    # The crew's open work orders, oldest first: what a dispatcher may hand to someone else.
    orders: list[Ticket] = field(default_factory=list)
    visits: list[tuple[Visit, Ticket]] = field(default_factory=list)
    on_shift: bool = True

    @property
    def open_orders(self) -> int:
        return len(self.orders)


@dataclass
class Board:
    # Every gas smell first, then the rest by area: at most BOARD_ROWS_PER_AREA of each area,
    # and how many more wait there. Each list soonest due first.
    emergencies: list[TicketView]
    by_area: dict[str, list[TicketView]]
    more_by_area: dict[str, int]
    crews: list[CrewDay]


async def _technicians(session: AsyncSession) -> dict[int, User]:
    rows = await session.exec(select(User).where(col(User.role) == Role.TECHNICIAN.value))
    return {user.id: user for user in rows.all() if user.id is not None}


def _soonest_due() -> ColumnElement[datetime]:
    """The soonest due time of a ticket's running clocks, else its receipt: what the board
    orders by, in SQL, so that only the rows shown need their clocks loaded."""
    running_due = (
        select(func.min(SlaClockRow.due_at))
        .where(col(SlaClockRow.ticket_id) == col(Ticket.id), col(SlaClockRow.stopped_at).is_(None))
        .scalar_subquery()
    )
    return func.coalesce(running_due, col(Ticket.received_at))


async def _waiting(
    session: AsyncSession, technicians: list[int]
) -> tuple[list[int], dict[str, list[int]]]:
    """The ids of the repairs no technician holds, soonest due first: the gas smells, and the
    rest by area."""
    rows = await session.exec(
        select(col(Ticket.id), col(Ticket.area), col(Ticket.subtype))
        .where(
            col(Ticket.type) == TicketType.REPAIR.value,
            col(Ticket.status).in_(WAITING),
            or_(col(Ticket.assignee_id).is_(None), col(Ticket.assignee_id).not_in(technicians)),
        )
        .order_by(_soonest_due(), col(Ticket.received_at), col(Ticket.id))
    )
    emergencies: list[int] = []
    by_area: dict[str, list[int]] = {}
    for ticket_id, area, subtype in rows.all():
        assert ticket_id is not None
        if subtype == GAS_SMELL:
            emergencies.append(ticket_id)
        else:
            by_area.setdefault(area or NO_AREA, []).append(ticket_id)
    return emergencies, dict(sorted(by_area.items()))


async def _views(
    session: AsyncSession, rulebook: Rulebook, ids: list[int]
) -> dict[int, TicketView]:
    if not ids:
        return {}
    tickets = list((await session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))).all())
    return {
        view.ticket.id or 0: view
        for view in await ticket_service.load_views(session, rulebook, tickets)
    }


async def board(session: AsyncSession, rulebook: Rulebook, now: datetime, tz: ZoneInfo) -> Board:
    """Repairs no technician holds yet (new, or assigned to someone not in the field): every
    gas smell, and per area the BOARD_ROWS_PER_AREA due soonest with the count of the others;
    each crew's open work orders and visits booked from today (local day) for BOARD_DAYS."""
    technicians = await _technicians(session)
    emergency_ids, waiting_by_area = await _waiting(session, list(technicians))
    shown_by_area = {area: ids[:BOARD_ROWS_PER_AREA] for area, ids in waiting_by_area.items()}
    views = await _views(
        session, rulebook, emergency_ids + [i for ids in shown_by_area.values() for i in ids]
    )
    emergencies = [views[i] for i in emergency_ids]
    by_area = {area: [views[i] for i in ids] for area, ids in shown_by_area.items()}
    more_by_area = {
        area: len(waiting_by_area[area]) - len(shown) for area, shown in shown_by_area.items()
    }

    crews = {
        crew.id: CrewDay(crew, on_shift=technician_time.shift_of(crew).on_shift(now, tz))
        for crew in (
            await session.exec(select(Crew).where(col(Crew.active)).order_by(col(Crew.code)))
        )
    }
    member_crew: dict[int, int] = {}
    for member in (await session.exec(select(CrewMember))).all():
        if member.crew_id in crews and member.user_id in technicians:
            crews[member.crew_id].members.append(technicians[member.user_id])
            member_crew[member.user_id] = member.crew_id
    if member_crew:
        open_orders = await session.exec(
            select(Ticket)
            .where(col(Ticket.assignee_id).in_(list(member_crew)), col(Ticket.status).in_(OPEN))
            .order_by(col(Ticket.received_at))
        )
        for order in open_orders.all():
            if order.assignee_id is not None:
                crews[member_crew[order.assignee_id]].orders.append(order)
    day_start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    coming = await session.exec(
        select(Visit, Ticket)
        .join(Ticket, col(Ticket.id) == col(Visit.ticket_id))
        .where(
            col(Visit.window_start) >= day_start,
            col(Visit.window_start) < day_start + BOARD_DAYS,
            col(Visit.status) == VisitStatus.BOOKED.value,
        )
        .order_by(col(Visit.window_start))
    )
    for visit, ticket in coming.all():
        if visit.crew_id in crews:
            crews[visit.crew_id].visits.append((visit, ticket))
    # Crews at work now first: they are who can go.
    on_duty = sorted(crews.values(), key=lambda day: not day.on_shift)
    return Board(emergencies, by_area, more_by_area, on_duty)


def _window(start: datetime, end: datetime, now: datetime) -> Window:
    window = Window(start, end)
    try:
        window.check(now)
    except VisitError as error:
        raise Invalid(error.message, {error.field: error.message}) from error
    return window


async def _technician(session: AsyncSession, username: str) -> User:
    user = (await session.exec(select(User).where(col(User.username) == username))).first()
    if user is None or user.role != Role.TECHNICIAN.value:
        raise Invalid(NOT_A_TECHNICIAN, {"technician": NOT_A_TECHNICIAN})
    return user


async def book_visit(
    session: AsyncSession,
    rulebook: Rulebook,
    actor: Actor,
    number: str,
    *,
    technician: str,
    start: datetime,
    end: datetime,
    consent: bool,
    now: datetime,
) -> Visit:
    """Book the window the customer agreed to: the technician gets the work order and the
    repair's handle clock becomes the window's end."""
    if not consent:
        message = N_("the customer must agree to the visit")
        raise Invalid(message, {"consent": message})
    window = _window(start, end, now)
    user = await _technician(session, technician)
    crew = await technician_time.check_window(session, user, window, rulebook.timezone)
    result = await ticket_service.perform_action(
        session,
        rulebook,
        actor,
        number,
        Action.ASSIGN,
        ticket_service.ActionRequest(
            assignee=user.username,
            appointment=Appointment(window.start, window.end, customer_agreed=consent),
        ),
        now,
        as_part_of=Use.BOOK_VISIT,
    )
    ticket = result.view.ticket
    assert ticket.id is not None
    visit = Visit(
        ticket_id=ticket.id,
        crew_id=crew.id if crew is not None else None,
        technician_id=user.id,
        window_start=window.start,
        window_end=window.end,
        status=VisitStatus.BOOKED.value,
        customer_consent=True,
        created_by=actor.username,
        created_at=now,
        updated_at=now,
    )
    session.add(visit)
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="visit",
        key=str(visit.id),
        action="book",
        after={
            "ticket": number,
            "technician": user.username,
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
        },
    )
    return visit


async def fix_deadline_before_visit_ends(
    session: AsyncSession, visit: Visit, now: datetime
) -> datetime | None:
    """The repair's fix deadline (as of now: a pause in progress moves it) when the visit's
    window ends after it: booking moves only the handle clock, so such a visit is a fix breach
    foretold — the dispatcher is told."""
    fix = (
        await session.exec(
            select(SlaClockRow).where(
                col(SlaClockRow.ticket_id) == visit.ticket_id,
                col(SlaClockRow.name) == ClockName.FIX.value,
                col(SlaClockRow.stopped_at).is_(None),
            )
        )
    ).first()
    if fix is None:
        return None
    due = clock_from_row(fix).due_at_as_of(now)
    return due if visit.window_end > due else None


async def _booked(session: AsyncSession, visit_id: int) -> tuple[Visit, Ticket]:
    row = (
        await session.exec(
            select(Visit, Ticket)
            .join(Ticket, col(Ticket.id) == col(Visit.ticket_id))
            .where(col(Visit.id) == visit_id)
            .with_for_update(of=Visit)
        )
    ).first()
    if row is None:
        raise NotFound(f"no visit {visit_id}")
    visit, ticket = row
    if visit.status != VisitStatus.BOOKED.value:
        raise Conflict(f"the visit is {visit.status}, not booked")
    return visit, ticket


async def _record(
    session: AsyncSession,
    visit: Visit,
    status: VisitStatus,
    by: str,
    now: datetime,
    after: dict[str, object],
) -> None:
    """A visit's new status, audited."""
    visit.status = status.value
    visit.updated_at = now
    session.add(visit)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="visit",
        key=str(visit.id),
        action=status.value,
        after=after,
    )


def _told(customer_told_at: datetime | None, now: datetime) -> None:
    if customer_told_at is not None and customer_told_at > now:
        message = N_("the customer cannot be told in the future")
        raise Invalid(message, {"customer_told_at": message})


async def _change(
    session: AsyncSession,
    visit: Visit,
    status: VisitStatus,
    reason: str,
    customer_told_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> None:
    if not reason.strip():
        message = N_("say why the visit changes")
        raise Invalid(message, {"reason": message})
    _told(customer_told_at, now)
    visit.change_reason = reason
    visit.customer_told_at = customer_told_at
    visit.against_crew = change_against_crew(
        Window(visit.window_start, visit.window_end), customer_told_at
    )
    await _record(
        session,
        visit,
        status,
        actor.username,
        now,
        {
            "reason": reason,
            "customer_told_at": customer_told_at.isoformat() if customer_told_at else None,
            "against_crew": visit.against_crew,
        },
    )


async def reschedule_visit(
    session: AsyncSession,
    rulebook: Rulebook,
    actor: Actor,
    visit_id: int,
    *,
    start: datetime,
    end: datetime,
    reason: str,
    customer_told_at: datetime | None,
    now: datetime,
    technician: str | None = None,
) -> tuple[Visit, Visit]:
    """The visit moved (rescheduled, with whether that counts against the crew) and the new
    one booked in its place — with the same technician, or `technician` (who then holds the
    repair)."""
    visit, ticket = await _booked(session, visit_id)
    _window(start, end, now)
    await _change(session, visit, VisitStatus.RESCHEDULED, reason, customer_told_at, actor, now)
    if technician is None and visit.technician_id is not None:
        holder = await session.get(User, visit.technician_id)
        technician = holder.username if holder else None
    new = await book_visit(
        session,
        rulebook,
        actor,
        ticket.number,
        technician=technician or "",
        start=start,
        end=end,
        consent=True,
        now=now,
    )
    visit.replaced_by = new.id
    session.add(visit)
    return visit, new


async def cancel_visit(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    *,
    reason: str,
    customer_told_at: datetime | None,
    now: datetime,
) -> Visit:
    visit, ticket = await _booked(session, visit_id)
    await _change(session, visit, VisitStatus.CANCELLED, reason, customer_told_at, actor, now)
    following = (
        await session.exec(
            select(Visit)
            .where(
                col(Visit.ticket_id) == visit.ticket_id,
                col(Visit.status) == VisitStatus.BOOKED.value,
                col(Visit.id) != visit.id,
            )
            .order_by(col(Visit.window_start))
        )
    ).first()
    next_window = (
        Appointment(following.window_start, following.window_end, customer_agreed=True)
        if following is not None
        else None
    )
    await ticket_service.withdraw_appointment(
        session, ticket.number, next_window, actor.username, now
    )
    return visit


async def complete_visit(
    session: AsyncSession, actor: Actor, visit_id: int, *, at: datetime, now: datetime, tz: ZoneInfo
) -> Visit:
    """The technician was there and is done: the visit's callback follows."""
    if at > now:
        raise Invalid(N_("the time lies in the future"), {"at": N_("lies in the future")})
    visit, ticket = await _booked(session, visit_id)
    if actor.role == Role.TECHNICIAN and visit.technician_id != actor.user_id:
        raise Forbidden("this visit is another technician's")
    if at < visit.created_at:
        raise Invalid(
            N_("the visit was done before it was booked"), {"at": N_("before the booking")}
        )
    visit.done_at = at
    await _record(session, visit, VisitStatus.DONE, actor.username, now, {"at": at.isoformat()})
    await callbacks.create_for_visit(session, ticket, at, now, tz)
    return visit


async def work_orders(
    session: AsyncSession, rulebook: Rulebook, user_id: int
) -> list[tuple[TicketView, list[Visit]]]:
    """A technician's open work orders with their clocks, and the visits booked for them."""
    tickets = list(
        (
            await session.exec(
                select(Ticket)
                .where(col(Ticket.assignee_id) == user_id, col(Ticket.status).in_(OPEN))
                .order_by(col(Ticket.received_at))
            )
        ).all()
    )
    views = await ticket_service.load_views(session, rulebook, tickets)
    visits: dict[int, list[Visit]] = {view.ticket.id or 0: [] for view in views}
    if visits:
        for visit in (
            await session.exec(
                select(Visit)
                .where(
                    col(Visit.ticket_id).in_(list(visits)),
                    col(Visit.status) == VisitStatus.BOOKED.value,
                )
                .order_by(col(Visit.window_start))
            )
        ).all():
            visits[visit.ticket_id].append(visit)
    return [(view, visits[view.ticket.id or 0]) for view in views]


async def mark_missed(session: AsyncSession, now: datetime) -> list[tuple[Visit, Ticket]]:
    """Booked visits whose window has passed with nobody there (the repair's arrival not
    recorded within it): missed, and against the crew — the customer was not told either."""
    statement = (
        select(Visit, Ticket, SlaClockRow)
        .join(Ticket, col(Ticket.id) == col(Visit.ticket_id))
        .join(
            SlaClockRow,
            (col(SlaClockRow.ticket_id) == col(Ticket.id))
            & (col(SlaClockRow.name) == ClockName.HANDLE.value),
            isouter=True,
        )
        .where(col(Visit.status) == VisitStatus.BOOKED.value, col(Visit.window_end) < now)
        .with_for_update(of=Visit, skip_locked=True)
    )
    found = []
    for visit, ticket, handle in (await session.exec(statement)).all():
        arrived = handle.stopped_at if handle is not None else None
        if arrived is not None and arrived < visit.created_at:
            arrived = None  # an arrival before this visit was booked (a return trip) is not its
        if not missed(Window(visit.window_start, visit.window_end), arrived, now):
            continue
        visit.against_crew = True
        await _record(
            session,
            visit,
            VisitStatus.MISSED,
            "system",
            now,
            {"ticket": ticket.number, "against_crew": True},
        )
        found.append((visit, ticket))
    return found


@dataclass(frozen=True)
class Technician:
    """A technician as the dispatcher picks one: their crew, and whether it is at work now."""

    username: str
    name: str
    crew: str | None
    on_shift: bool


async def technicians_on_duty(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[Technician]:
    """Every active technician, those whose crew is on shift now first: they are who can go.
    A technician in no crew has no shift to be off."""
    users = (
        await session.exec(
            select(User)
            .where(col(User.role) == Role.TECHNICIAN.value, col(User.active))
            .order_by(col(User.username))
        )
    ).all()
    crews = {crew.id: crew for crew in (await session.exec(select(Crew).where(col(Crew.active))))}
    crew_of = {
        member.user_id: crews[member.crew_id]
        for member in (await session.exec(select(CrewMember))).all()
        if member.crew_id in crews
    }
    technicians = []
    for user in users:
        crew = crew_of.get(user.id) if user.id is not None else None
        on_shift = crew is None or technician_time.shift_of(crew).on_shift(now, tz)
        technicians.append(
            Technician(user.username, user.display_name, crew.name if crew else None, on_shift)
        )
    return sorted(technicians, key=lambda technician: not technician.on_shift)
