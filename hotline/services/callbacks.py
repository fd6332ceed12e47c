"""Follow-up callback tasks in the database: made when a ticket event calls for one (or for a
caller who joined an outage only by their call: a task with a number and no ticket), put on the
quality staff's worklist when their time comes, attempted, surveyed. The rules themselves are
pure (tickets/callbacks.py); this module keeps their state."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallbackAttempt,
    CallbackPolicyRow,
    CallbackTask,
    CallRow,
    Incident,
    Ticket,
    User,
)
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.access import check_access, check_may_take_on, facts_of
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.telephony.model import Disposition
from tickets import access
from tickets import callbacks as rules
from tickets.callbacks import CallbackKind, CallbackPolicy, Outcome, QuietHours, TaskStatus
from tickets.phones import PhoneError, normalise_phone
from tickets.types import TicketType
from tickets.workflow import CALLBACK_HOLDERS, Action, Role

OFFER_BATCH = 500


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def policy_from_row(row: CallbackPolicyRow) -> CallbackPolicy:
    return CallbackPolicy(
        delays={
            CallbackKind.COMPLAINT: timedelta(minutes=row.complaint_delay_minutes),
            CallbackKind.REPAIR: timedelta(minutes=row.repair_delay_minutes),
            CallbackKind.VISIT: timedelta(minutes=row.visit_delay_minutes),
            CallbackKind.CONSULTATION: timedelta(minutes=row.consultation_delay_minutes),
            # Gas back is a fix like a repair's: the outage follow-up waits as long.
            CallbackKind.OUTAGE: timedelta(minutes=row.repair_delay_minutes),
        },
        due_within=timedelta(hours=row.due_hours),
        quiet=QuietHours(_clock_time(row.quiet_start), _clock_time(row.quiet_end)),
        max_attempts=row.max_attempts,
        consultation_sample=row.consultation_sample_permille / 1000,
        automated_calls=row.automated_calls,
    )


async def load_policy(session: AsyncSession) -> CallbackPolicy:
    row = await session.get(CallbackPolicyRow, 1)
    return policy_from_row(row) if row is not None else CallbackPolicy()


async def create_for_action(
    session: AsyncSession,
    ticket: Ticket,
    action: Action,
    event_at: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> CallbackTask | None:
    """The callback `action` on `ticket` calls for, made once: recording the same event again
    finds the task already there."""
    policy = await load_policy(session)
    kind = rules.callback_for(TicketType(ticket.type), action, ticket.number, policy)
    if kind is None:
        return None
    assert ticket.id is not None
    existing = await session.exec(
        select(CallbackTask).where(
            col(CallbackTask.ticket_id) == ticket.id,
            col(CallbackTask.kind) == kind.value,
            col(CallbackTask.event_at) == event_at,
        )
    )
    found = existing.first()
    if found is not None:
        return found
    return await _new_task(session, ticket, kind, event_at, policy, now, tz)


async def _new_task(
    session: AsyncSession,
    ticket: Ticket | None,
    kind: CallbackKind,
    event_at: datetime,
    policy: CallbackPolicy,
    now: datetime,
    tz: ZoneInfo,
    incident_id: int | None = None,
    phone: str | None = None,
) -> CallbackTask:
    """A task for `ticket`'s caller, or (no ticket) for `phone`, an outage's caller."""
    planned = rules.schedule(kind, event_at, policy, tz)
    task = CallbackTask(
        ticket_id=ticket.id if ticket is not None else None,
        incident_id=incident_id,
        phone=phone,
        kind=kind.value,
        status=TaskStatus.PENDING.value,
        event_at=event_at,
        not_before=planned.not_before,
        due_by=planned.due_by,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor="system",
        entity="callback",
        key=str(task.id),
        action="create",
        after={
            "ticket": ticket.number if ticket is not None else None,
            "incident": incident_id,
            "phone": phone,
            "kind": kind.value,
            "not_before": planned.not_before.isoformat(),
            "due_by": planned.due_by.isoformat(),
        },
    )
    return task


@dataclass(frozen=True)
class TaskFilter:
    status: list[TaskStatus] | None = None
    due: bool | None = None  # True: its time has come; False: not yet
    ticket: str | None = None
    incident: int | None = None
    assignee: str | None = None
    unassigned: bool = False
    page: int = 1
    per_page: int = 50


@dataclass
class TaskView:
    task: CallbackTask
    # None for a caller who joined an outage only by their call.
    ticket: Ticket | None
    attempts: list[CallbackAttempt]
    assignee: User | None
    # The outage it follows up, if it does.
    incident: Incident | None = None

    @property
    def phone(self) -> str | None:
        """The number to call: the ticket's caller's, or the outage caller's."""
        return self.ticket.caller_phone if self.ticket is not None else self.task.phone

    def allows(self, actor: Actor, deed: access.Deed) -> bool:
        """Whether `actor` may do `deed` to the task's ticket (tickets/access.py). The ticket's
        assignee is not loaded with a task; holding a ticket only ever adds a right, so the
        decision without it is never the looser one."""
        return access.decide(actor.staff, _facts(self.ticket, None), deed).allowed


def _facts(ticket: Ticket | None, assignee: User | None) -> access.TicketFacts:
    return access.OUTAGE_CALLER if ticket is None else facts_of(ticket, assignee)


@dataclass(frozen=True)
class TaskPage:
    items: list[TaskView]
    page: int
    per_page: int
    has_more: bool


async def list_tasks(session: AsyncSession, query: TaskFilter, now: datetime) -> TaskPage:
    """Oldest due first: the worklist order."""
    statement = select(CallbackTask, Ticket).join(
        Ticket, col(Ticket.id) == col(CallbackTask.ticket_id), isouter=True
    )
    if query.status:
        statement = statement.where(
            col(CallbackTask.status).in_([status.value for status in query.status])
        )
    if query.due is not None:
        clause = col(CallbackTask.not_before) <= now
        statement = statement.where(clause if query.due else ~clause)
    if query.ticket:
        statement = statement.where(col(Ticket.number) == query.ticket)
    if query.incident is not None:
        statement = statement.where(col(CallbackTask.incident_id) == query.incident)
    if query.assignee:
        user = (
            await session.exec(select(User).where(col(User.username) == query.assignee))
        ).first()
        if user is None:
            raise Invalid(f"no user {query.assignee!r}", {"assignee": N_("no such user")})
        statement = statement.where(col(CallbackTask.assignee_id) == user.id)
    if query.unassigned:
        statement = statement.where(col(CallbackTask.assignee_id).is_(None))
    statement = (
        statement.order_by(col(CallbackTask.due_by), col(CallbackTask.id))
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page + 1)
    )
    rows = list((await session.exec(statement)).all())
    views = await _views(session, rows[: query.per_page])
    return TaskPage(views, query.page, query.per_page, len(rows) > query.per_page)


async def _views(
    session: AsyncSession, rows: Sequence[tuple[CallbackTask, Ticket | None]]
) -> list[TaskView]:
    ids = [task.id for task, _ in rows if task.id is not None]
    attempts: dict[int, list[CallbackAttempt]] = {task_id: [] for task_id in ids}
    if ids:
        found = await session.exec(
            select(CallbackAttempt)
            .where(col(CallbackAttempt.task_id).in_(ids))
            .order_by(col(CallbackAttempt.at), col(CallbackAttempt.id))
        )
        for attempt in found.all():
            attempts[attempt.task_id].append(attempt)
    assignee_ids = {task.assignee_id for task, _ in rows if task.assignee_id is not None}
    users: dict[int | None, User] = {}
    if assignee_ids:
        users = {
            user.id: user
            for user in (await session.exec(select(User).where(col(User.id).in_(assignee_ids))))
        }
    incident_ids = {task.incident_id for task, _ in rows if task.incident_id is not None}
    incidents: dict[int | None, Incident] = {}
    if incident_ids:
        found_incidents = await session.exec(
            select(Incident).where(col(Incident.id).in_(incident_ids))
        )
        incidents = {incident.id: incident for incident in found_incidents}
    return [
        TaskView(
            task,
            ticket,
            attempts.get(task.id or 0, []),
            users.get(task.assignee_id),
            incidents.get(task.incident_id),
        )
        for task, ticket in rows
    ]


async def get_task(session: AsyncSession, task_id: int, *, lock: bool = False) -> TaskView:
    statement = (
        select(CallbackTask, Ticket)
        .join(Ticket, col(Ticket.id) == col(CallbackTask.ticket_id), isouter=True)
        .where(col(CallbackTask.id) == task_id)
    )
    if lock:
        statement = statement.with_for_update(of=CallbackTask)
    row = (await session.exec(statement)).first()
    if row is None:
        raise NotFound(f"no callback task {task_id}")
    [view] = await _views(session, [row])
    return view


def _state(view: TaskView) -> rules.TaskState:
    return rules.TaskState(
        TaskStatus(view.task.status),
        view.task.not_before,
        tuple((attempt.at, Outcome(attempt.outcome)) for attempt in view.attempts),
    )


def _refused(error: rules.CallbackError) -> Exception:
    if error.field == "status":
        return Conflict(error.message)
    return Invalid(error.message, {error.field: error.message})


async def record_attempt(
    session: AsyncSession,
    task_id: int,
    outcome: Outcome,
    *,
    at: datetime,
    by: str,
    now: datetime,
    tz: ZoneInfo,
    note: str | None = None,
    call_linkedid: str | None = None,
    reason: str | None = None,
    actor: Actor | None = None,
) -> TaskView:
    """`actor`: the person recording it, when a person does."""
    if at > now:
        raise Invalid(N_("the attempt lies in the future"), {"at": N_("lies in the future")})
    view = await get_task(session, task_id, lock=True)
    if actor is not None:
        await _check_callback_access(session, actor, view)
    policy = await load_policy(session)
    try:
        after = rules.record_attempt(_state(view), outcome, at, policy, tz, reason)
    except rules.CallbackError as error:
        raise _refused(error) from error
    task = view.task
    attempt = CallbackAttempt(
        task_id=task_id,
        at=at,
        outcome=outcome.value,
        by=by,
        note=note,
        call_linkedid=call_linkedid,
        reason=(reason or "").strip() or None,
    )
    session.add(attempt)
    before = {"status": task.status, "not_before": task.not_before.isoformat()}
    task.status = after.status.value
    task.not_before = after.not_before
    task.attempts = len(after.attempts)
    task.dialling_since = None
    task.updated_at = now
    if after.status.finished:
        task.finished_at = now
    session.add(task)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="callback",
        key=str(task_id),
        action="attempt",
        before=before,
        after={
            "status": task.status,
            "not_before": task.not_before.isoformat(),
            "outcome": outcome.value,
            "at": at.isoformat(),
            "reason": attempt.reason,
        },
        note=note,
    )
    await session.flush()
    view.attempts.append(attempt)
    return view


async def record_survey(
    session: AsyncSession, task_id: int, survey: rules.Survey, *, actor: Actor, now: datetime
) -> TaskView:
    """The survey taken; `survey.unhappy` tells the caller to reopen the ticket."""
    by = actor.username
    view = await get_task(session, task_id, lock=True)
    await _check_callback_access(session, actor, view)
    try:
        rules.record_survey(_state(view), survey)
    except rules.CallbackError as error:
        raise _refused(error) from error
    task = view.task
    task.status = TaskStatus.DONE.value
    task.survey = survey_json(survey)
    task.survey_score = survey.score
    task.finished_at = now
    task.updated_at = now
    session.add(task)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="callback",
        key=str(task_id),
        action="survey",
        before={"status": TaskStatus.IN_PROGRESS.value},
        after={"status": task.status, **task.survey},
    )
    await session.flush()
    return view


async def _check_callback_access(
    session: AsyncSession, actor: Actor, view: TaskView
) -> access.TicketFacts:
    """Refuse a callback's work to whom tickets/access.py refuses it (staff named in the
    complaint, whatever their role); the ticket's facts, for further checks."""
    ticket = view.ticket
    assignee = None
    if ticket is not None and ticket.assignee_id is not None:
        assignee = await session.get(User, ticket.assignee_id)
    facts = _facts(ticket, assignee)
    check_access(actor, facts, access.Use.CALLBACK)
    return facts


# Who may hold a callback: the people who work the worklist.
HOLDERS = frozenset(role.value for role in CALLBACK_HOLDERS)


async def holders(session: AsyncSession) -> list[User]:
    """The people a callback can be handed to, by name."""
    found = await session.exec(
        select(User)
        .where(col(User.role).in_(HOLDERS), col(User.active))
        .order_by(col(User.display_name))
    )
    return list(found.all())


async def assign_task(
    session: AsyncSession, task_id: int, assignee: str | None, *, actor: Actor, now: datetime
) -> TaskView:
    """Give a task to a named quality staff member (or back to the pool). A held task is that
    person's to call: the automated survey leaves it alone. Quality staff take free tasks and
    hand back their own; supervisors and admins hand out any."""
    view = await get_task(session, task_id, lock=True)
    facts = await _check_callback_access(session, actor, view)
    task = view.task
    holder = view.assignee.username if view.assignee else None
    if actor.role == Role.QUALITY and (
        assignee not in (None, actor.username) or holder not in (None, actor.username)
    ):
        raise Forbidden("quality staff take free callbacks and hand back their own")
    if TaskStatus(task.status).finished:
        raise Conflict(f"callback {task_id} is {task.status}: there is nothing left to do")
    user = None
    if assignee is not None:
        user = (await session.exec(select(User).where(col(User.username) == assignee))).first()
        if user is None or not user.active or user.role not in HOLDERS:
            raise Invalid(
                N_("the callback was not assigned"),
                {"assignee": N_("not a quality staff member or supervisor")},
            )
        check_may_take_on(facts, user)
    task.assignee_id = user.id if user else None
    task.updated_at = now
    session.add(task)
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="callback",
        key=str(task_id),
        action="assign",
        before={"assignee": holder},
        after={"assignee": assignee},
    )
    await session.flush()
    view.assignee = user
    return view


def survey_json(survey: rules.Survey) -> dict[str, Any]:
    return {
        "score": survey.score,
        "resolved": survey.resolved,
        "on_time": survey.on_time,
        "courtesy": survey.courtesy,
        "comment": survey.comment,
    }


async def offer_due(session: AsyncSession, now: datetime) -> list[TaskView]:
    """Pending tasks whose time has come and that were not yet put forward for this attempt:
    marked offered in this transaction, at most OFFER_BATCH of them. A task offered before a
    failed attempt is offered again when its retry comes due."""
    statement = (
        select(CallbackTask, Ticket)
        .join(Ticket, col(Ticket.id) == col(CallbackTask.ticket_id), isouter=True)
        .where(
            col(CallbackTask.status) == TaskStatus.PENDING.value,
            col(CallbackTask.not_before) <= now,
            or_(
                col(CallbackTask.offered_at).is_(None),
                col(CallbackTask.offered_at) < col(CallbackTask.not_before),
            ),
        )
        .order_by(col(CallbackTask.not_before), col(CallbackTask.id))
        .limit(OFFER_BATCH)
        .with_for_update(of=CallbackTask, skip_locked=True)
    )
    rows = list((await session.exec(statement)).all())
    for task, _ticket in rows:
        task.offered_at = now
        session.add(task)
    await session.flush()
    return await _views(session, rows)


# How long a dialled survey call may go without any word of it in the call log.
DIAL_TIMEOUT = timedelta(minutes=5)
# The survey script records its own attempt as the call ends; give it time to.
SETTLE_GRACE = timedelta(seconds=30)
DIAL_BATCH = 20
_DIAL_OUTCOMES = {Disposition.BUSY.value: Outcome.BUSY}


async def claim_for_dialling(
    session: AsyncSession, now: datetime, tz: ZoneInfo, local_area_code: str
) -> list[TaskView]:
    """Tasks the automated survey may call now: pending, due, not being dialled, outside the
    quiet hours, not held by a person, and never a second call to a number already being
    called. The survey asks about a ticket: an outage caller without one is called by a
    person from the worklist. Marked as being
    dialled in this transaction. A number that cannot be dialled ends its task as
    `wrong_number` for a person to correct."""
    policy = await load_policy(session)
    if policy.quiet.holds(now.astimezone(tz).time().replace(tzinfo=None)):
        return []
    being_called = (
        select(Ticket.caller_phone)
        .join(CallbackTask, col(CallbackTask.ticket_id) == col(Ticket.id))
        .where(col(CallbackTask.dialling_since).is_not(None))
    )
    statement = (
        select(CallbackTask, Ticket)
        .join(Ticket, col(Ticket.id) == col(CallbackTask.ticket_id))
        .where(
            col(CallbackTask.status) == TaskStatus.PENDING.value,
            col(CallbackTask.not_before) <= now,
            col(CallbackTask.dialling_since).is_(None),
            col(CallbackTask.assignee_id).is_(None),
            col(Ticket.caller_phone).is_not(None),
            col(Ticket.caller_phone).not_in(being_called),
        )
        .order_by(col(CallbackTask.not_before), col(CallbackTask.id))
        .limit(DIAL_BATCH)
        .with_for_update(of=CallbackTask, skip_locked=True)
    )
    claimed: list[tuple[CallbackTask, Ticket]] = []
    numbers: set[str] = set()
    for task, ticket in (await session.exec(statement)).all():
        assert ticket is not None
        number = ticket.caller_phone or ""
        if number in numbers:
            continue
        try:
            normalise_phone(number, local_area_code)
        except PhoneError:
            assert task.id is not None
            await record_attempt(
                session,
                task.id,
                Outcome.WRONG_NUMBER,
                at=now,
                by="ivr",
                now=now,
                tz=tz,
                note="the number on the ticket cannot be dialled",
            )
            continue
        numbers.add(number)
        task.dialling_since = now
        # The Originate's ActionID, reserved before the call is placed: the survey script
        # accepts a call only for the dial it names, and an unguessable one.
        task.dial_action_id = f"survey-{secrets.token_urlsafe(18)}"
        session.add(task)
        claimed.append((task, ticket))
    await session.flush()
    return await _views(session, claimed)


async def being_dialled(session: AsyncSession, task_id: int, action_id: str) -> TaskView | None:
    """The task, when it is pending and being dialled now by the Originate `action_id`; None
    for any other task (never dialled, dialled by another call, already surveyed)."""
    view = await get_task(session, task_id)
    task = view.task
    if (
        task.status != TaskStatus.PENDING.value
        or task.dialling_since is None
        or task.dial_action_id is None
        or not hmac.compare_digest(task.dial_action_id, action_id)
    ):
        return None
    return view


async def settle_dials(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """Survey calls that ended without the survey recording anything (not answered, busy,
    failed, answered but cut off before it began, or never heard of): an attempt each, so the
    task is retried on another half-day or handed to a person. Returns how many."""
    statement = (
        select(CallbackTask, CallRow)
        .join(
            CallRow,
            col(CallRow.originate_action_id) == col(CallbackTask.dial_action_id),
            isouter=True,
        )
        .where(col(CallbackTask.dialling_since).is_not(None))
        .with_for_update(of=CallbackTask, skip_locked=True)
    )
    settled = 0
    for task, call in (await session.exec(statement)).all():
        assert task.id is not None and task.dialling_since is not None
        # The call log has held the call's end for a while (our clock, not the PBX's).
        ended = call is not None and call.ended_at is not None
        if call is not None and ended and call.updated_at <= now - SETTLE_GRACE:
            outcome = _DIAL_OUTCOMES.get(call.disposition or "", Outcome.NO_ANSWER)
            note = f"automated call: {call.disposition or 'ended'}"
        elif now - task.dialling_since > DIAL_TIMEOUT:
            outcome, note = Outcome.NO_ANSWER, "automated call: no word from the phone system"
        else:
            continue
        await record_attempt(
            session,
            task.id,
            outcome,
            at=now,
            by="ivr",
            now=now,
            tz=tz,
            note=note,
            call_linkedid=call.linkedid if call is not None else None,
        )
        settled += 1
    return settled


async def create_for_visit(
    session: AsyncSession, ticket: Ticket, done_at: datetime, now: datetime, tz: ZoneInfo
) -> CallbackTask | None:
    """A completed visit gets its callback, unless the customer already has one coming for
    this ticket (the repair's own, after its fix): one call covers both."""
    assert ticket.id is not None
    unfinished = await session.exec(
        select(CallbackTask.id).where(
            col(CallbackTask.ticket_id) == ticket.id,
            col(CallbackTask.status).in_([TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value]),
        )
    )
    if unfinished.first() is not None:
        return None
    policy = await load_policy(session)
    return await _new_task(session, ticket, CallbackKind.VISIT, done_at, policy, now, tz)


POLICY_FIELDS = {
    "complaint_delay_minutes": (0, 7 * 24 * 60),
    "repair_delay_minutes": (0, 7 * 24 * 60),
    "visit_delay_minutes": (0, 7 * 24 * 60),
    "consultation_delay_minutes": (0, 7 * 24 * 60),
    "due_hours": (1, 30 * 24),
    "max_attempts": (1, 10),
    "consultation_sample_permille": (0, 1000),
}


def _clock_text(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (
        len(value) == 5
        and hours.isdigit()
        and minutes.isdigit()
        and int(hours) < 24
        and int(minutes) < 60
    )


async def update_policy(
    session: AsyncSession,
    numbers: dict[str, int],
    quiet: tuple[str, str],
    automated_calls: bool,
    now: datetime,
    by: str,
) -> CallbackPolicyRow:
    """Change the callback policy; each number within its bounds, quiet hours as HH:MM.
    Tasks already made keep their times; new ones follow the new policy."""
    errors: dict[str, str] = {}
    for name, (low, high) in POLICY_FIELDS.items():
        if name not in numbers or not low <= numbers[name] <= high:
            errors[name] = N_("outside the allowed range")
    for name, value in zip(("quiet_start", "quiet_end"), quiet, strict=True):
        if not _clock_text(value):
            errors[name] = N_("a time of day, HH:MM")
    if errors:
        raise Invalid(N_("the callback policy was not saved"), errors)
    row = await session.get(CallbackPolicyRow, 1) or CallbackPolicyRow()
    before = row.model_dump()
    for name in POLICY_FIELDS:
        setattr(row, name, numbers[name])
    row.quiet_start, row.quiet_end = quiet
    row.automated_calls = automated_calls
    session.add(row)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="callback_policy",
        key="1",
        before=before,
        after=row.model_dump(),
    )
    return row


async def create_after_outage(
    session: AsyncSession,
    ticket: Ticket,
    incident_id: int,
    relit_at: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> CallbackTask | None:
    """A caller whose ticket joined an outage is called back about it once the outage is
    relit, once: the outage's callback already made, or one of the ticket's own still to make
    (its fix's), covers it — one call asks about both."""
    assert ticket.id is not None
    existing = await session.exec(
        select(CallbackTask.id).where(
            col(CallbackTask.ticket_id) == ticket.id,
            or_(
                col(CallbackTask.incident_id) == incident_id,
                col(CallbackTask.status).in_(
                    [TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value]
                ),
            ),
        )
    )
    if existing.first() is not None:
        return None
    policy = await load_policy(session)
    return await _new_task(
        session, ticket, CallbackKind.OUTAGE, relit_at, policy, now, tz, incident_id=incident_id
    )


async def create_for_outage_caller(
    session: AsyncSession,
    incident_id: int,
    phone: str,
    relit_at: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> CallbackTask | None:
    """A caller who joined the outage only by their call, called back at `phone` once it is
    relit; None when that number already has its callback for this outage."""
    existing = await session.exec(
        select(CallbackTask.id).where(
            col(CallbackTask.incident_id) == incident_id, col(CallbackTask.phone) == phone
        )
    )
    if existing.first() is not None:
        return None
    policy = await load_policy(session)
    return await _new_task(
        session, None, CallbackKind.OUTAGE, relit_at, policy, now, tz, incident_id, phone
    )


async def withdraw_for_event(session: AsyncSession, ticket: Ticket, event_at: datetime) -> int:
    """The callbacks an event called for, taken back with the event (a fix undone): only those
    nobody has tried yet. Returns how many."""
    assert ticket.id is not None
    found = await session.exec(
        select(CallbackTask).where(
            col(CallbackTask.ticket_id) == ticket.id,
            col(CallbackTask.event_at) == event_at,
            col(CallbackTask.status) == TaskStatus.PENDING.value,
            col(CallbackTask.attempts) == 0,
        )
    )
    tasks = list(found.all())
    for task in tasks:
        await session.delete(task)
    return len(tasks)
