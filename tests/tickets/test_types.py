"""Ticket types, subtypes and the priority floor (tickets/types.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.types import (
    GAS_SMELL,
    PRIORITY_RANK,
    SUBTYPE_REQUIRED,
    SUBTYPES,
    Priority,
    TicketRuleError,
    TicketType,
    check_subtype,
    default_priority,
    effective_priority,
)

ALL_KINDS = [
    (ticket_type, subtype) for ticket_type in TicketType for subtype in SUBTYPES[ticket_type]
]


def test_the_four_ticket_types_of_the_regulations() -> None:
    assert {t.value for t in TicketType} == {"consultation", "repair", "complaint", "outage"}


def test_repair_subtypes_are_indoor_network_and_gas_smell() -> None:
    assert SUBTYPES[TicketType.REPAIR] == {"indoor_equipment", "network_fault", GAS_SMELL}


def test_every_type_has_a_subtype_list() -> None:
    assert set(SUBTYPES) == set(TicketType)


@pytest.mark.parametrize(("ticket_type", "subtype"), sorted(ALL_KINDS))
def test_every_listed_subtype_is_accepted(ticket_type: TicketType, subtype: str) -> None:
    check_subtype(ticket_type, subtype)


@pytest.mark.parametrize("ticket_type", [TicketType.CONSULTATION, TicketType.COMPLAINT])
def test_consultation_and_complaint_need_no_subtype(ticket_type: TicketType) -> None:
    assert ticket_type not in SUBTYPE_REQUIRED
    check_subtype(ticket_type, None)


@pytest.mark.parametrize("ticket_type", [TicketType.REPAIR, TicketType.OUTAGE])
def test_repair_and_outage_cannot_do_without_a_subtype(ticket_type: TicketType) -> None:
    with pytest.raises(TicketRuleError) as refused:
        check_subtype(ticket_type, None)
    assert refused.value.field == "subtype"
    assert ticket_type.value in refused.value.message


@pytest.mark.parametrize(
    ("ticket_type", "subtype"),
    [
        (TicketType.REPAIR, "billing"),
        (TicketType.OUTAGE, GAS_SMELL),
        (TicketType.CONSULTATION, GAS_SMELL),
        (TicketType.COMPLAINT, "planned"),
        (TicketType.REPAIR, "Gas_Smell"),
        (TicketType.REPAIR, ""),
        (TicketType.CONSULTATION, "unknown"),
    ],
)
def test_a_subtype_foreign_to_the_type_is_refused_with_the_allowed_list(
    ticket_type: TicketType, subtype: str
) -> None:
    with pytest.raises(TicketRuleError) as refused:
        check_subtype(ticket_type, subtype)
    assert refused.value.field == "subtype"
    for allowed in SUBTYPES[ticket_type]:
        assert allowed in refused.value.message


def test_ticket_rule_error_is_a_value_error() -> None:
    assert issubclass(TicketRuleError, ValueError)


@pytest.mark.parametrize("requested", [None, *Priority])
def test_gas_smell_is_always_an_emergency(requested: Priority | None) -> None:
    assert effective_priority(TicketType.REPAIR, GAS_SMELL, requested) is Priority.EMERGENCY


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, Priority.URGENT),
        (Priority.NORMAL, Priority.URGENT),
        (Priority.URGENT, Priority.URGENT),
        (Priority.EMERGENCY, Priority.EMERGENCY),
    ],
)
def test_an_unplanned_outage_is_at_least_urgent(
    requested: Priority | None, expected: Priority
) -> None:
    assert effective_priority(TicketType.OUTAGE, "unplanned", requested) is expected


@pytest.mark.parametrize(
    ("ticket_type", "subtype"),
    [
        (TicketType.CONSULTATION, None),
        (TicketType.COMPLAINT, "service_attitude"),
        (TicketType.REPAIR, "indoor_equipment"),
        (TicketType.REPAIR, "network_fault"),
        (TicketType.OUTAGE, "planned"),
    ],
)
def test_other_tickets_default_to_normal_and_take_the_requested_priority(
    ticket_type: TicketType, subtype: str | None
) -> None:
    assert default_priority(ticket_type, subtype) is Priority.NORMAL
    assert effective_priority(ticket_type, subtype, None) is Priority.NORMAL
    for requested in Priority:
        assert effective_priority(ticket_type, subtype, requested) is requested


def test_gas_smell_is_an_emergency_only_as_a_repair() -> None:
    assert default_priority(TicketType.REPAIR, GAS_SMELL) is Priority.EMERGENCY
    assert default_priority(TicketType.CONSULTATION, GAS_SMELL) is Priority.NORMAL


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from([*ALL_KINDS, (TicketType.CONSULTATION, None)]),
    requested=st.none() | st.sampled_from(list(Priority)),
)
def test_effective_priority_is_the_more_pressing_of_floor_and_request(
    kind: tuple[TicketType, str | None], requested: Priority | None
) -> None:
    floor = default_priority(*kind)
    result = effective_priority(*kind, requested)
    assert PRIORITY_RANK[result] <= PRIORITY_RANK[floor]
    if requested is not None:
        assert PRIORITY_RANK[result] == min(PRIORITY_RANK[floor], PRIORITY_RANK[requested])
    else:
        assert result is floor
