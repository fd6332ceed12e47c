from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.sla import ClockName, StartEvent
from tickets.types import TicketType
from tickets.workflow import (
    ACTION_ROLES,
    Action,
    ActionForbidden,
    ActionInput,
    ActionInvalid,
    ActionNotAllowed,
    Appointment,
    Role,
    Status,
    TicketSnapshot,
    allowed_actions,
    apply_action,
    check_action,
)

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
CALENDAR = BusinessCalendar()


def _ticket(
    ticket_type: TicketType, subtype: str | None = None, **fields: object
) -> TicketSnapshot:
    policies = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, subtype, False, StartEvent.RECEIVED
    )
    clocks = {p.clock: sla.start_clock(p, T0, CALENDAR, TZ) for p in policies}
    values: dict[str, object] = {
        "type": ticket_type,
        "subtype": subtype,
        "status": Status.NEW,
        "assignee": None,
        "special": False,
        "clocks": clocks,
    }
    values.update(fields)
    return TicketSnapshot(**values)  # type: ignore[arg-type]


def _do(
    ticket: TicketSnapshot,
    action: Action,
    role: Role = Role.SUPERVISOR,
    minutes: int = 10,
    **data: object,
) -> TicketSnapshot:
    outcome = apply_action(
        ticket,
        action,
        ActionInput(actor="u", role=role, at=T0 + timedelta(minutes=minutes), **data),  # type: ignore[arg-type]
        sla.DEFAULT_POLICIES,
        CALENDAR,
        TZ,
    )
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


@pytest.mark.parametrize("ticket_type", list(TicketType))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("role", list(Role))
def test_allowed_actions_and_check_action_agree(
    ticket_type: TicketType, status: Status, role: Role
) -> None:
    subtype = {"repair": "indoor_equipment", "outage": "planned"}.get(ticket_type.value)
    ticket = _ticket(ticket_type, subtype, status=status, assignee="tech")
    allowed = allowed_actions(ticket, role)
    for action in Action:
        if role not in ACTION_ROLES[action]:
            with pytest.raises(ActionForbidden):
                check_action(ticket, action, role)
        elif action in allowed:
            check_action(ticket, action, role)
        else:
            with pytest.raises(ActionNotAllowed) as refused:
                check_action(ticket, action, role)
            assert refused.value.allowed == allowed


def test_repair_happy_path_and_its_guards() -> None:
    ticket = _do(_ticket(TicketType.REPAIR, "network_fault"), Action.ASSIGN, assignee="tech")
    assert ticket.status is Status.ASSIGNED
    ticket = _do(ticket, Action.START, Role.TECHNICIAN)
    with pytest.raises(ActionNotAllowed):
        _do(ticket, Action.RESOLVE, Role.TECHNICIAN)
    ticket = _do(ticket, Action.PAUSE, Role.TECHNICIAN, reason="客户不在家")
    assert ticket.status is Status.WAITING_CUSTOMER
    assert ticket.clocks[ClockName.HANDLE].is_paused
    ticket = _do(ticket, Action.RESUME, Role.TECHNICIAN, minutes=70)
    assert ticket.clocks[ClockName.HANDLE].paused_seconds == 60 * 60
    ticket = _do(ticket, Action.ARRIVE, Role.TECHNICIAN, minutes=80)
    ticket = _do(ticket, Action.FIX, Role.TECHNICIAN, minutes=120)
    ticket = _do(ticket, Action.RESOLVE, Role.DISPATCHER, minutes=130)
    assert ClockName.FEEDBACK in ticket.clocks
    with pytest.raises(ActionNotAllowed):
        _do(ticket, Action.CLOSE, Role.AGENT, minutes=131)
    ticket = _do(ticket, Action.FEEDBACK, Role.AGENT, minutes=140, note="已回复")
    assert _do(ticket, Action.CLOSE, Role.AGENT, minutes=150).status is Status.CLOSED


def test_reopen_drops_a_running_feedback_clock() -> None:
    ticket = _do(_ticket(TicketType.CONSULTATION), Action.ASSIGN, assignee="agent")
    ticket = _do(ticket, Action.START, Role.AGENT)
    ticket = _do(ticket, Action.RESOLVE, Role.AGENT)
    assert ticket.clocks[ClockName.REPLY].is_stopped
    reopened = _do(ticket, Action.REOPEN, Role.AGENT)
    assert reopened.status is Status.ASSIGNED
    assert ClockName.FEEDBACK not in reopened.clocks


def test_complaint_needs_a_reply_before_resolution_and_keeps_named_staff_away() -> None:
    ticket = _ticket(TicketType.COMPLAINT, named_staff=frozenset({"tech"}))
    with pytest.raises(ActionInvalid) as refused:
        _do(ticket, Action.ASSIGN, assignee="tech")
    assert refused.value.field == "assignee"
    ticket = _do(_do(ticket, Action.ASSIGN, assignee="qa"), Action.START, Role.QUALITY)
    with pytest.raises(ActionNotAllowed):
        _do(ticket, Action.RESOLVE, Role.QUALITY)
    with pytest.raises(ActionInvalid):
        _do(ticket, Action.REPLY, Role.QUALITY)
    ticket = _do(ticket, Action.REPLY, Role.QUALITY, note="已告知处理意见")
    assert _do(ticket, Action.RESOLVE, Role.QUALITY).status is Status.RESOLVED


def test_extend_sets_the_agreed_deadline() -> None:
    ticket = _ticket(TicketType.COMPLAINT)
    agreed = T0 + timedelta(days=20)
    extended = _do(ticket, Action.EXTEND, Role.QUALITY, due_at=agreed, reason="需检测")
    assert extended.clocks[ClockName.REPLY].due_at == agreed
    with pytest.raises(ActionInvalid):
        _do(ticket, Action.EXTEND, Role.QUALITY, due_at=agreed)


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "window"),
    [
        (TicketType.REPAIR, "gas_smell", (1, 3)),
        (TicketType.CONSULTATION, None, (1, 3)),
        (TicketType.REPAIR, "indoor_equipment", (3, 1)),
        (TicketType.REPAIR, "indoor_equipment", (-5, -3)),
    ],
)
def test_bad_appointments_are_refused(
    ticket_type: TicketType, subtype: str | None, window: tuple[int, int]
) -> None:
    appointment = Appointment(T0 + timedelta(hours=window[0]), T0 + timedelta(hours=window[1]))
    with pytest.raises(ActionInvalid) as refused:
        _do(_ticket(ticket_type, subtype), Action.ASSIGN, assignee="tech", appointment=appointment)
    assert refused.value.field == "appointment"


def test_appointment_replaces_the_handle_clock() -> None:
    appointment = Appointment(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2))
    ticket = _do(
        _ticket(TicketType.REPAIR, "indoor_equipment"),
        Action.ASSIGN,
        assignee="tech",
        appointment=appointment,
    )
    assert ticket.clocks[ClockName.HANDLE].due_at == appointment.end
    assert ticket.appointment == appointment
