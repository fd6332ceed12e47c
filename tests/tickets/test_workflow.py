"""The ticket workflow: who may take which action from which status, and what each action does
to status and clocks (tickets/workflow.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.sla import Clock, ClockName, ClockState, DueBasis, SlaPolicy, StartEvent
from tickets.types import TicketType
from tickets.workflow import (
    ACTION_ROLES,
    FROM_STATUSES,
    OPEN_STATUSES,
    TARGET_STATUS,
    Action,
    ActionForbidden,
    ActionInput,
    ActionInvalid,
    ActionNotAllowed,
    Appointment,
    Outcome,
    Resolution,
    Role,
    Status,
    TicketSnapshot,
    allowed_actions,
    apply_action,
    check_action,
    check_appointment,
    check_assignment,
)

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar()
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)  # a Friday morning
H = timedelta(hours=1)
M = timedelta(minutes=1)
SUBTYPE = {
    TicketType.CONSULTATION: None,
    TicketType.REPAIR: "indoor_equipment",
    TicketType.OUTAGE: "unplanned",
    TicketType.COMPLAINT: None,
}


def received_clocks(
    ticket_type: TicketType, subtype: str | None, special: bool = False, at: datetime = T0
) -> dict[ClockName, Clock]:
    policies = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, subtype, special, StartEvent.RECEIVED
    )
    return {p.clock: sla.start_clock(p, at, CALENDAR, TZ) for p in policies}


def new_ticket(
    ticket_type: TicketType,
    subtype: str | None = None,
    *,
    status: Status = Status.NEW,
    assignee: str | None = None,
    special: bool = False,
    clocks: dict[ClockName, Clock] | None = None,
    named_staff: frozenset[str] = frozenset(),
) -> TicketSnapshot:
    if subtype is None:
        subtype = SUBTYPE[ticket_type]
    return TicketSnapshot(
        type=ticket_type,
        subtype=subtype,
        status=status,
        assignee=assignee,
        special=special,
        clocks=received_clocks(ticket_type, subtype, special) if clocks is None else clocks,
        department="hotline",
        named_staff=named_staff,
    )


def run(
    ticket: TicketSnapshot,
    action: Action,
    role: Role = Role.SUPERVISOR,
    at: datetime = T0 + 10 * M,
    policies: tuple[SlaPolicy, ...] = sla.DEFAULT_POLICIES,
    **data: Any,
) -> Outcome:
    return apply_action(
        ticket,
        action,
        ActionInput(actor="someone", role=role, at=at, **data),
        policies,
        CALENDAR,
        TZ,
    )


def after(outcome: Outcome, ticket: TicketSnapshot) -> TicketSnapshot:
    return TicketSnapshot(
        type=ticket.type,
        subtype=ticket.subtype,
        status=outcome.status,
        assignee=outcome.assignee,
        special=ticket.special,
        clocks=outcome.clocks,
        department=outcome.department,
        named_staff=ticket.named_staff,
        appointment=outcome.appointment,
    )


def do(
    ticket: TicketSnapshot,
    action: Action,
    role: Role = Role.SUPERVISOR,
    at: datetime = T0 + 10 * M,
    **data: Any,
) -> TicketSnapshot:
    return after(run(ticket, action, role, at, **data), ticket)


# --- ticket variants for the tables --------------------------------------------------------------

FEEDBACK_POLICY = sla.select_policies(
    sla.DEFAULT_POLICIES, TicketType.REPAIR, None, False, StartEvent.RESOLVED
)[0]


def clock_variant(ticket_type: TicketType, variant: str) -> dict[ClockName, Clock]:
    """fresh: the receipt clocks running; worked: all of them stopped; awaiting_feedback:
    worked plus a running feedback clock; feedback_given: that one stopped too."""
    clocks = received_clocks(ticket_type, SUBTYPE[ticket_type])
    if variant == "fresh":
        return clocks
    clocks = {name: sla.stop(clock, T0 + 1 * H) for name, clock in clocks.items()}
    if variant == "worked":
        return clocks
    clocks[ClockName.FEEDBACK] = sla.start_clock(FEEDBACK_POLICY, T0 + 2 * H, CALENDAR, TZ)
    if variant == "feedback_given":
        clocks[ClockName.FEEDBACK] = sla.stop(clocks[ClockName.FEEDBACK], T0 + 3 * H)
    return clocks


VARIANTS = ["fresh", "worked", "awaiting_feedback", "feedback_given"]


def full_input(ticket: TicketSnapshot) -> dict[str, Any]:
    """Input good enough for any action that is allowed on `ticket`."""
    reply = ticket.clocks.get(ClockName.REPLY)
    return {
        "assignee": "tech",
        "reason": "客户需提供资料",
        "note": "已答复客户",
        "due_at": (reply.due_at if reply else T0) + timedelta(days=10),
        "agreed_via": "电话",
        "special_reason": "research",
    }


# --- the action table --------------------------------------------------------------------------


def test_the_tables_cover_every_action() -> None:
    assert set(FROM_STATUSES) == set(Action)
    assert set(ACTION_ROLES) == set(Action)
    assert set(TARGET_STATUS) <= set(Action)
    assert set(Status) - OPEN_STATUSES == {Status.RESOLVED, Status.CLOSED}


EVERYONE = set(Role)
MANAGERS = {Role.ADMIN, Role.SUPERVISOR}


@pytest.mark.parametrize(
    ("action", "roles"),
    [
        (Action.ASSIGN, MANAGERS | {Role.AGENT, Role.DISPATCHER}),
        (Action.START, EVERYONE),
        (Action.PAUSE, EVERYONE),
        (Action.RESUME, EVERYONE),
        (Action.REPLY, MANAGERS | {Role.AGENT, Role.QUALITY}),
        (Action.EXTEND, MANAGERS | {Role.QUALITY}),
        (Action.ARRIVE, MANAGERS | {Role.DISPATCHER, Role.TECHNICIAN}),
        (Action.FIX, MANAGERS | {Role.DISPATCHER, Role.TECHNICIAN}),
        (Action.RESOLVE, EVERYONE),
        (Action.FEEDBACK, MANAGERS | {Role.AGENT, Role.QUALITY}),
        (Action.CLOSE, MANAGERS | {Role.AGENT, Role.QUALITY}),
        (Action.REOPEN, MANAGERS | {Role.AGENT, Role.QUALITY}),
    ],
)
def test_who_may_take_each_action(action: Action, roles: set[Role]) -> None:
    assert ACTION_ROLES[action] == roles


@pytest.mark.parametrize("ticket_type", list(TicketType))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("role", list(Role))
def test_allowed_actions_and_check_action_agree_for_every_action(
    ticket_type: TicketType, status: Status, role: Role
) -> None:
    for variant in VARIANTS:
        for assignee in (None, "tech"):
            ticket = new_ticket(
                ticket_type,
                status=status,
                assignee=assignee,
                clocks=clock_variant(ticket_type, variant),
            )
            allowed = allowed_actions(ticket, role)
            assert allowed == [a for a in Action if a in allowed]  # in Action order
            for action in Action:
                if role not in ACTION_ROLES[action]:
                    assert action not in allowed
                    with pytest.raises(ActionForbidden):
                        check_action(ticket, action, role)
                elif action in allowed:
                    check_action(ticket, action, role)
                    assert status in FROM_STATUSES[action]
                else:
                    with pytest.raises(ActionNotAllowed) as refused:
                        check_action(ticket, action, role)
                    assert refused.value.allowed == allowed
                    assert refused.value.message.startswith(f"cannot {action}")


@pytest.mark.parametrize("ticket_type", list(TicketType))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_allowed_action_can_be_carried_out_and_lands_in_its_status(
    ticket_type: TicketType, status: Status, variant: str
) -> None:
    ticket = new_ticket(
        ticket_type, status=status, assignee="tech", clocks=clock_variant(ticket_type, variant)
    )
    for action in Action:
        if action not in allowed_actions(ticket, Role.SUPERVISOR):
            with pytest.raises(ActionNotAllowed):
                run(ticket, action, at=T0 + 3 * H, **full_input(ticket))
            continue
        # Within the shortest deadline (a consultation's 4 h): a consultation is found special
        # before it.
        outcome = run(ticket, action, at=T0 + 3 * H, **full_input(ticket))
        expected: Status
        if action is Action.ASSIGN:
            expected = Status.ASSIGNED if status is Status.NEW else status
        elif action is Action.REOPEN:
            expected = Status.ASSIGNED
        else:
            expected = TARGET_STATUS.get(action, status)
        assert outcome.status is expected, action


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_a_role_outside_action_roles_is_forbidden_whatever_the_state(
    action: Action, role: Role
) -> None:
    if role in ACTION_ROLES[action]:
        return
    for status in Status:
        ticket = new_ticket(TicketType.COMPLAINT, status=status, assignee="qa")
        with pytest.raises(ActionForbidden, match=f"{role}"):
            check_action(ticket, action, role)
        with pytest.raises(ActionForbidden):
            run(ticket, action, role, **full_input(ticket))


A = Action
ALLOWED_FOR_SUPERVISOR = {
    # (type, status, clocks) → what a supervisor may do on an assigned ticket
    (TicketType.CONSULTATION, Status.NEW, "fresh"): [A.ASSIGN, A.MARK_SPECIAL],
    (TicketType.REPAIR, Status.NEW, "fresh"): [A.ASSIGN],
    (TicketType.OUTAGE, Status.NEW, "fresh"): [A.ASSIGN],
    (TicketType.COMPLAINT, Status.NEW, "fresh"): [A.ASSIGN],
    (TicketType.CONSULTATION, Status.ASSIGNED, "fresh"): [
        A.ASSIGN,
        A.START,
        A.REPLY,
        A.MARK_SPECIAL,
    ],
    (TicketType.REPAIR, Status.ASSIGNED, "fresh"): [A.ASSIGN, A.START, A.ARRIVE],
    (TicketType.OUTAGE, Status.ASSIGNED, "fresh"): [A.ASSIGN, A.START, A.ARRIVE],
    (TicketType.COMPLAINT, Status.ASSIGNED, "fresh"): [A.ASSIGN, A.START, A.REPLY, A.EXTEND],
    (TicketType.CONSULTATION, Status.IN_PROGRESS, "fresh"): [
        A.ASSIGN,
        A.PAUSE,
        A.REPLY,
        A.RESOLVE,
        A.MARK_SPECIAL,
    ],
    (TicketType.REPAIR, Status.IN_PROGRESS, "fresh"): [A.ASSIGN, A.PAUSE, A.ARRIVE, A.FIX],
    (TicketType.OUTAGE, Status.IN_PROGRESS, "fresh"): [A.ASSIGN, A.ARRIVE, A.FIX],
    (TicketType.COMPLAINT, Status.IN_PROGRESS, "fresh"): [A.ASSIGN, A.PAUSE, A.REPLY, A.EXTEND],
    (TicketType.CONSULTATION, Status.WAITING_CUSTOMER, "fresh"): [
        A.ASSIGN,
        A.RESUME,
        A.REPLY,
        A.RESOLVE,
        A.MARK_SPECIAL,
    ],
    (TicketType.REPAIR, Status.WAITING_CUSTOMER, "fresh"): [A.ASSIGN, A.RESUME],
    (TicketType.COMPLAINT, Status.WAITING_CUSTOMER, "fresh"): [
        A.ASSIGN,
        A.RESUME,
        A.REPLY,
        A.EXTEND,
    ],
    (TicketType.REPAIR, Status.IN_PROGRESS, "worked"): [A.ASSIGN, A.PAUSE, A.RESOLVE],
    (TicketType.OUTAGE, Status.WAITING_CUSTOMER, "worked"): [A.ASSIGN, A.RESUME, A.RESOLVE],
    (TicketType.COMPLAINT, Status.IN_PROGRESS, "worked"): [
        A.ASSIGN,
        A.PAUSE,
        A.REPLY,
        A.RESOLVE,
    ],
    (TicketType.REPAIR, Status.RESOLVED, "awaiting_feedback"): [A.FEEDBACK, A.REOPEN],
    (TicketType.COMPLAINT, Status.RESOLVED, "feedback_given"): [A.CLOSE, A.REOPEN],
    (TicketType.CONSULTATION, Status.RESOLVED, "worked"): [A.CLOSE, A.REOPEN],
    (TicketType.REPAIR, Status.CLOSED, "feedback_given"): [A.REOPEN],
    (TicketType.OUTAGE, Status.CLOSED, "awaiting_feedback"): [A.FEEDBACK, A.REOPEN],
}


@pytest.mark.parametrize(("case", "expected"), list(ALLOWED_FOR_SUPERVISOR.items()))
def test_what_a_supervisor_may_do_in_each_state(
    case: tuple[TicketType, Status, str], expected: list[Action]
) -> None:
    ticket_type, status, variant = case
    ticket = new_ticket(
        ticket_type, status=status, assignee="tech", clocks=clock_variant(ticket_type, variant)
    )
    assert allowed_actions(ticket, Role.SUPERVISOR) == expected


def test_a_technician_never_replies_extends_assigns_or_closes() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="tech")
    assert allowed_actions(ticket, Role.TECHNICIAN) == [A.PAUSE, A.ARRIVE, A.FIX]
    complaint = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="tech")
    assert allowed_actions(complaint, Role.TECHNICIAN) == [A.PAUSE]


def test_an_unassigned_ticket_cannot_be_started() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.ASSIGNED)
    with pytest.raises(ActionNotAllowed, match="no assignee") as refused:
        check_action(ticket, Action.START, Role.DISPATCHER)
    assert refused.value.allowed == [A.ASSIGN, A.ARRIVE]


# --- happy paths -------------------------------------------------------------------------------


def test_consultation_from_call_to_closure() -> None:
    ticket = new_ticket(TicketType.CONSULTATION)
    ticket = do(ticket, A.ASSIGN, Role.AGENT, T0 + 1 * M, assignee="agent1")
    assert (ticket.status, ticket.assignee) == (Status.ASSIGNED, "agent1")
    ticket = do(ticket, A.START, Role.AGENT, T0 + 2 * M)
    assert ticket.status is Status.IN_PROGRESS
    ticket = do(ticket, A.PAUSE, Role.AGENT, T0 + 30 * M, reason="客户查找户号")
    assert ticket.status is Status.WAITING_CUSTOMER
    assert ticket.clocks[ClockName.REPLY].is_paused
    ticket = do(ticket, A.RESUME, Role.AGENT, T0 + 90 * M)
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.clocks[ClockName.REPLY].due_at == T0 + 5 * H  # 4 h plus an hour waiting
    ticket = do(ticket, A.REPLY, Role.AGENT, T0 + 2 * H, note="已解释阶梯气价")
    assert ticket.clocks[ClockName.REPLY].state(T0 + 2 * H) is ClockState.MET
    assert ticket.status is Status.IN_PROGRESS
    ticket = do(ticket, A.RESOLVE, Role.AGENT, T0 + 3 * H)
    assert ticket.status is Status.RESOLVED
    assert ticket.clocks[ClockName.FEEDBACK].due_at == datetime(2026, 11, 21, tzinfo=TZ)
    ticket = do(ticket, A.FEEDBACK, Role.AGENT, T0 + 4 * H)
    assert ticket.clocks[ClockName.FEEDBACK].state(T0 + 4 * H) is ClockState.MET
    ticket = do(ticket, A.CLOSE, Role.AGENT, T0 + 5 * H)
    assert ticket.status is Status.CLOSED
    reopened = do(ticket, A.REOPEN, Role.QUALITY, T0 + 6 * H)
    assert reopened.status is Status.ASSIGNED
    assert reopened.clocks[ClockName.FEEDBACK].is_stopped  # a given feedback stays on record


def test_special_consultation_has_a_day_to_reply() -> None:
    ticket = new_ticket(TicketType.CONSULTATION, special=True)
    assert ticket.clocks[ClockName.REPLY].due_at == T0 + 24 * H


def test_repair_from_call_to_closure() -> None:
    ticket = new_ticket(TicketType.REPAIR, "network_fault")
    ticket = do(ticket, A.ASSIGN, Role.DISPATCHER, T0 + 1 * M, assignee="tech", department="north")
    assert (ticket.status, ticket.department) == (Status.ASSIGNED, "north")
    ticket = do(ticket, A.START, Role.TECHNICIAN, T0 + 5 * M)
    with pytest.raises(ActionNotAllowed, match="fix must be recorded first"):
        do(ticket, A.RESOLVE, Role.TECHNICIAN, T0 + 6 * M)
    ticket = do(ticket, A.PAUSE, Role.TECHNICIAN, T0 + 1 * H, reason="客户不在家")
    assert ticket.status is Status.WAITING_CUSTOMER
    assert all(clock.is_paused for clock in ticket.clocks.values() if not clock.is_stopped)
    ticket = do(ticket, A.RESUME, Role.TECHNICIAN, T0 + 2 * H)
    assert ticket.clocks[ClockName.HANDLE].due_at == T0 + 7 * H
    assert ticket.clocks[ClockName.FIX].due_at == T0 + 25 * H
    ticket = do(ticket, A.ARRIVE, Role.TECHNICIAN, T0 + 3 * H)
    assert ticket.clocks[ClockName.HANDLE].state(T0 + 3 * H) is ClockState.MET
    assert not ticket.clocks[ClockName.FIX].is_stopped
    with pytest.raises(ActionNotAllowed, match="fix must be recorded first"):
        do(ticket, A.RESOLVE, Role.TECHNICIAN, T0 + 3 * H)
    ticket = do(ticket, A.FIX, Role.TECHNICIAN, T0 + 5 * H)
    assert ticket.clocks[ClockName.FIX].state(T0 + 5 * H) is ClockState.MET
    ticket = do(ticket, A.RESOLVE, Role.DISPATCHER, T0 + 6 * H)
    assert ticket.status is Status.RESOLVED
    with pytest.raises(ActionNotAllowed, match="feedback first"):
        do(ticket, A.CLOSE, Role.AGENT, T0 + 7 * H)
    ticket = do(ticket, A.FEEDBACK, Role.AGENT, T0 + 8 * H)
    assert do(ticket, A.CLOSE, Role.AGENT, T0 + 9 * H).status is Status.CLOSED


def test_a_fix_without_a_recorded_arrival_stops_both_clocks() -> None:
    ticket = new_ticket(TicketType.REPAIR, "gas_smell", status=Status.IN_PROGRESS, assignee="t")
    ticket = do(ticket, A.FIX, Role.TECHNICIAN, T0 + 20 * M)
    assert ticket.clocks[ClockName.HANDLE].state(T0 + 1 * H) is ClockState.MET
    assert ticket.clocks[ClockName.FIX].state(T0 + 1 * H) is ClockState.MET


def test_outage_from_report_to_closure() -> None:
    ticket = new_ticket(TicketType.OUTAGE, "unplanned")
    ticket = do(ticket, A.ASSIGN, Role.DISPATCHER, T0 + 1 * M, assignee="crew")
    ticket = do(ticket, A.ARRIVE, Role.TECHNICIAN, T0 + 2 * H)  # straight to in progress
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.clocks[ClockName.HANDLE].is_stopped
    with pytest.raises(ActionNotAllowed, match="restore must be recorded first"):
        do(ticket, A.RESOLVE, Role.TECHNICIAN, T0 + 3 * H)
    ticket = do(ticket, A.FIX, Role.TECHNICIAN, T0 + 26 * H)  # restored late
    assert ticket.clocks[ClockName.RESTORE].state(T0 + 27 * H) is ClockState.BREACHED
    assert ticket.clocks[ClockName.RESTORE].breached_at == T0 + 24 * H
    ticket = do(ticket, A.RESOLVE, Role.DISPATCHER, T0 + 27 * H)
    ticket = do(ticket, A.FEEDBACK, Role.QUALITY, T0 + 28 * H)
    assert do(ticket, A.CLOSE, Role.QUALITY, T0 + 29 * H).status is Status.CLOSED


def test_complaint_from_call_to_reopening() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, "service_attitude")
    ticket = do(ticket, A.ASSIGN, Role.SUPERVISOR, T0 + 1 * M, assignee="qa")
    ticket = do(ticket, A.START, Role.QUALITY, T0 + 2 * M)
    with pytest.raises(ActionNotAllowed, match="reply must be recorded first"):
        do(ticket, A.RESOLVE, Role.QUALITY, T0 + 3 * M)
    reply_due = ticket.clocks[ClockName.REPLY].due_at
    ticket = do(ticket, A.PAUSE, Role.QUALITY, T0 + 1 * H, reason="等待客户提供录音")
    assert ticket.clocks[ClockName.REPLY].due_at == reply_due  # working days do not pause
    ticket = do(ticket, A.RESUME, Role.QUALITY, T0 + 30 * H)
    assert ticket.clocks[ClockName.REPLY].due_at == reply_due
    ticket = do(ticket, A.REPLY, Role.QUALITY, T0 + 48 * H, note="已告知处理意见")
    ticket = do(ticket, A.RESOLVE, Role.QUALITY, T0 + 49 * H)
    ticket = do(ticket, A.FEEDBACK, Role.QUALITY, T0 + 50 * H)
    ticket = do(ticket, A.CLOSE, Role.QUALITY, T0 + 51 * H)
    ticket = do(ticket, A.REOPEN, Role.SUPERVISOR, T0 + 72 * H)
    assert ticket.status is Status.ASSIGNED
    ticket = do(ticket, A.START, Role.QUALITY, T0 + 73 * H)
    ticket = do(ticket, A.RESOLVE, Role.QUALITY, T0 + 74 * H)  # the reply is on record
    feedback = ticket.clocks[ClockName.FEEDBACK]
    assert feedback.started_at == T0 + 74 * H and not feedback.is_stopped  # a new run


def test_resolving_while_waiting_resumes_and_stops_the_reply_clock() -> None:
    ticket = new_ticket(TicketType.CONSULTATION, status=Status.IN_PROGRESS, assignee="a")
    ticket = do(ticket, A.PAUSE, Role.AGENT, T0 + 1 * H, reason="待客户回电")
    ticket = do(ticket, A.RESOLVE, Role.AGENT, T0 + 9 * H)
    reply = ticket.clocks[ClockName.REPLY]
    assert (reply.paused_at, reply.paused_seconds, reply.stopped_at) == (None, 8 * 3600, T0 + 9 * H)
    assert reply.state(T0 + 9 * H) is ClockState.MET


def test_feedback_clock_follows_the_local_day_of_resolution() -> None:
    ticket = new_ticket(TicketType.CONSULTATION, status=Status.IN_PROGRESS, assignee="a")
    late = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    feedback = do(ticket, A.RESOLVE, Role.AGENT, late).clocks[ClockName.FEEDBACK]
    assert feedback.due_at == datetime(2026, 11, 21, tzinfo=TZ)
    given_late = do(do(ticket, A.RESOLVE, Role.AGENT, late), A.FEEDBACK, Role.AGENT, late + 1 * H)
    assert given_late.clocks[ClockName.FEEDBACK].state(late + 2 * H) is ClockState.BREACHED


def test_close_needs_the_feedback_given() -> None:
    ticket = new_ticket(
        TicketType.REPAIR,
        status=Status.RESOLVED,
        assignee="t",
        clocks=clock_variant(TicketType.REPAIR, "awaiting_feedback"),
    )
    with pytest.raises(ActionNotAllowed, match="feedback first") as refused:
        run(ticket, A.CLOSE, Role.AGENT)
    assert refused.value.allowed == [A.FEEDBACK, A.REOPEN]
    ticket = do(ticket, A.FEEDBACK, Role.AGENT, T0 + 4 * H)
    assert run(ticket, A.CLOSE, Role.AGENT, T0 + 5 * H).status is Status.CLOSED


def test_without_a_feedback_policy_a_resolved_ticket_closes_at_once() -> None:
    no_feedback = tuple(p for p in sla.DEFAULT_POLICIES if p.clock is not ClockName.FEEDBACK)
    ticket = new_ticket(TicketType.CONSULTATION, status=Status.IN_PROGRESS, assignee="a")
    resolved = after(run(ticket, A.RESOLVE, Role.AGENT, policies=no_feedback), ticket)
    assert ClockName.FEEDBACK not in resolved.clocks
    assert do(resolved, A.CLOSE, Role.AGENT).status is Status.CLOSED


def test_feedback_cannot_be_given_twice() -> None:
    ticket = new_ticket(
        TicketType.REPAIR,
        status=Status.RESOLVED,
        assignee="t",
        clocks=clock_variant(TicketType.REPAIR, "feedback_given"),
    )
    with pytest.raises(ActionNotAllowed, match="already given"):
        run(ticket, A.FEEDBACK, Role.AGENT)


# --- reopen ------------------------------------------------------------------------------------


def test_reopen_drops_a_running_feedback_clock() -> None:
    ticket = new_ticket(
        TicketType.REPAIR,
        status=Status.RESOLVED,
        assignee="tech",
        clocks=clock_variant(TicketType.REPAIR, "awaiting_feedback"),
    )
    outcome = run(ticket, A.REOPEN, Role.AGENT)
    assert outcome.status is Status.ASSIGNED
    assert ClockName.FEEDBACK not in outcome.clocks
    assert outcome.removed_clocks == {ClockName.FEEDBACK}
    assert ClockName.FEEDBACK in ticket.clocks  # the snapshot itself is untouched


def test_reopen_keeps_a_given_feedback_and_removes_nothing() -> None:
    ticket = new_ticket(
        TicketType.REPAIR,
        status=Status.CLOSED,
        assignee="tech",
        clocks=clock_variant(TicketType.REPAIR, "feedback_given"),
    )
    outcome = run(ticket, A.REOPEN, Role.QUALITY)
    assert outcome.removed_clocks == frozenset()
    assert outcome.clocks[ClockName.FEEDBACK].is_stopped


def test_a_reopened_ticket_without_assignee_goes_back_to_new() -> None:
    ticket = new_ticket(
        TicketType.CONSULTATION,
        status=Status.RESOLVED,
        clocks=clock_variant(TicketType.CONSULTATION, "feedback_given"),
    )
    assert run(ticket, A.REOPEN, Role.AGENT).status is Status.NEW


# --- assignment and appointments ----------------------------------------------------------------


def test_assign_needs_an_assignee_or_a_department() -> None:
    with pytest.raises(ActionInvalid) as refused:
        run(new_ticket(TicketType.REPAIR), A.ASSIGN, Role.DISPATCHER)
    assert refused.value.field == "assignee"


def test_assigning_to_a_department_keeps_the_assignee() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="tech")
    outcome = run(ticket, A.ASSIGN, Role.DISPATCHER, department="south")
    assert (outcome.status, outcome.assignee, outcome.department) == (
        Status.IN_PROGRESS,
        "tech",
        "south",
    )


def test_assigning_a_new_ticket_to_a_department_alone_leaves_it_unstartable() -> None:
    ticket = do(new_ticket(TicketType.REPAIR), A.ASSIGN, Role.DISPATCHER, department="south")
    assert (ticket.status, ticket.assignee) == (Status.ASSIGNED, None)
    assert A.START not in allowed_actions(ticket, Role.DISPATCHER)


def test_staff_named_in_a_complaint_cannot_be_assigned_to_it() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, named_staff=frozenset({"wang", "li"}))
    for named in ("wang", "li"):
        with pytest.raises(ActionInvalid, match="named in a complaint") as refused:
            run(ticket, A.ASSIGN, assignee=named)
        assert refused.value.field == "assignee"
        with pytest.raises(ActionInvalid):
            check_assignment(ticket.type, ticket.named_staff, named)
    assert run(ticket, A.ASSIGN, assignee="zhao").assignee == "zhao"
    assert run(ticket, A.ASSIGN, department="quality").department == "quality"
    check_assignment(ticket.type, ticket.named_staff, None)


def test_the_named_staff_rule_applies_to_complaints_only() -> None:
    ticket = new_ticket(TicketType.REPAIR, named_staff=frozenset({"wang"}))
    assert run(ticket, A.ASSIGN, Role.DISPATCHER, assignee="wang").assignee == "wang"


def test_an_appointment_replaces_the_handle_clock_by_the_window_end() -> None:
    ticket = new_ticket(TicketType.REPAIR, "indoor_equipment")
    window = Appointment(
        T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2), customer_agreed=True
    )
    outcome = run(ticket, A.ASSIGN, Role.DISPATCHER, assignee="tech", appointment=window)
    handle = outcome.clocks[ClockName.HANDLE]
    assert handle.due_at == window.end
    assert handle.basis is DueBasis.APPOINTMENT
    assert handle.original_due_at == T0 + 30 * M
    assert outcome.clocks[ClockName.FIX] == ticket.clocks[ClockName.FIX]
    assert outcome.appointment == window


def test_a_new_appointment_while_waiting_reschedules_the_visit() -> None:
    first = Appointment(T0 + 2 * H, T0 + 4 * H, customer_agreed=True)
    ticket = do(new_ticket(TicketType.REPAIR), A.ASSIGN, assignee="t", appointment=first)
    ticket = do(ticket, A.START, Role.TECHNICIAN, T0 + 20 * M)
    ticket = do(ticket, A.PAUSE, Role.TECHNICIAN, T0 + 30 * M, reason="客户改约")
    second = Appointment(T0 + 24 * H, T0 + 26 * H, customer_agreed=True)
    ticket = do(ticket, A.ASSIGN, Role.DISPATCHER, T0 + 40 * M, assignee="t", appointment=second)
    assert ticket.status is Status.WAITING_CUSTOMER
    assert ticket.appointment == second
    assert ticket.clocks[ClockName.HANDLE].due_at == second.end
    assert not ticket.clocks[ClockName.HANDLE].is_paused


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "window", "message"),
    [
        (TicketType.REPAIR, "gas_smell", (1, 3), "emergency"),
        (TicketType.CONSULTATION, None, (1, 3), "only repairs"),
        (TicketType.COMPLAINT, None, (1, 3), "only repairs"),
        (TicketType.OUTAGE, "planned", (1, 3), "only repairs"),
        (TicketType.REPAIR, "indoor_equipment", (3, 1), "end after it starts"),
        (TicketType.REPAIR, "indoor_equipment", (3, 3), "end after it starts"),
        (TicketType.REPAIR, "indoor_equipment", (-5, -3), "past"),
        (TicketType.REPAIR, "network_fault", (1, 3), "customer's premises"),
        (TicketType.REPAIR, "indoor_equipment", (-1, 0), "past"),
    ],
)
def test_bad_appointments_are_refused(
    ticket_type: TicketType, subtype: str | None, window: tuple[int, int], message: str
) -> None:
    now = T0 + 10 * M
    appointment = Appointment(now + window[0] * H, now + window[1] * H, customer_agreed=True)
    with pytest.raises(ActionInvalid, match=message) as refused:
        run(
            new_ticket(ticket_type, subtype),
            A.ASSIGN,
            at=now,
            assignee="t",
            appointment=appointment,
        )
    assert refused.value.field == "appointment"
    with pytest.raises(ActionInvalid):
        check_appointment(ticket_type, subtype, appointment, now)


def test_an_appointment_window_already_begun_but_not_over_is_accepted() -> None:
    now = T0 + 10 * M
    check_appointment(
        TicketType.REPAIR,
        "indoor_equipment",
        Appointment(now - H, now + H, customer_agreed=True),
        now,
    )


def test_a_return_trip_after_the_first_arrival_is_booked_and_keeps_the_arrival() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    arrived = do(ticket, A.ARRIVE, Role.TECHNICIAN, T0 + 1 * H)
    return_trip = Appointment(T0 + 26 * H, T0 + 28 * H, customer_agreed=True)
    booked = do(arrived, A.ASSIGN, at=T0 + 2 * H, assignee="t", appointment=return_trip)
    assert booked.appointment == return_trip
    assert booked.clocks[ClockName.HANDLE] == arrived.clocks[ClockName.HANDLE]
    assert booked.clocks[ClockName.FIX] == arrived.clocks[ClockName.FIX]


# --- extension, pause and reply input -----------------------------------------------------------


def test_extending_a_complaint_sets_the_agreed_deadline_and_reason() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    original = ticket.clocks[ClockName.REPLY].due_at
    agreed = original + timedelta(days=10)
    outcome = run(
        ticket, A.EXTEND, Role.QUALITY, due_at=agreed, reason="需第三方检测", agreed_via="电话"
    )
    reply = outcome.clocks[ClockName.REPLY]
    assert (reply.due_at, reply.original_due_at) == (agreed, original)
    assert (reply.basis, reply.extension_reason) == (DueBasis.EXTENSION, "需第三方检测")
    assert outcome.status is Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "检测"}, "due_at"),
        ({"due_at": T0 + timedelta(days=30)}, "reason"),
        ({"due_at": T0 + timedelta(days=30), "reason": "  "}, "reason"),
        ({"due_at": T0 + timedelta(days=1), "reason": "检测"}, "due_at"),  # not later
    ],
)
def test_an_extension_needs_a_later_deadline_and_a_reason(data: dict[str, Any], field: str) -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    with pytest.raises(ActionInvalid) as refused:
        run(ticket, A.EXTEND, Role.QUALITY, **data, agreed_via="电话")
    assert refused.value.field == field


def test_an_extension_cannot_be_agreed_before_the_complaint_came_in() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    reply = ticket.clocks[ClockName.REPLY]
    with pytest.raises(ActionInvalid) as refused:
        run(
            ticket,
            A.EXTEND,
            Role.QUALITY,
            due_at=reply.due_at + timedelta(days=3),
            reason="检测",
            agreed_via="电话",
            agreed_at=reply.started_at - H,
        )
    assert refused.value.field == "agreed_at"


def test_an_extension_after_the_deadline_is_refused() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    due = ticket.clocks[ClockName.REPLY].due_at
    with pytest.raises(ActionInvalid, match="passed") as refused:
        run(
            ticket,
            A.EXTEND,
            Role.QUALITY,
            due + H,
            due_at=due + timedelta(days=5),
            reason="x",
            agreed_via="电话",
        )
    assert refused.value.field == "due_at"


def test_an_extension_after_the_reply_is_not_allowed() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    ticket = do(ticket, A.REPLY, Role.QUALITY, note="已答复")
    with pytest.raises(ActionNotAllowed, match="already had the reply"):
        run(
            ticket,
            A.EXTEND,
            Role.QUALITY,
            due_at=T0 + timedelta(days=30),
            reason="x",
            agreed_via="电话",
        )


@pytest.mark.parametrize("ticket_type", [TicketType.CONSULTATION, TicketType.REPAIR])
def test_only_complaints_are_extended(ticket_type: TicketType) -> None:
    ticket = new_ticket(ticket_type, status=Status.IN_PROGRESS, assignee="x")
    with pytest.raises(ActionNotAllowed, match=f"on a {ticket_type} ticket"):
        run(ticket, A.EXTEND, due_at=T0 + timedelta(days=30), reason="x", agreed_via="电话")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_pause_needs_a_reason(reason: str | None) -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    with pytest.raises(ActionInvalid) as refused:
        run(ticket, A.PAUSE, Role.TECHNICIAN, reason=reason)
    assert refused.value.field == "reason"


@pytest.mark.parametrize("note", [None, "", "  \n"])
def test_reply_needs_a_note(note: str | None) -> None:
    ticket = new_ticket(TicketType.CONSULTATION, status=Status.IN_PROGRESS, assignee="a")
    with pytest.raises(ActionInvalid) as refused:
        run(ticket, A.REPLY, Role.AGENT, note=note)
    assert refused.value.field == "note"


def test_resuming_before_the_pause_is_invalid() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    ticket = do(ticket, A.PAUSE, Role.TECHNICIAN, T0 + 2 * H, reason="x")
    with pytest.raises(ActionInvalid) as refused:
        run(ticket, A.RESUME, Role.TECHNICIAN, T0 + 1 * H)
    assert refused.value.field == "at"


def test_waiting_pauses_hour_clocks_only() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    booked = do(
        ticket,
        A.ASSIGN,
        Role.DISPATCHER,
        assignee="t",
        appointment=Appointment(T0 + 3 * H, T0 + 5 * H, customer_agreed=True),
    )
    paused = do(booked, A.PAUSE, Role.TECHNICIAN, T0 + 1 * H, reason="x")
    assert not paused.clocks[ClockName.HANDLE].is_paused  # an agreed window does not move
    assert paused.clocks[ClockName.FIX].is_paused


def test_a_refused_action_changes_nothing() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    clocks = dict(ticket.clocks)
    with pytest.raises(ActionInvalid):
        run(
            ticket,
            A.EXTEND,
            Role.QUALITY,
            due_at=T0 + timedelta(days=30),
            reason="",
            agreed_via="电话",
        )
    assert ticket.clocks == clocks and ticket.status is Status.IN_PROGRESS


def test_waiting_does_not_pause_a_clock_already_past_its_due_time() -> None:
    ticket = new_ticket(TicketType.REPAIR, "network_fault", status=Status.IN_PROGRESS, assignee="t")
    late = T0 + 6 * H + 1 * M  # handle due at T0 + 6 h, not yet swept; fix due at T0 + 24 h
    waiting = do(ticket, A.PAUSE, Role.TECHNICIAN, late, reason="客户不在家")
    assert waiting.status is Status.WAITING_CUSTOMER
    assert not waiting.clocks[ClockName.HANDLE].is_paused
    assert waiting.clocks[ClockName.FIX].is_paused
    back = do(waiting, A.RESUME, Role.TECHNICIAN, late + 3 * H)
    fixed = do(back, A.FIX, Role.TECHNICIAN, late + 4 * H)
    assert fixed.clocks[ClockName.HANDLE].state(late + 4 * H) is ClockState.BREACHED
    assert fixed.clocks[ClockName.HANDLE].breached_at == T0 + 6 * H
    assert fixed.clocks[ClockName.FIX].state(late + 4 * H) is ClockState.MET


@pytest.mark.parametrize(
    ("ticket_type", "subtype"),
    [(TicketType.REPAIR, "gas_smell"), (TicketType.OUTAGE, "unplanned")],
)
def test_a_gas_smell_or_an_outage_never_waits_for_the_customer(
    ticket_type: TicketType, subtype: str
) -> None:
    ticket = new_ticket(ticket_type, subtype, status=Status.IN_PROGRESS, assignee="t")
    with pytest.raises(ActionNotAllowed, match="never waits"):
        run(ticket, A.PAUSE, Role.TECHNICIAN, reason="客户不在家")
    assert A.PAUSE not in allowed_actions(ticket, Role.TECHNICIAN)


def test_a_reopened_repair_runs_a_fix_clock_again_and_needs_a_new_fix() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    ticket = do(ticket, A.FIX, Role.TECHNICIAN, T0 + 2 * H)
    ticket = do(ticket, A.RESOLVE, Role.TECHNICIAN, T0 + 3 * H)
    reopened = do(ticket, A.REOPEN, Role.QUALITY, T0 + 30 * H)
    fix = reopened.clocks[ClockName.FIX]
    assert (fix.started_at, fix.due_at, fix.is_stopped) == (T0 + 30 * H, T0 + 54 * H, False)
    assert reopened.clocks[ClockName.HANDLE] == ticket.clocks[ClockName.HANDLE]
    started = do(reopened, A.START, Role.TECHNICIAN, T0 + 31 * H)
    with pytest.raises(ActionNotAllowed, match="the fix must be recorded first"):
        run(started, A.RESOLVE, Role.TECHNICIAN, T0 + 32 * H)
    fixed = do(started, A.FIX, Role.TECHNICIAN, T0 + 33 * H)
    assert fixed.clocks[ClockName.FIX].state(T0 + 33 * H) is ClockState.MET


def test_same_day_feedback_runs_from_the_fix_not_from_the_resolve() -> None:
    ticket = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    fixed = do(ticket, A.FIX, Role.TECHNICIAN, T0 + 2 * H)  # Friday the 20th, 12:00
    resolved = do(fixed, A.RESOLVE, Role.TECHNICIAN, T0 + 50 * H)  # Sunday the 22nd
    feedback = resolved.clocks[ClockName.FEEDBACK]
    assert feedback.started_at == T0 + 2 * H
    assert feedback.due_at == datetime(2026, 11, 21, tzinfo=TZ)
    assert feedback.state(T0 + 50 * H) is ClockState.BREACHED


@pytest.mark.parametrize("ticket_type", [TicketType.CONSULTATION, TicketType.COMPLAINT])
def test_same_day_feedback_runs_from_the_reply(ticket_type: TicketType) -> None:
    ticket = new_ticket(ticket_type, status=Status.IN_PROGRESS, assignee="a")
    replied = do(ticket, A.REPLY, Role.SUPERVISOR, T0 + 1 * H, note="已答复")
    resolved = do(replied, A.RESOLVE, Role.SUPERVISOR, T0 + 30 * H)
    assert resolved.clocks[ClockName.FEEDBACK].started_at == T0 + 1 * H


def test_a_complaint_not_accepted_is_resolved_with_its_reason() -> None:
    ticket = new_ticket(TicketType.COMPLAINT, status=Status.IN_PROGRESS, assignee="qa")
    replied = do(ticket, A.REPLY, Role.QUALITY, note="已向投诉人解释：不属于本公司服务范围")
    with pytest.raises(ActionInvalid) as refused:
        run(replied, A.RESOLVE, Role.QUALITY, resolution=Resolution.NOT_ACCEPTED)
    assert refused.value.field == "reason"
    outcome = run(
        replied, A.RESOLVE, Role.QUALITY, resolution=Resolution.NOT_ACCEPTED, reason="非供气服务"
    )
    assert (outcome.status, outcome.resolution) == (Status.RESOLVED, Resolution.NOT_ACCEPTED)
    repair = new_ticket(TicketType.REPAIR, status=Status.IN_PROGRESS, assignee="t")
    fixed = do(repair, A.FIX, Role.TECHNICIAN)
    with pytest.raises(ActionInvalid) as refused:
        run(fixed, A.RESOLVE, resolution=Resolution.NOT_ACCEPTED, reason="x")
    assert refused.value.field == "resolution"


def test_a_supervisor_marks_a_consultation_special_with_a_reason_before_its_deadline() -> None:
    ticket = new_ticket(TicketType.CONSULTATION, status=Status.IN_PROGRESS, assignee="a")
    with pytest.raises(ActionForbidden):
        run(ticket, A.MARK_SPECIAL, Role.AGENT, special_reason="research")
    with pytest.raises(ActionInvalid) as refused:
        run(ticket, A.MARK_SPECIAL, Role.SUPERVISOR, T0 + 1 * H)
    assert refused.value.field == "special_reason"
    marked = run(ticket, A.MARK_SPECIAL, Role.SUPERVISOR, T0 + 1 * H, special_reason="research")
    assert marked.clocks[ClockName.REPLY].due_at == T0 + 24 * H
    # Too late: the missed 4 h deadline stays an ordinary consultation's breach, in its rate.
    with pytest.raises(ActionInvalid) as late:
        run(ticket, A.MARK_SPECIAL, Role.SUPERVISOR, T0 + 5 * H, special_reason="research")
    assert late.value.field == "special_reason"
