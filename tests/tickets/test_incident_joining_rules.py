"""Tickets filed in an outage's area (tickets/incidents.py `joining`): a no-gas report joins
the outage that explains it, a gas smell never does, other repairs and complaints are only
flagged for the dispatcher, consultations left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tickets.incidents import (
    PUBLIC,
    Cause,
    Joining,
    Kind,
    Plan,
    Status,
    gas_off_now,
    joining,
)
from tickets.types import SUBTYPES, TicketType

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
AREA = ("西湖区-文新街道",)


def planned(days_ahead: float) -> Plan:
    start = NOW + timedelta(days=days_ahead)
    return Plan(
        Kind.PLANNED,
        Cause.MAINTENANCE,
        AREA,
        (),
        NOW - timedelta(days=3),
        planned_start=start,
        planned_end=start + timedelta(hours=8),
    )


UNPLANNED = Plan(Kind.UNPLANNED, Cause.ACCIDENT, AREA, (), NOW - timedelta(hours=1))


def test_a_no_gas_report_joins_an_outage_that_has_the_gas_off() -> None:
    assert joining(TicketType.OUTAGE, "unplanned", UNPLANNED, Status.ANNOUNCED, NOW) is Joining.JOIN
    assert joining(TicketType.OUTAGE, "unplanned", UNPLANNED, Status.UNDER_WAY, NOW) is Joining.JOIN
    # Back in the mains, but the meter stays shut until relit: still this outage.
    assert joining(TicketType.OUTAGE, "unplanned", UNPLANNED, Status.RESTORED, NOW) is Joining.JOIN


def test_the_planned_outage_entered_as_a_ticket_joins_it_before_it_starts() -> None:
    ahead = planned(10)
    assert joining(TicketType.OUTAGE, "planned", ahead, Status.ANNOUNCED, NOW) is Joining.JOIN
    # No gas today cannot be the work planned for ten days from now: the dispatcher decides.
    assert joining(TicketType.OUTAGE, "unplanned", ahead, Status.ANNOUNCED, NOW) is Joining.FLAG
    started = planned(-0.1)
    assert joining(TicketType.OUTAGE, "unplanned", started, Status.ANNOUNCED, NOW) is Joining.JOIN


def test_a_gas_smell_is_never_absorbed_only_flagged() -> None:
    for status in PUBLIC:
        assert joining(TicketType.REPAIR, "gas_smell", UNPLANNED, status, NOW) is Joining.FLAG


def test_other_repairs_and_complaints_are_flagged_and_consultations_left_alone() -> None:
    for subtype in ("network_fault", "indoor_equipment"):
        assert joining(TicketType.REPAIR, subtype, UNPLANNED, Status.UNDER_WAY, NOW) is Joining.FLAG
    assert (
        joining(TicketType.COMPLAINT, "timeliness", UNPLANNED, Status.UNDER_WAY, NOW)
        is Joining.FLAG
    )
    assert (
        joining(TicketType.CONSULTATION, "other", UNPLANNED, Status.UNDER_WAY, NOW) is Joining.NONE
    )


def test_an_outage_over_takes_nothing() -> None:
    for status in (Status.RELIT, Status.CLOSED):
        assert joining(TicketType.OUTAGE, "unplanned", UNPLANNED, status, NOW) is Joining.NONE
        assert joining(TicketType.REPAIR, "gas_smell", UNPLANNED, status, NOW) is Joining.NONE


def test_gas_is_off_from_the_start_until_relit() -> None:
    ahead = planned(1)
    assert not gas_off_now(ahead, Status.ANNOUNCED, NOW)
    assert gas_off_now(ahead, Status.ANNOUNCED, NOW + timedelta(days=1))
    assert gas_off_now(ahead, Status.RESTORED, NOW)
    assert not gas_off_now(ahead, Status.RELIT, NOW)


TICKETS = st.sampled_from(
    [(ticket_type, subtype) for ticket_type, names in SUBTYPES.items() for subtype in names]
)
PLANS = st.one_of(
    st.just(UNPLANNED), st.floats(min_value=-5, max_value=30).map(lambda days: planned(days))
)


@given(ticket=TICKETS, plan=PLANS, status=st.sampled_from(Status))
def test_only_outage_tickets_ever_join_and_a_gas_smell_never_does(
    ticket: tuple[TicketType, str], plan: Plan, status: Status
) -> None:
    ticket_type, subtype = ticket
    found = joining(ticket_type, subtype, plan, status, NOW)
    if found is Joining.JOIN:
        assert ticket_type is TicketType.OUTAGE and status in PUBLIC
    if subtype == "gas_smell":
        assert found is (Joining.FLAG if status in PUBLIC else Joining.NONE)
    if ticket_type is TicketType.CONSULTATION or status not in PUBLIC:
        assert found is Joining.NONE


@given(plan=PLANS, status=st.sampled_from(sorted(PUBLIC)))
def test_a_no_gas_report_joins_exactly_when_the_gas_is_off(plan: Plan, status: Status) -> None:
    found = joining(TicketType.OUTAGE, "unplanned", plan, status, NOW)
    assert (found is Joining.JOIN) == gas_off_now(plan, status, NOW)
