"""SLA clocks: targets, pauses, stops, extensions, appointments, warnings and breaches
(tickets/sla.py). Times are built both in UTC and in Asia/Shanghai local time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets import regulations, sla
from tickets.calendar import BusinessCalendar
from tickets.sla import (
    Clock,
    ClockError,
    ClockName,
    ClockState,
    DueBasis,
    DueEvent,
    SlaPolicy,
    StartEvent,
    TargetKind,
)
from tickets.types import TicketType

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar()
H = timedelta(hours=1)
M = timedelta(minutes=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


RECEIVED = local(2026, 11, 20, 10)  # a Friday


def start(
    ticket_type: TicketType,
    subtype: str | None,
    at: datetime,
    special: bool = False,
    calendar: BusinessCalendar = CALENDAR,
    starts_on: StartEvent = StartEvent.RECEIVED,
) -> dict[ClockName, Clock]:
    policies = sla.select_policies(sla.DEFAULT_POLICIES, ticket_type, subtype, special, starts_on)
    return {policy.clock: sla.start_clock(policy, at, calendar, TZ) for policy in policies}


def handle(at: datetime = RECEIVED, subtype: str = "network_fault") -> Clock:
    return start(TicketType.REPAIR, subtype, at)[ClockName.HANDLE]


def complaint_reply(at: datetime = RECEIVED, calendar: BusinessCalendar = CALENDAR) -> Clock:
    return start(TicketType.COMPLAINT, None, at, calendar=calendar)[ClockName.REPLY]


def feedback(resolved_at: datetime) -> Clock:
    clocks = start(TicketType.REPAIR, "gas_smell", resolved_at, starts_on=StartEvent.RESOLVED)
    assert set(clocks) == {ClockName.FEEDBACK}
    return clocks[ClockName.FEEDBACK]


def sweep(clock: Clock, now: datetime) -> tuple[Clock, list[DueEvent]]:
    events = sla.due_events(clock, now)
    return sla.record_due_events(clock, events), events


# --- policy selection ------------------------------------------------------------------------

MINUTES, WORKING_DAYS = TargetKind.MINUTES, TargetKind.WORKING_DAYS


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "special", "expected"),
    [
        (TicketType.CONSULTATION, None, False, {ClockName.REPLY: (MINUTES, 240)}),
        (TicketType.CONSULTATION, "billing", True, {ClockName.REPLY: (MINUTES, 1440)}),
        (
            TicketType.REPAIR,
            "indoor_equipment",
            False,
            {ClockName.HANDLE: (MINUTES, 30), ClockName.FIX: (MINUTES, 1440)},
        ),
        (
            TicketType.REPAIR,
            "network_fault",
            False,
            {ClockName.HANDLE: (MINUTES, 360), ClockName.FIX: (MINUTES, 1440)},
        ),
        (
            TicketType.REPAIR,
            "gas_smell",
            False,
            {ClockName.HANDLE: (MINUTES, 30), ClockName.FIX: (MINUTES, 1440)},
        ),
        (
            TicketType.OUTAGE,
            "planned",
            False,
            {ClockName.HANDLE: (MINUTES, 360), ClockName.RESTORE: (MINUTES, 1440)},
        ),
        (
            TicketType.OUTAGE,
            "unplanned",
            False,
            {ClockName.HANDLE: (MINUTES, 360), ClockName.RESTORE: (MINUTES, 1440)},
        ),
        (TicketType.COMPLAINT, None, False, {ClockName.REPLY: (WORKING_DAYS, 5)}),
        (TicketType.COMPLAINT, "billing", True, {ClockName.REPLY: (WORKING_DAYS, 5)}),
    ],
)
def test_default_policies_give_each_ticket_kind_its_clocks(
    ticket_type: TicketType,
    subtype: str | None,
    special: bool,
    expected: dict[ClockName, tuple[TargetKind, int]],
) -> None:
    chosen = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, subtype, special, StartEvent.RECEIVED
    )
    # Every ticket is also to be taken up by a person within the day (上传下达).
    take_up = {ClockName.TAKE_UP: (TargetKind.END_OF_DAY, 0)}
    assert {p.clock: (p.kind, p.amount) for p in chosen} == {**take_up, **expected}


@pytest.mark.parametrize("ticket_type", list(TicketType))
def test_every_ticket_gets_a_feedback_clock_on_resolution_and_only_then(
    ticket_type: TicketType,
) -> None:
    on_resolution = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, None, False, StartEvent.RESOLVED
    )
    assert [(p.clock, p.kind) for p in on_resolution] == [
        (ClockName.FEEDBACK, TargetKind.END_OF_DAY)
    ]
    on_receipt = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket_type, None, False, StartEvent.RECEIVED
    )
    assert ClockName.FEEDBACK not in {p.clock for p in on_receipt}


def test_the_most_specific_policy_wins_in_any_order() -> None:
    for policies in (sla.DEFAULT_POLICIES, tuple(reversed(sla.DEFAULT_POLICIES))):
        chosen = sla.select_policies(
            policies, TicketType.REPAIR, "gas_smell", False, StartEvent.RECEIVED
        )
        assert [(p.clock, p.amount) for p in chosen] == [
            (ClockName.HANDLE, 30),
            (ClockName.FIX, 1440),
            (ClockName.TAKE_UP, 0),
        ]


def test_among_equally_specific_policies_the_first_listed_wins() -> None:
    first = SlaPolicy(ClockName.REPLY, MINUTES, 60, TicketType.CONSULTATION)
    second = SlaPolicy(ClockName.REPLY, MINUTES, 90, TicketType.CONSULTATION)
    chosen = sla.select_policies(
        [first, second], TicketType.CONSULTATION, None, False, StartEvent.RECEIVED
    )
    assert chosen == [first]


def test_a_generic_policy_applies_until_a_more_specific_one_exists() -> None:
    anything = SlaPolicy(ClockName.REPLY, MINUTES, 120)
    consultation = SlaPolicy(ClockName.REPLY, MINUTES, 240, TicketType.CONSULTATION)
    assert sla.select_policies(
        [anything], TicketType.OUTAGE, "planned", False, StartEvent.RECEIVED
    ) == [anything]
    assert sla.select_policies(
        [anything, consultation], TicketType.CONSULTATION, None, False, StartEvent.RECEIVED
    ) == [consultation]


def test_a_special_only_policy_never_applies_to_an_ordinary_ticket() -> None:
    special = SlaPolicy(ClockName.REPLY, MINUTES, 1440, TicketType.CONSULTATION, special=True)
    assert special.specificity == 2
    assert not special.matches(TicketType.CONSULTATION, None, False)
    assert (
        sla.select_policies([special], TicketType.CONSULTATION, None, False, StartEvent.RECEIVED)
        == []
    )


def test_selected_policies_come_in_clock_order() -> None:
    chosen = sla.select_policies(
        list(reversed(sla.DEFAULT_POLICIES)),
        TicketType.OUTAGE,
        "planned",
        False,
        StartEvent.RECEIVED,
    )
    assert [p.clock for p in chosen] == [ClockName.HANDLE, ClockName.RESTORE, ClockName.TAKE_UP]


@settings(max_examples=100, deadline=None)
@given(
    order=st.permutations(list(sla.DEFAULT_POLICIES)),
    kind=st.sampled_from(
        [
            (TicketType.CONSULTATION, None, False),
            (TicketType.CONSULTATION, None, True),
            (TicketType.REPAIR, "gas_smell", False),
            (TicketType.REPAIR, "indoor_equipment", False),
            (TicketType.OUTAGE, "unplanned", False),
            (TicketType.COMPLAINT, None, False),
        ]
    ),
    starts_on=st.sampled_from(list(StartEvent)),
)
def test_policy_selection_does_not_depend_on_the_table_order(
    order: list[SlaPolicy], kind: tuple[TicketType, str | None, bool], starts_on: StartEvent
) -> None:
    assert sla.select_policies(order, *kind, starts_on) == sla.select_policies(
        sla.DEFAULT_POLICIES, *kind, starts_on
    )


# --- due times ---------------------------------------------------------------------------------

HOUR_TARGETS = [
    (TicketType.CONSULTATION, None, False, ClockName.REPLY, 4 * H),
    (TicketType.CONSULTATION, None, True, ClockName.REPLY, 24 * H),
    (TicketType.REPAIR, "indoor_equipment", False, ClockName.HANDLE, 30 * M),
    (TicketType.REPAIR, "network_fault", False, ClockName.HANDLE, 6 * H),
    (TicketType.REPAIR, "gas_smell", False, ClockName.HANDLE, 30 * M),
    (TicketType.REPAIR, "indoor_equipment", False, ClockName.FIX, 24 * H),
    (TicketType.REPAIR, "gas_smell", False, ClockName.FIX, 24 * H),
    (TicketType.OUTAGE, "planned", False, ClockName.HANDLE, 6 * H),
    (TicketType.OUTAGE, "unplanned", False, ClockName.RESTORE, 24 * H),
]


@pytest.mark.parametrize(
    "received", [local(2026, 11, 20, 10), utc(2026, 11, 20, 2)], ids=["local", "utc"]
)
@pytest.mark.parametrize(("ticket_type", "subtype", "special", "name", "target"), HOUR_TARGETS)
def test_hour_clocks_are_due_after_their_target_on_the_wall_clock(
    received: datetime,
    ticket_type: TicketType,
    subtype: str | None,
    special: bool,
    name: ClockName,
    target: timedelta,
) -> None:
    clock = start(ticket_type, subtype, received, special)[name]
    assert clock.due_at == local(2026, 11, 20, 10) + target
    assert clock.original_due_at == clock.due_at
    assert clock.kind is TargetKind.MINUTES
    # Safety clocks never wait for the customer.
    assert clock.pausable is (subtype != "gas_smell" and ticket_type is not TicketType.OUTAGE)
    assert clock.basis is DueBasis.POLICY and not clock.estimated
    assert clock.state(received) is ClockState.RUNNING


def test_hour_clocks_run_through_nights_and_holidays() -> None:
    reply = start(TicketType.CONSULTATION, None, local(2026, 9, 30, 22))[ClockName.REPLY]
    assert reply.due_at == local(2026, 10, 1, 2)  # National Day at 02:00: the service is 24/7


@pytest.mark.parametrize(
    "received", [local(2026, 9, 24, 15), utc(2026, 9, 24, 7)], ids=["local", "utc"]
)
def test_complaint_due_skips_mid_autumn_and_national_day(received: datetime) -> None:
    reply = complaint_reply(received)
    assert reply.due_at == local(2026, 10, 10, 0, 0)  # end of Fri 2026-10-09
    assert reply.due_at == utc(2026, 10, 9, 16)
    assert reply.kind is TargetKind.WORKING_DAYS
    assert not reply.estimated and not reply.pausable


def test_complaint_days_count_from_the_local_day_of_receipt_not_the_utc_day() -> None:
    # 2026-09-23 16:30 UTC is already Thu 09-24 00:30 in Shanghai.
    assert complaint_reply(utc(2026, 9, 23, 16, 30)).due_at == local(2026, 10, 10)
    # One hour earlier it is still Wed 09-23 locally: 09-24, 09-28, 09-29, 09-30, 10-08.
    assert complaint_reply(utc(2026, 9, 23, 15, 30)).due_at == local(2026, 10, 9)


def test_complaint_received_on_a_saturday_counts_from_monday() -> None:
    assert complaint_reply(local(2026, 11, 21, 10)).due_at == local(2026, 11, 28)


def test_complaint_received_late_in_the_evening_still_skips_its_own_day() -> None:
    assert complaint_reply(local(2026, 11, 23, 23, 59)).due_at == local(2026, 12, 1)


def test_complaint_due_within_2026_is_not_estimated() -> None:
    reply = complaint_reply(local(2026, 12, 21, 9))
    assert (reply.due_at, reply.estimated) == (local(2026, 12, 29), False)


@pytest.mark.parametrize(
    "received", [local(2026, 12, 28, 9), utc(2026, 12, 28, 1)], ids=["local", "utc"]
)
def test_complaint_received_in_december_runs_into_2027_and_is_estimated(
    received: datetime,
) -> None:
    reply = complaint_reply(received)
    assert reply.due_at == local(2027, 1, 6)  # end of Tue 2027-01-05
    assert reply.estimated is True


def test_complaint_into_a_confirmed_2027_is_not_estimated() -> None:
    reply = complaint_reply(local(2026, 12, 28, 9), BusinessCalendar(confirmed_years=[2027]))
    assert reply.estimated is False


@pytest.mark.parametrize(
    ("resolved", "due"),
    [
        (local(2026, 11, 20, 23, 30), local(2026, 11, 21)),
        (utc(2026, 11, 20, 15, 30), local(2026, 11, 21)),  # 23:30 local
        (local(2026, 11, 21, 0, 10), local(2026, 11, 22)),
        (utc(2026, 11, 20, 16, 10), local(2026, 11, 22)),  # 00:10 local, next local day
        (local(2026, 10, 1, 12), local(2026, 10, 2)),  # a holiday is a day like any other
    ],
)
def test_feedback_is_due_at_the_end_of_the_local_day_of_resolution(
    resolved: datetime, due: datetime
) -> None:
    clock = feedback(resolved)
    assert clock.due_at == due
    assert clock.kind is TargetKind.END_OF_DAY
    assert not clock.pausable and not clock.estimated


def test_end_of_local_day_is_midnight_starting_the_next_day() -> None:
    assert sla.end_of_local_day(date(2026, 12, 31), TZ) == local(2027, 1, 1)
    assert sla.end_of_local_day(date(2026, 12, 31), TZ) == utc(2026, 12, 31, 16)


@pytest.mark.parametrize("policy", sla.DEFAULT_POLICIES)
def test_a_start_time_without_a_time_zone_is_refused(policy: SlaPolicy) -> None:
    with pytest.raises(ClockError):
        sla.start_clock(policy, datetime(2026, 11, 20, 10), CALENDAR, TZ)


# --- pause and resume ------------------------------------------------------------------------


def test_waiting_for_the_customer_moves_an_hour_clock_by_the_paused_time() -> None:
    clock = handle()
    paused = sla.pause(clock, RECEIVED + 1 * H)
    assert paused.paused_at == RECEIVED + 1 * H
    # While waiting, the due time is the one reached if the customer never answers.
    assert paused.due_at == clock.due_at + timedelta(minutes=sla.DEFAULT_PAUSE_LIMIT)
    resumed = sla.resume(paused, RECEIVED + 3 * H)
    assert resumed.paused_at is None
    assert resumed.paused_seconds == 2 * 3600
    assert resumed.due_at == clock.due_at + 2 * H
    assert resumed.warn_at == clock.warn_at + 2 * H
    assert resumed.original_due_at == clock.original_due_at


def test_pauses_add_up() -> None:
    clock = handle()
    for begin, end in ((1, 2), (3, 3.5), (4, 7)):
        clock = sla.pause(clock, RECEIVED + begin * H)
        clock = sla.resume(clock, RECEIVED + end * H)
    assert clock.due_at == RECEIVED + 6 * H + 4.5 * H


def test_a_pause_in_progress_moves_the_due_time_as_of_now() -> None:
    paused = sla.pause(handle(), RECEIVED + 1 * H)
    assert paused.due_at_as_of(RECEIVED + 30 * M) == RECEIVED + 6 * H
    assert paused.due_at_as_of(RECEIVED + 10 * H) == RECEIVED + 15 * H


@pytest.mark.parametrize(
    "clock",
    [complaint_reply(), feedback(RECEIVED)],
    ids=["working_days", "end_of_day"],
)
def test_pausing_leaves_day_clocks_alone(clock: Clock) -> None:
    assert sla.pause(clock, RECEIVED + 1 * H) == clock
    assert sla.resume(clock, RECEIVED + 5 * H) == clock


def test_pausing_a_paused_clock_keeps_the_first_pause() -> None:
    paused = sla.pause(handle(), RECEIVED + 1 * H)
    assert sla.pause(paused, RECEIVED + 2 * H) == paused


def test_resuming_a_running_clock_changes_nothing() -> None:
    clock = handle()
    assert sla.resume(clock, RECEIVED + 1 * H) == clock


def test_a_clock_cannot_resume_before_it_paused() -> None:
    with pytest.raises(ClockError):
        sla.resume(sla.pause(handle(), RECEIVED + 2 * H), RECEIVED + 1 * H)


def test_pausing_a_stopped_clock_changes_nothing() -> None:
    stopped = sla.stop(handle(), RECEIVED + 1 * H)
    assert sla.pause(stopped, RECEIVED + 2 * H) == stopped


def test_a_clock_past_its_due_time_does_not_pause_even_before_the_sweeper_saw_it() -> None:
    clock = handle()  # due 16:00; nobody has swept yet
    late = sla.pause(clock, RECEIVED + 6 * H + 5 * M)
    assert not late.is_paused
    assert late.due_at == clock.due_at
    resumed = sla.resume(late, RECEIVED + 7 * H)
    stopped = sla.stop(resumed, RECEIVED + 7 * H + 1 * M)
    assert stopped.breached_at == clock.due_at
    assert stopped.state(RECEIVED + 8 * H) is ClockState.BREACHED


def test_a_recorded_breach_is_not_moved_by_a_pause() -> None:
    breached, _ = sweep(handle(), RECEIVED + 6 * H)
    assert breached.breached_at == RECEIVED + 6 * H
    after = sla.resume(sla.pause(breached, RECEIVED + 6 * H + 1 * M), RECEIVED + 9 * H)
    assert after.due_at == breached.due_at == after.breached_at


def test_a_back_dated_pause_is_judged_by_its_time_not_by_the_sweep() -> None:
    swept, _ = sweep(handle(), RECEIVED + 7 * H)
    assert (swept.warned_at, swept.breached_at) == (RECEIVED + 4.8 * H, RECEIVED + 6 * H)
    waited = [
        sla.resume(sla.pause(clock, RECEIVED + 2 * H), RECEIVED + 7 * H)
        for clock in (handle(), swept)
    ]
    assert waited[0] == waited[1]
    assert (waited[1].warned_at, waited[1].breached_at) == (None, None)
    assert waited[1].due_at == RECEIVED + 11 * H


# --- states ------------------------------------------------------------------------------------


def test_a_clock_runs_pauses_and_is_met() -> None:
    clock = handle()
    assert clock.state(RECEIVED) is ClockState.RUNNING
    assert clock.state(RECEIVED + 6 * H - timedelta(seconds=1)) is ClockState.RUNNING
    paused = sla.pause(clock, RECEIVED + 1 * H)
    assert paused.state(RECEIVED + 20 * H) is ClockState.PAUSED
    resumed = sla.resume(paused, RECEIVED + 2 * H)
    assert resumed.state(RECEIVED + 6 * H + 30 * M) is ClockState.RUNNING
    met = sla.stop(resumed, RECEIVED + 6 * H + 30 * M)
    assert met.state(RECEIVED + 30 * H) is ClockState.MET


def test_a_running_clock_is_breached_from_its_due_time_on() -> None:
    clock = handle()
    assert clock.state(clock.due_at) is ClockState.BREACHED
    assert clock.state(clock.due_at + 1 * H) is ClockState.BREACHED


def test_a_recorded_breach_stays_a_breach_whatever_the_time() -> None:
    breached, _ = sweep(handle(), RECEIVED + 7 * H)
    assert breached.state(RECEIVED) is ClockState.BREACHED
    assert sla.stop(breached, RECEIVED + 8 * H).state(RECEIVED + 9 * H) is ClockState.BREACHED


def test_stopping_exactly_at_the_due_time_is_a_breach_as_the_running_state_says() -> None:
    clock = handle()
    stopped = sla.stop(clock, clock.due_at)
    assert clock.state(clock.due_at) is ClockState.BREACHED
    assert stopped.state(clock.due_at) is ClockState.BREACHED
    assert stopped.breached_at == clock.due_at
    just_in_time = sla.stop(clock, clock.due_at - timedelta(microseconds=1))
    assert just_in_time.state(clock.due_at) is ClockState.MET


# --- stop ----------------------------------------------------------------------------------------


def test_a_late_stop_records_the_breach_at_the_due_time_and_the_missed_warning() -> None:
    clock = handle()
    stopped = sla.stop(clock, RECEIVED + 9 * H)
    assert stopped.stopped_at == RECEIVED + 9 * H
    assert stopped.breached_at == clock.due_at
    assert stopped.warned_at == clock.warn_at
    assert stopped.state(RECEIVED + 10 * H) is ClockState.BREACHED


def test_a_late_stop_keeps_the_breach_and_warning_the_sweeper_recorded() -> None:
    warned, _ = sweep(handle(), RECEIVED + 5 * H)
    breached, _ = sweep(warned, RECEIVED + 6 * H + 20 * M)
    stopped = sla.stop(breached, RECEIVED + 9 * H)
    assert (stopped.warned_at, stopped.breached_at) == (breached.warned_at, breached.breached_at)


def test_an_on_time_stop_is_met_and_records_no_breach() -> None:
    stopped = sla.stop(handle(), RECEIVED + 5 * H)
    assert stopped.breached_at is None and stopped.warned_at is None
    assert stopped.state(RECEIVED + 30 * H) is ClockState.MET


def test_stopping_a_paused_clock_counts_the_pause() -> None:
    paused = sla.pause(handle(), RECEIVED + 1 * H)
    stopped = sla.stop(paused, RECEIVED + 8 * H)  # 7 h waiting: due at 23:00
    assert stopped.paused_at is None
    assert stopped.paused_seconds == 7 * 3600
    assert stopped.state(RECEIVED + 30 * H) is ClockState.MET


def test_a_clock_cannot_stop_before_it_started() -> None:
    with pytest.raises(ClockError):
        sla.stop(handle(), RECEIVED - 1 * M)


def test_stopping_twice_keeps_the_first_stop() -> None:
    once = sla.stop(handle(), RECEIVED + 7 * H)
    assert sla.stop(once, RECEIVED + 8 * H) == once
    assert sla.stop(once, RECEIVED + 1 * H) == once


# --- extension -------------------------------------------------------------------------------


def test_an_extension_sets_the_agreed_deadline_and_keeps_the_original() -> None:
    reply = complaint_reply()
    agreed = reply.due_at + timedelta(days=7)
    extended = sla.extend(reply, agreed, "  等待第三方检测 ", RECEIVED + timedelta(days=1))
    assert extended.due_at == agreed
    assert extended.original_due_at == reply.due_at
    assert extended.basis is DueBasis.EXTENSION
    assert extended.extension_reason == "等待第三方检测"
    assert not extended.pausable
    assert extended.warn_at == reply.started_at + (agreed - reply.started_at) * 0.8


def test_a_second_extension_keeps_the_first_original_deadline() -> None:
    reply = complaint_reply()
    first = sla.extend(reply, reply.due_at + timedelta(days=3), "a", RECEIVED + 1 * H)
    second = sla.extend(first, reply.due_at + timedelta(days=9), "b", RECEIVED + 2 * H)
    assert second.original_due_at == reply.due_at
    assert (second.due_at, second.extension_reason) == (reply.due_at + timedelta(days=9), "b")


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_an_extension_needs_a_reason(reason: str) -> None:
    reply = complaint_reply()
    with pytest.raises(ClockError, match="reason"):
        sla.extend(reply, reply.due_at + timedelta(days=3), reason, RECEIVED + 1 * H)


@pytest.mark.parametrize("shift", [timedelta(0), -1 * H, -timedelta(days=3)])
def test_an_extension_must_be_later_than_the_current_deadline(shift: timedelta) -> None:
    reply = complaint_reply()
    with pytest.raises(ClockError, match="later"):
        sla.extend(reply, reply.due_at + shift, "检测", RECEIVED + 1 * H)


@pytest.mark.parametrize("after_due", [timedelta(0), 1 * H])
def test_an_extension_must_be_agreed_before_the_deadline(after_due: timedelta) -> None:
    reply = complaint_reply()
    with pytest.raises(ClockError, match="passed"):
        sla.extend(reply, reply.due_at + timedelta(days=5), "检测", reply.due_at + after_due)


def test_a_breached_clock_cannot_be_extended() -> None:
    reply = sla.record_due_events(complaint_reply(), [DueEvent.WARNING, DueEvent.BREACH])
    with pytest.raises(ClockError):
        sla.extend(reply, reply.due_at + timedelta(days=5), "检测", RECEIVED + 1 * H)


def test_a_stopped_clock_cannot_be_extended() -> None:
    reply = sla.stop(complaint_reply(), RECEIVED + 1 * H)
    with pytest.raises(ClockError, match="stopped"):
        sla.extend(reply, reply.due_at + timedelta(days=5), "检测", RECEIVED + 2 * H)


def test_an_extension_needs_an_aware_deadline() -> None:
    with pytest.raises(ClockError):
        sla.extend(complaint_reply(), datetime(2027, 1, 30), "检测", RECEIVED + 1 * H)


# --- appointment ------------------------------------------------------------------------------


def test_an_appointment_makes_the_window_end_the_handle_deadline() -> None:
    clock = handle(subtype="indoor_equipment")
    window_end = local(2026, 11, 22, 12)
    booked = sla.appoint(clock, window_end, RECEIVED + 5 * M)
    assert booked.due_at == window_end
    assert booked.original_due_at == clock.due_at
    assert booked.basis is DueBasis.APPOINTMENT
    assert not booked.pausable
    # Waiting no longer moves an agreed deadline.
    waited = sla.resume(sla.pause(booked, RECEIVED + 1 * H), RECEIVED + 9 * H)
    assert waited.due_at == window_end


def test_an_appointment_may_also_bring_the_deadline_forward() -> None:
    booked = sla.appoint(handle(), RECEIVED + 2 * H, RECEIVED + 5 * M)
    assert booked.due_at == RECEIVED + 2 * H


def test_booking_while_paused_resumes_the_clock_first() -> None:
    paused = sla.pause(handle(), RECEIVED + 1 * H)
    booked = sla.appoint(paused, local(2026, 11, 22, 12), RECEIVED + 2 * H)
    assert not booked.is_paused
    assert booked.due_at == local(2026, 11, 22, 12)


@pytest.mark.parametrize("end_offset", [timedelta(0), -1 * M, -timedelta(days=1)])
def test_an_appointment_window_must_end_in_the_future(end_offset: timedelta) -> None:
    now = RECEIVED + 1 * H
    with pytest.raises(ClockError):
        sla.appoint(handle(), now + end_offset, now)


def test_a_stopped_clock_takes_no_appointment() -> None:
    with pytest.raises(ClockError):
        sla.appoint(sla.stop(handle(), RECEIVED + 1 * H), RECEIVED + 9 * H, RECEIVED + 2 * H)


def test_an_appointment_end_needs_a_time_zone() -> None:
    with pytest.raises(ClockError):
        sla.appoint(handle(), datetime(2026, 11, 22, 12), RECEIVED + 1 * H)


# --- warnings and breaches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "warn_after"),
    [
        (handle(subtype="gas_smell"), 24 * M),
        (handle(), 4 * H + 48 * M),
        (start(TicketType.CONSULTATION, None, RECEIVED)[ClockName.REPLY], 3 * H + 12 * M),
        # 2026-09-24 15:00 → 2026-10-10 00:00 is 369 h; 80 % of it is 295 h 12 min.
        (complaint_reply(local(2026, 9, 24, 15)), 295 * H + 12 * M),
    ],
    ids=["gas_smell", "handle", "consultation", "complaint"],
)
def test_a_clock_warns_at_80_percent_of_its_time(clock: Clock, warn_after: timedelta) -> None:
    assert clock.warn_at == clock.started_at + warn_after
    assert sla.due_events(clock, clock.warn_at - timedelta(seconds=1)) == []
    assert sla.due_events(clock, clock.warn_at) == [DueEvent.WARNING]
    assert sla.due_events(clock, clock.due_at - timedelta(seconds=1)) == [DueEvent.WARNING]
    assert sla.due_events(clock, clock.due_at) == [DueEvent.WARNING, DueEvent.BREACH]


def test_the_warning_and_the_breach_each_come_once() -> None:
    clock = handle(subtype="gas_smell")
    assert clock.next_check_at() == RECEIVED + 24 * M
    warned, events = sweep(clock, RECEIVED + 25 * M)
    assert events == [DueEvent.WARNING]
    assert warned.warned_at == RECEIVED + 24 * M  # when it happened, not when it was seen
    assert sweep(warned, RECEIVED + 26 * M)[1] == []
    assert warned.next_check_at() == RECEIVED + 30 * M
    breached, events = sweep(warned, RECEIVED + 31 * M)
    assert events == [DueEvent.BREACH]
    assert breached.breached_at == RECEIVED + 30 * M
    assert sweep(breached, RECEIVED + 5 * H)[1] == []
    assert breached.next_check_at() is None


def test_a_late_sweep_sees_warning_then_breach_in_that_order() -> None:
    clock = handle()
    recorded, events = sweep(clock, RECEIVED + 2 * timedelta(days=1))
    assert events == [DueEvent.WARNING, DueEvent.BREACH]
    assert (recorded.warned_at, recorded.breached_at) == (clock.warn_at, clock.due_at)


def test_recording_the_same_events_again_changes_nothing() -> None:
    once = sla.record_due_events(handle(), [DueEvent.WARNING, DueEvent.BREACH])
    assert sla.record_due_events(once, [DueEvent.WARNING, DueEvent.BREACH]) == once


def test_a_paused_clock_is_next_checked_when_its_allowance_would_run_out() -> None:
    paused = sla.pause(handle(), RECEIVED + 1 * H)
    assert sla.due_events(paused, RECEIVED + 30 * H) == []
    allowance = timedelta(minutes=sla.DEFAULT_PAUSE_LIMIT)
    assert paused.next_check_at() == RECEIVED + 4 * H + 48 * M + allowance


def test_a_stopped_clock_has_nothing_due_and_no_next_check() -> None:
    stopped = sla.stop(handle(), RECEIVED + 1 * H)
    assert sla.due_events(stopped, RECEIVED + 30 * H) == []
    assert stopped.next_check_at() is None


def test_after_a_pause_the_next_check_moves_with_the_clock() -> None:
    resumed = sla.resume(sla.pause(handle(), RECEIVED + 1 * H), RECEIVED + 3 * H)
    assert resumed.next_check_at() == RECEIVED + 4 * H + 48 * M + 2 * H
    warned, _ = sweep(resumed, RECEIVED + 7 * H)
    assert warned.next_check_at() == RECEIVED + 8 * H


# --- properties --------------------------------------------------------------------------------

KINDS = [
    (TicketType.CONSULTATION, None, False),
    (TicketType.CONSULTATION, "billing", True),
    (TicketType.REPAIR, "gas_smell", False),
    (TicketType.REPAIR, "indoor_equipment", False),
    (TicketType.REPAIR, "network_fault", False),
    (TicketType.OUTAGE, "planned", False),
    (TicketType.OUTAGE, "unplanned", False),
    (TicketType.COMPLAINT, None, False),
]
kinds = st.sampled_from(KINDS)
starts_on = st.sampled_from(list(StartEvent))
zones = st.sampled_from([TZ, UTC])
# Up to two years from 2026-01-01, in whole minutes so that boundaries are hit now and then.
receipts = st.builds(
    lambda minutes, zone: (utc(2026, 1, 1) + timedelta(minutes=minutes)).astimezone(zone),
    st.integers(min_value=0, max_value=2 * 365 * 24 * 60),
    zones,
)
gaps = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda n: timedelta(minutes=n))


def all_clocks(
    kind: tuple[TicketType, str | None, bool], at: datetime, event: StartEvent
) -> list[Clock]:
    return list(start(kind[0], kind[1], at, kind[2], starts_on=event).values())


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, event=starts_on)
def test_a_due_time_is_never_before_receipt(
    kind: tuple[TicketType, str | None, bool], received: datetime, event: StartEvent
) -> None:
    clocks = all_clocks(kind, received, event)
    assert clocks
    for clock in clocks:
        assert received < clock.warn_at < clock.due_at
        if clock.kind is TargetKind.WORKING_DAYS:
            due_day = (clock.due_at.astimezone(TZ) - timedelta(days=1)).date()
            assert CALENDAR.is_workday(due_day)
            assert clock.due_at.astimezone(TZ).time() == datetime.min.time()
            assert clock.estimated == (due_day.year >= 2027)
        else:
            assert not clock.estimated


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, pauses=st.lists(st.tuples(gaps, gaps), max_size=6))
def test_pausing_never_makes_a_clock_due_sooner(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    pauses: list[tuple[timedelta, timedelta]],
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        current, cursor, waited = clock, received, timedelta(0)
        for gap, length in pauses:
            cursor += gap
            before = current.due_at
            current = sla.pause(current, cursor)
            if current.is_paused:
                assert current.due_at_as_of(cursor + length) >= before
                waited += length
            cursor += length
            current = sla.resume(current, cursor)
            assert current.due_at >= before
        assert current.due_at >= clock.due_at
        # Waiting moves a clock by the time waited, up to the pause allowance of its policy.
        allowance = timedelta(seconds=clock.pause_limit_seconds)
        expected = clock.due_at + min(waited, allowance) if clock.pausable else clock.due_at
        assert current.due_at == expected


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["pause", "resume", "sweep", "stop"]), gaps), max_size=10
)


def _run(clock: Clock, operations: list[tuple[str, timedelta]]) -> list[tuple[Clock, datetime]]:
    """Apply operations at increasing times; the clock after each, and the time."""
    history = []
    now = clock.started_at
    for operation, gap in operations:
        now += gap
        if operation == "pause":
            clock = sla.pause(clock, now)
        elif operation == "resume":
            clock = sla.resume(clock, now)
        elif operation == "sweep":
            clock, _ = sweep(clock, now)
        else:
            clock = sla.stop(clock, now)
        history.append((clock, now))
    return history


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, operations=OPERATIONS)
def test_warning_always_precedes_breach(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    operations: list[tuple[str, timedelta]],
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        assert clock.warn_at < clock.due_at
        recorded: list[DueEvent] = []
        previous = clock
        for current, _ in _run(clock, operations):
            if previous.warned_at is None and current.warned_at is not None:
                recorded.append(DueEvent.WARNING)
            if previous.breached_at is None and current.breached_at is not None:
                recorded.append(DueEvent.BREACH)
                assert current.warned_at is not None
            if current.breached_at is not None:
                assert current.warned_at is not None and current.warned_at < current.breached_at
            previous = current
        assert recorded in ([], [DueEvent.WARNING], [DueEvent.WARNING, DueEvent.BREACH])


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, operations=OPERATIONS)
def test_next_check_is_never_in_the_past_of_what_is_recorded(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    operations: list[tuple[str, timedelta]],
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        assert clock.next_check_at() == clock.warn_at
        for current, _ in _run(clock, [*operations, ("sweep", timedelta(0))]):
            check = current.next_check_at()
            if check is None:
                assert current.is_stopped or current.is_paused or current.breached_at is not None
                continue
            for moment in (current.warned_at, current.breached_at):
                assert moment is None or check >= moment
            if current.warned_at is not None:
                assert check == current.due_at
        swept, now = _run(clock, [*operations, ("sweep", timedelta(0))])[-1]
        check = swept.next_check_at()
        assert check is None or check > now
        if check is not None:
            assert sla.due_events(swept, check) != []


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, operations=OPERATIONS, first=gaps, second=gaps)
def test_stop_is_idempotent(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    operations: list[tuple[str, timedelta]],
    first: timedelta,
    second: timedelta,
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        history = _run(clock, operations)
        current, now = history[-1] if history else (clock, received)
        stopped = sla.stop(current, now + first)
        assert stopped.is_stopped
        assert sla.stop(stopped, now + first + second) == stopped
        assert sla.stop(stopped, clock.started_at) == stopped
        assert sla.due_events(stopped, now + first + second) == []
        assert sla.record_due_events(stopped, sla.due_events(stopped, now + second)) == stopped


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, operations=OPERATIONS)
def test_once_due_a_clock_stays_breached_whatever_follows(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    operations: list[tuple[str, timedelta]],
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        breached_since: datetime | None = None
        for current, now in _run(clock, operations):
            state = current.state(now)
            if breached_since is not None:
                assert state is ClockState.BREACHED
                assert current.breached_at in (None, breached_since)
            elif state is ClockState.BREACHED:
                breached_since = current.due_at_as_of(now)


@settings(max_examples=200, deadline=None)
@given(kind=kinds, received=receipts, operations=OPERATIONS, later=gaps)
def test_stopping_now_keeps_the_state_the_clock_shows_now(
    kind: tuple[TicketType, str | None, bool],
    received: datetime,
    operations: list[tuple[str, timedelta]],
    later: timedelta,
) -> None:
    for clock in all_clocks(kind, received, StartEvent.RECEIVED):
        history = _run(clock, operations)
        current, now = history[-1] if history else (clock, received)
        if current.is_stopped or current.is_paused:
            continue
        shown = current.state(now)
        after = sla.stop(current, now).state(now + later)
        assert (shown, after) in (
            (ClockState.RUNNING, ClockState.MET),
            (ClockState.BREACHED, ClockState.BREACHED),
        )


# --- pause allowance: safety clocks never wait, others wait a limited time ---------------------


def test_a_gas_smell_clock_never_pauses() -> None:
    for name, clock in start(TicketType.REPAIR, "gas_smell", RECEIVED).items():
        assert sla.pause(clock, RECEIVED + 1 * M) == clock, name


def test_an_outage_clock_never_pauses() -> None:
    for name, clock in start(TicketType.OUTAGE, "unplanned", RECEIVED).items():
        assert sla.pause(clock, RECEIVED + 1 * M) == clock, name


def test_a_pause_past_the_allowance_counts_as_running_time() -> None:
    limit = timedelta(minutes=sla.DEFAULT_PAUSE_LIMIT)
    clock = sla.pause(handle(), RECEIVED + 1 * H)
    # Never answered: the clock falls due the allowance after its own due time.
    assert clock.due_at == RECEIVED + 6 * H + limit
    assert clock.state(RECEIVED + 6 * H + limit - 1 * M) is ClockState.PAUSED
    assert clock.state(RECEIVED + 6 * H + limit) is ClockState.BREACHED
    swept, events = sweep(clock, RECEIVED + 6 * H + limit)
    assert events == [DueEvent.WARNING, DueEvent.BREACH]
    assert swept.breached_at == RECEIVED + 6 * H + limit
    # Resumed long after: the whole wait is on record, only the allowance moved the clock.
    resumed = sla.resume(clock, RECEIVED + 1 * H + limit + 10 * H)
    assert resumed.paused_seconds == (limit + 10 * H).total_seconds()
    assert resumed.due_at == RECEIVED + 6 * H + limit


def test_a_clock_whose_allowance_is_used_up_does_not_pause_again() -> None:
    limit = timedelta(minutes=sla.DEFAULT_PAUSE_LIMIT)
    clock = sla.resume(sla.pause(handle(), RECEIVED), RECEIVED + limit)
    assert clock.pause_left_seconds == 0
    assert sla.pause(clock, RECEIVED + limit + 1 * M) == clock


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(0, 100 * 60), st.integers(0, 100 * 60)), min_size=1, max_size=6),
    st.integers(0, 72 * 60),
)
def test_pauses_never_move_a_clock_by_more_than_its_allowance(
    pauses: list[tuple[int, int]], limit: int
) -> None:
    policy = SlaPolicy(
        ClockName.HANDLE, TargetKind.MINUTES, 6 * 60, TicketType.REPAIR, pause_limit=limit
    )
    clock = sla.start_clock(policy, RECEIVED, CALENDAR, TZ)
    moment = RECEIVED
    for gap, length in pauses:
        moment += timedelta(minutes=gap)
        clock = sla.pause(clock, moment)
        moment += timedelta(minutes=length)
        assert clock.due_at - clock.target_due_at <= timedelta(minutes=limit)
        clock = sla.resume(clock, moment)
        assert timedelta(0) <= clock.due_at - clock.target_due_at <= timedelta(minutes=limit)


# --- appointments never erase a breach ----------------------------------------------------------


@settings(max_examples=200)
@given(st.integers(0, 48 * 60), st.integers(1, 72 * 60))
def test_an_appointment_never_turns_a_breach_into_a_running_clock(
    booked_after: int, window_ends_in: int
) -> None:
    clock = handle()
    at = RECEIVED + timedelta(minutes=booked_after)
    appointed = sla.appoint(clock, at + timedelta(minutes=window_ends_in), at)
    if at >= clock.due_at:
        assert appointed == clock
        assert appointed.state(at) is ClockState.BREACHED
    else:
        assert appointed.basis is DueBasis.APPOINTMENT


# --- a cancelled visit gives the clock its own deadline back -----------------------------------


def test_a_withdrawn_appointment_gives_back_the_policy_deadline_and_its_pauses() -> None:
    clock = sla.resume(sla.pause(handle(), RECEIVED + 1 * H), RECEIVED + 2 * H)
    booked = sla.appoint(clock, RECEIVED + 30 * H, RECEIVED + 3 * H)
    withdrawn = sla.withdraw_appointment(booked, None)
    assert withdrawn.due_at == clock.due_at == RECEIVED + 7 * H
    assert withdrawn.basis is DueBasis.POLICY and withdrawn.pausable
    assert withdrawn.state(RECEIVED + 8 * H) is ClockState.BREACHED


def test_a_withdrawn_appointment_gives_way_to_the_next_booked_visit() -> None:
    booked = sla.appoint(handle(), RECEIVED + 30 * H, RECEIVED + 1 * H)
    withdrawn = sla.withdraw_appointment(booked, RECEIVED + 20 * H)
    assert withdrawn.due_at == RECEIVED + 20 * H
    assert withdrawn.basis is DueBasis.APPOINTMENT


@settings(max_examples=200)
@given(st.integers(1, 5 * 60), st.integers(1, 72 * 60))
def test_booking_then_withdrawing_changes_no_policy_deadline(booked_at: int, ends_in: int) -> None:
    clock = handle()
    at = RECEIVED + timedelta(minutes=booked_at)
    booked = sla.appoint(clock, at + timedelta(minutes=ends_in), at)
    assert sla.withdraw_appointment(booked, None) == clock


# --- facts entered later are judged by their own times ------------------------------------------


@settings(max_examples=200)
@given(st.integers(0, 6 * 60 - 1), st.integers(0, 100 * 60))
def test_a_fact_is_judged_by_its_time_whether_or_not_the_sweep_ran_first(
    stopped_after: int, swept_after: int
) -> None:
    clock = handle()
    at = RECEIVED + timedelta(minutes=stopped_after)
    swept, _ = sweep(clock, RECEIVED + timedelta(minutes=swept_after))
    judged = sla.stop(swept, at)
    assert judged.breached_at is None
    assert judged.state(at + 100 * H) is ClockState.MET
    # A warning stays only if it came before the fact.
    assert judged.warned_at is None or judged.warned_at <= at


# --- complaint extensions: agreed, on a working day, within the policy ------------------------

COMPLAINT_REPLY_POLICY = next(
    p for p in sla.DEFAULT_POLICIES if p.ticket_type is TicketType.COMPLAINT
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.integers(0, 3))
def test_an_allowed_extension_lands_on_a_working_day_within_the_policy(
    days_later: int, earlier_extensions: int
) -> None:
    clock = replace(complaint_reply(), extensions=earlier_extensions)
    new_due = sla.end_of_local_day(
        sla.deadline_day(clock.original_due_at, TZ) + timedelta(days=days_later), TZ
    )
    refusal = sla.extension_refusal(clock, new_due, COMPLAINT_REPLY_POLICY, CALENDAR, TZ)
    day = sla.deadline_day(new_due, TZ)
    furthest = CALENDAR.working_days_after(
        sla.deadline_day(clock.original_due_at, TZ), sla.DEFAULT_EXTENSION_DAYS
    ).day
    allowed = (
        earlier_extensions < sla.DEFAULT_EXTENSION_LIMIT
        and CALENDAR.is_workday(day)
        and day <= furthest
    )
    assert (refusal is None) == allowed


def test_an_extension_records_how_and_when_the_customer_agreed() -> None:
    clock = complaint_reply()
    new_due = clock.due_at + timedelta(days=3)
    extended = sla.extend(
        clock, new_due, "需检测", RECEIVED + 1 * H, agreed_via="电话", agreed_at=RECEIVED
    )
    assert (extended.extensions, extended.extension_agreed_via) == (1, "电话")
    assert extended.extension_agreed_at == RECEIVED


# --- the rules' own values --------------------------------------------------------------------


@given(st.sampled_from(sla.DEFAULT_POLICIES), st.integers(0, 100_000))
def test_a_target_is_looser_than_the_rules_exactly_when_it_gives_more_time(
    policy: SlaPolicy, amount: int
) -> None:
    assert regulations.policy_looser(policy, amount) is (amount > policy.amount)


@given(st.sampled_from(sorted(regulations.KPI_RULE_TARGETS)), st.floats(0, 1))
def test_a_kpi_target_is_looser_exactly_when_it_asks_less(name: str, target: float) -> None:
    assert regulations.kpi_looser(name, target) is (target < regulations.KPI_RULE_TARGETS[name])


def test_a_clock_retimed_to_a_future_start_is_scheduled_until_it_starts() -> None:
    """An outage ticket joined to a planned outage runs from the planned start: until then
    it is neither running nor late."""
    planned_start = RECEIVED + 10 * 24 * H
    clock = replace(
        handle(),
        started_at=planned_start,
        target_due_at=planned_start + 6 * H,
        original_due_at=planned_start + 6 * H,
    )
    assert clock.state(RECEIVED) is ClockState.SCHEDULED
    assert clock.state(planned_start - timedelta(seconds=1)) is ClockState.SCHEDULED
    assert clock.state(planned_start) is ClockState.RUNNING
    assert clock.state(planned_start + 6 * H) is ClockState.BREACHED


@given(
    ahead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    before=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=60)),
)
def test_a_clock_is_never_running_or_late_before_its_start(
    ahead: timedelta, before: timedelta
) -> None:
    planned_start = RECEIVED + ahead
    clock = replace(
        handle(),
        started_at=planned_start,
        target_due_at=planned_start + 6 * H,
        original_due_at=planned_start + 6 * H,
    )
    assert clock.state(planned_start - before) is ClockState.SCHEDULED
    assert clock.state(planned_start) is ClockState.RUNNING
