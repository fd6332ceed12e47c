"""The ring-back rules: order (gas smell first, then original arrival), one open ring-back per
number, attempts and retries, quiet hours, missed calls, and who dials what when agents are
free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.callbacks import QuietHours
from tickets.ringbacks import (
    DialOutcome,
    Request,
    Ringback,
    RingbackError,
    RingbackPolicy,
    RingbackReason,
    RingbackStatus,
    after_attempt,
    callable_number,
    choose_dials,
    dial_order,
    drop,
    joined_queue_at,
    may_call_now,
    merge,
    missed_call_ripe,
    place,
    reached_otherwise,
    reason_of_missed_call,
    start_dialling,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
POLICY = RingbackPolicy()


@dataclass(frozen=True)
class Seats:
    waiting: int
    ready_interfaces: tuple[str, ...]


def ringback(
    id: int,
    minutes_ago: float,
    reason: RingbackReason = RingbackReason.MISSED_CALL,
    *,
    status: RingbackStatus = RingbackStatus.WAITING,
    queue: str | None = None,
    next_attempt_at: datetime | None = None,
    attempts: int = 0,
) -> Ringback:
    return Ringback(
        id=id,
        reason=reason,
        status=status,
        arrived_at=NOON - timedelta(minutes=minutes_ago),
        queue=queue,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
    )


def test_gas_smell_goes_first_then_the_earliest_arrival() -> None:
    early = ringback(1, 30)
    late = ringback(2, 5, RingbackReason.VIRTUAL_HOLD)
    gas = ringback(3, 1, RingbackReason.GAS_SMELL_MISSED)
    assert [r.id for r in sorted([late, early, gas], key=dial_order)] == [3, 1, 2]
    assert place(1, [late, early, gas]) == 2
    assert place(2, [late, early, gas]) == 3


def test_a_finished_ring_back_has_no_place() -> None:
    done = ringback(1, 5, status=RingbackStatus.CONNECTED)
    with pytest.raises(RingbackError):
        place(1, [done])


def test_asking_again_keeps_the_earlier_place() -> None:
    missed = Request(RingbackReason.MISSED_CALL, NOON - timedelta(minutes=20), "repair", "hotline")
    asked = Request(RingbackReason.VIRTUAL_HOLD, NOON, "complaint", "hotline", customer_id=7)
    merged = merge(missed, asked)
    assert merged.arrived_at == missed.arrived_at
    assert (merged.reason, merged.ticket_type) == (RingbackReason.MISSED_CALL, "repair")
    assert merged.customer_id == 7, "what was missing is filled in"


def test_a_gas_smell_makes_the_ring_back_an_emergency() -> None:
    asked = Request(RingbackReason.VIRTUAL_HOLD, NOON - timedelta(minutes=20), "repair", "hotline")
    gas = Request(RingbackReason.GAS_SMELL_MISSED, NOON, "gas-smell", "emergency")
    merged = merge(asked, gas)
    assert merged.reason is RingbackReason.GAS_SMELL_MISSED
    assert (merged.ticket_type, merged.queue) == ("gas-smell", "emergency")
    assert merged.arrived_at == asked.arrived_at


reasons = st.sampled_from(RingbackReason)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
requests = st.builds(
    Request,
    reason=reasons,
    arrived_at=moments,
    ticket_type=st.sampled_from([None, "repair", "gas-smell", "complaint"]),
    queue=st.sampled_from([None, "hotline", "emergency"]),
    customer_id=st.one_of(st.none(), st.integers(1, 100)),
)


@given(requests, requests)
def test_merging_keeps_the_earliest_arrival_and_any_gas_smell(one: Request, two: Request) -> None:
    merged = merge(one, two)
    assert merged.arrived_at == min(one.arrived_at, two.arrived_at)
    gas = RingbackReason.GAS_SMELL_MISSED
    assert (merged.reason is gas) == (gas in (one.reason, two.reason))
    assert merge(merged, merged) == merged


def test_an_unanswered_attempt_waits_then_fails_when_attempts_are_used_up() -> None:
    dialling = start_dialling(ringback(1, 5), NOON)
    again = after_attempt(dialling, DialOutcome.NO_ANSWER, NOON, POLICY)
    assert again.status is RingbackStatus.WAITING and again.attempts == 1
    assert again.next_attempt_at == NOON + POLICY.retry_after
    with pytest.raises(RingbackError):
        start_dialling(again, NOON + timedelta(minutes=1))
    state = again
    for _ in range(POLICY.max_attempts - 1):
        moment = state.next_attempt_at
        assert moment is not None
        state = after_attempt(start_dialling(state, moment), DialOutcome.BUSY, moment, POLICY)
    assert state.status is RingbackStatus.FAILED and state.attempts == POLICY.max_attempts


def test_an_answered_attempt_connects() -> None:
    dialling = start_dialling(ringback(1, 5), NOON)
    done = after_attempt(dialling, DialOutcome.ANSWERED, NOON, POLICY)
    assert done.status is RingbackStatus.CONNECTED and done.attempts == 1
    with pytest.raises(RingbackError):
        drop(done)
    with pytest.raises(RingbackError):
        after_attempt(done, DialOutcome.ANSWERED, NOON, POLICY)


def test_open_ring_backs_are_dropped_or_reached_by_hand() -> None:
    assert drop(ringback(1, 5)).status is RingbackStatus.DROPPED
    dialling = ringback(1, 5, status=RingbackStatus.DIALLING)
    assert reached_otherwise(dialling).status is RingbackStatus.CONNECTED


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(DialOutcome), min_size=1, max_size=12),
    st.integers(1, 6),
)
def test_attempts_never_pass_the_policy(outcomes: list[DialOutcome], limit: int) -> None:
    policy = RingbackPolicy(max_attempts=limit)
    state = ringback(1, 5)
    moment = NOON
    for outcome in outcomes:
        if not state.status.open:
            break
        state = after_attempt(start_dialling(state, moment), outcome, moment, policy)
        moment = state.next_attempt_at or moment
    assert state.attempts <= limit
    if state.status is RingbackStatus.FAILED:
        assert state.attempts == limit and DialOutcome.ANSWERED not in outcomes[:limit]
    if state.status is RingbackStatus.WAITING:
        assert state.next_attempt_at is not None and state.attempts < limit


def test_quiet_hours_hold_an_old_ring_back_but_not_a_fresh_one_or_a_gas_smell() -> None:
    night = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    policy = RingbackPolicy(quiet=QuietHours(time(21, 0), time(8, 0)))
    old = Ringback(
        1, RingbackReason.MISSED_CALL, RingbackStatus.WAITING, night - timedelta(hours=3)
    )
    fresh = Ringback(2, RingbackReason.MISSED_CALL, RingbackStatus.WAITING, night)
    gas = Ringback(3, RingbackReason.GAS_SMELL_MISSED, RingbackStatus.WAITING, old.arrived_at)
    assert not may_call_now(old, night, policy, SHANGHAI)
    assert may_call_now(fresh, night, policy, SHANGHAI)
    assert may_call_now(gas, night, policy, SHANGHAI)
    assert may_call_now(old, NOON, policy, SHANGHAI)


def test_a_missed_call_waits_the_grace_time_a_gas_smell_does_not() -> None:
    ended = NOON - timedelta(minutes=1)
    assert not missed_call_ripe(RingbackReason.MISSED_CALL, ended, NOON, POLICY)
    assert missed_call_ripe(
        RingbackReason.MISSED_CALL, ended, NOON + POLICY.missed_call_grace, POLICY
    )
    assert missed_call_ripe(RingbackReason.GAS_SMELL_MISSED, ended, NOON, POLICY)
    assert reason_of_missed_call("gas-smell", "hotline") is RingbackReason.GAS_SMELL_MISSED
    assert reason_of_missed_call(None, "emergency") is RingbackReason.GAS_SMELL_MISSED
    assert reason_of_missed_call("repair", "hotline") is RingbackReason.MISSED_CALL


def test_the_place_in_the_queue_is_when_the_caller_joined_it() -> None:
    start = NOON - timedelta(minutes=5)
    assert joined_queue_at(start, NOON, 60) == NOON - timedelta(seconds=60)
    assert joined_queue_at(start, None, None) == start
    assert joined_queue_at(start, NOON, 3600) == start, "never before the call began"


def test_only_real_caller_ids_are_called_back() -> None:
    assert callable_number("013800138001", "571") == "+8613800138001"
    assert callable_number("+8613800138001", "571") == "+8613800138001"
    for withheld in (None, "anonymous", "96777", "8001", ""):
        assert callable_number(withheld, "571") is None


def test_a_free_agent_rings_back_the_earliest_caller_once_the_queue_is_empty() -> None:
    early, late = ringback(1, 30), ringback(2, 10)
    empty = {"hotline": Seats(0, ("PJSIP/8001",))}
    assert choose_dials([late, early], empty, (), NOON, POLICY, SHANGHAI) == [(early, "PJSIP/8001")]
    busy = {"hotline": Seats(1, ("PJSIP/8001",))}
    assert choose_dials([late, early], busy, (), NOON, POLICY, SHANGHAI) == []
    assert choose_dials([early], empty, ("PJSIP/8001",), NOON, POLICY, SHANGHAI) == []


def test_a_gas_smell_goes_ahead_of_callers_waiting_and_takes_any_free_agent() -> None:
    gas = ringback(1, 1, RingbackReason.GAS_SMELL_MISSED, queue="emergency")
    missed = ringback(2, 30)
    queues = {"emergency": Seats(2, ()), "hotline": Seats(0, ("PJSIP/8001", "PJSIP/8002"))}
    assert choose_dials([missed, gas], queues, (), NOON, POLICY, SHANGHAI) == [
        (gas, "PJSIP/8001"),
        (missed, "PJSIP/8002"),
    ]


def test_a_ring_back_waits_for_its_retry_time() -> None:
    later = ringback(1, 30, next_attempt_at=NOON + timedelta(minutes=5), attempts=1)
    queues = {"hotline": Seats(0, ("PJSIP/8001",))}
    assert choose_dials([later], queues, (), NOON, POLICY, SHANGHAI) == []
    assert choose_dials([later], queues, (), NOON + timedelta(minutes=5), POLICY, SHANGHAI)


phones = st.sampled_from([f"PJSIP/80{n:02d}" for n in range(1, 9)])
seats = st.builds(
    Seats,
    waiting=st.integers(0, 3),
    ready_interfaces=st.lists(phones, unique=True, max_size=4).map(tuple),
)
ringback_lists = st.lists(
    st.builds(
        Ringback,
        id=st.integers(1, 10_000),
        reason=reasons,
        status=st.sampled_from(RingbackStatus),
        arrived_at=st.datetimes(
            min_value=datetime(2026, 11, 20, 2), max_value=datetime(2026, 11, 20, 4)
        ).map(lambda moment: moment.replace(tzinfo=UTC)),
        queue=st.sampled_from([None, "hotline", "emergency"]),
        attempts=st.integers(0, 2),
        next_attempt_at=st.one_of(st.none(), st.just(NOON + timedelta(minutes=5))),
    ),
    max_size=12,
    unique_by=lambda r: r.id,
)


@settings(max_examples=300)
@given(
    ringback_lists,
    st.dictionaries(st.sampled_from(["hotline", "emergency"]), seats),
    st.lists(phones, max_size=3),
)
def test_the_dialler_never_rings_a_phone_twice_nor_jumps_the_queue(
    ringbacks: list[Ringback], queues: dict[str, Seats], in_use: list[str]
) -> None:
    chosen = choose_dials(ringbacks, queues, in_use, NOON, POLICY, SHANGHAI)
    rung = [phone for _, phone in chosen]
    assert len(rung) == len(set(rung)) and not set(rung) & set(in_use)
    assert [r for r, _ in chosen] == sorted((r for r, _ in chosen), key=dial_order)
    for picked, phone in chosen:
        assert picked.status is RingbackStatus.WAITING
        assert picked.next_attempt_at is None or picked.next_attempt_at <= NOON
        assert any(phone in queue.ready_interfaces for queue in queues.values())
        if not picked.gas_smell:
            own = queues[picked.queue or "hotline"]
            assert own.waiting == 0 and phone in own.ready_interfaces
    # A free phone of a quiet queue never idles while an earlier caller of it waits.
    left = {phone for q in queues.values() for phone in q.ready_interfaces} - set(in_use)
    left -= set(rung)
    for skipped in ringbacks:
        if skipped in [r for r, _ in chosen] or skipped.status is not RingbackStatus.WAITING:
            continue
        if skipped.next_attempt_at is not None or skipped.gas_smell:
            continue
        own = queues.get(skipped.queue or "hotline")
        if own is not None and own.waiting == 0:
            assert not set(own.ready_interfaces) & left
