from __future__ import annotations

from datetime import date

import pytest

from tickets.numbering import format_number, is_ticket_number
from tickets.phones import PhoneError, mask_phone, normalise_phone
from tickets.routing import RoutingRule, route
from tickets.types import Priority, TicketRuleError, TicketType, check_subtype, effective_priority

RULES = [
    RoutingRule("dispatch", TicketType.REPAIR, "gas_smell"),
    RoutingRule("north", TicketType.REPAIR, area="北区"),
    RoutingRule("quality", TicketType.COMPLAINT),
]


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "area", "department"),
    [
        (TicketType.REPAIR, "gas_smell", "北区", "dispatch"),  # first match wins
        (TicketType.REPAIR, "indoor_equipment", "北区", "north"),
        (TicketType.REPAIR, "indoor_equipment", "南区", "hotline"),
        (TicketType.COMPLAINT, None, None, "quality"),
        (TicketType.CONSULTATION, None, "北区", "hotline"),
    ],
)
def test_routing_first_match_wins_else_default(
    ticket_type: TicketType, subtype: str | None, area: str | None, department: str
) -> None:
    assert route(RULES, ticket_type, subtype, area, "hotline") == department


def test_numbers_read_out_on_the_phone() -> None:
    assert format_number(TicketType.REPAIR, date(2026, 11, 22), 7) == "BX-20261122-0007"
    assert format_number(TicketType.COMPLAINT, date(2026, 11, 22), 12345) == "TS-20261122-12345"
    assert is_ticket_number("ZX-20261122-0001") and not is_ticket_number("XX-2026-1")
    with pytest.raises(ValueError):
        format_number(TicketType.OUTAGE, date(2026, 11, 22), 0)


def test_subtypes_and_priority_floor() -> None:
    check_subtype(TicketType.CONSULTATION, None)
    with pytest.raises(TicketRuleError):
        check_subtype(TicketType.REPAIR, None)
    with pytest.raises(TicketRuleError):
        check_subtype(TicketType.REPAIR, "billing")
    assert effective_priority(TicketType.REPAIR, "gas_smell", Priority.NORMAL) is Priority.EMERGENCY
    assert effective_priority(TicketType.CONSULTATION, None, Priority.URGENT) is Priority.URGENT
    assert effective_priority(TicketType.OUTAGE, "unplanned", None) is Priority.URGENT


@pytest.mark.parametrize(
    "raw", ["13812345678", "008613812345678", "8613812345678", "013812345678", "+86 138-1234-5678"]
)
def test_phone_forms_normalise_to_one(raw: str) -> None:
    assert normalise_phone(raw, "571") == "+8613812345678"


def test_local_fixed_lines_and_bad_numbers() -> None:
    assert normalise_phone("87654321", "571") == "+8657187654321"
    assert normalise_phone("010-12345678", "571") == "+861012345678"
    for bad in ("12345", "", "abc", "95598"):
        with pytest.raises(PhoneError):
            normalise_phone(bad, "571")
    assert mask_phone("+8613812345678") == "+86138****5678"
