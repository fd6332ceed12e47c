from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.sla import ClockName, ClockState, DueEvent, StartEvent, TargetKind
from tickets.types import TicketType

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar()


def _start(ticket_type: TicketType, subtype: str | None, at: datetime, special: bool = False):
    policies = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, subtype, special, StartEvent.RECEIVED
    )
    return {p.clock: sla.start_clock(p, at, CALENDAR, TZ) for p in policies}


RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "special", "expected"),
    [
        (TicketType.CONSULTATION, None, False, {ClockName.REPLY: timedelta(hours=4)}),
        (TicketType.CONSULTATION, None, True, {ClockName.REPLY: timedelta(hours=24)}),
        (
            TicketType.REPAIR,
            "indoor_equipment",
            False,
            {ClockName.HANDLE: timedelta(hours=6), ClockName.FIX: timedelta(hours=24)},
        ),
        (
            TicketType.REPAIR,
            "gas_smell",
            False,
            {ClockName.HANDLE: timedelta(minutes=30), ClockName.FIX: timedelta(hours=24)},
        ),
        (
            TicketType.OUTAGE,
            "unplanned",
            False,
            {ClockName.HANDLE: timedelta(hours=6), ClockName.RESTORE: timedelta(hours=24)},
        ),
    ],
)
def test_hour_clocks_follow_the_default_policies(
    ticket_type: TicketType,
    subtype: str | None,
    special: bool,
    expected: dict[ClockName, timedelta],
) -> None:
    clocks = _start(ticket_type, subtype, RECEIVED, special)
    assert {name: clock.due_at - RECEIVED for name, clock in clocks.items()} == expected


def test_complaint_due_skips_national_day() -> None:
    received = datetime(2026, 9, 24, 15, 0, tzinfo=TZ)
    reply = _start(TicketType.COMPLAINT, None, received)[ClockName.REPLY]
    assert reply.due_at == datetime(2026, 10, 10, 0, 0, tzinfo=TZ)
    assert not reply.estimated and not reply.pausable


def test_december_complaint_is_estimated() -> None:
    reply = _start(TicketType.COMPLAINT, None, datetime(2026, 12, 28, 9, tzinfo=TZ))[
        ClockName.REPLY
    ]
    assert reply.estimated
    assert reply.due_at == datetime(2027, 1, 6, tzinfo=TZ)


@pytest.mark.parametrize(
    ("resolved", "due"),
    [
        (datetime(2026, 11, 20, 23, 30, tzinfo=TZ), datetime(2026, 11, 21, tzinfo=TZ)),
        (datetime(2026, 11, 21, 0, 10, tzinfo=TZ), datetime(2026, 11, 22, tzinfo=TZ)),
    ],
)
def test_feedback_is_due_by_the_end_of_the_local_day(resolved: datetime, due: datetime) -> None:
    policy = sla.select_policies(
        sla.DEFAULT_POLICIES, TicketType.REPAIR, None, False, StartEvent.RESOLVED
    )[0]
    assert policy.kind is TargetKind.END_OF_DAY
    assert sla.start_clock(policy, resolved.astimezone(UTC), CALENDAR, TZ).due_at == due


def test_pause_moves_an_hour_clock_and_not_a_working_day_clock() -> None:
    handle = _start(TicketType.REPAIR, "network_fault", RECEIVED)[ClockName.HANDLE]
    paused = sla.pause(handle, RECEIVED + timedelta(hours=1))
    assert paused.state(RECEIVED + timedelta(hours=9)) is ClockState.PAUSED
    resumed = sla.resume(paused, RECEIVED + timedelta(hours=3))
    assert resumed.due_at == handle.due_at + timedelta(hours=2)
    reply = _start(TicketType.COMPLAINT, None, RECEIVED)[ClockName.REPLY]
    assert sla.pause(reply, RECEIVED + timedelta(hours=1)) == reply


def test_late_stop_records_the_breach_at_the_due_time_once() -> None:
    handle = _start(TicketType.REPAIR, "network_fault", RECEIVED)[ClockName.HANDLE]
    stopped = sla.stop(handle, RECEIVED + timedelta(hours=7))
    assert stopped.breached_at == handle.due_at
    assert stopped.warned_at == handle.warn_at
    assert stopped.state(RECEIVED + timedelta(days=3)) is ClockState.BREACHED
    assert sla.stop(stopped, RECEIVED + timedelta(hours=8)) == stopped
    on_time = sla.stop(handle, RECEIVED + timedelta(hours=5))
    assert on_time.state(RECEIVED + timedelta(days=3)) is ClockState.MET


def test_extension_keeps_the_original_and_needs_reason_and_later_date() -> None:
    reply = _start(TicketType.COMPLAINT, None, RECEIVED)[ClockName.REPLY]
    agreed = reply.due_at + timedelta(days=7)
    extended = sla.extend(reply, agreed, "等待第三方检测", RECEIVED + timedelta(days=1))
    assert (extended.due_at, extended.original_due_at) == (agreed, reply.due_at)
    assert extended.basis is sla.DueBasis.EXTENSION
    with pytest.raises(sla.ClockError):
        sla.extend(reply, agreed, " ", RECEIVED)
    with pytest.raises(sla.ClockError):
        sla.extend(reply, reply.due_at - timedelta(hours=1), "x", RECEIVED)
    with pytest.raises(sla.ClockError):
        sla.extend(reply, agreed, "x", reply.due_at + timedelta(hours=1))


def test_appointment_end_becomes_the_handle_deadline() -> None:
    handle = _start(TicketType.REPAIR, "indoor_equipment", RECEIVED)[ClockName.HANDLE]
    window_end = RECEIVED + timedelta(days=2)
    booked = sla.appoint(handle, window_end, RECEIVED + timedelta(minutes=5))
    assert booked.due_at == window_end and booked.basis is sla.DueBasis.APPOINTMENT
    with pytest.raises(sla.ClockError):
        sla.appoint(handle, RECEIVED, RECEIVED + timedelta(minutes=5))


def test_warning_at_80_percent_then_breach_each_once() -> None:
    handle = _start(TicketType.REPAIR, "gas_smell", RECEIVED)[ClockName.HANDLE]
    assert sla.due_events(handle, RECEIVED + timedelta(minutes=23)) == []
    assert sla.due_events(handle, RECEIVED + timedelta(minutes=24)) == [DueEvent.WARNING]
    warned = sla.record_due_events(handle, [DueEvent.WARNING])
    assert sla.due_events(warned, RECEIVED + timedelta(minutes=25)) == []
    assert warned.next_check_at() == handle.due_at
    assert sla.due_events(handle, RECEIVED + timedelta(hours=1)) == [
        DueEvent.WARNING,
        DueEvent.BREACH,
    ]
    done = sla.record_due_events(handle, [DueEvent.WARNING, DueEvent.BREACH])
    assert done.next_check_at() is None


moments = st.integers(min_value=0, max_value=60 * 60 * 24 * 40)
kinds = st.sampled_from(
    [
        (TicketType.CONSULTATION, None),
        (TicketType.REPAIR, "gas_smell"),
        (TicketType.REPAIR, "indoor_equipment"),
        (TicketType.OUTAGE, "planned"),
        (TicketType.COMPLAINT, None),
    ]
)


@settings(max_examples=200, deadline=None)
@given(kind=kinds, offset=moments)
def test_a_due_time_is_never_before_receipt(
    kind: tuple[TicketType, str | None], offset: int
) -> None:
    received = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=offset * 9)
    for clock in _start(kind[0], kind[1], received).values():
        assert clock.due_at > received
        assert clock.warn_at < clock.due_at


@settings(max_examples=200, deadline=None)
@given(kind=kinds, pauses=st.lists(st.tuples(moments, moments), max_size=5))
def test_pausing_never_makes_a_clock_due_sooner(
    kind: tuple[TicketType, str | None], pauses: list[tuple[int, int]]
) -> None:
    clocks = _start(kind[0], kind[1], RECEIVED)
    for clock in clocks.values():
        current = clock
        cursor = RECEIVED
        for gap, length in pauses:
            cursor += timedelta(seconds=gap)
            before = current.due_at
            current = sla.pause(current, cursor)
            cursor += timedelta(seconds=length)
            current = sla.resume(current, cursor)
            assert current.due_at >= before
        assert current.due_at >= clock.due_at


@settings(max_examples=200, deadline=None)
@given(kind=kinds, checks=st.lists(moments, min_size=1, max_size=8))
def test_warning_always_precedes_breach(
    kind: tuple[TicketType, str | None], checks: list[int]
) -> None:
    for clock in _start(kind[0], kind[1], RECEIVED).values():
        recorded: list[DueEvent] = []
        current = clock
        for check in sorted(checks):
            events = sla.due_events(current, RECEIVED + timedelta(seconds=check))
            recorded += events
            current = sla.record_due_events(current, events)
        assert recorded in ([], [DueEvent.WARNING], [DueEvent.WARNING, DueEvent.BREACH])
        if current.breached_at is not None:
            assert current.warned_at is not None and current.warned_at < current.breached_at
