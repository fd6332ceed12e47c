"""Follow-up callbacks (tickets/callbacks.py): the first attempt, quiet hours across midnight,
retries on different half-days, the end of a task, surveys."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.callbacks import (
    CallbackError,
    CallbackKind,
    CallbackPolicy,
    Outcome,
    QuietHours,
    Survey,
    TaskState,
    TaskStatus,
    callback_for,
    half_day,
    outside_window,
    record_attempt,
    record_survey,
    sampled,
    schedule,
)
from tickets.types import TicketType
from tickets.workflow import Action

TZ = ZoneInfo("Asia/Shanghai")
POLICY = CallbackPolicy()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("kind", "event", "earliest"),
    [
        (CallbackKind.COMPLAINT, local(20, 10), local(20, 11)),  # 1 h after resolution
        (CallbackKind.REPAIR, local(20, 10), local(20, 12)),  # 2 h after the fix
        (CallbackKind.REPAIR, local(20, 19, 30), local(21, 8)),  # 21:30 is quiet: next 08:00
        (CallbackKind.COMPLAINT, local(20, 20, 0), local(21, 8)),  # 21:00 is already quiet
        (CallbackKind.COMPLAINT, local(20, 23, 50), local(21, 8)),  # past midnight still quiet
        (CallbackKind.REPAIR, local(21, 5, 0), local(21, 8)),  # 07:00 is quiet
        (CallbackKind.REPAIR, local(21, 6, 0), local(21, 8)),  # 08:00 exactly is allowed
        (CallbackKind.VISIT, local(21, 6, 1), local(21, 8, 1)),
    ],
)
def test_the_first_attempt_waits_and_never_falls_in_quiet_hours(
    kind: CallbackKind, event: datetime, earliest: datetime
) -> None:
    planned = schedule(kind, event, POLICY, TZ)
    assert planned.not_before == earliest
    assert planned.due_by == event + timedelta(days=3)


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    night = QuietHours(time(21, 0), time(8, 0))
    assert [night.holds(time(h)) for h in (20, 21, 23, 0, 7, 8, 12)] == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    lunch = QuietHours(time(12, 0), time(13, 30))
    assert [lunch.holds(time(h, m)) for h, m in ((11, 59), (12, 0), (13, 29), (13, 30))] == [
        False,
        True,
        True,
        False,
    ]
    assert not QuietHours(time(9), time(9)).holds(time(9))
    assert lunch.next_allowed(local(20, 12, 10), TZ) == local(20, 13, 30)


def test_half_days_are_local_mornings_and_afternoons() -> None:
    assert half_day(local(20, 11, 59), TZ) == ("2026-11-20", False)
    assert half_day(local(20, 12, 0), TZ) == ("2026-11-20", True)
    # 03:30 UTC is 11:30 in Shanghai: still the morning.
    assert half_day(datetime(2026, 11, 20, 3, 30, tzinfo=UTC), TZ) == ("2026-11-20", False)


def test_three_attempts_on_three_half_days_then_unreachable() -> None:
    task = TaskState(TaskStatus.PENDING, local(20, 9))
    task = record_attempt(task, Outcome.NO_ANSWER, local(20, 9, 5), POLICY, TZ)
    # The same morning is used up: the afternoon, at noon.
    assert (task.status, task.not_before) == (TaskStatus.PENDING, local(20, 12))
    task = record_attempt(task, Outcome.BUSY, local(20, 14), POLICY, TZ)
    # The evening after 21:00 is quiet and the afternoon is used: the next morning at 08:00.
    assert task.not_before == local(21, 8)
    task = record_attempt(task, Outcome.NO_ANSWER, local(21, 8, 30), POLICY, TZ)
    assert task.status is TaskStatus.UNREACHABLE
    assert len(task.attempts) == 3
    with pytest.raises(CallbackError) as refused:
        record_attempt(task, Outcome.REACHED, local(21, 9), POLICY, TZ)
    assert refused.value.field == "status"


def test_a_late_evening_failure_retries_the_next_morning() -> None:
    task = TaskState(TaskStatus.PENDING, local(20, 20))
    task = record_attempt(task, Outcome.NO_ANSWER, local(20, 20, 30), POLICY, TZ)
    assert task.not_before == local(21, 8)


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.REACHED, TaskStatus.IN_PROGRESS),
        (Outcome.REFUSED, TaskStatus.REFUSED),
        (Outcome.WRONG_NUMBER, TaskStatus.WRONG_NUMBER),
    ],
)
def test_outcomes_that_end_the_calling(outcome: Outcome, status: TaskStatus) -> None:
    task = record_attempt(
        TaskState(TaskStatus.PENDING, local(20, 9)), outcome, local(20, 9), POLICY, TZ
    )
    assert task.status is status


def test_an_attempt_before_the_previous_one_is_refused() -> None:
    task = record_attempt(
        TaskState(TaskStatus.PENDING, local(20, 9)), Outcome.BUSY, local(20, 10), POLICY, TZ
    )
    with pytest.raises(CallbackError) as refused:
        record_attempt(task, Outcome.BUSY, local(20, 9), POLICY, TZ)
    assert refused.value.field == "at"


def test_a_survey_needs_a_reached_customer_and_valid_scores() -> None:
    pending = TaskState(TaskStatus.PENDING, local(20, 9))
    good = Survey(score=5, resolved=True, on_time=True, courtesy=5)
    with pytest.raises(CallbackError):
        record_survey(pending, good)
    reached = record_attempt(pending, Outcome.REACHED, local(20, 9), POLICY, TZ)
    assert record_survey(reached, good).status is TaskStatus.DONE
    for bad, field in ((Survey(0, True, True, 3), "score"), (Survey(3, True, True, 6), "courtesy")):
        with pytest.raises(CallbackError) as refused:
            record_survey(reached, bad)
        assert refused.value.field == field
    with pytest.raises(CallbackError):
        record_survey(record_survey(reached, good), good)  # twice


@pytest.mark.parametrize(
    ("score", "resolved", "unhappy"),
    [(1, True, True), (2, True, True), (3, True, False), (5, False, True), (5, True, False)],
)
def test_an_unhappy_survey_reopens(score: int, resolved: bool, unhappy: bool) -> None:
    assert Survey(score, resolved, True, 4).unhappy is unhappy


def test_the_consultation_sample_is_stable_and_about_its_share() -> None:
    numbers = [f"ZX-20261120-{n:04d}" for n in range(5000)]
    chosen = [number for number in numbers if sampled(number, 0.1)]
    assert 400 < len(chosen) < 600
    assert chosen == [number for number in numbers if sampled(number, 0.1)]
    assert not any(sampled(number, 0) for number in numbers[:100])
    assert all(sampled(number, 1) for number in numbers[:100])


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(TZ)
)


@settings(max_examples=300, deadline=None)
@given(event=moments, kind=st.sampled_from(list(CallbackKind)))
def test_no_first_attempt_in_quiet_hours_and_none_before_its_delay(
    event: datetime, kind: CallbackKind
) -> None:
    planned = schedule(kind, event, POLICY, TZ)
    assert not POLICY.quiet.holds(planned.not_before.astimezone(TZ).time())
    assert planned.not_before >= event + POLICY.delays[kind]
    # Never later than the end of the quiet hours that held it.
    assert planned.not_before - (event + POLICY.delays[kind]) <= timedelta(hours=11)


@settings(max_examples=300, deadline=None)
@given(
    first=moments,
    gaps=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=30)), max_size=4),
)
def test_retries_are_on_new_half_days_outside_quiet_hours(
    first: datetime, gaps: list[timedelta]
) -> None:
    task = TaskState(TaskStatus.PENDING, first)
    at = first
    for gap in gaps:
        if task.status is not TaskStatus.PENDING:
            break
        at = max(at, task.not_before) + gap
        # A time the gap puts in the quiet hours: the customer asked to be called then.
        reason = "客户要求此时回电" if outside_window(task, at, POLICY, TZ) else None
        task = record_attempt(task, Outcome.NO_ANSWER, at, POLICY, TZ, reason)
        if task.status is TaskStatus.PENDING:
            assert task.not_before >= at
            assert not POLICY.quiet.holds(task.not_before.astimezone(TZ).time())
            used = {half_day(moment, TZ) for moment, _ in task.attempts}
            assert half_day(task.not_before, TZ) not in used
    assert len(task.attempts) <= POLICY.max_attempts
    # Unreachable only once every attempt is used; pending while some are left.
    assert (task.status is TaskStatus.UNREACHABLE) == (len(task.attempts) == POLICY.max_attempts)


@pytest.mark.parametrize(
    ("ticket_type", "action", "kind"),
    [
        (TicketType.COMPLAINT, Action.RESOLVE, CallbackKind.COMPLAINT),
        (TicketType.REPAIR, Action.FIX, CallbackKind.REPAIR),
        (TicketType.REPAIR, Action.RESOLVE, None),  # its callback came with the fix
        (TicketType.COMPLAINT, Action.REPLY, None),
        (TicketType.OUTAGE, Action.RESOLVE, None),
    ],
)
def test_the_events_that_call_for_a_callback(
    ticket_type: TicketType, action: Action, kind: CallbackKind | None
) -> None:
    assert callback_for(ticket_type, action, "BX-20261120-0001", POLICY) is kind


def test_resolved_consultations_get_a_callback_in_the_sample_only() -> None:
    every = CallbackPolicy(consultation_sample=1.0)
    none = CallbackPolicy(consultation_sample=0.0)
    number = "ZX-20261120-0001"
    assert callback_for(TicketType.CONSULTATION, Action.RESOLVE, number, every) is (
        CallbackKind.CONSULTATION
    )
    assert callback_for(TicketType.CONSULTATION, Action.RESOLVE, number, none) is None


@pytest.mark.parametrize(
    "at", [local(20, 8, 59), local(20, 22)], ids=["before its time", "in the quiet hours"]
)
def test_an_attempt_outside_the_window_needs_a_reason(at: datetime) -> None:
    task = TaskState(TaskStatus.PENDING, local(20, 9))
    with pytest.raises(CallbackError) as refused:
        record_attempt(task, Outcome.NO_ANSWER, at, POLICY, TZ)
    assert refused.value.field == "reason"
    after = record_attempt(task, Outcome.NO_ANSWER, at, POLICY, TZ, "客户要求现在回电")
    assert after.attempts == ((at, Outcome.NO_ANSWER),)


def test_an_outage_restored_gets_a_follow_up_callback_like_a_repair() -> None:
    assert callback_for(TicketType.OUTAGE, Action.FIX, "TQ-1", POLICY) is CallbackKind.REPAIR
