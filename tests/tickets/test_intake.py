from __future__ import annotations

import pytest

from tickets.intake import suggest
from tickets.types import GAS_SMELL, TicketType, check_subtype


@pytest.mark.parametrize(
    ("choice", "ticket_type", "subtype", "emergency"),
    [
        ("consultation", TicketType.CONSULTATION, None, False),
        ("repair", TicketType.REPAIR, None, False),
        ("complaint", TicketType.COMPLAINT, None, False),
        ("gas-smell", TicketType.REPAIR, GAS_SMELL, True),
        ("no-gas", TicketType.OUTAGE, None, False),
        ("gas-outage", TicketType.REPAIR, GAS_SMELL, True),
        (" Repair ", TicketType.REPAIR, None, False),
    ],
)
def test_menu_choices_suggest_a_ticket(
    choice: str, ticket_type: TicketType, subtype: str | None, emergency: bool
) -> None:
    suggestion = suggest(choice)
    assert suggestion is not None
    assert (suggestion.type, suggestion.subtype, suggestion.emergency) == (
        ticket_type,
        subtype,
        emergency,
    )
    if suggestion.subtype is not None:
        check_subtype(suggestion.type, suggestion.subtype)


@pytest.mark.parametrize("choice", [None, "", "ivr-no-choice", "9"])
def test_no_or_unknown_choice_suggests_nothing(choice: str | None) -> None:
    assert suggest(choice) is None
