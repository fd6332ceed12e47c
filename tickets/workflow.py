"""The ticket workflow: which action may be taken in which state, by whom, and what it does to
the ticket's status and clocks.

new → assigned → in_progress ⇄ waiting_customer → resolved → closed, and reopen back to work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.sla import Clock, ClockName, SlaPolicy, StartEvent
from tickets.types import GAS_SMELL, TicketType
from tickets.wording import N_


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER}
)


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    QUALITY = "quality"


class Action(StrEnum):
    ASSIGN = "assign"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    REPLY = "reply"
    EXTEND = "extend"
    ARRIVE = "arrive"
    FIX = "fix"
    RESOLVE = "resolve"
    FEEDBACK = "feedback"
    CLOSE = "close"
    REOPEN = "reopen"
    # A supervisor finds a consultation needs another department or research: 24 h to reply.
    MARK_SPECIAL = "mark_special"


class Resolution(StrEnum):
    """How a ticket ended: settled, or — a complaint only — not accepted, the complainant told
    why and the matter explained (对不予受理的投诉请求，应告知投诉人并做好解释、疏导工作)."""

    SETTLED = "settled"
    NOT_ACCEPTED = "not_accepted"


_WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER)

# Status each action may start from. A missing "to" in TARGET_STATUS means the status stays.
FROM_STATUSES: dict[Action, frozenset[Status]] = {
    Action.ASSIGN: frozenset({Status.NEW, *_WORKING}),
    Action.START: frozenset({Status.ASSIGNED}),
    Action.PAUSE: frozenset({Status.IN_PROGRESS}),
    Action.RESUME: frozenset({Status.WAITING_CUSTOMER}),
    Action.REPLY: frozenset(_WORKING),
    # An extension is agreed by whoever handles the complaint: someone must have taken it.
    Action.EXTEND: frozenset(_WORKING),
    Action.ARRIVE: frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
    Action.FIX: frozenset({Status.IN_PROGRESS}),
    Action.RESOLVE: frozenset({Status.IN_PROGRESS, Status.WAITING_CUSTOMER}),
    Action.FEEDBACK: frozenset({Status.RESOLVED, Status.CLOSED}),
    Action.CLOSE: frozenset({Status.RESOLVED}),
    Action.REOPEN: frozenset({Status.RESOLVED, Status.CLOSED}),
    Action.MARK_SPECIAL: frozenset({Status.NEW, *_WORKING}),
}

TARGET_STATUS: dict[Action, Status] = {
    Action.START: Status.IN_PROGRESS,
    Action.PAUSE: Status.WAITING_CUSTOMER,
    Action.RESUME: Status.IN_PROGRESS,
    Action.ARRIVE: Status.IN_PROGRESS,
    Action.RESOLVE: Status.RESOLVED,
    Action.CLOSE: Status.CLOSED,
}

ACTION_TICKET_TYPES: dict[Action, frozenset[TicketType]] = {
    Action.REPLY: frozenset({TicketType.CONSULTATION, TicketType.COMPLAINT}),
    Action.EXTEND: frozenset({TicketType.COMPLAINT}),
    Action.MARK_SPECIAL: frozenset({TicketType.CONSULTATION}),
    Action.ARRIVE: frozenset({TicketType.REPAIR, TicketType.OUTAGE}),
    Action.FIX: frozenset({TicketType.REPAIR, TicketType.OUTAGE}),
}

_MANAGERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.ASSIGN: _MANAGERS | {Role.AGENT, Role.DISPATCHER},
    Action.START: _MANAGERS | {Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.QUALITY},
    Action.PAUSE: _MANAGERS | {Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.QUALITY},
    Action.RESUME: _MANAGERS | {Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.QUALITY},
    Action.REPLY: _MANAGERS | {Role.AGENT, Role.QUALITY},
    Action.EXTEND: _MANAGERS | {Role.QUALITY},
    Action.ARRIVE: _MANAGERS | {Role.DISPATCHER, Role.TECHNICIAN},
    Action.FIX: _MANAGERS | {Role.DISPATCHER, Role.TECHNICIAN},
    Action.RESOLVE: _MANAGERS | {Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.QUALITY},
    Action.FEEDBACK: _MANAGERS | {Role.AGENT, Role.QUALITY},
    Action.CLOSE: _MANAGERS | {Role.AGENT, Role.QUALITY},
    Action.REOPEN: _MANAGERS | {Role.AGENT, Role.QUALITY},
    Action.MARK_SPECIAL: _MANAGERS,
}

# Why a consultation is special (24 h instead of 4 h), chosen when it is marked.
SPECIAL_REASONS = frozenset({"other_department", "research"})

CREATE_ROLES = _MANAGERS | {Role.AGENT, Role.DISPATCHER, Role.QUALITY}
# Complaints are confidential: only these see the complainant's details, and whoever took or
# holds the complaint (tickets/access.py decides, with who is named in it).
COMPLAINT_READERS = _MANAGERS | {Role.QUALITY}

# Beyond tickets. What hotline runs on: departments, routing rules, SLA targets, the callback
# policy and the staff accounts.
ADMINS = frozenset({Role.ADMIN})
# Complaint deadlines count the business calendar's days, so supervisors may correct it too.
CALENDAR_EDITORS = _MANAGERS
# A file for a caller not on file is opened at the desk, while they are on the line.
FILE_OPENERS = _MANAGERS | {Role.AGENT}
# Queue calls ring agents: they step away from the queues and come back.
QUEUE_AGENTS = frozenset({Role.AGENT})
# Calls placed from the console (click-to-call); technicians call from the field.
CALLERS = frozenset(Role) - {Role.TECHNICIAN}
# Who uses which part of the console and the API beyond tickets: every route asks here.
EVERYONE = frozenset(Role)
MANAGERS = _MANAGERS
# The wallboard, and every call's progress: whoever runs the floor.
FLOOR_WATCHERS = _MANAGERS
SLA_WATCHERS = _MANAGERS | {Role.DISPATCHER, Role.QUALITY}
DISPATCHERS = _MANAGERS | {Role.DISPATCHER}
# Crews — who works which areas and hours — are set up and changed by whoever runs the floor.
CREW_ADMINS = _MANAGERS
# The dispatch board's field view: dispatchers and the technicians themselves.
FIELD_STAFF = DISPATCHERS | {Role.TECHNICIAN}
# Work done at the customer's or on the network, by a crew: what photos of the work go with.
FIELD_WORK = frozenset({TicketType.REPAIR, TicketType.OUTAGE})
TECHNICIANS = frozenset({Role.TECHNICIAN})
# Who works the follow-up callbacks, and who may hold one by name.
CALLBACK_STAFF = _MANAGERS | {Role.QUALITY}
CALLBACK_HOLDERS = frozenset({Role.QUALITY, Role.SUPERVISOR})
REPORT_READERS = _MANAGERS | {Role.QUALITY}
# Ring-backs (missed callers called back): the worklist, and who dials them.
RINGBACK_STAFF = _MANAGERS | {Role.AGENT, Role.DISPATCHER}
RINGBACK_WORKERS = _MANAGERS | {Role.AGENT}
# Repairs done at the customer's premises, the only work booked by appointment: a network
# fault is the utility's own, and its clock does not wait for anyone's convenience.
AT_PREMISES = frozenset({"indoor_equipment"})

# The clock an action completes, per ticket type.
_ARRIVAL_CLOCK = ClockName.HANDLE
_FIX_CLOCKS = {TicketType.REPAIR: ClockName.FIX, TicketType.OUTAGE: ClockName.RESTORE}
# What must be done before a ticket of this type may be resolved.
_RESOLVE_NEEDS: dict[TicketType, ClockName] = {
    TicketType.REPAIR: ClockName.FIX,
    TicketType.OUTAGE: ClockName.RESTORE,
    TicketType.COMPLAINT: ClockName.REPLY,
}


@dataclass(frozen=True)
class Appointment:
    start: datetime
    end: datetime
    # A window moves a clock only when the customer agreed to it (除和用户另有约定外).
    customer_agreed: bool = False


@dataclass(frozen=True)
class TicketSnapshot:
    """What the rules need to know of a ticket."""

    type: TicketType
    subtype: str | None
    status: Status
    assignee: str | None
    special: bool
    clocks: Mapping[ClockName, Clock]
    department: str | None = None
    named_staff: frozenset[str] = frozenset()
    appointment: Appointment | None = None


@dataclass(frozen=True)
class ActionInput:
    actor: str
    role: Role
    at: datetime
    assignee: str | None = None
    department: str | None = None
    appointment: Appointment | None = None
    due_at: datetime | None = None
    reason: str | None = None
    note: str | None = None
    # How and when the customer agreed (an extension); when: at the action unless said.
    agreed_via: str | None = None
    agreed_at: datetime | None = None
    resolution: Resolution | None = None
    special_reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: Status
    clocks: Mapping[ClockName, Clock]
    assignee: str | None
    department: str | None
    appointment: Appointment | None
    removed_clocks: frozenset[ClockName] = field(default_factory=frozenset)
    # Set by a resolve (how it ended) and cleared by a reopen; None: unchanged.
    resolution: Resolution | None = None


class ActionNotAllowed(Exception):
    """The action cannot be taken now; `allowed` lists what can."""

    def __init__(self, message: str, allowed: Sequence[Action]) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed)


class ActionForbidden(Exception):
    """The role may never take this action."""


class ActionInvalid(ValueError):
    """The action's input breaks a rule; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _blocker(ticket: TicketSnapshot, action: Action) -> str | None:
    """Why `action` cannot be taken on this ticket now, ignoring roles; None if it can."""
    if ticket.status not in FROM_STATUSES[action]:
        return f"not possible while the ticket is {ticket.status}"
    types = ACTION_TICKET_TYPES.get(action)
    if types is not None and ticket.type not in types:
        return f"not possible on a {ticket.type} ticket"
    clocks = ticket.clocks
    if action is Action.START and ticket.assignee is None:
        return "the ticket has no assignee"
    if action is Action.MARK_SPECIAL:
        reply = clocks.get(ClockName.REPLY)
        if ticket.special:
            return "the consultation is special already"
        if reply is None or reply.is_stopped:
            return "the caller has already had the reply"
        if reply.breached_at is not None:
            return "the reply deadline has passed"
    if action is Action.PAUSE and not may_wait(ticket.type, ticket.subtype):
        return "a gas smell or an outage never waits for the customer"
    if action is Action.EXTEND:
        reply = clocks.get(ClockName.REPLY)
        if reply is None or reply.is_stopped:
            return "the complainant has already had the reply"
    if action is Action.ARRIVE:
        handle = clocks.get(_ARRIVAL_CLOCK)
        if handle is None or handle.is_stopped:
            return "arrival is already recorded"
    if action is Action.FIX:
        fix = clocks.get(_FIX_CLOCKS[ticket.type])
        if fix is None or fix.is_stopped:
            return "the fix is already recorded"
    if action is Action.RESOLVE:
        needed = _RESOLVE_NEEDS.get(ticket.type)
        done = needed is None or (needed in clocks and clocks[needed].is_stopped)
        if not done:
            return f"the {needed} must be recorded first"
    if action is Action.FEEDBACK:
        feedback = clocks.get(ClockName.FEEDBACK)
        if feedback is None or feedback.is_stopped:
            return "feedback is already given"
    if action is Action.CLOSE:
        feedback = clocks.get(ClockName.FEEDBACK)
        if feedback is not None and not feedback.is_stopped:
            return "the caller must get feedback first"
    return None


def check_special_reason(reason: str | None) -> None:
    if not reason:
        raise ActionInvalid("special_reason", N_("say why the consultation is special"))
    if reason not in SPECIAL_REASONS:
        raise ActionInvalid("special_reason", N_("not a reason for a special consultation"))


def may_wait(ticket_type: TicketType, subtype: str | None) -> bool:
    """Safety work is never put on hold: a gas smell and an outage run their clocks whatever
    the customer does."""
    return ticket_type is not TicketType.OUTAGE and subtype != GAS_SMELL


def allowed_actions(ticket: TicketSnapshot, role: Role) -> list[Action]:
    return [
        action
        for action in Action
        if role in ACTION_ROLES[action] and _blocker(ticket, action) is None
    ]


def check_action(ticket: TicketSnapshot, action: Action, role: Role) -> None:
    if role not in ACTION_ROLES[action]:
        raise ActionForbidden(f"the {role} role may not {action} tickets")
    reason = _blocker(ticket, action)
    if reason is not None:
        raise ActionNotAllowed(f"cannot {action}: {reason}", allowed_actions(ticket, role))


def _map_clocks(
    clocks: Mapping[ClockName, Clock], change: Callable[[Clock], Clock]
) -> dict[ClockName, Clock]:
    return {name: change(clock) for name, clock in clocks.items()}


def _stop(clocks: dict[ClockName, Clock], name: ClockName, at: datetime) -> None:
    if name in clocks:
        clocks[name] = sla.stop(clocks[name], at)


def check_assignment(
    ticket_type: TicketType, named_staff: Collection[str], assignee: str | None
) -> None:
    """Staff named in a complaint cannot handle it (回避)."""
    if ticket_type is TicketType.COMPLAINT and assignee in named_staff:
        raise ActionInvalid("assignee", N_("staff named in a complaint cannot be assigned to it"))


def check_appointment(
    ticket_type: TicketType, subtype: str | None, appointment: Appointment, now: datetime
) -> None:
    if ticket_type is not TicketType.REPAIR:
        raise ActionInvalid("appointment", N_("only repairs are booked by appointment"))
    if subtype == GAS_SMELL:
        raise ActionInvalid("appointment", N_("a gas smell is an emergency and is not deferred"))
    if subtype not in AT_PREMISES:
        raise ActionInvalid(
            "appointment", N_("only work at the customer's premises is booked by appointment")
        )
    if not appointment.customer_agreed:
        raise ActionInvalid("customer_agreed", N_("the customer must agree to the appointment"))
    if appointment.end <= appointment.start:
        raise ActionInvalid("appointment", N_("the appointment window must end after it starts"))
    if appointment.end <= now:
        raise ActionInvalid("appointment", N_("the appointment window lies in the past"))


def _policy(
    policies: Sequence[SlaPolicy], ticket: TicketSnapshot, name: ClockName
) -> SlaPolicy | None:
    """The policy the ticket's clock `name` runs by."""
    for policy in sla.select_policies(
        policies, ticket.type, ticket.subtype, ticket.special, StartEvent.RECEIVED
    ):
        if policy.clock is name:
            return policy
    return None


def result_time(
    ticket_type: TicketType, clocks: Mapping[ClockName, Clock], resolved_at: datetime
) -> datetime:
    """When the result the caller is told about existed: the fix (or restoration) of a repair
    or an outage, the reply to a consultation or a complaint — not when someone got round to
    resolving the ticket. Same-day feedback runs from then. A result the caller already had
    feedback on (a reopened ticket resolved again on the same reply) is no new result: the
    new feedback runs from the resolve."""
    needed = _FIX_CLOCKS.get(ticket_type, ClockName.REPLY)
    done = clocks.get(needed)
    earlier = clocks.get(ClockName.FEEDBACK)
    if done is None or done.stopped_at is None:
        return resolved_at
    if earlier is not None and done.stopped_at <= earlier.started_at:
        return resolved_at
    return min(done.stopped_at, resolved_at)


def apply_action(
    ticket: TicketSnapshot,
    action: Action,
    data: ActionInput,
    policies: Sequence[SlaPolicy],
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> Outcome:
    """Check and carry out one action; raises instead of returning a partial change."""
    check_action(ticket, action, data.role)
    at = data.at
    clocks = dict(ticket.clocks)
    status = TARGET_STATUS.get(action, ticket.status)
    assignee = ticket.assignee
    department = ticket.department
    appointment = ticket.appointment
    removed: set[ClockName] = set()
    resolution: Resolution | None = None

    try:
        if action is Action.ASSIGN:
            if data.assignee is None and data.department is None:
                raise ActionInvalid("assignee", N_("name an assignee or a department"))
            check_assignment(ticket.type, ticket.named_staff, data.assignee)
            assignee = data.assignee if data.assignee is not None else ticket.assignee
            if assignee is not None:
                _stop(clocks, ClockName.TAKE_UP, at)
            department = data.department if data.department is not None else ticket.department
            if ticket.status is Status.NEW:
                status = Status.ASSIGNED
            if data.appointment is not None:
                check_appointment(ticket.type, ticket.subtype, data.appointment, at)
                appointment = data.appointment
                handle = clocks.get(ClockName.HANDLE)
                # After the first arrival a visit is a return trip (parts, a second crew): it
                # is booked and held to the 2 h notice rule, the arrival stays as recorded.
                if handle is not None and not handle.is_stopped:
                    clocks[ClockName.HANDLE] = sla.appoint(
                        clocks[ClockName.HANDLE], data.appointment.end, at
                    )
        elif action is Action.PAUSE:
            if not (data.reason or "").strip():
                raise ActionInvalid("reason", N_("say what the customer is to provide"))
            clocks = _map_clocks(clocks, lambda clock: sla.pause(clock, at))
        elif action is Action.RESUME:
            clocks = _map_clocks(clocks, lambda clock: sla.resume(clock, at))
        elif action is Action.REPLY:
            if not (data.note or "").strip():
                raise ActionInvalid("note", N_("write what the customer was told"))
            _stop(clocks, ClockName.REPLY, at)
        elif action is Action.EXTEND:
            if data.due_at is None:
                raise ActionInvalid("due_at", N_("give the deadline agreed with the complainant"))
            if not (data.reason or "").strip():
                raise ActionInvalid("reason", N_("give the reason for the extension"))
            if not (data.agreed_via or "").strip():
                raise ActionInvalid("agreed_via", N_("say how the complainant agreed"))
            agreed_at = data.agreed_at or at
            if agreed_at > at:
                raise ActionInvalid("agreed_at", N_("the agreement lies in the future"))
            reply = clocks[ClockName.REPLY]
            if agreed_at < reply.started_at:
                raise ActionInvalid(
                    "agreed_at", N_("the agreement lies before the complaint came in")
                )
            policy = _policy(policies, ticket, ClockName.REPLY)
            if policy is not None:
                refusal = sla.extension_refusal(reply, data.due_at, policy, calendar, tz)
                if refusal is not None:
                    raise ActionInvalid("due_at", refusal)
            clocks[ClockName.REPLY] = sla.extend(
                reply,
                data.due_at,
                data.reason or "",
                at,
                agreed_via=(data.agreed_via or "").strip(),
                agreed_at=agreed_at,
            )
        elif action is Action.ARRIVE:
            _stop(clocks, _ARRIVAL_CLOCK, at)
        elif action is Action.FIX:
            _stop(clocks, _ARRIVAL_CLOCK, at)
            _stop(clocks, _FIX_CLOCKS[ticket.type], at)
        elif action is Action.RESOLVE:
            resolution = data.resolution or Resolution.SETTLED
            if resolution is Resolution.NOT_ACCEPTED:
                if ticket.type is not TicketType.COMPLAINT:
                    raise ActionInvalid("resolution", N_("only a complaint is not accepted"))
                if not (data.reason or "").strip():
                    raise ActionInvalid("reason", N_("say why the complaint is not accepted"))
            clocks = _map_clocks(clocks, lambda clock: sla.resume(clock, at))
            _stop(clocks, ClockName.REPLY, at)
            result_at = result_time(ticket.type, clocks, at)
            for policy in sla.select_policies(
                policies, ticket.type, ticket.subtype, ticket.special, StartEvent.RESOLVED
            ):
                clocks[policy.clock] = sla.start_clock(policy, result_at, calendar, tz)
        elif action is Action.MARK_SPECIAL:
            check_special_reason(data.special_reason)
            special = _policy(policies, replace(ticket, special=True), ClockName.REPLY)
            reply = clocks[ClockName.REPLY]
            # Found special too late: it stays an ordinary consultation that missed its
            # deadline, counted as such — marking it would move the breach out of the rate.
            if reply.breached_at is not None or at >= reply.due_at:
                raise ActionInvalid(
                    "special_reason",
                    N_("the reply deadline has passed: a consultation is found special before it"),
                )
            if special is not None:
                longer, _ = sla.policy_due(special, reply.started_at, calendar, tz)
                clocks[ClockName.REPLY] = sla.retarget(reply, longer)
        elif action is Action.FEEDBACK:
            _stop(clocks, ClockName.FEEDBACK, at)
        elif action is Action.REOPEN:
            status = Status.ASSIGNED if assignee is not None else Status.NEW
            feedback = clocks.get(ClockName.FEEDBACK)
            if feedback is not None and not feedback.is_stopped:
                del clocks[ClockName.FEEDBACK]
                removed.add(ClockName.FEEDBACK)
            # A repair (or a restoration) reopened is not done: its fix clock runs again from
            # the reopening, and the ticket cannot be resolved before a new fix.
            fix_clock = _FIX_CLOCKS.get(ticket.type)
            fix_policy = _policy(policies, ticket, fix_clock) if fix_clock else None
            if fix_policy is not None:
                clocks[fix_policy.clock] = sla.start_clock(fix_policy, at, calendar, tz)
    except sla.ClockError as error:
        raise ActionInvalid(_clock_error_field(action), str(error)) from error

    return Outcome(
        status=status,
        clocks=clocks,
        assignee=assignee,
        department=department,
        appointment=appointment,
        removed_clocks=frozenset(removed),
        resolution=resolution,
    )


def _clock_error_field(action: Action) -> str:
    return {Action.EXTEND: "due_at", Action.ASSIGN: "appointment"}.get(action, "at")
