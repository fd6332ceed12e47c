"""Routing rules: first match wins, empty fields match anything (tickets/routing.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.routing import RoutingRule, covers, route, shadowing_rule
from tickets.types import SUBTYPES, TicketType

DEFAULT = "hotline"
RULES = [
    RoutingRule("emergency", TicketType.REPAIR, "gas_smell"),
    RoutingRule("north_crew", TicketType.REPAIR, area="北区"),
    RoutingRule("quality", TicketType.COMPLAINT),
    RoutingRule("north_office", area="北区"),
]


@pytest.mark.parametrize(
    ("ticket_type", "subtype", "area", "department"),
    [
        (TicketType.REPAIR, "gas_smell", "北区", "emergency"),
        (TicketType.REPAIR, "gas_smell", None, "emergency"),
        (TicketType.REPAIR, "indoor_equipment", "北区", "north_crew"),
        (TicketType.REPAIR, "indoor_equipment", "南区", DEFAULT),
        (TicketType.COMPLAINT, None, "北区", "quality"),
        (TicketType.COMPLAINT, "billing", None, "quality"),
        (TicketType.CONSULTATION, None, "北区", "north_office"),
        (TicketType.OUTAGE, "planned", "北区", "north_office"),
        (TicketType.CONSULTATION, None, None, DEFAULT),
    ],
)
def test_the_first_matching_rule_routes_the_ticket(
    ticket_type: TicketType, subtype: str | None, area: str | None, department: str
) -> None:
    assert route(RULES, ticket_type, subtype, area, DEFAULT) == department


def test_rule_order_decides_between_two_matching_rules() -> None:
    by_type = RoutingRule("repairs", TicketType.REPAIR)
    by_area = RoutingRule("north", area="北区")
    assert (
        route([by_type, by_area], TicketType.REPAIR, "network_fault", "北区", DEFAULT) == "repairs"
    )
    assert route([by_area, by_type], TicketType.REPAIR, "network_fault", "北区", DEFAULT) == "north"


def test_a_rule_with_no_fields_matches_every_ticket() -> None:
    catch_all = RoutingRule("everything")
    for ticket_type in TicketType:
        for subtype in [None, *SUBTYPES[ticket_type]]:
            for area in (None, "北区", ""):
                assert catch_all.matches(ticket_type, subtype, area)


def test_a_set_field_never_matches_a_missing_value() -> None:
    assert not RoutingRule("x", subtype="gas_smell").matches(TicketType.REPAIR, None, None)
    assert not RoutingRule("x", area="北区").matches(TicketType.REPAIR, "gas_smell", None)


def test_every_set_field_must_match() -> None:
    rule = RoutingRule("x", TicketType.REPAIR, "network_fault", "东区")
    assert rule.matches(TicketType.REPAIR, "network_fault", "东区")
    assert not rule.matches(TicketType.OUTAGE, "network_fault", "东区")
    assert not rule.matches(TicketType.REPAIR, "indoor_equipment", "东区")
    assert not rule.matches(TicketType.REPAIR, "network_fault", "西区")


def test_no_rules_means_the_default_department() -> None:
    assert route([], TicketType.REPAIR, "gas_smell", "北区", DEFAULT) == DEFAULT


kinds = st.sampled_from([(t, s) for t in TicketType for s in [None, *sorted(SUBTYPES[t])]])
areas = st.sampled_from([None, "北区", "南区", "东区"])
rules = st.builds(
    RoutingRule,
    department=st.sampled_from(["a", "b", "c", "d"]),
    ticket_type=st.none() | st.sampled_from(list(TicketType)),
    subtype=st.none() | st.sampled_from(["gas_smell", "planned", "billing"]),
    area=areas,
)


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(rules, max_size=6), kind=kinds, area=areas)
def test_routing_is_the_first_match_or_the_default(
    rules: list[RoutingRule], kind: tuple[TicketType, str | None], area: str | None
) -> None:
    department = route(rules, kind[0], kind[1], area, DEFAULT)
    matching = [rule for rule in rules if rule.matches(kind[0], kind[1], area)]
    assert department == (matching[0].department if matching else DEFAULT)
    # A catch-all rule put first takes everything; put last it only catches the rest.
    assert route([RoutingRule("first"), *rules], kind[0], kind[1], area, DEFAULT) == "first"
    last = route([*rules, RoutingRule("last")], kind[0], kind[1], area, DEFAULT)
    assert last == (department if matching else "last")


def test_a_rule_behind_a_broader_one_never_fires() -> None:
    broad = RoutingRule("repairs", TicketType.REPAIR)
    narrow = RoutingRule("emergency", TicketType.REPAIR, "gas_smell")
    assert shadowing_rule([broad, narrow], 1) == 0
    assert shadowing_rule([narrow, broad], 1) is None
    assert shadowing_rule([RoutingRule("north", area="北区"), narrow], 1) is None
    assert shadowing_rule([narrow, RoutingRule("same", TicketType.REPAIR, "gas_smell")], 1) == 0
    assert shadowing_rule([narrow], 0) is None


@settings(max_examples=300, deadline=None)
@given(earlier=rules, later=rules, kind=kinds, area=areas)
def test_a_covered_rule_matches_nothing_its_coverer_does_not(
    earlier: RoutingRule, later: RoutingRule, kind: tuple[TicketType, str | None], area: str | None
) -> None:
    if covers(earlier, later) and later.matches(kind[0], kind[1], area):
        assert earlier.matches(kind[0], kind[1], area)
        assert route([earlier, later], kind[0], kind[1], area, DEFAULT) == earlier.department


@settings(max_examples=300, deadline=None)
@given(earlier=rules, later=rules)
def test_an_uncovered_rule_has_a_ticket_of_its_own(
    earlier: RoutingRule, later: RoutingRule
) -> None:
    """Where `covers` says no, some ticket reaches `later`: the check refuses no useful rule."""
    if covers(earlier, later):
        return
    probes = [
        (later.ticket_type or t, later.subtype if later.subtype else s, later.area or a)
        for t in TicketType
        for s in [None, "gas_smell", "planned", "billing", "other"]
        for a in [None, "北区", "南区", "东区", "西区"]
    ]
    assert any(later.matches(t, s, a) and not earlier.matches(t, s, a) for t, s, a in probes)
