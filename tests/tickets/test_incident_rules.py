"""The incident rules: 48-hour notice for planned outages, clocks from the planned start (or
the report), the steps announced → under way → restored → relit → closed, who is affected,
and clusters of no-gas reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets import sla
from tickets.incidents import (
    NOTICE_AHEAD,
    TRANSITIONS,
    Cause,
    ClockName,
    ClockState,
    ClusterPolicy,
    IncidentInvalid,
    Kind,
    Move,
    MoveNotAllowed,
    Plan,
    Report,
    Status,
    affects,
    check_plan,
    clocks,
    clusters,
    expected_back,
    follow_incident,
    moves_from,
    next_status,
    notice_share,
)

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def planned(start: datetime, hours: int = 8, reason: str | None = None) -> Plan:
    return Plan(
        Kind.PLANNED,
        Cause.PIPELINE_INSPECTION,
        ("西湖区-文新街道",),
        (),
        reported_at=NOW,
        planned_start=start,
        planned_end=start + timedelta(hours=hours),
        short_notice_reason=reason,
    )


def test_planned_outage_for_10_december_is_clocked_from_its_start() -> None:
    start = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    plan = planned(start)
    check_plan(plan, NOW)
    handle, restore = clocks(plan, None, None)
    assert (handle.name, handle.starts_at, handle.due_at) == (
        ClockName.HANDLE,
        start,
        start + timedelta(hours=6),
    )
    assert restore.due_at == start + timedelta(hours=8)
    # On 1 December nothing has breached: the clocks wait for the planned start.
    assert restore.state(datetime(2026, 12, 1, tzinfo=UTC)) is ClockState.SCHEDULED
    assert restore.state(start + timedelta(hours=1)) is ClockState.RUNNING
    assert restore.state(start + timedelta(hours=9)) is ClockState.BREACHED


def test_unplanned_outage_keeps_6_and_24_hours_from_its_report() -> None:
    plan = Plan(Kind.UNPLANNED, Cause.ACCIDENT, ("拱墅区",), (), reported_at=NOW)
    check_plan(plan, NOW)
    handle, restore = clocks(plan, NOW + timedelta(hours=2), None)
    assert handle.due_at == NOW + timedelta(hours=6)
    assert handle.state(NOW + timedelta(hours=30)) is ClockState.MET
    assert restore.due_at == NOW + timedelta(hours=24)
    assert expected_back(plan) == restore.due_at


@given(st.integers(min_value=-72 * 60, max_value=200 * 60))
def test_a_planned_outage_under_48_hours_ahead_needs_a_reason(minutes_ahead: int) -> None:
    plan = planned(NOW + timedelta(minutes=minutes_ahead))
    if timedelta(minutes=minutes_ahead) >= NOTICE_AHEAD:
        check_plan(plan, NOW)
    else:
        with pytest.raises(IncidentInvalid) as refused:
            check_plan(plan, NOW)
        assert set(refused.value.fields) == {"planned_start"}
        check_plan(planned(plan.planned_start or NOW, reason="主管破裂抢修"), NOW)


def test_a_plan_names_every_problem_at_once() -> None:
    plan = Plan(
        Kind.PLANNED,
        Cause.ACCIDENT,
        (" ",),
        (),
        reported_at=NOW + timedelta(hours=1),
        planned_start=NOW + timedelta(days=5),
        planned_end=NOW + timedelta(days=4),
    )
    with pytest.raises(IncidentInvalid) as refused:
        check_plan(plan, NOW)
    assert set(refused.value.fields) == {"cause", "areas", "reported_at", "planned_end"}


def test_expected_restoration_cannot_come_before_the_start() -> None:
    start = NOW + timedelta(days=3)
    plan = Plan(
        Kind.PLANNED,
        Cause.MAINTENANCE,
        (),
        ("100200300",),
        reported_at=NOW,
        planned_start=start,
        planned_end=start + timedelta(hours=4),
        expected_restoration=start - timedelta(hours=1),
    )
    with pytest.raises(IncidentInvalid) as refused:
        check_plan(plan, NOW)
    assert set(refused.value.fields) == {"expected_restoration"}


@given(st.lists(st.sampled_from(list(Move)), max_size=6))
def test_steps_only_go_forward_one_at_a_time(moves: list[Move]) -> None:
    order = list(Status)
    status = Status.ANNOUNCED
    for move in moves:
        if move in moves_from(status):
            after = next_status(status, move)
            assert order.index(after) == order.index(status) + 1
            status = after
        else:
            with pytest.raises(MoveNotAllowed):
                next_status(status, move)
    assert len(TRANSITIONS) == len(order) - 1
    assert moves_from(Status.CLOSED) == []


@given(st.lists(st.integers(min_value=-100, max_value=200), max_size=20))
def test_notice_share_counts_outages_announced_48_hours_ahead(hours: list[int]) -> None:
    share = notice_share(timedelta(hours=h) for h in hours)
    if not hours:
        assert share is None
    else:
        assert share == sum(1 for h in hours if h >= 48) / len(hours)


def test_a_customer_is_affected_by_area_or_by_account() -> None:
    assert affects(["A"], [], ["B", "A"], "1")
    assert affects([], ["1"], [], "1")
    assert not affects(["A"], ["2"], ["B"], "1")


@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(min_value=0, max_value=90)),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=60),
)
def test_clusters_are_areas_with_enough_recent_reports(
    raw: list[tuple[str, int]], needed: int, minutes: int
) -> None:
    reports = [Report(area, NOW - timedelta(minutes=ago)) for area, ago in raw]
    policy = ClusterPolicy(needed, minutes)
    found = clusters(reports, NOW, policy, covered=["C"])
    for area in ("A", "B"):
        recent = sum(1 for a, ago in raw if a == area and ago <= minutes)
        matching = [cluster for cluster in found if cluster.area == area]
        assert bool(matching) == (recent >= needed)
        if matching:
            assert matching[0].reports == recent
    assert all(cluster.area != "C" for cluster in found)
    assert [c.reports for c in found] == sorted((c.reports for c in found), reverse=True)


def test_an_outage_ticket_joined_to_a_planned_incident_is_clocked_from_its_start() -> None:
    start = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    incident_clocks = clocks(planned(start), None, None)
    entered = sla.Clock(
        name=sla.ClockName.RESTORE,
        kind=sla.TargetKind.MINUTES,
        started_at=NOW,
        target_due_at=NOW + timedelta(hours=24),
        original_due_at=NOW + timedelta(hours=24),
        pausable=False,
        warned_at=NOW + timedelta(hours=20),
    )
    followed = follow_incident(entered, incident_clocks)
    assert (followed.started_at, followed.due_at) == (start, start + timedelta(hours=8))
    assert followed.warned_at is None
    # On 1 December it waits for the 10 December start: neither running nor breached.
    assert followed.state(datetime(2026, 12, 1, tzinfo=UTC)) is sla.ClockState.SCHEDULED
    assert followed.state(start) is sla.ClockState.RUNNING
    breached = replace(entered, breached_at=NOW + timedelta(hours=24))
    assert follow_incident(breached, incident_clocks) == breached
    reply = replace(entered, name=sla.ClockName.REPLY)
    assert follow_incident(reply, incident_clocks) == reply
