"""Visit windows and the 2 h notice rule (tickets/visits.py); KPI formulas and first-time fix
over 30 days (tickets/kpi.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.kpi import Repair, first_time_fix_rate, rate, repeat_repairs
from tickets.visits import Shift, VisitError, Window, change_against_crew, missed, overlapping

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WINDOW = Window(NOW + timedelta(hours=4), NOW + timedelta(hours=6))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (timedelta(hours=4), timedelta(hours=3), "end"),
        (timedelta(hours=4), timedelta(hours=4), "end"),
        (timedelta(hours=-1), timedelta(hours=1), "start"),
        (timedelta(hours=1), timedelta(hours=14), "end"),
    ],
)
def test_a_window_that_cannot_be_kept_is_refused(
    start: timedelta, end: timedelta, field: str
) -> None:
    with pytest.raises(VisitError) as refused:
        Window(NOW + start, NOW + end).check(NOW)
    assert refused.value.field == field


def test_a_sensible_window_is_accepted() -> None:
    WINDOW.check(NOW)
    Window(NOW, NOW + timedelta(hours=12)).check(NOW)


@pytest.mark.parametrize(
    ("told", "against_crew"),
    [
        (None, True),  # never told
        (timedelta(hours=4), False),  # told right away, 4 h ahead
        (timedelta(hours=2), False),  # exactly 2 h ahead is enough
        (timedelta(hours=2) - timedelta(seconds=1), True),  # a second late
        (timedelta(minutes=30), True),
    ],
)
def test_the_two_hour_notice_rule(told: timedelta | None, against_crew: bool) -> None:
    told_at = None if told is None else WINDOW.start - told
    assert change_against_crew(WINDOW, told_at) is against_crew


def test_a_missed_appointment() -> None:
    assert not missed(WINDOW, WINDOW.start + timedelta(minutes=30), WINDOW.end + timedelta(hours=1))
    assert missed(WINDOW, WINDOW.end + timedelta(minutes=1), WINDOW.end + timedelta(hours=1))
    assert not missed(WINDOW, None, WINDOW.end)
    assert missed(WINDOW, None, WINDOW.end + timedelta(seconds=1))


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "end", "on", "off"),
    [
        ("08:00", "20:00", [(20, 8, 0), (20, 19, 59), (21, 12, 0)], [(20, 7, 59), (20, 20, 0)]),
        # A night shift runs past midnight.
        ("20:00", "08:00", [(20, 20, 0), (20, 23, 30), (21, 0, 0), (21, 7, 59)], [(20, 8, 0)]),
        ("00:00", "24:00", [(20, 0, 0), (20, 23, 59)], []),
        ("06:00", "06:00", [(20, 5, 59), (20, 6, 0)], []),
    ],
)
def test_who_is_on_shift(
    start: str, end: str, on: list[tuple[int, int, int]], off: list[tuple[int, int, int]]
) -> None:
    shift = Shift.parse(start, end)
    assert all(shift.on_shift(shanghai(*at), SHANGHAI) for at in on)
    assert not any(shift.on_shift(shanghai(*at), SHANGHAI) for at in off)


def test_a_visit_must_lie_within_one_stretch_of_the_shift() -> None:
    day, night = Shift.parse("08:00", "20:00"), Shift.parse("20:00", "08:00")
    assert day.holds(Window(shanghai(21, 9), shanghai(21, 11)), SHANGHAI)
    assert day.holds(Window(shanghai(21, 8), shanghai(21, 20)), SHANGHAI)
    assert not day.holds(Window(shanghai(21, 19), shanghai(21, 21)), SHANGHAI)
    assert not day.holds(Window(shanghai(21, 6), shanghai(21, 9)), SHANGHAI)
    assert night.holds(Window(shanghai(21, 23), shanghai(22, 2)), SHANGHAI)
    assert night.holds(Window(shanghai(22, 1), shanghai(22, 3)), SHANGHAI)
    assert not night.holds(Window(shanghai(22, 7), shanghai(22, 9)), SHANGHAI)
    always = Shift.parse("00:00", "24:00")
    assert always.holds(Window(shanghai(21, 23), shanghai(22, 1)), SHANGHAI)
    # Times in UTC are read in local time: 01:00 UTC is 09:00 in Shanghai.
    utc = Window(datetime(2026, 11, 21, 1, tzinfo=UTC), datetime(2026, 11, 21, 3, tzinfo=UTC))
    assert day.holds(utc, SHANGHAI)


@pytest.mark.parametrize(("start", "end"), [("24:00", "08:00"), ("08:00", "25:00"), ("8", "9")])
def test_a_shift_that_is_not_one_is_refused(start: str, end: str) -> None:
    with pytest.raises(ValueError):
        Shift.parse(start, end)


minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)


@settings(max_examples=300, deadline=None)
@given(begins=minutes_of_day, ends=minutes_of_day, at=st.integers(0, 3 * 24 * 60))
def test_on_shift_agrees_with_counting_minutes(begins: int, ends: int, at: int) -> None:
    shift = Shift.parse(f"{begins // 60:02}:{begins % 60:02}", f"{ends // 60:02}:{ends % 60:02}")
    moment = shanghai(20, 0) + timedelta(minutes=at)
    minute = at % (24 * 60)
    if begins < ends:
        expected = begins <= minute < ends
    elif begins > ends:
        expected = minute >= begins or minute < ends
    else:
        expected = True
    assert shift.on_shift(moment, SHANGHAI) is expected
    window = Window(moment, moment + timedelta(minutes=30))
    if shift.holds(window, SHANGHAI):
        assert shift.on_shift(window.start, SHANGHAI)
        assert shift.on_shift(window.end - timedelta(minutes=1), SHANGHAI)


def test_one_technician_one_door_at_a_time() -> None:
    nine_to_eleven = Window(shanghai(21, 9), shanghai(21, 11))
    assert overlapping(Window(shanghai(21, 10), shanghai(21, 12)), [nine_to_eleven])
    assert overlapping(Window(shanghai(21, 9, 30), shanghai(21, 10)), [nine_to_eleven])
    assert overlapping(Window(shanghai(21, 8), shanghai(21, 12)), [nine_to_eleven])
    # Back to back is fine.
    assert overlapping(Window(shanghai(21, 11), shanghai(21, 13)), [nine_to_eleven]) is None
    assert overlapping(Window(shanghai(21, 7), shanghai(21, 9)), [nine_to_eleven]) is None
    assert overlapping(nine_to_eleven, []) is None


@settings(max_examples=300, deadline=None)
@given(
    a=st.tuples(st.integers(0, 48), st.integers(1, 12)),
    b=st.tuples(st.integers(0, 48), st.integers(1, 12)),
)
def test_clashing_is_symmetric_and_means_a_shared_minute(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    def window(start: int, hours: int) -> Window:
        begins = shanghai(21, 0) + timedelta(hours=start)
        return Window(begins, begins + timedelta(hours=hours))

    first, second = window(*a), window(*b)
    clash = overlapping(first, [second]) is not None
    assert clash == (overlapping(second, [first]) is not None)
    shared = set(range(a[0] * 60, (a[0] + a[1]) * 60)) & set(range(b[0] * 60, (b[0] + b[1]) * 60))
    assert clash == bool(shared)


def test_rates_are_none_with_nothing_to_measure() -> None:
    assert rate(0, 0) is None
    assert rate(3, 4) == 0.75
    with pytest.raises(ValueError):
        rate(5, 4)


def day(n: int) -> datetime:
    return datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=n)


def test_a_repeat_within_30_days_of_the_fix_is_a_miss() -> None:
    repairs = [
        Repair("A", 1, "indoor_equipment", day(0), day(1)),
        Repair("B", 1, "indoor_equipment", day(31), day(31)),  # 30 days after A's fix: a miss
        Repair("C", 1, "indoor_equipment", day(62), day(63)),  # 31 days after B's fix: not
        Repair("D", 1, "network_fault", day(32), day(33)),  # another fault
        Repair("E", 2, "indoor_equipment", day(2), day(3)),  # another customer
        Repair("F", None, "indoor_equipment", day(2), day(3)),  # unknown caller
        Repair("G", 3, "gas_smell", day(0), None),  # not fixed yet
        Repair("H", 3, "gas_smell", day(5), day(5)),  # G was never fixed: no miss
    ]
    assert repeat_repairs(repairs) == {"A"}
    # Seven fixed repairs, one of them not fixed the first time.
    assert first_time_fix_rate(repairs) == pytest.approx(6 / 7)
    assert first_time_fix_rate([]) is None


def test_a_repeat_before_the_fix_is_the_same_visit_not_a_miss() -> None:
    repairs = [
        Repair("A", 1, "indoor_equipment", day(0), day(3)),
        Repair("B", 1, "indoor_equipment", day(1), day(3)),  # called again while waiting
    ]
    assert repeat_repairs(repairs) == set()


repair_lists = st.lists(
    st.builds(
        lambda n, customer, subtype, received, took: Repair(
            f"T{n}",
            customer,
            subtype,
            day(received),
            None if took is None else day(received) + timedelta(hours=took),
        ),
        n=st.integers(0, 10**6),
        customer=st.none() | st.integers(1, 3),
        subtype=st.sampled_from(["indoor_equipment", "network_fault"]),
        received=st.integers(0, 120),
        took=st.none() | st.integers(0, 72),
    ),
    max_size=12,
    unique_by=lambda repair: repair.ticket,
)


@settings(max_examples=300, deadline=None)
@given(repairs=repair_lists)
def test_a_miss_is_exactly_a_fixed_repair_with_a_repeat_within_30_days(
    repairs: list[Repair],
) -> None:
    misses = repeat_repairs(repairs)
    for repair in repairs:
        fixed_at = repair.fixed_at
        repeated = (
            fixed_at is not None
            and repair.customer is not None
            and any(
                other.customer == repair.customer
                and other.subtype == repair.subtype
                and other.ticket != repair.ticket
                and timedelta(0) <= other.received_at - fixed_at <= timedelta(days=30)
                for other in repairs
            )
        )
        assert (repair.ticket in misses) == repeated
    result = first_time_fix_rate(repairs)
    assert result is None or 0 <= result <= 1


def test_a_reopened_repair_was_not_fixed_first_time() -> None:
    day = datetime(2026, 11, 2, 10, tzinfo=UTC)
    repairs = [
        Repair("R1", None, "indoor_equipment", day, day + timedelta(hours=2), reopened=True),
        Repair("R2", None, "indoor_equipment", day, day + timedelta(hours=2)),
    ]
    assert repeat_repairs(repairs) == {"R1"}
    assert first_time_fix_rate(repairs) == 0.5
