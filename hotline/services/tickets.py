"""Tickets: create, find, read, and act on them. Each public function is one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, or_, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.search import contains
from hotline.db.tables import (
    AuditEntry,
    Customer,
    CustomerAddress,
    Department,
    Escalation,
    SlaClockRow,
    Ticket,
    User,
)
from hotline.db.writes import insert_returning_id, insert_rows
from hotline.i18n import N_
from hotline.services import audit, callbacks, escalations, technician_time
from hotline.services.access import check_access, check_may_take_on, facts_of
from hotline.services.actor import Actor
from hotline.services.clock_rows import clock_from_row, clock_values, new_clock_row, write_clock
from hotline.services.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.services.numbers import next_ticket_number
from hotline.services.rulebook import Rulebook
from tickets import access, field_work, intake, sla, workflow
from tickets.routing import route
from tickets.sla import Clock, ClockName
from tickets.types import Priority, TicketType, effective_priority
from tickets.workflow import (
    Action,
    ActionInput,
    Appointment,
    Status,
    TicketSnapshot,
)

NO_SUCH_TICKET = N_("no such ticket")


@dataclass(frozen=True)
class NewTicket:
    type: TicketType
    description: str
    subtype: str | None = None
    special: bool = False
    special_reason: str | None = None
    priority: Priority | None = None
    department: str | None = None
    assignee: str | None = None
    customer_id: int | None = None
    caller_phone: str | None = None
    caller_name: str | None = None
    address: str | None = None
    area: str | None = None
    call_linkedid: str | None = None
    received_at: datetime | None = None
    named_staff: tuple[str, ...] = ()
    appointment: Appointment | None = None


@dataclass(frozen=True)
class TicketFilter:
    type: TicketType | None = None
    status: Sequence[Status] = ()
    department: str | None = None
    assignee: str | None = None
    area: str | None = None
    overdue: bool | None = None
    # A running clock falls due within this long (and has not yet).
    due_within: timedelta | None = None
    text: str | None = None
    page: int = 1
    per_page: int = 50
    # Whose search: `text` then matches only what this person may see of each ticket (a
    # search must not find a masked complainant's number digit by digit). None: everything.
    searcher: Actor | None = None


@dataclass
class TicketView:
    ticket: Ticket
    clocks: list[Clock]
    department: Department
    assignee: User | None
    customer: Customer | None
    history: list[AuditEntry] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    # The rows behind `clocks` when the view was loaded to be changed; a new ticket's view
    # has none (its clocks were just inserted and are not written again).
    clock_rows: dict[ClockName, SlaClockRow] = field(default_factory=dict)

    def facts(self) -> access.TicketFacts:
        """The ticket as the access rules (tickets/access.py) know it."""
        return facts_of(self.ticket, self.assignee)

    def allowed_actions(self, actor: Actor) -> list[Action]:
        """What the ticket's state allows and this person may do to it."""
        return access.allowed_actions(actor.staff, self.facts(), self.snapshot())

    def allows(self, actor: Actor, deed: access.Deed) -> bool:
        return access.decide(actor.staff, self.facts(), deed).allowed

    def snapshot(self) -> TicketSnapshot:
        return snapshot_of(self.ticket, self.clocks, self.assignee, self.department)


@dataclass(frozen=True)
class TicketPage:
    items: list[TicketView]
    page: int
    per_page: int
    has_more: bool


def snapshot_of(
    ticket: Ticket, clocks: Sequence[Clock], assignee: User | None, department: Department
) -> TicketSnapshot:
    appointment = None
    if ticket.appointment_start is not None and ticket.appointment_end is not None:
        appointment = Appointment(ticket.appointment_start, ticket.appointment_end)
    return TicketSnapshot(
        type=TicketType(ticket.type),
        subtype=ticket.subtype,
        status=Status(ticket.status),
        assignee=assignee.username if assignee else None,
        special=ticket.special,
        clocks={clock.name: clock for clock in clocks},
        department=department.code,
        named_staff=frozenset(ticket.named_staff),
        appointment=appointment,
    )


def _ticket_fields(ticket: Ticket, department: str, assignee: str | None) -> dict[str, Any]:
    """The ticket as the audit log records it."""
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "department": department,
        "assignee": assignee,
        "appointment_start": _iso(ticket.appointment_start),
        "appointment_end": _iso(ticket.appointment_end),
        "waiting_for": ticket.waiting_for,
        "resolution": ticket.resolution,
        "special": ticket.special,
        "special_reason": ticket.special_reason,
    }


def _clock_fields(clocks: dict[ClockName, Clock]) -> dict[str, Any]:
    return {
        f"clock.{name}": {
            "due_at": _iso(clock.due_at),
            "stopped_at": _iso(clock.stopped_at),
            "paused_at": _iso(clock.paused_at),
        }
        for name, clock in clocks.items()
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def _user_by_name(session: AsyncSession, username: str, field_name: str) -> User:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or not user.active:
        raise Invalid(f"no active user {username!r}", {field_name: N_("unknown user")})
    return user


def _department(rulebook: Rulebook, code: str) -> Department:
    department = rulebook.departments.get(code)
    if department is None:
        raise Invalid(f"no department {code!r}", {"department": N_("unknown department")})
    return department


async def _has_address_on_file(session: AsyncSession, customer: Customer) -> bool:
    statement = select(CustomerAddress.id).where(col(CustomerAddress.customer_id) == customer.id)
    return (await session.exec(statement.limit(1))).first() is not None


async def create_ticket(
    session: AsyncSession, rulebook: Rulebook, actor: Actor, data: NewTicket, now: datetime
) -> TicketView:
    if actor.role not in workflow.CREATE_ROLES:
        raise Forbidden(f"the {actor.role} role may not create tickets")
    customer = None
    if data.customer_id is not None:
        customer = await session.get(Customer, data.customer_id)
        if customer is None:
            raise Invalid(N_("no such customer"), {"customer_id": N_("unknown customer")})
    draft = intake.TicketDraft(
        type=data.type,
        subtype=data.subtype,
        special=data.special,
        special_reason=data.special_reason,
        received_at=data.received_at,
        named_staff=frozenset(data.named_staff),
        assignee=data.assignee,
        appointment=data.appointment,
        has_address=bool(data.address and data.address.strip())
        or (customer is not None and await _has_address_on_file(session, customer)),
        has_area=bool(data.area and data.area.strip()),
        has_description=bool(data.description.strip()),
    )
    try:
        received_at = intake.check_new_ticket(draft, now)
    except intake.TicketRefused as error:
        raise Invalid(error.message, error.fields) from error

    department_code = data.department or route(
        rulebook.routing, data.type, data.subtype, data.area, rulebook.default_department
    )
    department = _department(rulebook, department_code)
    assignee = await _user_by_name(session, data.assignee, "assignee") if data.assignee else None
    clocks = intake.opening_clocks(
        draft, received_at, rulebook.policies, rulebook.calendar, rulebook.timezone, now
    )

    local_day = received_at.astimezone(rulebook.timezone).date()
    values: dict[str, Any] = {
        "number": await next_ticket_number(session, data.type, local_day),
        "type": data.type.value,
        "subtype": data.subtype,
        "special": data.special,
        "special_reason": data.special_reason,
        "status": (Status.ASSIGNED if assignee else Status.NEW).value,
        "priority": effective_priority(data.type, data.subtype, data.priority).value,
        "department_id": department.id,
        "assignee_id": assignee.id if assignee else None,
        "customer_id": customer.id if customer else None,
        "caller_phone": data.caller_phone,
        "caller_name": data.caller_name,
        "address": data.address,
        "area": data.area,
        "description": data.description,
        "call_linkedid": data.call_linkedid,
        "named_staff": list(data.named_staff),
        "appointment_start": data.appointment.start if data.appointment else None,
        "appointment_end": data.appointment.end if data.appointment else None,
        "received_at": received_at,
        "last_event_at": received_at,
        "created_at": now,
        "updated_at": now,
        "created_by": actor.username,
    }
    ticket_id = await insert_returning_id(session, Ticket, values)
    ticket = Ticket(id=ticket_id, **values)
    await insert_rows(
        session,
        SlaClockRow,
        [{"ticket_id": ticket_id, **clock_values(clock)} for clock in clocks.values()],
    )
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="ticket",
        key=ticket.number,
        action="create",
        after={
            "type": ticket.type,
            "subtype": ticket.subtype,
            **_ticket_fields(ticket, department.code, assignee.username if assignee else None),
            **_clock_fields(clocks),
        },
    )
    return TicketView(ticket, list(clocks.values()), department, assignee, customer)


async def _load_view(session: AsyncSession, ticket: Ticket, *, full: bool) -> TicketView:
    assert ticket.id is not None
    clocks = list(
        (
            await session.exec(
                select(SlaClockRow)
                .where(SlaClockRow.ticket_id == ticket.id)
                .order_by(col(SlaClockRow.id))
            )
        ).all()
    )
    department = await session.get(Department, ticket.department_id)
    assert department is not None
    assignee = await session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    view = TicketView(
        ticket,
        [clock_from_row(row) for row in clocks],
        department,
        assignee,
        customer,
        clock_rows={ClockName(row.name): row for row in clocks},
    )
    if full:
        view.history = list(
            (
                await session.exec(
                    select(AuditEntry)
                    .where(AuditEntry.entity == "ticket", AuditEntry.entity_key == ticket.number)
                    .order_by(col(AuditEntry.id))
                )
            ).all()
        )
        view.escalations = list(
            (
                await session.exec(
                    select(Escalation)
                    .where(Escalation.ticket_id == ticket.id)
                    .order_by(col(Escalation.id))
                )
            ).all()
        )
    return view


async def ticket_numbered(session: AsyncSession, number: str) -> Ticket:
    """The ticket row with this number, or the 404 every adapter shows for it."""
    ticket = (await session.exec(select(Ticket).where(col(Ticket.number) == number))).first()
    if ticket is None or ticket.id is None:
        raise NotFound(NO_SUCH_TICKET)
    return ticket


async def get_ticket(session: AsyncSession, number: str) -> TicketView:
    return await _load_view(session, await ticket_numbered(session, number), full=True)


def _overdue_clause(now: datetime) -> Any:
    return exists().where(
        col(SlaClockRow.ticket_id) == col(Ticket.id),
        col(SlaClockRow.stopped_at).is_(None),
        # A paused clock's due time is the one it reaches when its pause allowance runs out.
        or_(col(SlaClockRow.breached_at).is_not(None), col(SlaClockRow.due_at) <= now),
    )


def _due_soon_clause(now: datetime, horizon: datetime) -> Any:
    return exists().where(
        col(SlaClockRow.ticket_id) == col(Ticket.id),
        col(SlaClockRow.stopped_at).is_(None),
        col(SlaClockRow.paused_at).is_(None),
        col(SlaClockRow.breached_at).is_(None),
        col(SlaClockRow.due_at) > now,
        col(SlaClockRow.due_at) <= horizon,
    )


def _text_clause(text: str, searcher: Actor | None) -> Any:
    """`text` anywhere the searcher may read it: the number always, the description unless
    the complaint names them, the complainant's particulars only where they see them
    (tickets/access.py, said in SQL)."""
    number = contains(Ticket.number, text)
    description = contains(Ticket.description, text)
    particulars = or_(
        *(
            contains(column, text)
            for column in (Ticket.address, Ticket.caller_phone, Ticket.caller_name)
        )
    )
    if searcher is None:
        return or_(number, description, particulars)
    # named_staff is a JSON list, stored as its text on both databases.
    named = cast(col(Ticket.named_staff), String).contains(
        json.dumps(searcher.username), autoescape=True
    )
    unseen_complaint = access.TicketFacts(TicketType.COMPLAINT, None, None, None)
    reads_complaints = access.decide(
        searcher.staff, unseen_complaint, access.Use.SEE_COMPLAINANT
    ).allowed
    involved = or_(
        col(Ticket.assignee_id) == searcher.user_id, col(Ticket.created_by) == searcher.username
    )
    sees_complainant = or_(
        col(Ticket.type) != TicketType.COMPLAINT.value,
        and_(~named, true() if reads_complaints else involved),
    )
    return or_(number, and_(~named, description), and_(sees_complainant, particulars))


async def list_tickets(
    session: AsyncSession, rulebook: Rulebook, query: TicketFilter, now: datetime
) -> TicketPage:
    statement = select(Ticket)
    if query.type is not None:
        statement = statement.where(Ticket.type == query.type.value)
    if query.status:
        statement = statement.where(
            col(Ticket.status).in_([status.value for status in query.status])
        )
    if query.department is not None:
        department = _department(rulebook, query.department)
        statement = statement.where(Ticket.department_id == department.id)
    if query.assignee is not None:
        assignee = await _user_by_name(session, query.assignee, "assignee")
        statement = statement.where(Ticket.assignee_id == assignee.id)
    if query.area is not None:
        statement = statement.where(col(Ticket.area) == query.area)
    if query.overdue is not None:
        clause = _overdue_clause(now)
        statement = statement.where(clause if query.overdue else ~clause)
    if query.due_within is not None:
        statement = statement.where(_due_soon_clause(now, now + query.due_within))
    if query.text:
        statement = statement.where(_text_clause(query.text, query.searcher))
    statement = (
        statement.order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page + 1)
    )
    tickets = list((await session.exec(statement)).all())
    has_more = len(tickets) > query.per_page
    views = await load_views(session, rulebook, tickets[: query.per_page])
    return TicketPage(views, query.page, query.per_page, has_more)


async def load_views(
    session: AsyncSession, rulebook: Rulebook, tickets: list[Ticket]
) -> list[TicketView]:
    """A page of tickets in four queries, whatever its length: one per kind of row, not one
    per ticket (the list pages must stay fast over a million tickets)."""
    ids = [ticket.id for ticket in tickets if ticket.id is not None]
    if not ids:
        return []
    clocks: dict[int, list[SlaClockRow]] = {ticket_id: [] for ticket_id in ids}
    for row in (
        await session.exec(
            select(SlaClockRow)
            .where(col(SlaClockRow.ticket_id).in_(ids))
            .order_by(col(SlaClockRow.id))
        )
    ).all():
        clocks[row.ticket_id].append(row)
    assignee_ids = {t.assignee_id for t in tickets if t.assignee_id is not None}
    assignees = (
        {
            user.id: user
            for user in (
                await session.exec(select(User).where(col(User.id).in_(assignee_ids)))
            ).all()
        }
        if assignee_ids
        else {}
    )
    customer_ids = {t.customer_id for t in tickets if t.customer_id is not None}
    customers = (
        {
            customer.id: customer
            for customer in (
                await session.exec(select(Customer).where(col(Customer.id).in_(customer_ids)))
            ).all()
        }
        if customer_ids
        else {}
    )
    views = []
    for ticket in tickets:
        assert ticket.id is not None
        department = rulebook.department_by_id(ticket.department_id)
        if department is None:  # created since the rulebook was cached
            department = await session.get(Department, ticket.department_id)
        assert department is not None
        rows = clocks[ticket.id]
        views.append(
            TicketView(
                ticket,
                [clock_from_row(row) for row in rows],
                department,
                assignees.get(ticket.assignee_id) if ticket.assignee_id else None,
                customers.get(ticket.customer_id) if ticket.customer_id else None,
                clock_rows={ClockName(row.name): row for row in rows},
            )
        )
    return views


async def lock_ticket(session: AsyncSession, number: str) -> Ticket:
    """Take the ticket's write lock first (an UPDATE, so SQLite and PostgreSQL both serialise
    concurrent actions on one ticket), then read it."""
    locked = await (await session.connection()).execute(
        update(Ticket).where(col(Ticket.number) == number).values(number=Ticket.number)
    )
    if locked.rowcount == 0:
        raise NotFound(NO_SUCH_TICKET)
    ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
    await session.refresh(ticket)
    return ticket


@dataclass(frozen=True)
class ActionRequest:
    assignee: str | None = None
    department: str | None = None
    appointment: Appointment | None = None
    due_at: datetime | None = None
    reason: str | None = None
    note: str | None = None
    at: datetime | None = None
    agreed_via: str | None = None
    agreed_at: datetime | None = None
    resolution: workflow.Resolution | None = None
    special_reason: str | None = None


@dataclass(frozen=True)
class ActionResult:
    view: TicketView
    breaches: list[Escalation]
    # Warnings and breaches a fact entered at its own earlier time showed never happened.
    withdrawn: list[Escalation] = field(default_factory=list)


async def perform_action(
    session: AsyncSession,
    rulebook: Rulebook,
    actor: Actor,
    number: str,
    action: Action,
    request: ActionRequest,
    now: datetime,
    *,
    as_part_of: access.Deed | None = None,
) -> ActionResult:
    """`as_part_of`: the action is the consequence of another deed (an unhappy survey
    reopens its ticket), which is what the person must be allowed."""
    if actor.role not in workflow.ACTION_ROLES[action]:
        raise Forbidden(f"the {actor.role} role may not {action} tickets")
    at = request.at or now
    if at > now:
        raise Invalid(N_("the time lies in the future"), {"at": N_("lies in the future")})
    ticket = await lock_ticket(session, number)
    view = await _load_view(session, ticket, full=False)
    check_access(actor, view.facts(), as_part_of or action)
    if request.at is not None and at < _latest_event(view):
        raise Invalid(
            N_("the time lies before the ticket's previous event"),
            {"at": N_("before the previous event")},
        )
    new_assignee = (
        await _user_by_name(session, request.assignee, "assignee") if request.assignee else None
    )
    if new_assignee is not None:
        check_may_take_on(view.facts(), new_assignee)
    if request.department is not None:
        _department(rulebook, request.department)
    snapshot = view.snapshot()
    try:
        outcome = workflow.apply_action(
            snapshot,
            action,
            ActionInput(
                actor=actor.username,
                role=actor.role,
                at=at,
                assignee=new_assignee.username if new_assignee else None,
                department=request.department,
                appointment=request.appointment,
                due_at=request.due_at,
                reason=request.reason,
                note=request.note,
                agreed_via=request.agreed_via,
                agreed_at=request.agreed_at,
                resolution=request.resolution,
                special_reason=request.special_reason,
            ),
            rulebook.policies,
            rulebook.calendar,
            rulebook.timezone,
        )
        # Whoever fixes, from the card, the ticket page or the API, says what was done; asked
        # once the state allows the action (a fix not possible now is a 409, not a 422).
        field_work.check_report(action, request.note)
    except workflow.ActionForbidden as error:
        raise Forbidden(str(error)) from error
    except workflow.ActionNotAllowed as error:
        raise Conflict(error.message, [allowed.value for allowed in error.allowed]) from error
    except workflow.ActionInvalid as error:
        raise Invalid(error.message, {error.field: error.message}) from error

    before = {
        **_ticket_fields(ticket, view.department.code, snapshot.assignee),
        **_clock_fields(dict(snapshot.clocks)),
    }
    department = (
        _department(rulebook, outcome.department) if outcome.department else view.department
    )
    ticket.status = outcome.status.value
    ticket.department_id = department.id or ticket.department_id
    if outcome.assignee != snapshot.assignee:
        ticket.assignee_id = new_assignee.id if new_assignee else None
        view.assignee = new_assignee
        if new_assignee is not None:
            # The visits booked for the repair go with it to the new technician.
            await technician_time.follow_assignment(
                session, ticket, new_assignee, rulebook.timezone, now, actor.username
            )
    if action is Action.MARK_SPECIAL:
        ticket.special = True
        ticket.special_reason = request.special_reason
    if action is Action.REOPEN:
        ticket.reopened += 1
        ticket.resolution = ticket.resolution_reason = None
    if outcome.resolution is not None:
        ticket.resolution = outcome.resolution.value
        ticket.resolution_reason = (
            (request.reason or "").strip()
            if outcome.resolution is workflow.Resolution.NOT_ACCEPTED
            else None
        )
    if outcome.status is Status.WAITING_CUSTOMER:
        if action is Action.PAUSE:
            ticket.waiting_for = (request.reason or "").strip()
    else:
        ticket.waiting_for = None
    if outcome.appointment is not None:
        ticket.appointment_start = outcome.appointment.start
        ticket.appointment_end = outcome.appointment.end
    ticket.updated_at = now
    ticket.last_event_at = max(at, ticket.last_event_at or ticket.received_at)
    session.add(ticket)

    breaches, withdrawn = await _write_clocks(
        session, view, outcome.clocks, outcome.removed_clocks, now
    )
    after = {
        **_ticket_fields(ticket, department.code, outcome.assignee),
        **_clock_fields(dict(outcome.clocks)),
    }
    changed_before, changed_after = audit.changed_fields(before, after)
    note_parts = [part for part in (request.reason, request.note) if part]
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="ticket",
        key=ticket.number,
        action=action.value,
        before=changed_before,
        after={**changed_after, **({"event_at": at.isoformat()} if request.at else {})},
        note="\n".join(note_parts) or None,
    )
    await callbacks.create_for_action(session, ticket, action, at, now, rulebook.timezone)
    await session.flush()
    view.department = department
    return ActionResult(await _load_view(session, ticket, full=True), breaches, withdrawn)


async def withdraw_appointment(
    session: AsyncSession, number: str, next_window: Appointment | None, by: str, now: datetime
) -> None:
    """A visit cancelled: the ticket shows the next booked window or none, and its handle
    clock goes back to that window's end or to its own deadline."""
    ticket = await lock_ticket(session, number)
    view = await _load_view(session, ticket, full=False)
    clocks = {clock.name: clock for clock in view.clocks}
    before = {
        **_ticket_fields(ticket, view.department.code, None),
        **_clock_fields(clocks),
    }
    handle = clocks.get(ClockName.HANDLE)
    if handle is not None:
        clocks[ClockName.HANDLE] = sla.withdraw_appointment(
            handle, next_window.end if next_window else None
        )
    ticket.appointment_start = next_window.start if next_window else None
    ticket.appointment_end = next_window.end if next_window else None
    ticket.updated_at = now
    session.add(ticket)
    await _write_clocks(session, view, clocks, frozenset(), now)
    changed_before, changed_after = audit.changed_fields(
        before,
        {**_ticket_fields(ticket, view.department.code, None), **_clock_fields(clocks)},
    )
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="ticket",
        key=ticket.number,
        action="appointment_withdrawn",
        before=changed_before,
        after=changed_after,
    )


async def undo_fix(session: AsyncSession, number: str, by: str, now: datetime) -> TicketView:
    """A fix tapped by mistake taken back within minutes (tickets/field_work.py): the fix clock
    runs again and the callback the fix called for is withdrawn."""
    ticket = await lock_ticket(session, number)
    view = await _load_view(session, ticket, full=False)
    clocks = {clock.name: clock for clock in view.clocks}
    ticket_type = TicketType(ticket.type)
    fixed = field_work.fixed_at(ticket_type, clocks)
    try:
        after = field_work.undo_fix(ticket_type, clocks, now)
    except field_work.FixNotUndoable as error:
        raise Conflict(str(error), []) from error
    assert fixed is not None
    before = _clock_fields(clocks)
    ticket.updated_at = now
    session.add(ticket)
    await _write_clocks(session, view, after, frozenset(), now)
    await callbacks.withdraw_for_event(session, ticket, fixed)
    changed_before, changed_after = audit.changed_fields(before, _clock_fields(after))
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="ticket",
        key=ticket.number,
        action="fix_undone",
        before=changed_before,
        after=changed_after,
    )
    await session.flush()
    return await _load_view(session, ticket, full=True)


def _latest_event(view: TicketView) -> datetime:
    moments = [view.ticket.received_at, view.ticket.last_event_at or view.ticket.received_at]
    for clock in view.clocks:
        moments += [m for m in (clock.started_at, clock.stopped_at, clock.paused_at) if m]
    return max(moments)


async def _write_clocks(
    session: AsyncSession,
    view: TicketView,
    clocks: dict[ClockName, Clock] | Any,
    removed: frozenset[ClockName],
    now: datetime,
) -> tuple[list[Escalation], list[Escalation]]:
    """Persist the outcome's clocks. A clock stopped after its due time breached: if the
    sweeper had not yet recorded that, record it here, once. A warning or breach the clock
    no longer has (the fact's own time came before it) is withdrawn, and said so."""
    assert view.ticket.id is not None
    rows = dict(view.clock_rows)
    breaches: list[Escalation] = []
    withdrawn: list[Escalation] = []
    for name in removed:
        await session.delete(rows.pop(name))
    for name, clock in clocks.items():
        row = rows.get(name)
        if row is None:
            session.add(new_clock_row(view.ticket.id, clock))
            continue
        if row.started_at != clock.started_at:
            # A clock started again (feedback after a reopen): a new run of the same clock.
            write_clock(row, clock)
            session.add(row)
            continue
        newly_breached = row.breached_at is None and clock.breached_at is not None
        taken_back = [
            event
            for event, before, after in (
                (sla.DueEvent.WARNING, row.warned_at, clock.warned_at),
                (sla.DueEvent.BREACH, row.breached_at, clock.breached_at),
            )
            if before is not None and after is None
        ]
        write_clock(row, clock)
        session.add(row)
        if newly_breached:
            breaches.append(escalations.build(view, clock, sla.DueEvent.BREACH, now))
        if taken_back:
            withdrawn += await escalations.withdraw(
                session, view.ticket.id, clock, taken_back, clock.stopped_at, now, clock.paused_at
            )
    return await escalations.insert(session, breaches), withdrawn
